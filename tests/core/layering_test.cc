// The module layering is the architecture (docs/architecture.md): a file includes only headers of
// the modules its own build target links. The allowed edges are not written here: they come from
// the build (module_graph.tsv, written by CMake from every target's sources and link list), so
// src/CMakeLists.txt is their one source, and a new edge is a visible change to a DEPS line.
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_util.h"

namespace strata {
namespace {

namespace stdfs = std::filesystem;

struct Target {
  std::vector<std::string> sources;  // "src/fs/volume.cc", "python/module.cc"
  std::vector<std::string> deps;
};

// The folder a repository path is in, as modules are named: "src/fs/volume.cc" → "fs",
// "python/module.cc" → "python".
std::string FolderOf(const std::string& path) {
  if (path.starts_with("python/")) return "python";
  size_t start = path.find('/') + 1;
  return path.substr(start, path.find('/', start) - start);
}

std::map<std::string, Target> ReadGraph() {
  std::map<std::string, Target> graph;
  std::ifstream in(STRATA_MODULE_GRAPH);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream split(line);
    for (std::string field; std::getline(split, field, '\t');) fields.push_back(field);
    fields.resize(3);
    Target& target = graph[fields[0]];
    std::stringstream sources(fields[1]), deps(fields[2]);
    for (std::string s; sources >> s;) target.sources.push_back(s);
    for (std::string d; deps >> d;) target.deps.push_back(d);
  }
  return graph;
}

class Layering {
 public:
  explicit Layering(std::map<std::string, Target> graph) : graph_(std::move(graph)) {
    for (const auto& [name, target] : graph_) {
      for (const std::string& source : target.sources) {
        owner_[Stem(source)] = name;
        folder_targets_[FolderOf(source)].insert(name);
      }
    }
  }

  const std::map<std::string, Target>& graph() const { return graph_; }

  // The folders `file` may include: those of every target its own links reach. A header with no
  // source of the same name (header-only) may include what any target of its folder may.
  // Empty if no target of the build holds the file's folder.
  std::set<std::string> AllowedFor(const std::string& file) const {
    std::set<std::string> targets;
    if (auto owner = owner_.find(Stem(file)); owner != owner_.end()) {
      targets.insert(owner->second);
    } else if (auto in = folder_targets_.find(FolderOf(file)); in != folder_targets_.end()) {
      targets = in->second;
    }
    std::set<std::string> folders;
    for (const std::string& target : targets) {
      for (const std::string& reached : Closure(target)) {
        for (const std::string& source : graph_.at(reached).sources) {
          folders.insert(FolderOf(source));
        }
      }
    }
    return folders;
  }

  // The folders some target of ours has sources in.
  std::set<std::string> Folders() const {
    std::set<std::string> folders;
    for (const auto& [folder, targets] : folder_targets_) folders.insert(folder);
    return folders;
  }

  std::set<std::string> Closure(const std::string& target) const {
    std::set<std::string> seen;
    std::vector<std::string> todo = {target};
    while (!todo.empty()) {
      std::string next = todo.back();
      todo.pop_back();
      if (!seen.insert(next).second || !graph_.count(next)) continue;
      for (const std::string& dep : graph_.at(next).deps) todo.push_back(dep);
    }
    return seen;
  }

 private:
  static std::string Stem(const std::string& path) { return path.substr(0, path.rfind('.')); }

  std::map<std::string, Target> graph_;
  std::map<std::string, std::string> owner_;  // "src/fs/volume" → "strata_fs"
  std::map<std::string, std::set<std::string>> folder_targets_;
};

TEST(LayeringTest, EveryIncludeIsOfAModuleItsTargetLinks) {
  Layering layering(ReadGraph());
  ASSERT_GT(layering.graph().size(), 10u) << "no module graph at " << STRATA_MODULE_GRAPH;
  const std::set<std::string> folders = layering.Folders();
  const std::regex include_re(R"re(^\s*#\s*include\s+"([a-z_]+)/)re");
  const bool python_built = layering.graph().count("_strata") > 0;
  size_t files = 0;
  for (const char* root : {"src", "python"}) {
    if (std::string(root) == "python" && !python_built) continue;  // sanitizer builds
    for (const auto& entry :
         stdfs::recursive_directory_iterator(stdfs::path(STRATA_PROJECT_DIR) / root)) {
      std::string ext = entry.path().extension().string();
      if (!entry.is_regular_file() || (ext != ".cc" && ext != ".h")) continue;
      std::string rel = entry.path().lexically_relative(STRATA_PROJECT_DIR).string();
      std::set<std::string> allowed = layering.AllowedFor(rel);
      if (allowed.empty()) {
        ADD_FAILURE() << rel << " is in a folder no build target holds";
        continue;
      }
      ++files;
      std::ifstream in(entry.path());
      std::string line;
      while (std::getline(in, line)) {
        std::smatch m;
        if (!std::regex_search(line, m, include_re) || !folders.count(m[1].str())) continue;
        EXPECT_TRUE(allowed.count(m[1].str()))
            << rel << " includes " << m[1].str()
            << "/, which its build target does not link: " << line;
      }
    }
  }
  EXPECT_GT(files, 100u);
}

// Folders form layers: no two modules reach each other through their links.
TEST(LayeringTest, TheModulesOfTheBuildFormNoCycle) {
  Layering layering(ReadGraph());
  std::map<std::string, std::set<std::string>> edges;
  for (const auto& [name, target] : layering.graph()) {
    for (const std::string& reached : layering.Closure(name)) {
      for (const std::string& from : target.sources) {
        for (const std::string& to : layering.graph().at(reached).sources) {
          if (FolderOf(from) != FolderOf(to)) edges[FolderOf(from)].insert(FolderOf(to));
        }
      }
    }
  }
  for (const auto& [from, tos] : edges) {
    for (const std::string& to : tos) {
      EXPECT_FALSE(edges[to].count(from)) << from << " and " << to << " reach each other";
    }
  }
}

// The edges that define the architecture, so that a DEPS line cannot quietly invert them.
TEST(LayeringTest, TheLowerLayersReachNoAdapter) {
  Layering layering(ReadGraph());
  auto folders_reached = [&](const std::string& target) {
    std::set<std::string> folders;
    for (const std::string& reached : layering.Closure(target)) {
      for (const std::string& s : layering.graph().at(reached).sources) folders.insert(FolderOf(s));
    }
    return folders;
  };
  for (const char* lower : {"strata_base", "strata_core", "strata_net", "strata_store",
                            "strata_meta", "strata_cache", "strata_safetensors", "strata_loader"}) {
    ASSERT_TRUE(layering.graph().count(lower)) << lower;
    std::set<std::string> reached = folders_reached(lower);
    for (const char* higher :
         {"fs", "fuse", "server", "client", "cli", "hub", "bucket", "peer", "python"}) {
      EXPECT_FALSE(reached.count(higher)) << lower << " reaches " << higher;
    }
  }
  // A program that talks to a server needs no volume, store or metadata code of its own.
  std::set<std::string> client = folders_reached("strata_client");
  EXPECT_EQ(client, (std::set<std::string>{"base", "core", "net", "load", "client"}));
  std::set<std::string> loader = folders_reached("strata_loader");
  EXPECT_EQ(loader, (std::set<std::string>{"base", "load"}))
      << "the loader-only build must need nothing beyond the base";
}

// base/ is what the loader-only build compiles on a machine with nothing but a compiler: its
// files include the C++ and POSIX headers and each other (the test above), no library of ours.
TEST(LayeringTest, TheBaseIncludesOnlyTheStandardLibrary) {
  const std::regex system_re(R"re(^\s*#\s*include\s+<([^>]+)>)re");
  size_t files = 0;
  for (const auto& entry :
       stdfs::directory_iterator(stdfs::path(STRATA_PROJECT_DIR) / "src" / "base")) {
    ++files;
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (!std::regex_search(line, m, system_re)) continue;
      std::string header = m[1].str();
      for (const char* library :
           {"fmt/", "openssl/", "curl/", "sqlite3", "libpq", "fuse", "CLI/"}) {
        EXPECT_FALSE(header.starts_with(library)) << entry.path().filename() << ": " << line;
      }
    }
  }
  EXPECT_GT(files, 10u);
}

}  // namespace
}  // namespace strata
