// Helpers shared by Strata's tests: Status matchers, temporary directories, seeded randomness.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/status.h"

namespace strata::testing {

// EXPECT_THAT(status_or_result, IsOk());
MATCHER(IsOk, "is OK") {
  if constexpr (requires { arg.status(); }) {
    *result_listener << arg.status().ToString();
    return arg.ok();
  } else {
    *result_listener << arg.ToString();
    return arg.ok();
  }
}

// EXPECT_THAT(status_or_result, StatusIs(Code::kNotFound));
MATCHER_P(StatusIs, code, std::string("has code ") + std::string(CodeName(code))) {
  if constexpr (requires { arg.status(); }) {
    *result_listener << arg.status().ToString();
    return arg.status().code() == code;
  } else {
    *result_listener << arg.ToString();
    return arg.code() == code;
  }
}

// EXPECT_THAT(status_or_result, StatusIs(Code::kInvalidArgument, HasSubstr("part 1")));
MATCHER_P2(StatusIs, code, message, std::string("has code ") + std::string(CodeName(code))) {
  Status status;
  if constexpr (requires { arg.status(); }) {
    status = arg.status();
  } else {
    status = arg;
  }
  *result_listener << status.ToString();
  return status.code() == code &&
         ::testing::ExplainMatchResult(message, std::string(status.message()), result_listener);
}

#define ASSERT_OK(expr) ASSERT_THAT((expr), ::strata::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::strata::testing::IsOk())

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A seed from STRATA_TEST_SEED if set, else a fresh one; printed so a failure can be replayed.
uint64_t TestSeed();

std::vector<uint8_t> RandomBytes(std::mt19937_64& rng, size_t n);

// Writes a local file with the given bytes; returns false on failure.
void WriteLocalFile(const std::string& path, const std::vector<uint8_t>& bytes);
std::vector<uint8_t> ReadLocalFile(const std::string& path);

// Waits until `done()` holds, polling; false if it still does not after `limit` (a condition,
// not a sleep, so the test is as fast as the machine and fails loudly when it hangs).
bool WaitFor(const std::function<bool()>& done,
             std::chrono::milliseconds limit = std::chrono::seconds(60));

}  // namespace strata::testing
