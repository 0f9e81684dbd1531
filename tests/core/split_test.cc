#include "base/split.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace strata {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(SplitTest, KeepsOnlyNonEmptyPieces) {
  EXPECT_THAT(SplitNonEmpty("/a//b/", '/'), ElementsAre("a", "b"));
  EXPECT_THAT(SplitNonEmpty("../x/.", '/'), ElementsAre("..", "x", "."));
  EXPECT_THAT(SplitNonEmpty("allow_other,,ro", ','), ElementsAre("allow_other", "ro"));
  EXPECT_THAT(SplitNonEmpty("single", ','), ElementsAre("single"));
  EXPECT_THAT(SplitNonEmpty("", '/'), IsEmpty());
  EXPECT_THAT(SplitNonEmpty("///", '/'), IsEmpty());
}

}  // namespace
}  // namespace strata
