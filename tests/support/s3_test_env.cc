#include "support/s3_test_env.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>

#include <fmt/core.h>

namespace strata::testing {

const std::string& TestBucketUrl() {
  static const std::string url = [] {
    const char* env_file = std::getenv("STRATA_TEST_S3_ENV");
    if (!env_file) return std::string();
    std::ifstream in(env_file);
    std::string line, result;
    while (std::getline(in, line)) {
      constexpr std::string_view kExport = "export ";
      if (!line.starts_with(kExport)) continue;
      size_t eq = line.find('=');
      std::string name = line.substr(kExport.size(), eq - kExport.size());
      std::string value = line.substr(eq + 1);
      if (value.size() >= 2 && value.front() == '\'') value = value.substr(1, value.size() - 2);
      ::setenv(name.c_str(), value.c_str(), 1);
      if (name == "STRATA_TEST_S3_URL") result = value;
    }
    return result;
  }();
  return url;
}

std::string FreshBucketUrl(std::string_view extra_params) {
  static std::atomic<int> counter{0};
  const std::string& url = TestBucketUrl();
  size_t q = url.find('?');
  return fmt::format("{}/t{}-{}{}{}", url.substr(0, q), ::getpid(), counter.fetch_add(1),
                     url.substr(q), extra_params);
}

}  // namespace strata::testing
