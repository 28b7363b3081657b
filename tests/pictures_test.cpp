// Pictures (issue 13 part 1): the SVG chart writer, the fork tree's Graphviz source, and every
// `--svg` a command writes, each rendered by a real renderer (rsvg-convert) into a PNG that is
// decoded here and must not be one flat colour; then what the picture must hold (stale nodes,
// one series per miner, axis labels).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>

#include "ledger_util.h"
#include "pictures.h"
#include "powlab/draw/chart.h"
#include "powlab/draw/fork_tree.h"
#include "powlab/ledger/store.h"
#include "powlab/util/error.h"
#include "powlab/util/file.h"
#include "test_util.h"

extern char** environ;

namespace powlab {
namespace {

using test::run_powlab;
using test::TempDir;

// ---- a renderer and a tiny PNG reader ----

int run_program(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return 127;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

std::uint32_t be32(const std::string& s, std::size_t at) {
  return (std::uint32_t{static_cast<unsigned char>(s[at])} << 24) | (static_cast<unsigned char>(s[at + 1]) << 16) |
         (static_cast<unsigned char>(s[at + 2]) << 8) | static_cast<unsigned char>(s[at + 3]);
}

struct Image {
  std::uint32_t width = 0, height = 0;
  std::size_t channels = 4;         // 3 (RGB) or 4 (RGBA)
  std::vector<std::uint8_t> pixels;  // width * height * channels
};

// Enough PNG for what rsvg-convert writes: 8-bit RGB (an opaque picture) or RGBA, not
// interlaced, filters 0..4.
Image decode_png(const std::string& png) {
  Image img;
  if (png.size() < 8 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) throw std::runtime_error("not a PNG");
  std::string idat;
  for (std::size_t at = 8; at + 8 <= png.size();) {
    const std::uint32_t len = be32(png, at);
    const std::string type = png.substr(at + 4, 4);
    if (at + 12 + len > png.size()) throw std::runtime_error("truncated chunk");
    if (type == "IHDR") {
      img.width = be32(png, at + 8);
      img.height = be32(png, at + 12);
      if (png[at + 16] != 8 || (png[at + 17] != 2 && png[at + 17] != 6) || png[at + 20] != 0) {
        throw std::runtime_error("not 8-bit RGB or RGBA");
      }
      img.channels = png[at + 17] == 2 ? 3 : 4;
    } else if (type == "IDAT") {
      idat += png.substr(at + 8, len);
    }
    at += 12 + len;
  }
  const std::size_t bpp = img.channels;
  const std::size_t stride = std::size_t{img.width} * bpp;
  std::vector<std::uint8_t> raw((stride + 1) * img.height);
  uLongf raw_len = raw.size();
  if (uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK ||
      raw_len != raw.size()) {
    throw std::runtime_error("bad IDAT");
  }
  img.pixels.resize(stride * img.height);
  for (std::size_t y = 0; y < img.height; ++y) {
    const std::uint8_t filter = raw[y * (stride + 1)];
    const std::uint8_t* in = &raw[y * (stride + 1) + 1];
    std::uint8_t* out = &img.pixels[y * stride];
    const std::uint8_t* up = y > 0 ? &img.pixels[(y - 1) * stride] : nullptr;
    for (std::size_t x = 0; x < stride; ++x) {
      const int a = x >= bpp ? out[x - bpp] : 0, b = up ? up[x] : 0, c = (x >= bpp && up) ? up[x - bpp] : 0;
      int v = in[x];
      switch (filter) {
        case 0: break;
        case 1: v += a; break;
        case 2: v += b; break;
        case 3: v += (a + b) / 2; break;
        case 4: {
          const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
          v += (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
          break;
        }
        default: throw std::runtime_error("bad filter");
      }
      out[x] = static_cast<std::uint8_t>(v);
    }
  }
  return img;
}

// Renders `svg_path` with rsvg-convert and returns the fraction of pixels that differ from the
// top-left one (the background). A render error fails; a blank picture gives 0.
double rendered_ink(const std::string& svg_path) {
  const std::string png = svg_path + ".png";
  const int rc = run_program({"rsvg-convert", "-o", png, svg_path});
  if (rc == 127) ADD_FAILURE() << "rsvg-convert not found (Debian package librsvg2-bin; scripts/bootstrap.sh installs it)";
  if (rc != 0) {
    ADD_FAILURE() << "rsvg-convert failed on " << svg_path << " (exit " << rc << ")";
    return 0;
  }
  const Image img = decode_png(read_file(png));
  if (img.width < 100 || img.height < 50) ADD_FAILURE() << "tiny image " << img.width << "x" << img.height;
  std::size_t ink = 0;
  const std::size_t n = std::size_t{img.width} * img.height;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::memcmp(&img.pixels[i * img.channels], &img.pixels[0], img.channels) != 0) ++ink;
  }
  return static_cast<double>(ink) / static_cast<double>(n);
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// ---- the chart writer ----

draw::Figure sample_figure() {
  draw::Panel p;
  p.title = "a <panel> & \"quotes\"";
  p.x_label = "x axis";
  p.y_label = "y axis";
  p.series.push_back({"alice", draw::Style::points, {{0.1, 0.2, 0.1, 0.3}, {0.5, 0.4}}, ""});
  p.series.push_back({"bob", draw::Style::line, {{0, 0}, {1, 1}, {NAN, 2}}, ""});
  p.series.push_back({"ideal", draw::Style::dashed_line, {{0, 0}, {1, 1}}, "#777777"});
  draw::Figure f;
  f.title = "sample";
  f.panels.push_back(p);
  f.notes.push_back("a note with <tags>");
  return f;
}

TEST(Chart, EscapesTextDrawsEachSeriesAndIsDeterministic) {
  const std::string svg = draw::chart_svg(sample_figure());
  EXPECT_EQ(svg, draw::chart_svg(sample_figure()));
  EXPECT_NE(svg.find("a &lt;panel&gt; &amp; &quot;quotes&quot;"), std::string::npos);
  EXPECT_NE(svg.find("a note with &lt;tags&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("<panel>"), std::string::npos);
  EXPECT_EQ(count(svg, "class=\"series\""), 3u);
  EXPECT_EQ(count(svg, "class=\"x-label\">x axis<"), 1u);
  EXPECT_EQ(count(svg, "class=\"y-label\""), 1u);
  EXPECT_EQ(svg.find("nan"), std::string::npos);  // the NaN point is skipped, never printed
  EXPECT_EQ(draw::xml_escape(std::string("a\x01'b", 4)), "a?&apos;b");
}

TEST(Chart, TicksLogAxisAndEmptyPanels) {
  EXPECT_EQ(draw::nice_ticks(0, 1, 6), (std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}));
  draw::Panel log;
  log.log_y = true;
  log.series.push_back({"p", draw::Style::points, {{1, 0.1}, {2, 1e-5}, {3, 0}, {4, 0, 0, 0.01}}, ""});
  draw::Figure f;
  f.panels = {log, draw::Panel{}};
  const std::string svg = draw::chart_svg(f);
  EXPECT_NE(svg.find(">1e-5<"), std::string::npos);  // the axis reaches the smallest value
  EXPECT_NE(svg.find("1 point(s) at 0 not drawn"), std::string::npos);  // no interval: nothing to show
  EXPECT_EQ(count(svg, "class=\"at-zero\""), 1u);  // 0 successes with an interval: on the bottom edge
  EXPECT_NE(svg.find(">no data<"), std::string::npos);
  TempDir dir;
  draw::write_text_file(dir.file("c.svg"), svg);
  EXPECT_GT(rendered_ink(dir.file("c.svg")), 0.01);
}

// ---- the fork tree ----

draw::ForkTree small_tree() {
  // 0 <- 1 <- 2 <- 3 best; 1 <- 2' stale; 2 <- 3' stale (two stale blocks), one withheld.
  auto h = [](char c) { return std::string(64, c); };
  draw::ForkTree t;
  t.title = "tree";
  t.blocks = {{h('1'), h('0'), 1, "alice", false, "", 0},  {h('2'), h('1'), 2, "bob", false, "", 0},
              {h('a'), h('1'), 2, "carol", false, "", 1},  {h('3'), h('2'), 3, "alice", false, "", 0},
              {h('b'), h('2'), 3, "m\"allory", false, "withheld", 0}};
  draw::mark_longest_chain(t);
  return t;
}

TEST(ForkTree, LongestChainStaleNodesAndMarks) {
  const draw::ForkTree t = small_tree();
  EXPECT_TRUE(t.blocks[0].best && t.blocks[1].best && t.blocks[3].best);
  EXPECT_FALSE(t.blocks[2].best || t.blocks[4].best);  // at equal height the first found stays
  const std::string dot = draw::fork_tree_dot(t);
  EXPECT_NE(dot.find("m\\\"allory"), std::string::npos);
  TempDir dir;
  draw::render_dot(dot, dir.file("t.svg"));
  const std::string svg = read_file(dir.file("t.svg"));
  EXPECT_EQ(count(svg, "class=\"node stale"), 2u);
  EXPECT_EQ(count(svg, "class=\"node best"), 3u);
  EXPECT_EQ(count(svg, "class=\"node stale withheld"), 1u);
  EXPECT_NE(svg.find("reorged out x1"), std::string::npos);
  EXPECT_GT(rendered_ink(dir.file("t.svg")), 0.01);
}

// A race's tree colours miners in the race's order, as its share chart does (palette slot i for
// the i-th miner), not in the order they first found a block.
TEST(ForkTree, MinersListedFirstGetTheChartsColours) {
  draw::ForkTree t = small_tree();
  t.miners = {"carol", "bob", "alice"};
  const std::string dot = draw::fork_tree_dot(t);
  const auto colour_of_node = [&](const std::string& id, const std::string& attr) {
    const std::size_t at = dot.find("id=\"" + id);
    EXPECT_NE(at, std::string::npos) << id;
    const std::size_t c = dot.find(attr, at);  // a best block's fill, a stale block's border
    return c == std::string::npos ? std::string() : dot.substr(c + attr.size(), 7);
  };
  EXPECT_EQ(colour_of_node("stale-" + std::string(16, 'a'), ", color=\""), draw::palette(0));  // carol
  EXPECT_EQ(colour_of_node("best-" + std::string(16, '2'), "fillcolor=\""), draw::palette(1));  // bob
  EXPECT_EQ(colour_of_node("best-" + std::string(16, '1'), "fillcolor=\""), draw::palette(2));  // alice
}

TEST(ForkTree, LongTreesKeepTheLastHeightsAndCountTheRest) {
  draw::ForkTree t;
  std::string parent(64, '0');
  for (int h = 1; h <= 100; ++h) {
    char buf[65];
    std::snprintf(buf, sizeof buf, "%064x", h);
    t.blocks.push_back({buf, parent, h, "alice", true, "", 0});
    if (h == 10 || h == 95) {
      std::snprintf(buf, sizeof buf, "%064x", 1000 + h);
      t.blocks.push_back({buf, parent, h, "bob", false, "", 0});
    }
    parent = t.blocks[t.blocks.size() - (h == 10 || h == 95 ? 2 : 1)].hash;
  }
  const std::string dot = draw::fork_tree_dot(t, 40);
  EXPECT_NE(dot.find("heights 0..60 not drawn\\n60 best-chain, 1 stale"), std::string::npos) << dot.substr(0, 600);
  EXPECT_EQ(count(dot, "id=\"stale-"), 1u);
  EXPECT_EQ(count(dot, "id=\"best-"), 40u);
}

TEST(ForkTree, MissingDotIsAnErrorNotACrash) {
  const std::string old = std::getenv("PATH") ? std::getenv("PATH") : "";
  setenv("PATH", "/nonexistent", 1);
  TempDir dir;
  try {
    draw::render_dot("digraph g { a; }", dir.file("x.svg"));
    ADD_FAILURE() << "no error";
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("dot program was not found"), std::string::npos) << e.what();
  }
  setenv("PATH", old.c_str(), 1);
}

// A selfish miner's rows (withheld in place of found, revealed later) become marked blocks.
TEST(ForkTree, WithheldAndRevealedRowsMarkTheirBlocks) {
  const std::string g(64, '0'), a(64, 'a'), b(64, 'b'), c(64, 'c');
  cli::EventTreeBuilder log("log.csv");
  for (const std::string& row :
       {std::string("time,node,kind,height,hash,parent,depth"), "1.0,pool,withheld,1," + a + "," + g + ",0",
        "2.0,honest,found,1," + b + "," + g + ",0", "2.5,pool,revealed,1," + a + "," + g + ",0",
        "3.0,pool,withheld,2," + c + "," + a + ",0", "3.1,honest,reorg,2," + c + "," + b + ",1"}) {
    log.line(row);
  }
  const draw::ForkTree t = log.finish("selfish");
  ASSERT_EQ(t.blocks.size(), 3u);
  EXPECT_EQ(t.blocks[0].mark, "revealed");
  EXPECT_EQ(t.blocks[1].mark, "");
  EXPECT_EQ(t.blocks[1].reorgs, 1u);
  EXPECT_EQ(t.blocks[2].mark, "withheld");
  TempDir dir;
  draw::render_dot(draw::fork_tree_dot(t), dir.file("s.svg"));
  const std::string svg = read_file(dir.file("s.svg"));
  EXPECT_EQ(count(svg, "class=\"node best revealed\""), 1u);
  EXPECT_EQ(count(svg, "class=\"node best withheld\""), 1u);
  EXPECT_EQ(count(svg, "class=\"node stale\""), 1u);
}

TEST(ForkTree, EventLogRowsAreChecked) {
  cli::EventTreeBuilder b("log.csv");
  EXPECT_THROW(b.line("time,node,kind"), ParseError);
  cli::EventTreeBuilder c("log.csv");
  c.line("time,node,kind,height,hash,parent,depth");
  EXPECT_THROW(c.line("1.0,alice,found,1,xyz," + std::string(64, '0') + ",0"), ParseError);
  EXPECT_THROW(c.line("1.0,alice,mined,1," + std::string(64, '1') + "," + std::string(64, '0') + ",0"), ParseError);
}

// ---- the commands ----

TEST(Pictures, RaceDrawsTreeShareAndDifficultyFromOneRun) {
  TempDir dir;
  const std::vector<std::string> args = {"race", "--miners", "alice=3,bob=2,carol=1", "--blocks", "30", "--delay-ms",
                                         "3000", "--seed", "7", "--json"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = args;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  const auto r = run_powlab(with({"--svg", dir.file("race.svg"), "--events", dir.file("ev.csv")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const std::uint64_t stale = j["stale_blocks"];
  ASSERT_GE(stale, 2u) << "the seed should give a race with forks";
  const std::string tree = read_file(dir.file("race.svg"));
  // 30 blocks stay inside the drawn window: every stale block of the race is a stale node.
  EXPECT_EQ(count(tree, "class=\"node stale"), stale);
  EXPECT_EQ(count(tree, "class=\"node best"), j["best_chain_blocks"].get<std::size_t>());
  const std::string share = read_file(dir.file("race-share.svg"));
  EXPECT_EQ(count(share, "class=\"series\""), 4u);  // one per miner, and the ideal line
  for (const char* name : {"alice", "bob", "carol"}) {
    EXPECT_NE(share.find("data-name=\"" + std::string(name) + "\""), std::string::npos) << name;
  }
  EXPECT_NE(share.find("class=\"x-label\">hash share"), std::string::npos);
  EXPECT_NE(share.find("class=\"y-label\""), std::string::npos);
  const std::string diff = read_file(dir.file("race-difficulty.svg"));
  EXPECT_NE(diff.find("seconds per block"), std::string::npos);
  for (const char* f : {"race.svg", "race-share.svg", "race-difficulty.svg"}) {
    EXPECT_GT(rendered_ink(dir.file(f)), 0.01) << f;
  }
  // Same seed, same bytes; and without --events the pipe gives the same tree.
  const auto again = run_powlab(with({"--svg", dir.file("again.svg")}));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(read_file(dir.file("again.svg")), tree);
  EXPECT_EQ(read_file(dir.file("again-share.svg")), share);
  // The --events file that race --svg copies from its pipe is the file race alone writes.
  const auto plain = run_powlab(with({"--events", dir.file("plain.csv")}));
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(read_file(dir.file("ev.csv")), read_file(dir.file("plain.csv")));
  // The event log read back by `powlab draw` holds the same nodes.
  const auto drawn = run_powlab({"draw", "--events", dir.file("ev.csv"), "--svg", dir.file("drawn.svg")});
  ASSERT_EQ(drawn.exit_code, 0) << drawn.err;
  const std::string d = read_file(dir.file("drawn.svg"));
  EXPECT_EQ(count(d, "class=\"node stale"), stale);
  EXPECT_EQ(count(d, "class=\"node best"), j["best_chain_blocks"].get<std::size_t>());
}

TEST(Pictures, ChainShowDrawsEachSideBranch) {
  const ConsensusParams p = test::easy_lab(1000, 1000);
  ChainState chain(p);
  chain.accept(test::next_block(chain, "alice"));
  chain.accept(test::next_block(chain, "bob"));
  chain.accept(test::next_block(chain, "alice"));
  ASSERT_EQ(chain.accept(test::make_block(p, chain.hash_at(1), 2, 0x207fffff, test::kT0 + 15, "mallory")).status,
            AcceptStatus::side_branch);
  ASSERT_EQ(chain.accept(test::make_block(p, chain.hash_at(0), 1, 0x207fffff, test::kT0 + 16, "trudy")).status,
            AcceptStatus::side_branch);
  ChainFile f;
  f.params = p;
  f.blocks = chain.blocks_in_order();
  TempDir dir;
  save_chain_file(dir.file("c.chain"), f);
  const auto r = run_powlab({"chain", "show", dir.file("c.chain"), "--svg", dir.file("c.svg")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string svg = read_file(dir.file("c.svg"));
  EXPECT_EQ(count(svg, "class=\"node stale"), 2u);
  EXPECT_EQ(count(svg, "class=\"node best"), 3u);
  EXPECT_NE(svg.find("mallory"), std::string::npos);
  EXPECT_GT(rendered_ink(dir.file("c.svg")), 0.01);
}

TEST(Pictures, AttackCryptojackAndBenchCharts) {
  TempDir dir;
  auto ds = run_powlab({"attack", "double-spend", "--q", "0.1,0.3", "--z", "1,2,4", "--trials", "300", "--svg",
                        dir.file("ds.svg")});
  ASSERT_EQ(ds.exit_code, 0) << ds.err;
  const std::string s = read_file(dir.file("ds.svg"));
  EXPECT_EQ(count(s, "class=\"series\""), 6u);  // per q: simulated, exact, Nakamoto
  EXPECT_NE(s.find("data-name=\"q = 0.300 Nakamoto\""), std::string::npos);
  EXPECT_EQ(count(s, "<polyline"), 4u);  // the exact and Nakamoto lines of each q
  EXPECT_GT(rendered_ink(dir.file("ds.svg")), 0.01);

  auto cj = run_powlab({"cryptojack", "--cpu-distribution", test::data_path("cryptojacking/minesweeper_browser_cpu.csv"),
                        "--threshold", "50", "--throttle-sweep", "--svg", dir.file("cj.svg")});
  ASSERT_EQ(cj.exit_code, 0) << cj.err;
  const std::string c = read_file(dir.file("cj.svg"));
  EXPECT_EQ(count(c, "class=\"series\""), 3u);
  EXPECT_NE(c.find("class=\"x-label\">throttle theta"), std::string::npos);
  EXPECT_GT(rendered_ink(dir.file("cj.svg")), 0.01);

  auto b = run_powlab({"bench", "--threads", "1,2", "--seconds", "0.02", "--repeats", "1", "--svg", dir.file("b.svg")});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const std::string bs = read_file(dir.file("b.svg"));
  EXPECT_EQ(count(bs, "class=\"series\""), 2u);  // the kernel and its linear line
  EXPECT_EQ(bs.find(">1.2<"), std::string::npos);  // whole threads only on the x axis (not 1, 1.2, 1.4, ...)
  EXPECT_GT(rendered_ink(dir.file("b.svg")), 0.01);

  // attack selfish: one simulated point per row, beside each gamma's closed form.
  auto sf = run_powlab({"attack", "selfish", "--alpha", "0.2,0.4", "--gamma", "0,1", "--blocks", "4000", "--svg",
                        dir.file("sf.svg")});
  ASSERT_EQ(sf.exit_code, 0) << sf.err;
  const std::string ss = read_file(dir.file("sf.svg"));
  EXPECT_EQ(count(ss, "class=\"series\""), 7u);  // per gamma: points, eq. 8, threshold; the honest line
  EXPECT_NE(ss.find("eq. 8 (gamma 1.00)"), std::string::npos);
  EXPECT_EQ(count(ss, "<circle"), 4u + 2u);  // the 4 rows' points, and a legend marker per gamma
  EXPECT_GT(rendered_ink(dir.file("sf.svg")), 0.01);
}

TEST(Pictures, SelfishChartOnSyntheticData) {
  std::vector<cli::SelfishPoint> pts;
  for (double g : {0.0, 0.5}) {
    for (double a : {0.1, 0.2, 0.3, 0.4}) pts.push_back({a, g, a * (1 + g * a), a * (1 + g * a) - 0.02, a * (1 + g * a) + 0.02});
  }
  const std::string svg = draw::chart_svg(cli::selfish_figure(pts));
  EXPECT_EQ(count(svg, "class=\"series\""), 7u);  // per gamma: points, closed form, threshold; and the honest line
  EXPECT_NE(svg.find("eq. 8 (gamma 0.50)"), std::string::npos);
  // Eyal and Sirer's thresholds: 1/3 for gamma 0, 1/4 for gamma 1/2.
  EXPECT_NE(svg.find("threshold 0.333"), std::string::npos);
  EXPECT_NE(svg.find("threshold 0.250"), std::string::npos);
  TempDir dir;
  draw::write_text_file(dir.file("s.svg"), svg);
  EXPECT_GT(rendered_ink(dir.file("s.svg")), 0.01);
}

TEST(Pictures, BadSvgArgumentsAreOneLineErrors) {
  TempDir dir;
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {{"race", "--miners", "a=1", "--blocks", "3", "--svg", dir.file("x.png")}, "must name a file ending in .svg"},
           {{"race", "--miners", "a=1", "--blocks", "3", "--svg", dir.file("no/such/dir/x.svg")}, "cannot draw"},
           {{"race", "--miners", "a=1", "--blocks", "3", "--svg", dir.file("x.svg"), "--events", dir.file("no/e.csv")},
            "cannot write events file"},
           {{"attack", "double-spend", "--q", "0.1", "--risk", "0.001", "--svg", dir.file("x.svg")}, "instead of --risk"},
           {{"cryptojack", "--preset", "coinhive-2018-02", "--svg", dir.file("x.svg")}, "give --throttle-sweep"},
           {{"draw", "--events", dir.file("missing.csv"), "--svg", dir.file("x.svg")}, "cannot open"},
           {{"chain", "show", dir.file("missing.chain"), "--svg", ".svg"}, "must name a file ending in .svg"}}) {
    const auto r = run_powlab(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args[0] << " " << r.err;
    EXPECT_EQ(count(r.err, "\n"), 1u) << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace powlab
