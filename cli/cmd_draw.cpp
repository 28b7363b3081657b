// powlab draw --events FILE.csv --svg OUT.svg: a race's event log read back into its fork tree,
// so a class can draw the tree of a race run earlier (or on another machine) without rerunning it.
#include <iostream>

#include "command.h"
#include "pictures.h"

namespace powlab::cli {

namespace {

struct DrawOptions {
  std::string events;
  std::string svg;
  bool json = false;
};

int run(const DrawOptions& o) {
  check_svg_path(o.svg);
  const draw::ForkTree tree = tree_from_events_file(o.events);
  std::uint64_t stale = 0;
  for (const auto& b : tree.blocks) stale += b.best ? 0 : 1;
  draw::render_dot(draw::fork_tree_dot(tree), o.svg);
  if (o.json) {
    print_json({{"events", o.events},
                {"svg", o.svg},
                {"blocks_found", tree.blocks.size()},
                {"best_chain_blocks", tree.blocks.size() - stale},
                {"stale_blocks", stale},
                {"heights_drawn", draw::kTreeHeights}});
    return kExitOk;
  }
  std::cout << "fork tree of " << count_noun(tree.blocks.size(), "block") << " (" << count_noun(stale, "stale block")
            << ") from " << o.events << " written to " << o.svg << "; the last " << draw::kTreeHeights
            << " heights are drawn, best chain = the longest\n";
  return kExitOk;
}

}  // namespace

void add_draw(CLI::App& app, Registry& registry) {
  auto o = std::make_shared<DrawOptions>();
  CLI::App* sub = app.add_subcommand("draw", "draw the fork tree of a race's event log (race --events) to an SVG file");
  sub->add_option("--events", o->events, "the CSV that `race --events` wrote")->type_name("FILE")->required();
  sub->add_option("--svg", o->svg, "the picture to write, FILE.svg")->type_name("FILE")->required();
  sub->add_flag("--json", o->json, "print what was drawn as JSON");
  registry.push_back({sub, [o] { return run(*o); }});
}

}  // namespace powlab::cli
