// The course runs as a test (issue 13 parts 2 and 3). Every lesson in docs/lessons/{en,ja} is
// replayed: scripts/lesson.sh prepares a fresh folder exactly as a trainer would, then every
// command of every ```console block runs there in order (later commands read files earlier ones
// wrote), through /bin/sh as a trainee types it, with stderr where the terminal shows it (merged
// into stdout). The output must be what the lesson shows, line for line.
//
// The markup (docs/lessons/README.md says the same for authors):
//   ```console            a block of commands; a line "$ CMD" is typed, the lines after it up
//   $ powlab ...          to the next "$ " or the closing fence are what it prints
//   ```
//   <!-- varies: P1 | P2 -->   on the line before a block: output lines starting with P1 or P2
//                              are checked only for that prefix (timings, rates, wall-clock
//                              hashes). Rare and explicit: everything else is compared exactly.
//   ![alt](path)          a picture: the file must exist, relative to the lesson, and the
//                         lesson's own commands must draw a file of that name (`--svg NAME`) in
//                         the class folder, unless a block that is not replayed (```sh) shows
//                         the command that draws it (the bench, whose run takes tens of seconds;
//                         the classroom dashboard, a screenshot by the browser test).
//                         Update mode copies each picture the replay drew over the linked file.
//
// POWLAB_UPDATE_LESSONS=1 rewrites every output block from a real run (after another change to
// powlab's output lands), keeping the commands and the markup; review the diff before committing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

namespace powlab {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot = fs::path(POWLAB_TEST_DATA) / ".." / "..";

struct Step {
  std::string command;
  std::vector<std::string> shown;
  std::vector<std::string> varies;  // prefixes of lines checked only up to the prefix
  std::size_t out_begin = 0;        // the shown output is lines [out_begin, out_end) of the file
  std::size_t out_end = 0;
};

struct Lesson {
  std::vector<std::string> lines;
  std::vector<Step> steps;
  std::vector<std::string> pictures;
  std::string unreplayed;           // the text of fenced blocks that are not console blocks
  std::vector<std::string> errors;  // markup mistakes, with their line numbers
};

std::string trim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

Lesson parse_lesson(const std::string& text) {
  Lesson l;
  l.lines = split_lines(text);
  std::vector<std::string> varies;
  bool in_console = false, in_other_fence = false;
  for (std::size_t i = 0; i < l.lines.size(); ++i) {
    const std::string& line = l.lines[i];
    const std::string where = "line " + std::to_string(i + 1) + ": ";
    if (in_console) {
      if (line == "```") {
        in_console = false;
        if (!l.steps.empty()) l.steps.back().out_end = i;
        varies.clear();
      } else if (line.starts_with("$ ")) {
        if (!l.steps.empty() && l.steps.back().out_end == 0) l.steps.back().out_end = i;
        l.steps.push_back({line.substr(2), {}, varies, i + 1, 0});
      } else if (l.steps.empty() || l.steps.back().out_end != 0) {
        l.errors.push_back(where + "output before any \"$ \" command in a console block");
      } else {
        l.steps.back().shown.push_back(line);
      }
      continue;
    }
    if (line.starts_with("```")) {
      if (in_other_fence) {
        in_other_fence = false;
      } else if (line == "```console") {
        in_console = true;
        if (!l.steps.empty() && l.steps.back().out_end == 0) l.steps.back().out_end = i;
      } else {
        in_other_fence = true;
      }
      continue;
    }
    if (in_other_fence) {
      l.unreplayed += line + "\n";
      continue;
    }
    if (line.starts_with("<!-- varies:")) {
      const std::size_t end = line.find("-->");
      if (end == std::string::npos) {
        l.errors.push_back(where + "unterminated varies comment");
        continue;
      }
      std::istringstream list(line.substr(12, end - 12));
      for (std::string p; std::getline(list, p, '|');)
        if (!trim(p).empty()) varies.push_back(trim(p));
      continue;
    }
    for (std::size_t at = line.find("!["); at != std::string::npos; at = line.find("![", at + 2)) {
      const std::size_t open = line.find("](", at);
      const std::size_t close = open == std::string::npos ? open : line.find(')', open);
      if (close == std::string::npos) {
        l.errors.push_back(where + "unterminated picture link");
        break;
      }
      l.pictures.push_back(line.substr(open + 2, close - open - 2));
    }
  }
  if (in_console) l.errors.push_back("unterminated console block");
  for (std::size_t s = 0; s < l.steps.size(); ++s)
    if (l.steps[s].out_end == 0) l.steps[s].out_end = l.steps[s].out_begin;
  return l;
}

// Runs one command line in `dir` as a trainee's shell would, stderr merged into stdout.
std::string run_in(const fs::path& dir, const std::string& command) {
  const std::string line = "cd '" + dir.string() + "' && { " + command + "\n} 2>&1 </dev/null";
  FILE* pipe = popen(line.c_str(), "r");
  if (!pipe) return "popen failed";
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  pclose(pipe);
  return out;
}

bool same_line(const std::string& shown, const std::string& actual, const std::vector<std::string>& varies) {
  for (const auto& p : varies)
    if (shown.starts_with(p)) return actual.starts_with(p);
  return shown == actual;
}

// Where a step's output differs from what it shows: empty when it matches.
std::string compare(const Step& s, const std::vector<std::string>& actual) {
  std::ostringstream why;
  const std::size_t n = std::max(s.shown.size(), actual.size());
  for (std::size_t i = 0; i < n; ++i) {
    const std::string shown = i < s.shown.size() ? s.shown[i] : "<no line>";
    const std::string got = i < actual.size() ? actual[i] : "<no line>";
    if (i < s.shown.size() && i < actual.size() && same_line(shown, got, s.varies)) continue;
    why << "  output line " << i + 1 << "\n    lesson shows: " << shown << "\n    powlab prints: " << got << "\n";
  }
  return why.str();
}

// Replays a lesson in `dir`; returns every mismatch and markup error, or "" when all match.
// With `update`, the lesson's output blocks are replaced by what powlab printed instead.
std::string replay(Lesson& l, const fs::path& lesson_dir, const fs::path& work, bool update) {
  std::ostringstream report;
  for (const auto& e : l.errors) report << "markup: " << e << "\n";
  std::vector<std::vector<std::string>> outputs;
  for (const auto& s : l.steps) {
    outputs.push_back(split_lines(run_in(work, s.command)));
    const std::string diff = compare(s, outputs.back());
    if (!diff.empty() && !update) report << "$ " << s.command << "\n" << diff;
  }
  // A picture is the one its lesson's command draws: a committed file that no command of the
  // lesson writes any more would show the class something powlab no longer draws.
  for (const auto& p : l.pictures) {
    const fs::path drawn = work / fs::path(p).filename();
    const std::string name = drawn.filename().string();
    // Or a block that is not replayed shows how it is drawn: `--svg NAME`, or the browser test's
    // screenshot (POWLAB_SCREENSHOT=.../NAME, README "A classroom: developer notes").
    const bool shown_unreplayed = l.unreplayed.find("--svg " + name) != std::string::npos ||
                                  l.unreplayed.find("POWLAB_SCREENSHOT=docs/img/" + name) != std::string::npos;
    if (fs::exists(drawn)) {
      if (update) {
        fs::create_directories((lesson_dir / p).parent_path());
        fs::copy_file(drawn, lesson_dir / p, fs::copy_options::overwrite_existing);
      }
    } else if (!shown_unreplayed) {
      report << "picture not drawn by the lesson's commands: " << p << "\n";
    }
    if (!fs::exists(lesson_dir / p)) report << "picture missing: " << p << "\n";
  }
  if (update)
    for (std::size_t k = l.steps.size(); k-- > 0;) {
      auto& lines = l.lines;
      lines.erase(lines.begin() + l.steps[k].out_begin, lines.begin() + l.steps[k].out_end);
      lines.insert(lines.begin() + l.steps[k].out_begin, outputs[k].begin(), outputs[k].end());
    }
  return report.str();
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

bool is_lesson(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.size() > 3 && std::isdigit(static_cast<unsigned char>(name[0])) &&
         std::isdigit(static_cast<unsigned char>(name[1])) && name[2] == '-' && p.extension() == ".md" &&
         !name.ends_with("-answers.md");
}

std::vector<std::string> lessons() {  // "en/01-hashing.md", ..., sorted
  std::vector<std::string> found;
  for (const char* lang : {"en", "ja"}) {
    const fs::path dir = kRoot / "docs" / "lessons" / lang;
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir))
      if (is_lesson(e.path())) found.push_back(std::string(lang) + "/" + e.path().filename().string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

// Runs scripts/lesson.sh with the built binary; returns its combined output and exit status.
test::CommandResult lesson_sh(const std::string& args) {
  const std::string line = "POWLAB='" + std::string(POWLAB_BINARY) + "' '" + (kRoot / "scripts" / "lesson.sh").string() +
                           "' " + args + " 2>&1 </dev/null";
  FILE* pipe = popen(line.c_str(), "r");
  test::CommandResult r;
  if (!pipe) {
    r.out = "popen failed";
    return r;
  }
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) r.out.append(buf, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

class LessonRuns : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {  // `powlab` in a lesson is the binary under test
    const std::string bin = fs::path(POWLAB_BINARY).parent_path().string();
    setenv("PATH", (bin + ":" + std::getenv("PATH")).c_str(), 1);
  }
};

TEST_P(LessonRuns, ShowsWhatPowlabPrints) {
  const fs::path file = kRoot / "docs" / "lessons" / GetParam();
  Lesson l = parse_lesson(read_text(file));
  ASSERT_FALSE(l.steps.empty()) << GetParam() << " has no console block";
  test::TempDir tmp;
  const fs::path work = fs::path(tmp.path()) / "class";
  // The folder a trainer gets from scripts/lesson.sh N is the folder the lesson is checked in.
  const auto setup = lesson_sh(file.filename().string().substr(0, 2) + " '" + work.string() + "'");
  ASSERT_EQ(setup.exit_code, 0) << setup.out;
  // lesson.sh prints the first command to type: the lesson's own first command.
  EXPECT_NE(setup.out.find("\n  " + l.steps.front().command + "\n"), std::string::npos)
      << setup.out << "\nfirst command: " << l.steps.front().command;
  const bool update = std::getenv("POWLAB_UPDATE_LESSONS") != nullptr;
  const std::string report = replay(l, file.parent_path(), work, update);
  if (update) {
    std::ofstream out(file);
    for (const auto& line : l.lines) out << line << "\n";
  }
  EXPECT_EQ(report, "") << GetParam() << " (POWLAB_UPDATE_LESSONS=1 rewrites the outputs):\n" << report;
}

// README.ja.md's tour is real output too, replayed like a lesson in a fresh folder that sees the
// repository's tests/ (its paths are the English README's, from the repository root).
TEST_F(LessonRuns, JapaneseReadmeShowsWhatPowlabPrints) {
  const fs::path file = kRoot / "README.ja.md";
  Lesson l = parse_lesson(read_text(file));
  ASSERT_GE(l.steps.size(), 5u);
  test::TempDir tmp;
  fs::create_directory_symlink(fs::canonical(kRoot / "tests"), fs::path(tmp.path()) / "tests");
  const bool update = std::getenv("POWLAB_UPDATE_LESSONS") != nullptr;
  const std::string report = replay(l, kRoot, tmp.path(), update);
  if (update) {
    std::ofstream out(file);
    for (const auto& line : l.lines) out << line << "\n";
  }
  EXPECT_EQ(report, "") << "README.ja.md (POWLAB_UPDATE_LESSONS=1 rewrites the outputs):\n" << report;
}

INSTANTIATE_TEST_SUITE_P(Course, LessonRuns, ::testing::ValuesIn(lessons()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param.substr(0, info.param.size() - 3);
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// The course's shape: six lessons in each language, each with its answer key and 3 to 5
// numbered questions, and the same lesson numbers in both languages.
TEST(Course, SixLessonsInBothLanguagesWithAnswerKeys) {
  const auto all = lessons();
  std::vector<std::string> en, ja;
  for (const auto& l : all) (l.starts_with("en/") ? en : ja).push_back(l.substr(3, 2));
  EXPECT_EQ(en, (std::vector<std::string>{"01", "02", "03", "04", "05", "06"}));
  EXPECT_EQ(ja, en);
  for (const auto& l : all) {
    const fs::path file = kRoot / "docs" / "lessons" / l;
    const fs::path key = file.parent_path() / (file.stem().string() + "-answers.md");
    EXPECT_TRUE(fs::exists(key)) << key;
    // Questions are the numbered lines of the section headed "## Questions" / "## 問題".
    int questions = 0;
    bool in_section = false;
    for (const auto& line : split_lines(read_text(file))) {
      if (line.starts_with("## ")) in_section = line == "## Questions" || line == "## 問題";
      if (in_section && line.size() > 2 && std::isdigit(static_cast<unsigned char>(line[0])) && line[1] == '.')
        ++questions;
    }
    EXPECT_GE(questions, 3) << l;
    EXPECT_LE(questions, 5) << l;
  }
}

// The checker itself can fail: a changed output line, a changed varying prefix, a missing
// picture and a stray output line are each reported; a varying line's tail is not.
TEST(Course, ReplayReportsEveryKindOfMismatch) {
  test::TempDir tmp;
  Lesson ok = parse_lesson(
      "# t\n<!-- varies: took -->\n```console\n$ echo one; echo took 3 s\none\ntook 9 s\n$ printf 'a\\nb\\n'\na\nb\n```\n");
  ASSERT_EQ(ok.steps.size(), 2u);
  EXPECT_EQ(replay(ok, tmp.path(), tmp.path(), false), "");

  Lesson changed = parse_lesson("```console\n$ echo one\ntwo\n```\n");
  EXPECT_NE(replay(changed, tmp.path(), tmp.path(), false).find("lesson shows: two"), std::string::npos);
  Lesson prefix = parse_lesson("<!-- varies: took -->\n```console\n$ echo tok 3\ntook 3\n```\n");
  EXPECT_NE(replay(prefix, tmp.path(), tmp.path(), false), "");
  Lesson longer = parse_lesson("```console\n$ echo one\none\nextra\n```\n");
  EXPECT_NE(replay(longer, tmp.path(), tmp.path(), false).find("powlab prints: <no line>"), std::string::npos);
  Lesson picture = parse_lesson("A fork tree: ![tree](images/tree.svg)\n```console\n$ true\n```\n");
  EXPECT_NE(replay(picture, tmp.path(), tmp.path(), false).find("picture missing: images/tree.svg"),
            std::string::npos);
  // A linked picture that exists but that no command of the lesson draws is reported, unless a
  // block that is not replayed shows the command; update mode copies what the replay drew.
  test::TempDir lesson_dir;
  fs::create_directory(fs::path(lesson_dir.path()) / "img");
  std::ofstream(fs::path(lesson_dir.path()) / "img" / "old.svg") << "<svg/>\n";
  Lesson undrawn = parse_lesson("![old](img/old.svg)\n```console\n$ true\n```\n");
  EXPECT_EQ(replay(undrawn, lesson_dir.path(), tmp.path(), false),
            "picture not drawn by the lesson's commands: img/old.svg\n");
  Lesson shown = parse_lesson("```sh\npowlab bench --svg old.svg\n```\n![old](img/old.svg)\n```console\n$ true\n```\n");
  EXPECT_EQ(replay(shown, lesson_dir.path(), tmp.path(), false), "");
  Lesson drawn = parse_lesson("![old](img/old.svg)\n```console\n$ echo '<svg>new</svg>' > old.svg\n```\n");
  EXPECT_EQ(replay(drawn, lesson_dir.path(), tmp.path(), true), "");
  EXPECT_EQ(read_text(fs::path(lesson_dir.path()) / "img" / "old.svg"), "<svg>new</svg>\n");
  Lesson stray = parse_lesson("```console\nno command\n```\n");
  EXPECT_NE(replay(stray, tmp.path(), tmp.path(), false).find("markup:"), std::string::npos);
  // Update mode writes the real output in place of the shown one, keeping the command.
  Lesson update = parse_lesson("x\n```console\n$ echo new\nold\nolder\n```\ny\n");
  EXPECT_EQ(replay(update, tmp.path(), tmp.path(), true), "");
  EXPECT_EQ(update.lines, (std::vector<std::string>{"x", "```console", "$ echo new", "new", "```", "y"}));
}

// scripts/lesson.sh refuses what it cannot do with one line and exit 2, and never reuses a
// folder that already holds files (a trainer's earlier class would be mixed into the new one).
TEST(LessonScript, RefusesBadInputAndUsedFolders) {
  test::TempDir tmp;
  for (const std::string bad : {"", "7", "0", "x", "01 a b"}) {
    const auto r = lesson_sh(bad + " '" + tmp.file("fresh") + "'");
    EXPECT_EQ(r.exit_code, 2) << bad << r.out;
    EXPECT_TRUE(r.out.starts_with("lesson.sh: error: ")) << bad << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << bad << r.out;
  }
  std::ofstream(tmp.file("old.txt")) << "an earlier class\n";
  const auto used = lesson_sh("1 '" + tmp.path() + "'");
  EXPECT_EQ(used.exit_code, 2) << used.out;
  EXPECT_NE(used.out.find("not empty"), std::string::npos) << used.out;
}

}  // namespace
}  // namespace powlab
