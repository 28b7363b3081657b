// powlab kernels: every compiled kernel, whether this CPU runs it, which is selected, and its
// self-test verdict. Also home of the strict number parsers the scan and bench commands share.
#include <cstdio>
#include <iostream>

#include "command.h"
#include "powlab/kernels.h"

namespace powlab::cli {

namespace {

struct KernelsOptions {
  bool json = false;
};

int run(const KernelsOptions& o) {
  const kernels::KernelInfo* selected = nullptr;
  try {
    selected = &kernels::selected_kernel();
  } catch (const kernels::KernelError& e) {
    throw UsageError(e.what());
  }
  const std::uint32_t features = kernels::cpu_features();
  nlohmann::json list = nlohmann::json::array();
  for (const kernels::KernelInfo& k : kernels::registry()) {
    const bool ok = kernels::supported(k, features);
    const std::string verdict = !ok ? "skipped" : kernels::cached_self_test(k).empty() ? "pass" : "fail: " + kernels::cached_self_test(k);
    nlohmann::json entry = {{"name", k.name}, {"lanes", k.lanes}, {"supported", ok}, {"selected", &k == selected},
                            {"self_test", verdict}, {"requires", kernels::features_to_string(k.required)},
                            {"calibrated_selection", k.calibrate}};
    // What bounds the kernel and how many of it one nonce costs (see `powlab bench` for the ceiling).
    if (k.binding.instruction != nullptr) {
      entry["binding_instruction"] = k.binding.instruction;
      entry["binding_per_nonce"] = k.binding.per_nonce;
    }
    list.push_back(entry);
  }
  if (o.json) {
    print_json({{"cpu", kernels::cpu_model()}, {"features", kernels::features_to_string(features)}, {"kernels", list}});
    return kExitOk;
  }
  std::cout << "cpu       " << kernels::cpu_model() << "\nfeatures  " << kernels::features_to_string(features) << "\n\n";
  std::printf("%-8s %5s  %-9s %-8s %s\n", "kernel", "lanes", "supported", "selected", "self-test");
  for (const auto& k : list) {
    std::printf("%-8s %5u  %-9s %-8s %s\n", k["name"].get<std::string>().c_str(), k["lanes"].get<unsigned>(),
                k["supported"].get<bool>() ? "yes" : "no", k["selected"].get<bool>() ? "*" : "",
                k["self_test"].get<std::string>().c_str());
  }
  if (!kernels::selection_note().empty()) std::cout << "\nnote: " << kernels::selection_note() << '\n';
  return kExitOk;
}

}  // namespace

void add_kernels(CLI::App& app, Registry& registry) {
  auto o = std::make_shared<KernelsOptions>();
  CLI::App* sub = app.add_subcommand("kernels", "list the sha256d kernels, CPU support, the selected one and self-tests");
  sub->add_flag("--json", o->json, "print a JSON object");
  sub->footer("POWLAB_KERNEL=NAME in the environment forces a kernel (as --kernel does for scan/bench).");
  registry.push_back({sub, [o] { return run(*o); }});
}

}  // namespace powlab::cli
