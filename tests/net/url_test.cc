#include "net/url.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_util.h"

namespace strata::net {
namespace {

using strata::testing::StatusIs;

TEST(UriEncodeTest, EncodesAsSigV4Wants) {
  EXPECT_EQ(UriEncode("a b/c~d+e=", true), "a%20b/c~d%2Be%3D");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(*UriDecode("a%20b%2fc"), "a b/c");
  EXPECT_THAT(UriDecode("bad%2"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(UriDecode("bad%zz"), StatusIs(Code::kInvalidArgument));
}

}  // namespace
}  // namespace strata::net
