// The module layering is the architecture (docs/architecture.md): a lower layer never includes a
// higher one. This test reads every #include "…" under src/ and enforces it.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>

#include "support/test_util.h"

namespace strata {
namespace {

const std::map<std::string, std::set<std::string>> kAllowed = {
    {"core", {"core"}},
    {"net", {"core", "net"}},
    {"store", {"core", "net", "store"}},
    {"meta", {"core", "meta"}},
    {"cache", {"core", "net", "store", "cache"}},
    {"fs", {"core", "net", "store", "meta", "cache", "fs"}},
    {"bucket", {"core", "net", "store", "cache", "fs", "bucket"}},
    {"load", {"core", "net", "store", "meta", "cache", "fs", "load"}},
    {"fuse", {"core", "net", "store", "meta", "cache", "fs", "bucket", "fuse"}},
    {"hub", {"core", "net", "store", "meta", "cache", "fs", "load", "hub"}},
    {"server", {"core", "net", "store", "meta", "cache", "fs", "load", "server"}},
    {"cli",
     {"core", "net", "store", "meta", "cache", "fs", "load", "bucket", "fuse", "hub", "server",
      "cli"}},
};

TEST(LayeringTest, NoModuleIncludesAHigherLayer) {
  namespace stdfs = std::filesystem;
  const std::regex include_re(R"re(^\s*#\s*include\s+"([a-z_]+)/)re");
  size_t files = 0;
  for (const auto& entry : stdfs::recursive_directory_iterator(STRATA_SOURCE_DIR)) {
    if (!entry.is_regular_file()) continue;
    std::string rel = entry.path().lexically_relative(STRATA_SOURCE_DIR).string();
    std::string module = rel.substr(0, rel.find('/'));
    auto allowed = kAllowed.find(module);
    if (allowed == kAllowed.end()) continue;
    ++files;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      std::smatch m;
      if (std::regex_search(line, m, include_re)) {
        EXPECT_TRUE(allowed->second.count(m[1].str()))
            << rel << " (module " << module << ") includes " << m[1].str() << ": " << line;
      }
    }
  }
  EXPECT_GT(files, 10u);
}

}  // namespace
}  // namespace strata
