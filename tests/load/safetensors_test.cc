#include "load/safetensors.h"

#include <string>

#include "support/test_util.h"

namespace strata::load {
namespace {

using strata::testing::IsOk;
using strata::testing::StatusIs;

// A reference writer: the file for `header_json` followed by `data_bytes` zero bytes.
std::vector<uint8_t> File(const std::string& header_json, uint64_t data_bytes) {
  std::vector<uint8_t> out(8);
  uint64_t n = header_json.size();
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<uint8_t>(n >> (8 * i));
  out.insert(out.end(), header_json.begin(), header_json.end());
  out.resize(out.size() + data_bytes, 0);
  return out;
}

Result<SafetensorsHeader> Parse(const std::vector<uint8_t>& file) {
  return ParseSafetensorsHeader(file, file.size());
}

// Error message of parsing `json` with `data` bytes; "" if it parses.
std::string ErrorOf(const std::string& json, uint64_t data) {
  Result<SafetensorsHeader> h = Parse(File(json, data));
  return h.ok() ? "" : h.status().message();
}

TEST(SafetensorsTest, ParsesAValidFile) {
  std::string json =
      R"({"__metadata__":{"format":"pt"},"b":{"dtype":"F16","shape":[2,3],"data_offsets":[16,28]},)"
      R"("a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
      R"("s":{"dtype":"I64","shape":[],"data_offsets":[28,36]},)"
      R"("e":{"dtype":"BF16","shape":[0,5],"data_offsets":[36,36]}}   )";  // padded with spaces
  Result<SafetensorsHeader> h = Parse(File(json, 36));
  ASSERT_OK(h);
  EXPECT_EQ(h->header_bytes, json.size());
  EXPECT_EQ(h->data_offset, 8 + json.size());
  ASSERT_EQ(h->tensors.size(), 4u);
  EXPECT_EQ(h->tensors[0].name, "a");  // sorted by offset
  EXPECT_EQ(h->tensors[1].name, "b");
  EXPECT_EQ(h->tensors[1].dtype, DType::kF16);
  EXPECT_EQ(h->tensors[1].shape, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(h->tensors[2].name, "s");
  EXPECT_TRUE(h->tensors[2].shape.empty());
  EXPECT_EQ(h->metadata.at("format"), "pt");
  EXPECT_EQ(DTypeSize(DType::kBF16), 2u);
  EXPECT_EQ(DTypeName(DType::kBool), "BOOL");
}

TEST(SafetensorsTest, AnEmptyFileOfNoTensorsIsValid) { EXPECT_EQ(ErrorOf("{}", 0), ""); }

TEST(SafetensorsTest, RejectsBadHeaderLengths) {
  EXPECT_THAT(ParseSafetensorsHeader(std::vector<uint8_t>{1, 2, 3}, 3),
              StatusIs(Code::kInvalidArgument));
  std::vector<uint8_t> huge = File("{}", 0);
  huge[7] = 0x80;  // 2^63
  EXPECT_THAT(Parse(huge), StatusIs(Code::kInvalidArgument));
  std::vector<uint8_t> past_end = File("{}", 0);
  past_end[0] = 50;
  EXPECT_THAT(Parse(past_end), StatusIs(Code::kInvalidArgument));
  std::vector<uint8_t> over_limit(8, 0);
  uint64_t n = kMaxHeaderBytes + 1;
  for (int i = 0; i < 8; ++i)
    over_limit[static_cast<size_t>(i)] = static_cast<uint8_t>(n >> (8 * i));
  EXPECT_THAT(ParseSafetensorsHeader(over_limit, UINT64_MAX / 2), StatusIs(Code::kInvalidArgument));
}

TEST(SafetensorsTest, RejectsEveryKindOfMalformedHeader) {
  struct Case {
    const char* json;
    uint64_t data;
    const char* expect;  // a part of the message
  };
  const Case cases[] = {
      {"[]", 0, "start with '{'"},
      {"{\"a\":1", 0, "JSON"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
       "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
       8, "duplicate"},
      {"{\"a\":{\"dtype\":\"F31\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "unknown dtype"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "non-negative"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4, "non-negative"},
      {"{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,1]}}", 1,
       "2^64"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"__metadata__\":{\"k\":1}"
       "}",
       4, "not a string"},
      {"{\"__metadata__\":[]}", 0, "__metadata__ is not an object"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 2, "file has 2"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4, "ends before"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
       "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}",
       6, "overlaps"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
       "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
       12, "gap of 4"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "needs 8"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 10, "6 trailing"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "needs dtype, shape and data_offsets"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4,
       "unknown field"},
      {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4, "[begin, end]"},
      {"{\"a\":[]}", 0, "not an object"},
      {"{\"\xff\":{}}", 0, "UTF-8"},
  };
  for (const auto& c : cases) {
    std::string error = ErrorOf(c.json, c.data);
    EXPECT_NE(error, "") << c.json;
    EXPECT_NE(error.find(c.expect), std::string::npos) << c.json << " -> " << error;
    EXPECT_EQ(error.find("invalid safetensors file"), 0u) << error;
  }
}

// M8: a valid file (every dimension 0, so no bytes) whose header would take gigabytes parsed.
TEST(SafetensorsTest, AHeaderOfMillionsOfValuesIsRefusedBeforeItIsBuilt) {
  std::string json = R"({"t":{"dtype":"U8","shape":[0)";
  json.reserve(4 * kMaxHeaderValues);
  for (size_t i = 0; i < kMaxHeaderValues; ++i) json += ",0";
  json += R"(],"data_offsets":[0,0]}})";
  EXPECT_NE(ErrorOf(json, 0).find("values"), std::string::npos);
}

TEST(SafetensorsTest, TensorsOfMoreThan64DimensionsAreRefused) {
  std::string shape = "1";
  for (int i = 1; i < 65; ++i) shape += ",1";
  EXPECT_NE(ErrorOf(R"({"t":{"dtype":"U8","shape":[)" + shape + R"(],"data_offsets":[0,1]}})", 1)
                .find("dimensions"),
            std::string::npos);
  std::string ok = "1";
  for (int i = 1; i < 64; ++i) ok += ",1";
  EXPECT_EQ(ErrorOf(R"({"t":{"dtype":"U8","shape":[)" + ok + R"(],"data_offsets":[0,1]}})", 1), "");
}

TEST(SafetensorsTest, NeverReadsPastTheBytesItIsGiven) {
  // Every truncation of a valid header is rejected (or, for the data part, caught by the sizes).
  std::vector<uint8_t> file =
      File("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
  for (size_t n = 0; n < file.size(); ++n) {
    std::vector<uint8_t> cut(file.begin(), file.begin() + static_cast<ptrdiff_t>(n));
    EXPECT_FALSE(Parse(cut).ok()) << n;
  }
}

}  // namespace
}  // namespace strata::load
