// The test S3 server (radosgw on loopback, started once per ctest run by the fixture in
// tests/CMakeLists.txt, which points STRATA_TEST_S3_ENV at its env file) as a test sees it.
#pragma once

#include <string>
#include <string_view>

namespace strata::testing {

// The s3:// URL of the test bucket, with the server's credentials exported to the environment;
// empty if no server runs (a test run by hand).
const std::string& TestBucketUrl();

// A URL under a prefix of the test bucket no other test uses, `extra_params` ("&list_page=3")
// appended to its query.
std::string FreshBucketUrl(std::string_view extra_params = "");

}  // namespace strata::testing

#define REQUIRE_S3_SERVER()                                \
  if (::strata::testing::TestBucketUrl().empty())          \
  GTEST_SKIP() << "no S3 server (set STRATA_TEST_S3_ENV; " \
                  "ctest starts one)"
