// One suite for every ObjectStore: each implementation must pass all of it. Instantiated for
// the local directory and memory stores (object_store_conformance_test.cc) and for S3 against a
// real server (s3_store_test.cc).
#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/object_store.h"
#include "support/test_util.h"

namespace strata::store {

using testing::IsOk;
using testing::StatusIs;

struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<ObjectStore>(const std::string& dir)> open;
};

// Names the parameter in test output (gtest would print its bytes).
inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

inline std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

class ObjectStoreConformanceTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam().open(dir_.path());
    if (!store_) GTEST_SKIP() << GetParam().name << " is not available here";
  }
  strata::testing::TempDir dir_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_P(ObjectStoreConformanceTest, PutThenReadReturnsTheBytes) {
  ASSERT_OK(store_->Put("a/b/c", Bytes("hello world")));
  Result<std::vector<uint8_t>> data = store_->ReadAll("a/b/c");
  ASSERT_OK(data);
  EXPECT_EQ(*data, Bytes("hello world"));
  Result<ObjectInfo> info = store_->Head("a/b/c");
  ASSERT_OK(info);
  EXPECT_EQ(info->size_bytes, 11u);
  EXPECT_EQ(info->key, "a/b/c");
}

TEST_P(ObjectStoreConformanceTest, ReadsARangeIntoTheCallersBuffer) {
  ASSERT_OK(store_->Put("k", Bytes("0123456789")));
  std::vector<uint8_t> out(4);
  Result<size_t> n = store_->Read("k", 3, out);
  ASSERT_OK(n);
  EXPECT_EQ(*n, 4u);
  EXPECT_EQ(out, Bytes("3456"));
  // Near the end: fewer bytes than asked.
  n = store_->Read("k", 8, out);
  ASSERT_OK(n);
  EXPECT_EQ(*n, 2u);
  // At the end: none. Past it: an error.
  EXPECT_EQ(*store_->Read("k", 10, out), 0u);
  EXPECT_THAT(store_->Read("k", 11, out), StatusIs(Code::kInvalidArgument));
}

TEST_P(ObjectStoreConformanceTest, EmptyObjectsExist) {
  ASSERT_OK(store_->Put("empty", {}));
  EXPECT_EQ(store_->Head("empty")->size_bytes, 0u);
  EXPECT_TRUE(store_->ReadAll("empty")->empty());
}

TEST_P(ObjectStoreConformanceTest, MissingObjectsAreNotFound) {
  std::vector<uint8_t> out(4);
  EXPECT_THAT(store_->Read("nope", 0, out), StatusIs(Code::kNotFound));
  EXPECT_THAT(store_->Head("nope"), StatusIs(Code::kNotFound));
  EXPECT_THAT(store_->Head("nope/deeper"), StatusIs(Code::kNotFound));
}

TEST_P(ObjectStoreConformanceTest, PutReplacesAndDeleteIsIdempotent) {
  ASSERT_OK(store_->Put("k", Bytes("one")));
  ASSERT_OK(store_->Put("k", Bytes("second")));
  EXPECT_EQ(*store_->ReadAll("k"), Bytes("second"));
  ASSERT_OK(store_->Delete("k"));
  EXPECT_THAT(store_->Head("k"), StatusIs(Code::kNotFound));
  EXPECT_OK(store_->Delete("k"));
}

TEST_P(ObjectStoreConformanceTest, ListFindsExactlyThePrefix) {
  for (const char* key : {"chunks/aa/1", "chunks/aa/2", "chunks/ab/3", "other/4", "chunksx"}) {
    ASSERT_OK(store_->Put(key, Bytes(key)));
  }
  auto list = [&](std::string_view prefix) {
    std::set<std::string> keys;
    EXPECT_OK(store_->List(prefix, [&](const ObjectInfo& info) {
      keys.insert(info.key);
      EXPECT_EQ(info.size_bytes, info.key.size());
      return Status::OK();
    }));
    return keys;
  };
  EXPECT_EQ(list("chunks/"), (std::set<std::string>{"chunks/aa/1", "chunks/aa/2", "chunks/ab/3"}));
  EXPECT_EQ(list("chunks/a"), (std::set<std::string>{"chunks/aa/1", "chunks/aa/2", "chunks/ab/3"}));
  EXPECT_EQ(list("chunks/aa/"), (std::set<std::string>{"chunks/aa/1", "chunks/aa/2"}));
  EXPECT_EQ(list("chunks"),
            (std::set<std::string>{"chunks/aa/1", "chunks/aa/2", "chunks/ab/3", "chunksx"}));
  EXPECT_EQ(list("").size(), 5u);
  EXPECT_TRUE(list("zzz").empty());
}

TEST_P(ObjectStoreConformanceTest, ListStopsAtTheCallbacksError) {
  ASSERT_OK(store_->Put("x/1", Bytes("1")));
  ASSERT_OK(store_->Put("x/2", Bytes("2")));
  int calls = 0;
  Status status = store_->List("x/", [&](const ObjectInfo&) {
    ++calls;
    return Status::Aborted("stop");
  });
  EXPECT_THAT(status, StatusIs(Code::kAborted));
  EXPECT_EQ(calls, 1);
}

TEST_P(ObjectStoreConformanceTest, RejectsKeysThatCouldEscape) {
  for (const char* key : {"", "/abs", "a/../b", "a//b", "./a", ".."}) {
    EXPECT_THAT(store_->Put(key, Bytes("x")), StatusIs(Code::kInvalidArgument)) << key;
  }
}

TEST_P(ObjectStoreConformanceTest, ConcurrentWritersOfOneKeyLeaveOneWholeObject) {
  std::vector<std::vector<uint8_t>> versions;
  for (int i = 0; i < 8; ++i) versions.emplace_back(64 * 1024, static_cast<uint8_t>(i));
  std::vector<std::thread> threads;
  std::atomic<bool> torn{false};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 10; ++round) {
        EXPECT_OK(store_->Put("hot", versions[static_cast<size_t>(t)]));
        Result<std::vector<uint8_t>> got = store_->ReadAll("hot");
        if (!got.ok()) continue;
        // Whatever a reader sees is one writer's whole object.
        bool whole =
            got->size() == versions[0].size() &&
            std::all_of(got->begin(), got->end(), [&](uint8_t b) { return b == got->front(); });
        if (!whole) torn = true;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_FALSE(torn.load());
}

TEST_P(ObjectStoreConformanceTest, ListSeesEveryKeyOfALongListing) {
  // More keys than one page of a paged listing (the S3 instance pages by 3).
  std::set<std::string> want;
  for (int i = 0; i < 25; ++i) {
    std::string key = "many/" + std::to_string(i);
    ASSERT_OK(store_->Put(key, Bytes(key)));
    want.insert(key);
  }
  std::set<std::string> got;
  ASSERT_OK(store_->List("many/", [&](const ObjectInfo& info) {
    EXPECT_TRUE(got.insert(info.key).second) << "listed twice: " << info.key;
    EXPECT_GT(info.mtime_ns, 0);
    return Status::OK();
  }));
  EXPECT_EQ(got, want);
}

TEST_P(ObjectStoreConformanceTest, ChunkSizedObjectsRoundTripInRanges) {
  std::mt19937_64 rng(7);
  std::vector<uint8_t> data = strata::testing::RandomBytes(rng, 4 * 1024 * 1024 + 17);
  ASSERT_OK(store_->Put("big", data));
  ASSERT_EQ(store_->Head("big")->size_bytes, data.size());
  std::vector<uint8_t> out(1024 * 1024);
  for (uint64_t offset : {uint64_t{0}, uint64_t{123457}, uint64_t{4 * 1024 * 1024 - 5}}) {
    Result<size_t> n = store_->Read("big", offset, out);
    ASSERT_OK(n);
    size_t want = std::min<size_t>(out.size(), data.size() - offset);
    ASSERT_EQ(*n, want);
    EXPECT_TRUE(std::equal(out.begin(), out.begin() + static_cast<ptrdiff_t>(want),
                           data.begin() + static_cast<ptrdiff_t>(offset)));
  }
  EXPECT_EQ(*store_->ReadAll("big"), data);
}

}  // namespace strata::store
