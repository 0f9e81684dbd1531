#include "base/round.h"

#include <limits>

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(RoundTest, DivRoundUpAndRoundUpTo) {
  EXPECT_EQ(DivRoundUp(0, 4), 0u);
  EXPECT_EQ(DivRoundUp(1, 4), 1u);
  EXPECT_EQ(DivRoundUp(4, 4), 1u);
  EXPECT_EQ(DivRoundUp(5, 4), 2u);
  // No overflow where (n + d - 1) / d would wrap.
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(DivRoundUp(kMax, 2), kMax / 2 + 1);
  EXPECT_EQ(RoundUpTo(0, 64), 0u);
  EXPECT_EQ(RoundUpTo(1, 64), 64u);
  EXPECT_EQ(RoundUpTo(64, 64), 64u);
  EXPECT_EQ(RoundUpTo(65, 64), 128u);
}

}  // namespace
}  // namespace strata
