// PieceIndex and the caches-only tiers that bucket pieces go through.
#include "cache/piece_index.h"

#include <fstream>

#include "cache/tiers.h"
#include "support/test_util.h"

namespace strata::cache {
namespace {

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(PieceIndexTest, EveryPartOfTheNameCounts) {
  ChunkId base = PieceIndex::NameOf("s3://b", "k", "etag1", 0, 4);
  EXPECT_EQ(base, PieceIndex::NameOf("s3://b", "k", "etag1", 0, 4));
  EXPECT_NE(base, PieceIndex::NameOf("s3://b", "k", "etag2", 0, 4));  // a new version
  EXPECT_NE(base, PieceIndex::NameOf("s3://b", "k2", "etag1", 0, 4));
  EXPECT_NE(base, PieceIndex::NameOf("s3://c", "k", "etag1", 0, 4));
  EXPECT_NE(base, PieceIndex::NameOf("s3://b", "k", "etag1", 4, 4));
  EXPECT_NE(base, PieceIndex::NameOf("s3://b", "k", "etag1", 0, 5));
  // Parts are separated: moving a character from one part to the next changes the name.
  EXPECT_NE(PieceIndex::NameOf("s3://b", "ke", "tag", 0, 4),
            PieceIndex::NameOf("s3://b", "k", "etag", 0, 4));
}

TEST(PieceIndexTest, RememberedAcrossProcessesThroughTheCacheDirectory) {
  testing::TempDir dir;
  ChunkId name = PieceIndex::NameOf("s3://b", "k", "e", 0, 3);
  ChunkId content = ChunkId::Of(Bytes("abc"));
  {
    PieceIndex index(dir.path());
    EXPECT_FALSE(index.Find(name).has_value());
    index.Remember(name, content);
    EXPECT_EQ(index.Find(name), content);
  }
  PieceIndex reopened(dir.path());
  EXPECT_EQ(reopened.Find(name), content);
  PieceIndex memory_only("");
  memory_only.Remember(name, content);
  EXPECT_EQ(memory_only.Find(name), content);
}

TEST(PieceIndexTest, ADamagedEntryIsIgnored) {
  testing::TempDir dir;
  ChunkId name = PieceIndex::NameOf("s3://b", "k", "e", 0, 3);
  PieceIndex(dir.path()).Remember(name, ChunkId::Of(Bytes("abc")));
  std::string hex = name.Hex();
  std::string path = dir.path() + "/pieces/" + hex.substr(0, 2) + "/" + hex;
  {
    std::ofstream out(path, std::ios::trunc);
    out << std::string(64, 'x');  // another name's entry, or garbage
  }
  EXPECT_FALSE(PieceIndex(dir.path()).Find(name).has_value());
  {
    std::ofstream out(path, std::ios::trunc);
    out << "short";
  }
  EXPECT_FALSE(PieceIndex(dir.path()).Find(name).has_value());
}

TEST(CachesOnlyTiersTest, OfferedBytesAreServedAndVerified) {
  testing::TempDir dir;
  CacheOptions options{dir.path() + "/cache", 1 << 20, 0, {}};
  auto tiers = std::move(Tiers::OpenCachesOnly(options)).value();
  std::vector<uint8_t> data = Bytes("piece of an object");
  ChunkId id = ChunkId::Of(data);
  std::vector<uint8_t> out(data.size());
  EXPECT_EQ(tiers->top().Read(id, out).code(), Code::kNotFound);  // nothing below the caches
  EXPECT_FALSE(tiers->top().IsCached(id));
  tiers->top().Offer(id, data);
  EXPECT_TRUE(tiers->top().IsCached(id));
  ASSERT_TRUE(tiers->top().Read(id, out).ok());
  EXPECT_EQ(out, data);
  // A damaged cache file is dropped, not served.
  std::string hex = id.Hex();
  {
    std::ofstream damage(options.disk_dir + "/chunks/" + hex.substr(0, 2) + "/" + hex,
                         std::ios::trunc);
    damage << "piece of an objecT";
  }
  EXPECT_FALSE(tiers->top().Read(id, out).ok());
  EXPECT_FALSE(tiers->top().IsCached(id));
}

}  // namespace
}  // namespace strata::cache
