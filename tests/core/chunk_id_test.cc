#include "core/chunk_id.h"

#include <string>

#include "support/test_util.h"

namespace strata {
namespace {

using testing::StatusIs;

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(ChunkIdTest, MatchesKnownSha256Vectors) {
  EXPECT_EQ(ChunkId::Of(Bytes("")).Hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ChunkId::Of(Bytes("abc")).Hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ChunkIdTest, HexRoundTrips) {
  ChunkId id = ChunkId::Of(Bytes("strata"));
  Result<ChunkId> parsed = ChunkId::FromHex(id.Hex());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, id);
  std::string upper = id.Hex();
  for (auto& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_EQ(*ChunkId::FromHex(upper), id);
}

TEST(ChunkIdTest, FromHexRejectsBadInput) {
  EXPECT_THAT(ChunkId::FromHex("abc"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(ChunkId::FromHex(std::string(64, 'g')), StatusIs(Code::kInvalidArgument));
}

TEST(ChunkIdTest, DifferentBytesDifferentIds) {
  EXPECT_NE(ChunkId::Of(Bytes("a")), ChunkId::Of(Bytes("b")));
  EXPECT_EQ(ChunkIdHash{}(ChunkId::Of(Bytes("a"))), ChunkIdHash{}(ChunkId::Of(Bytes("a"))));
}

}  // namespace
}  // namespace strata
