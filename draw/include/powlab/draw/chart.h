// powlab's own small SVG chart writer: panels of x/y axes with ticks and labels, series drawn
// as polylines or points with error bars, and a legend. Presentation only: it knows nothing of
// blocks or miners, and depends on nothing but the standard library (draw/ sits beside core/,
// on util at most; tests/layering_test.cmake checks it).
//
// Why our own and not a plotting library: Debian 12 packages none for C++ that writes plain
// SVG without a GUI toolkit, and the output must be byte-identical for a seed (every number is
// printed with a fixed number of decimals), which a test can then pin.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace powlab::draw {

struct Point {
  Point() = default;
  Point(double x_, double y_) : x(x_), y(y_) {}
  Point(double x_, double y_, double lo_, double hi_) : x(x_), y(y_), lo(lo_), hi(hi_) {}
  double x = 0;
  double y = 0;
  // An error bar (e.g. a 95 % interval) from lo to hi, when both are set.
  std::optional<double> lo;
  std::optional<double> hi;
};

enum class Style {
  line,         // a polyline through the points, in order
  dashed_line,  // the same, dashed: a reference (the ideal line, a closed form)
  points,       // a marker per point, with its error bar if it has one
};

struct Series {
  std::string name;      // the legend's text
  Style style = Style::line;
  std::vector<Point> points;
  std::string colour;    // "#rrggbb"; empty: the palette's colour for the series' index
};

struct Panel {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool integer_x = false;  // whole-number x ticks only (thread counts, confirmations)
  bool log_y = false;    // decades on the y axis; points with y <= 0 are left out (and said so)
  std::optional<double> y_min;  // fix the y range (e.g. a fraction in [0, 1])
  std::optional<double> y_max;
  std::vector<Series> series;
};

struct Figure {
  std::string title;
  std::vector<Panel> panels;       // stacked top to bottom, sharing the width
  std::vector<std::string> notes;  // lines of small print under the panels
};

// The SVG document, byte-identical for equal input. Never throws for odd data: non-finite
// points are skipped, an empty panel is drawn with its axes and "no data".
std::string chart_svg(const Figure& figure);

// Text for an SVG/XML document: & < > " ' escaped, control characters (which XML 1.0 forbids)
// replaced by '?'.
std::string xml_escape(std::string_view text);

// Tick positions of a linear axis covering [lo, hi]: steps of 1, 2 or 5 times a power of ten,
// about `target` of them.
std::vector<double> nice_ticks(double lo, double hi, int target);

// The palette's colour for series i (cycles): colour-blind-safe (Okabe and Ito 2008).
const std::string& palette(std::size_t i);

// Writes `text` to `path` (truncating). Throws powlab::ParseError naming the file on failure.
void write_text_file(const std::string& path, const std::string& text);

}  // namespace powlab::draw
