#include "powlab/draw/chart.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "powlab/util/error.h"

namespace powlab::draw {

namespace {

// Geometry in SVG user units. The legend sits right of the plot so it never hides data.
constexpr double kWidth = 760;
constexpr double kPanelHeight = 340;
constexpr double kLeft = 78;     // room for the y tick labels and the rotated y label
constexpr double kRight = 200;   // the legend's column
constexpr double kTop = 34;      // the panel title
constexpr double kBottom = 52;   // x tick labels and the x label
constexpr double kTitleHeight = 30;
constexpr double kNoteHeight = 16;
constexpr std::size_t kMaxLegendRows = 14;  // past this, "... and N more" (a race of many miners)

// Every coordinate with two decimals: enough for a screen, and the same bytes on every run.
std::string num(double v) {
  if (v == 0) v = 0;  // never "-0.00"
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// A tick label: up to 6 significant digits, as short as that allows.
std::string tick_label(double v, bool log_axis) {
  char buf[48];
  if (log_axis) {
    std::snprintf(buf, sizeof buf, "1e%d", static_cast<int>(std::lround(std::log10(v))));
    return buf;
  }
  if (std::fabs(v) < 1e-12) return "0";
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

struct Range {
  double lo = 0;
  double hi = 1;
};

bool usable(const Point& p, bool log_y) { return std::isfinite(p.x) && std::isfinite(p.y) && (!log_y || p.y > 0); }

Range padded(double lo, double hi) {
  if (!(hi > lo)) {  // one value (or none): a unit-wide range around it
    const double m = std::isfinite(lo) ? lo : 0;
    const double half = m == 0 ? 1 : std::fabs(m) * 0.5;
    return {m - half, m + half};
  }
  return {lo, hi};
}

class Writer {
 public:
  void raw(const std::string& s) { out_ += s; }
  std::string take() { return std::move(out_); }
  void text(double x, double y, const std::string& s, const char* anchor, int size, const char* extra = "") {
    out_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor + "\" font-size=\"" +
            std::to_string(size) + "\"" + extra + ">" + xml_escape(s) + "</text>\n";
  }
  void line(double x1, double y1, double x2, double y2, const std::string& stroke, double width,
            const char* extra = "") {
    out_ += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) +
            "\" stroke=\"" + stroke + "\" stroke-width=\"" + num(width) + "\"" + extra + "/>\n";
  }

 private:
  std::string out_;
};

void draw_panel(Writer& w, const Panel& panel, double top) {
  const double x0 = kLeft, x1 = kWidth - kRight;
  const double y0 = top + kTop, y1 = top + kPanelHeight - kBottom;  // y0 is the plot's top edge

  // Data ranges, error bars included.
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  std::size_t dropped = 0;
  for (const Series& s : panel.series) {
    for (const Point& p : s.points) {
      if (!usable(p, panel.log_y)) {
        if (!(panel.log_y && p.y == 0 && p.hi && *p.hi > 0)) ++dropped;  // else drawn on the bottom edge
        continue;
      }
      xmin = std::min(xmin, p.x);
      xmax = std::max(xmax, p.x);
      ymin = std::min(ymin, p.y);
      ymax = std::max(ymax, p.y);
      if (p.lo && p.hi && std::isfinite(*p.hi)) ymax = std::max(ymax, *p.hi);
      if (p.lo && p.hi && std::isfinite(*p.lo) && (!panel.log_y || *p.lo > 0)) ymin = std::min(ymin, *p.lo);
    }
  }
  const bool empty = !(xmin <= xmax);
  if (panel.y_min) ymin = *panel.y_min;
  if (panel.y_max) ymax = *panel.y_max;
  const Range xr = empty ? Range{0, 1} : padded(xmin, xmax);

  // y: linear ticks, or decades on a log axis (stored as log10 values).
  Range yr;
  std::vector<double> yticks;
  if (panel.log_y) {
    const double lo = empty || !(ymin > 0) ? 1e-3 : ymin;
    const double hi = empty || !(ymax > 0) ? 1 : ymax;
    yr = {std::floor(std::log10(lo)), std::ceil(std::log10(hi))};
    if (yr.hi <= yr.lo) yr.hi = yr.lo + 1;
    const int decades = static_cast<int>(yr.hi - yr.lo);
    const int step = std::max(1, decades / 8);
    for (int d = static_cast<int>(yr.lo); d <= static_cast<int>(yr.hi); d += step) yticks.push_back(d);
  } else {
    yr = empty && !panel.y_min ? Range{0, 1} : padded(ymin, ymax);
    yticks = nice_ticks(yr.lo, yr.hi, 6);
    if (!panel.y_min) yr.lo = std::min(yr.lo, yticks.front());
    if (!panel.y_max) yr.hi = std::max(yr.hi, yticks.back());
  }
  std::vector<double> xticks = nice_ticks(xr.lo, xr.hi, 7);
  if (panel.integer_x && xticks.size() > 1 && xticks[1] - xticks[0] < 1) {
    xticks.clear();
    for (double t = std::floor(xr.lo); t <= std::ceil(xr.hi) && xticks.size() < 100; t += 1) xticks.push_back(t);
  }
  const Range xs = {std::min(xr.lo, xticks.front()), std::max(xr.hi, xticks.back())};

  auto X = [&](double x) { return x0 + (x - xs.lo) / (xs.hi - xs.lo) * (x1 - x0); };
  auto Y = [&](double y) {
    const double v = panel.log_y ? std::log10(y) : y;
    const double c = std::clamp(v, yr.lo, yr.hi);  // an error bar past a fixed range stops at the edge
    return y1 - (c - yr.lo) / (yr.hi - yr.lo) * (y1 - y0);
  };
  auto Ylog = [&](double decade) { return y1 - (decade - yr.lo) / (yr.hi - yr.lo) * (y1 - y0); };

  w.raw("<g class=\"panel\">\n");
  w.text((x0 + x1) / 2, top + 20, panel.title, "middle", 15, " font-weight=\"bold\"");
  w.raw("<rect x=\"" + num(x0) + "\" y=\"" + num(y0) + "\" width=\"" + num(x1 - x0) + "\" height=\"" +
        num(y1 - y0) + "\" fill=\"#ffffff\" stroke=\"#333333\" stroke-width=\"1.00\"/>\n");
  // Ticks and grid.
  for (double t : xticks) {
    if (t < xs.lo - 1e-9 * (xs.hi - xs.lo) || t > xs.hi + 1e-9 * (xs.hi - xs.lo)) continue;
    const double x = X(t);
    w.line(x, y0, x, y1, "#e4e4e4", 1);
    w.line(x, y1, x, y1 + 5, "#333333", 1);
    w.text(x, y1 + 19, tick_label(t, false), "middle", 12);
  }
  for (double t : yticks) {
    const double y = panel.log_y ? Ylog(t) : Y(t);
    if (y < y0 - 0.01 || y > y1 + 0.01) continue;
    w.line(x0, y, x1, y, "#e4e4e4", 1);
    w.line(x0 - 5, y, x0, y, "#333333", 1);
    w.text(x0 - 8, y + 4, tick_label(panel.log_y ? std::pow(10.0, t) : t, panel.log_y), "end", 12);
  }
  // Axis labels: classes let a test find them without parsing the geometry.
  w.text((x0 + x1) / 2, y1 + 42, panel.x_label, "middle", 13, " class=\"x-label\"");
  const std::string ly = num(top + (kTop + kPanelHeight - kBottom) / 2);
  w.raw("<text x=\"18.00\" y=\"" + ly + "\" text-anchor=\"middle\" font-size=\"13\" class=\"y-label\" " +
        "transform=\"rotate(-90 18.00 " + ly + ")\">" + xml_escape(panel.y_label) + "</text>\n");
  if (empty) w.text((x0 + x1) / 2, (y0 + y1) / 2, "no data", "middle", 14, " fill=\"#888888\"");

  // Series, clipped to the plot.
  for (std::size_t i = 0; i < panel.series.size(); ++i) {
    const Series& s = panel.series[i];
    const std::string& colour = s.colour.empty() ? palette(i) : s.colour;
    w.raw("<g class=\"series\" data-name=\"" + xml_escape(s.name) + "\">\n");
    if (s.style != Style::points) {
      std::string pts;
      for (const Point& p : s.points) {
        if (!usable(p, panel.log_y)) continue;
        if (!pts.empty()) pts += ' ';
        pts += num(X(p.x));
        pts += ',';
        pts += num(Y(p.y));
      }
      if (!pts.empty()) {
        w.raw("<polyline fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"2.00\"" +
              (s.style == Style::dashed_line ? " stroke-dasharray=\"6 4\"" : "") + " points=\"" + pts + "\"/>\n");
      }
    } else {
      for (const Point& p : s.points) {
        // A measured 0 (no success in the trials) cannot sit on a log axis, but its interval
        // says how small the value may be: a hollow marker on the bottom edge, with its bar.
        const bool floor_point = panel.log_y && std::isfinite(p.x) && p.y == 0 && p.hi && *p.hi > 0;
        if (floor_point) {
          const double cx = X(p.x);
          w.line(cx, y1, cx, Y(*p.hi), colour, 1.5);
          w.line(cx - 4, Y(*p.hi), cx + 4, Y(*p.hi), colour, 1.5);
          w.raw("<circle cx=\"" + num(cx) + "\" cy=\"" + num(y1) + "\" r=\"4.00\" fill=\"#ffffff\" stroke=\"" + colour +
                "\" stroke-width=\"1.50\" class=\"at-zero\"/>\n");
          continue;
        }
        if (!usable(p, panel.log_y)) continue;
        const double cx = X(p.x), cy = Y(p.y);
        if (p.lo && p.hi && std::isfinite(*p.lo) && std::isfinite(*p.hi)) {
          // A lower end at or below 0 on a log axis runs to the bottom edge.
          const double ylo = panel.log_y && !(*p.lo > 0) ? y1 : Y(*p.lo);
          const double yhi = Y(*p.hi);
          w.line(cx, ylo, cx, yhi, colour, 1.5);
          w.line(cx - 4, ylo, cx + 4, ylo, colour, 1.5);
          w.line(cx - 4, yhi, cx + 4, yhi, colour, 1.5);
        }
        w.raw("<circle cx=\"" + num(cx) + "\" cy=\"" + num(cy) + "\" r=\"4.00\" fill=\"" + colour + "\"/>\n");
      }
    }
    w.raw("</g>\n");
  }

  // Legend.
  const double lx = x1 + 14;
  double ly2 = y0 + 8;
  for (std::size_t i = 0; i < panel.series.size(); ++i) {
    if (i == kMaxLegendRows) {
      w.text(lx, ly2 + 4, "... and " + std::to_string(panel.series.size() - i) + " more", "start", 12);
      break;
    }
    const Series& s = panel.series[i];
    const std::string& colour = s.colour.empty() ? palette(i) : s.colour;
    if (s.style == Style::points) {
      w.raw("<circle cx=\"" + num(lx + 10) + "\" cy=\"" + num(ly2) + "\" r=\"4.00\" fill=\"" + colour + "\"/>\n");
    } else {
      w.line(lx, ly2, lx + 20, ly2, colour, 2, s.style == Style::dashed_line ? " stroke-dasharray=\"6 4\"" : "");
    }
    w.text(lx + 26, ly2 + 4, s.name, "start", 12, " class=\"legend\"");
    ly2 += 18;
  }
  if (dropped > 0) {
    w.text(x1 - 6, y0 + 16, std::to_string(dropped) + (panel.log_y ? " point(s) at 0 not drawn" : " point(s) not finite"),
           "end", 11, " fill=\"#888888\" class=\"dropped\"");
  }
  w.raw("</g>\n");
}

}  // namespace

const std::string& palette(std::size_t i) {
  static const std::string colours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                        "#E69F00", "#56B4E9", "#000000", "#F0E442"};
  return colours[i % (sizeof colours / sizeof colours[0])];
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 allows tab, LF and CR only among the control characters.
        out += (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f ? '?' : c;
    }
  }
  return out;
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(hi > lo) || target < 2) return {lo};
  const double raw = (hi - lo) / (target - 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * mag;
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  }
  std::vector<double> ticks;
  const double first = std::floor(lo / step) * step;
  // Counting steps from `first` (not adding step repeatedly) keeps rounding from drifting.
  for (int k = 0; k < 1000; ++k) {
    double t = first + k * step;
    if (std::fabs(t) < step * 1e-9) t = 0;
    ticks.push_back(t);
    if (t >= hi - step * 1e-9) break;
  }
  return ticks;
}

std::string chart_svg(const Figure& figure) {
  Writer w;
  const double height = kTitleHeight + kPanelHeight * static_cast<double>(std::max<std::size_t>(1, figure.panels.size())) +
                        kNoteHeight * static_cast<double>(figure.notes.size()) + 10;
  w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  w.raw("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(kWidth) + "\" height=\"" + num(height) +
        "\" viewBox=\"0 0 " + num(kWidth) + " " + num(height) + "\" font-family=\"DejaVu Sans, sans-serif\">\n");
  w.raw("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
  w.text(kWidth / 2, 22, figure.title, "middle", 17, " font-weight=\"bold\" class=\"title\"");
  double top = kTitleHeight;
  for (const Panel& p : figure.panels) {
    draw_panel(w, p, top);
    top += kPanelHeight;
  }
  if (figure.panels.empty()) top += kPanelHeight;
  for (const std::string& n : figure.notes) {
    w.text(kLeft, top + 12, n, "start", 11, " fill=\"#444444\" class=\"note\"");
    top += kNoteHeight;
  }
  w.raw("</svg>\n");
  return w.take();
}

void write_text_file(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) throw ParseError("cannot write " + path + ": " + std::strerror(errno));
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int err = errno;
  if (std::fclose(f) != 0 || !ok) throw ParseError("cannot write " + path + ": " + std::strerror(ok ? errno : err));
}

}  // namespace powlab::draw
