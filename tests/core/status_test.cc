#include "base/status.h"

#include "support/test_util.h"

namespace strata {
namespace {

using testing::IsOk;
using testing::StatusIs;

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int half, Half(x));
  ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status CheckEven(int x) {
  RETURN_IF_ERROR(Half(x).status());
  return Status::OK();
}

TEST(StatusTest, OkHasNoMessageAndCode) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Code::kOk);
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorKeepsCodeAndMessageThroughCopies) {
  Status s = Status::NotFound("no such file /a");
  Status copy = s;
  EXPECT_EQ(copy.code(), Code::kNotFound);
  EXPECT_EQ(copy.ToString(), "NotFound: no such file /a");
  EXPECT_EQ(s.WithContext("get").message(), "get: no such file /a");
  EXPECT_THAT(s.WithContext("get"), StatusIs(Code::kNotFound));
}

TEST(StatusTest, MacrosPropagateTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_THAT(Quarter(6), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(CheckEven(4), IsOk());
  EXPECT_THAT(CheckEven(3), StatusIs(Code::kInvalidArgument));
}

}  // namespace
TEST(StatusTest, EveryCodeNameNamesItsCode) {
  for (int c = static_cast<int>(Code::kOk); c <= static_cast<int>(Code::kInternal); ++c) {
    EXPECT_EQ(CodeFromName(CodeName(static_cast<Code>(c))), static_cast<Code>(c));
  }
  EXPECT_EQ(CodeFromName("Unknown"), std::nullopt);
  EXPECT_EQ(CodeFromName("notfound"), std::nullopt);
  EXPECT_EQ(CodeFromName(""), std::nullopt);
}

}  // namespace strata
