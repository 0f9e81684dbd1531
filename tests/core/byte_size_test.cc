#include "core/byte_size.h"

#include "support/test_util.h"

namespace strata {
namespace {

using testing::StatusIs;

TEST(ByteSizeTest, ParsesPlainAndSuffixedSizes) {
  EXPECT_EQ(*ParseByteSize("4096"), 4096u);
  EXPECT_EQ(*ParseByteSize("4M"), 4u << 20);
  EXPECT_EQ(*ParseByteSize("4MiB"), 4u << 20);
  EXPECT_EQ(*ParseByteSize("64k"), 64u << 10);
  EXPECT_EQ(*ParseByteSize("200G"), 200ULL << 30);
  EXPECT_EQ(*ParseByteSize("1.5G"), 3ULL << 29);
}

TEST(ByteSizeTest, RejectsGarbage) {
  EXPECT_THAT(ParseByteSize(""), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(ParseByteSize("-1"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(ParseByteSize("12Q"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(ParseByteSize("99999999P"), StatusIs(Code::kInvalidArgument));
}

TEST(ByteSizeTest, FormatsHumanSizes) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(4 << 20), "4.0 MiB");
}

}  // namespace
}  // namespace strata
