#include "load/json.h"

#include "support/test_util.h"

namespace strata::load {
namespace {

using strata::testing::IsOk;
using strata::testing::StatusIs;

TEST(JsonTest, ParsesObjectsArraysStringsAndIntegers) {
  Result<JsonValue> v =
      ParseJson(R"( {"a": [1, -2, 9223372036854775807], "b": "x\u00e9\ud83d\ude00",
                                      "c": {"d": true, "e": null, "f": 1.5}} )");
  ASSERT_OK(v);
  ASSERT_TRUE(v->is_object());
  const auto& a = v->members()[0].second.items();
  EXPECT_EQ(a[0].integer(), 1);
  EXPECT_EQ(a[1].integer(), -2);
  EXPECT_EQ(a[2].integer(), INT64_MAX);
  EXPECT_EQ(v->members()[1].second.str(), "x\xc3\xa9\xf0\x9f\x98\x80");
  const auto& f = v->members()[2].second.members()[2].second;
  EXPECT_TRUE(f.is_number());
  EXPECT_FALSE(f.is_integer());
}

TEST(JsonTest, RejectsWhatRfc8259Rejects) {
  for (const char* bad : {"",
                          "{",
                          "{\"a\":}",
                          "{\"a\" 1}",
                          "[1,]",
                          "[01]",
                          "\"\\x\"",
                          "tru",
                          "{\"a\":1}x",
                          "\"\x01\"",
                          "\"\\ud800\"",
                          "\"\\udc00\"",
                          "[1 2]",
                          "\"\xc0\xaf\"",
                          "\"\xed\xa0\x80\"",
                          "\"\xf5\x80\x80\x80\"",
                          "-",
                          "1.",
                          "1e",
                          "{\"a\":1,\"a\":2}"}) {
    EXPECT_THAT(ParseJson(bad), StatusIs(Code::kInvalidArgument)) << bad;
  }
}

TEST(JsonTest, NumbersOutOfRangeAreNotIntegers) {
  Result<JsonValue> v = ParseJson("[9223372036854775808, -9223372036854775808, 1e3]");
  ASSERT_OK(v);
  EXPECT_FALSE(v->items()[0].is_integer());
  EXPECT_EQ(v->items()[1].integer(), INT64_MIN);
  EXPECT_FALSE(v->items()[2].is_integer());
}

TEST(JsonTest, NestingIsBounded) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_THAT(ParseJson(deep, 16), StatusIs(Code::kInvalidArgument));
  EXPECT_OK(ParseJson("[[[]]]", 16));
}

TEST(JsonTest, TheNumberOfValuesIsBounded) {
  std::string many = "[0";
  for (int i = 0; i < 1000; ++i) many += ",0";
  many += "]";
  EXPECT_OK(ParseJson(many, 16, 1001 + 1));
  Result<JsonValue> refused = ParseJson(many, 16, 1000);
  EXPECT_THAT(refused, StatusIs(Code::kInvalidArgument));
  EXPECT_NE(refused.status().message().find("more than 1000 values"), std::string::npos);
}

}  // namespace
}  // namespace strata::load
