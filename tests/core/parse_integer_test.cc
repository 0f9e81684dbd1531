#include "base/parse_integer.h"

#include <cstdint>

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(ParseIntegerTest, TheWholeTextOrNothing) {
  EXPECT_EQ(ParseInteger<uint64_t>("0"), 0u);
  EXPECT_EQ(ParseInteger<uint64_t>("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(ParseInteger<int64_t>("-42"), -42);
  EXPECT_EQ(ParseInteger<uint32_t>("ff", 16), 255u);
  for (const char* bad : {"", " 1", "1 ", "12abc", "+1", "0x10", "1.5", "-"}) {
    EXPECT_FALSE(ParseInteger<int64_t>(bad).has_value()) << bad;
  }
  EXPECT_FALSE(ParseInteger<uint64_t>("-1").has_value());  // no wrap to a huge value
  EXPECT_FALSE(ParseInteger<uint64_t>("18446744073709551616").has_value());
  EXPECT_FALSE(ParseInteger<int>("99999999999").has_value());
  EXPECT_FALSE(ParseInteger<uint32_t>("fg", 16).has_value());
}

}  // namespace
}  // namespace strata
