#include "powlab/draw/fork_tree.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "powlab/draw/chart.h"
#include "powlab/util/error.h"

extern char** environ;

namespace powlab::draw {

namespace {

// Inside a DOT double-quoted string: backslash and quote escaped; a newline would end the
// label's line, so control characters become '?'. dot itself escapes the text for XML.
std::string dot_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += '?';
    } else {
      out += c;
    }
  }
  return out;
}

// SVG ids and classes may not hold spaces or quotes: hex digits and [a-z-] only.
std::string id_part(const std::string& s, std::size_t n) {
  std::string out;
  for (const char c : s) {
    if (out.size() == n) break;
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-') out += c;
  }
  return out.empty() ? "x" : out;
}

std::string short_hash(const std::string& h) {
  // Display-order hashes of real PoW start with zeros: the tail tells blocks apart.
  return h.size() > 8 ? h.substr(h.size() - 8) : h;
}

}  // namespace

void mark_longest_chain(ForkTree& tree) {
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < tree.blocks.size(); ++i) index.emplace(tree.blocks[i].hash, i);
  std::size_t tip = tree.blocks.size();
  for (std::size_t i = 0; i < tree.blocks.size(); ++i) {
    tree.blocks[i].best = false;
    if (tip == tree.blocks.size() || tree.blocks[i].height > tree.blocks[tip].height) tip = i;
  }
  // Walk down from the tip; the step count bounds a malformed (cyclic) input.
  for (std::size_t i = tip, steps = 0; i < tree.blocks.size() && steps <= tree.blocks.size(); ++steps) {
    if (tree.blocks[i].best) break;
    tree.blocks[i].best = true;
    const auto it = index.find(tree.blocks[i].parent);
    i = it == index.end() ? tree.blocks.size() : it->second;
  }
}

std::string fork_tree_dot(const ForkTree& tree, std::int64_t last_heights) {
  std::unordered_map<std::string, std::size_t> index;
  std::unordered_map<std::string, std::size_t> colour_of;  // miner -> palette slot
  for (const std::string& m : tree.miners) colour_of.emplace(m, colour_of.size());
  std::int64_t top = 0;
  for (std::size_t i = 0; i < tree.blocks.size(); ++i) {
    const TreeBlock& b = tree.blocks[i];
    index.emplace(b.hash, i);
    colour_of.emplace(b.miner, colour_of.size());
    top = std::max(top, b.height);
  }
  const std::int64_t floor_height = std::max<std::int64_t>(0, top - std::max<std::int64_t>(1, last_heights) + 1);
  std::uint64_t hidden_best = 0, hidden_stale = 0;
  std::int64_t hidden_top = -1;
  for (const TreeBlock& b : tree.blocks) {
    if (b.height >= floor_height) continue;
    ++(b.best ? hidden_best : hidden_stale);
    hidden_top = std::max(hidden_top, b.height);
  }

  std::string out = "digraph fork_tree {\n";
  out += "  graph [rankdir=TB, ranksep=0.25, nodesep=0.3, fontname=\"DejaVu Sans\", fontsize=14, labelloc=t, label=\"" + dot_escape(tree.title) +
         "\"];\n";
  out += "  node [shape=box, style=\"rounded,filled\", fontname=\"DejaVu Sans\", fontsize=10];\n";
  out += "  edge [arrowsize=0.6];\n";
  if (hidden_best + hidden_stale > 0) {
    out += "  older [id=\"older\", class=\"older\", shape=note, fillcolor=\"#f4f4f4\", label=\"heights 0.." +
           std::to_string(hidden_top) + " not drawn\\n" + std::to_string(hidden_best) + " best-chain, " +
           std::to_string(hidden_stale) + " stale\"];\n";
  }
  for (const TreeBlock& b : tree.blocks) {
    if (b.height < floor_height) continue;
    const std::string& colour = palette(colour_of[b.miner]);
    const std::string id = std::string(b.best ? "best-" : "stale-") + id_part(b.hash, 16);
    std::string label = "h " + std::to_string(b.height) + "\\n" + dot_escape(b.miner) + "\\n" + short_hash(b.hash);
    if (!b.mark.empty()) {
      label += "\\n";
      label += dot_escape(b.mark);
    }
    if (b.reorgs > 0) label += "\\nreorged out x" + std::to_string(b.reorgs);
    std::string cls = b.best ? "best" : "stale";
    if (!b.mark.empty()) {
      cls += ' ';
      cls += id_part(b.mark, 32);
    }
    out += "  \"" + dot_escape(b.hash) + "\" [id=\"" + id + "\", class=\"" + cls + "\", label=\"" + label + "\", ";
    if (b.best) {
      out += "fillcolor=\"" + colour + "\", fontcolor=\"#ffffff\", color=\"#000000\", penwidth=2";
    } else {
      out += "fillcolor=\"#f2f2f2\", color=\"" + colour + "\", style=\"rounded,filled,dashed\", penwidth=2";
    }
    if (!b.mark.empty()) out += ", peripheries=2";
    out += "];\n";
  }
  for (const TreeBlock& b : tree.blocks) {
    if (b.height < floor_height) continue;
    const auto it = index.find(b.parent);
    const bool parent_drawn = it != index.end() && tree.blocks[it->second].height >= floor_height;
    if (parent_drawn) {
      out += "  \"" + dot_escape(b.parent) + "\" -> \"" + dot_escape(b.hash) + "\"" +
             (b.best ? " [penwidth=2]" : " [style=dashed]") + ";\n";
    } else if (it != index.end() && hidden_best + hidden_stale > 0) {
      out += "  older -> \"" + dot_escape(b.hash) + "\" [style=dotted];\n";
    }
  }
  out += "}\n";
  return out;
}

void render_dot(const std::string& dot_source, const std::string& svg_path, std::chrono::milliseconds limit) {
  // dot reads a temporary file rather than a pipe: no SIGPIPE if it dies early, no deadlock.
  const char* tmpdir = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp") + "/powlab-tree-XXXXXX";
  const int fd = mkstemp(tmpl.data());
  if (fd < 0) throw ParseError("cannot draw " + svg_path + ": no temporary file: " + std::strerror(errno));
  std::size_t done = 0;
  while (done < dot_source.size()) {
    const ssize_t n = ::write(fd, dot_source.data() + done, dot_source.size() - done);
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmpl.c_str());
      throw ParseError("cannot draw " + svg_path + ": writing the temporary file failed");
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dot's own diagnostics would break powlab's one-line error rule: its exit status is enough.
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  std::string a0 = "dot", a1 = "-Tsvg", a2 = "-o", a3 = svg_path, a4 = tmpl;
  char* argv[] = {a0.data(), a1.data(), a2.data(), a3.data(), a4.data(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, "dot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  bool killed = false;
  if (rc == 0 && limit.count() > 0) {
    // Polled, not a SIGCHLD handler: the caller (a server thread) must not touch process-wide
    // signal state. 5 ms steps cost nothing beside dot's own start-up (tens of ms).
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      const pid_t w = waitpid(pid, &status, WNOHANG);
      if (w == pid || (w < 0 && errno != EINTR)) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid, SIGKILL);
        killed = true;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  } else if (rc == 0) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  ::unlink(tmpl.c_str());
  if (killed) {
    ::unlink(svg_path.c_str());  // half-written
    throw ParseError("cannot draw " + svg_path + ": dot took longer than " + std::to_string(limit.count()) +
                     " ms and was stopped");
  }
  if (rc != 0) {
    throw ParseError("cannot draw " + svg_path + ": Graphviz's dot program was not found on PATH (" +
                     std::strerror(rc) + "; Debian package graphviz)");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw ParseError("cannot draw " + svg_path + ": dot failed (" +
                     (WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                        : "signal " + std::to_string(WTERMSIG(status))) +
                     "; is the file writable?)");
  }
}

}  // namespace powlab::draw
