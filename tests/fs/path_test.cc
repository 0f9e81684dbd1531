#include "fs/path.h"

#include "support/test_util.h"

namespace strata::fs {
namespace {

using strata::testing::StatusIs;
using V = std::vector<std::string>;

TEST(PathTest, SplitsAndNormalizes) {
  EXPECT_EQ(*SplitPath("/"), V{});
  EXPECT_EQ(*SplitPath(""), V{});
  EXPECT_EQ(*SplitPath("/a/b"), (V{"a", "b"}));
  EXPECT_EQ(*SplitPath("a//b/./c/"), (V{"a", "b", "c"}));
}

TEST(PathTest, RefusesPathsThatCouldEscapeOrAreMalformed) {
  EXPECT_THAT(SplitPath("/a/../b"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(SplitPath(".."), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(SplitPath(std::string("/a\0b", 4)), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(SplitPath("/" + std::string(300, 'x')), StatusIs(Code::kNameTooLong));
}

TEST(PathTest, JoinsPaths) {
  EXPECT_EQ(JoinPath({}), "/");
  EXPECT_EQ(JoinPath({"a", "b"}), "/a/b");
  EXPECT_EQ(ChildPath("/", "x"), "/x");
  EXPECT_EQ(ChildPath("/a", "x"), "/a/x");
}

TEST(PathTest, ParentAndBaseName) {
  EXPECT_EQ(ParentPath("/a/b"), "/a");
  EXPECT_EQ(ParentPath("/a"), "/");
  EXPECT_EQ(ParentPath("/"), "/");
  EXPECT_EQ(ParentPath("b"), "/");  // a relative name lives in the root
  EXPECT_EQ(BaseName("/a/b"), "b");
  EXPECT_EQ(BaseName("/"), "");
  EXPECT_EQ(ParentPath(ChildPath("/x/y", "z")), "/x/y");
}

}  // namespace
}  // namespace strata::fs
