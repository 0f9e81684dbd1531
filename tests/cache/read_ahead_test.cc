#include "cache/read_ahead.h"

#include <gtest/gtest.h>

namespace strata::cache {
namespace {

constexpr uint64_t kChunk = 4 << 20;

TEST(ReadAheadTest, ASequentialReaderGetsAGrowingWindow) {
  ReadAhead ra(/*initial=*/2, /*max=*/8);
  const uint64_t read = 1 << 20;  // 1 MiB reads, as the kernel sends them
  ChunkRange r = ra.OnRead(0, read, kChunk, 100);
  EXPECT_EQ(r.begin, 1u);
  EXPECT_EQ(r.end, 3u);
  uint64_t offset = read;
  size_t furthest = r.end;
  for (int i = 0; i < 40; ++i, offset += read) {
    r = ra.OnRead(offset, read, kChunk, 100);
    if (!r.empty()) {
      EXPECT_EQ(r.begin, furthest) << "never hands out a chunk twice";
      furthest = r.end;
    }
  }
  EXPECT_EQ(ra.window(), 8u);
  // Always ahead of the reader, never more than the window.
  size_t current = static_cast<size_t>((offset - 1) / kChunk);
  EXPECT_GT(furthest, current + 1);
  EXPECT_LE(furthest, current + 1 + 8);
}

TEST(ReadAheadTest, RandomReadsFetchNothingAhead) {
  ReadAhead ra;
  for (uint64_t offset : {50 * kChunk, 3 * kChunk, 77 * kChunk + 5, 10 * kChunk}) {
    EXPECT_TRUE(ra.OnRead(offset, 4096, kChunk, 100).empty());
    EXPECT_EQ(ra.window(), 0u);
  }
}

TEST(ReadAheadTest, ASeekResetsTheWindowAndSequentialReadsRegrowIt) {
  ReadAhead ra(2, 16);
  for (uint64_t i = 0; i < 6; ++i) (void)ra.OnRead(i * kChunk, kChunk, kChunk, 100);
  EXPECT_EQ(ra.window(), 16u);
  EXPECT_TRUE(ra.OnRead(60 * kChunk, kChunk, kChunk, 100).empty());  // the seek itself
  ChunkRange r = ra.OnRead(61 * kChunk, kChunk, kChunk, 100);        // sequential again
  EXPECT_EQ(ra.window(), 2u);
  EXPECT_EQ(r.begin, 62u);
  EXPECT_EQ(r.end, 64u);
}

TEST(ReadAheadTest, StopsAtTheEndOfTheFile) {
  ReadAhead ra(4, 4);
  ChunkRange r = ra.OnRead(0, kChunk, kChunk, 3);
  EXPECT_EQ(r.begin, 1u);
  EXPECT_EQ(r.end, 3u);
  EXPECT_TRUE(ra.OnRead(kChunk, kChunk, kChunk, 3).empty());
}

}  // namespace
}  // namespace strata::cache
