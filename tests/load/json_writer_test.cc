#include "load/json_writer.h"

#include <cstdint>
#include <limits>

#include "load/json.h"
#include "support/test_util.h"

namespace strata::load {
namespace {

TEST(JsonWriterTest, WritesOneLineWithTheSpacingOfTheApi) {
  JsonWriter w;
  w.BeginObject().Field("name", "a").Field("size", uint64_t{5}).Key("entries").BeginArray();
  w.BeginObject().Field("ok", true).EndObject().Int(-1).Null().EndArray();
  w.Key("empty").BeginObject().EndObject().Key("none").BeginArray().EndArray().EndObject();
  EXPECT_EQ(w.Take(),
            R"({"name": "a", "size": 5, "entries": [{"ok": true}, -1, null], "empty": {}, )"
            R"("none": []})");
}

TEST(JsonWriterTest, IndentsOneItemPerLine) {
  JsonWriter w(2);
  w.BeginObject().Field("source", "hub://o/m").Key("files").BeginArray();
  w.BeginObject().Field("path", "a").EndObject().EndArray().Key("tags").BeginArray().EndArray();
  w.EndObject();
  EXPECT_EQ(w.Take(),
            "{\n"
            "  \"source\": \"hub://o/m\",\n"
            "  \"files\": [\n"
            "    {\n"
            "      \"path\": \"a\"\n"
            "    }\n"
            "  ],\n"
            "  \"tags\": []\n"
            "}\n");
}

TEST(JsonWriterTest, WhatItWritesTheStrictParserReadsBack) {
  // Names from users: quotes, backslashes, control characters, a NUL, non-ASCII UTF-8.
  const std::string hostile =
      std::string("a\"b\\c\n\t\x01\x1f/\xc3\xa9", 12) + std::string(1, '\0');
  JsonWriter w;
  w.BeginObject()
      .Field(hostile, hostile)
      .Field("max", std::numeric_limits<uint64_t>::max() / 2)
      .Field("min", std::numeric_limits<int64_t>::min())
      .EndObject();
  std::string text = w.Take();
  Result<JsonValue> parsed = ParseJson(text);
  ASSERT_OK(parsed);
  ASSERT_EQ(parsed->members().size(), 3u);
  EXPECT_EQ(parsed->members()[0].first, hostile);
  EXPECT_EQ(parsed->members()[0].second.str(), hostile);
  EXPECT_EQ(parsed->Find("max")->integer(), INT64_MAX);
  EXPECT_EQ(parsed->Find("min")->integer(), INT64_MIN);
}

}  // namespace
}  // namespace strata::load
