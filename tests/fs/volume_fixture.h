// A real volume for fs tests: SQLite metadata and a local-directory store in a temp dir, with
// small chunks so that multi-chunk files stay small.
#pragma once

#include <memory>

#include "base/thread_pool.h"
#include "fs/file_reader.h"
#include "fs/volume.h"
#include "meta/sqlite_meta_store.h"
#include "store/local_dir_store.h"
#include "support/test_util.h"

namespace strata::fs {

inline constexpr uint64_t kTestChunkSize = 64 * 1024;

class VolumeTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    meta_ = std::move(meta::OpenSqliteMetaStore(dir_.Sub("meta.db"))).value();
    objects_ = std::move(store::OpenLocalDirStore(dir_.Sub("chunks"))).value();
    ASSERT_TRUE(meta_->CreateVolume("v", kTestChunkSize).ok());
    volume_ = std::move(Volume::Open(*meta_, *objects_, "v")).value();
  }

  // The committed bytes of `path`, read through the volume as any reader would.
  std::vector<uint8_t> ReadBack(ThreadPool& pool, const std::string& path) {
    Result<meta::FileContent> content = volume_->Content(path);
    EXPECT_OK(content);
    if (!content.ok()) return {};
    FileReader reader(volume_, pool, *content, path);
    std::vector<uint8_t> out(content->size_bytes);
    EXPECT_EQ(*reader.ReadAt(0, out), out.size());
    return out;
  }

  strata::testing::TempDir dir_;
  std::unique_ptr<meta::MetaStore> meta_;
  std::unique_ptr<store::ObjectStore> objects_;
  std::shared_ptr<Volume> volume_;
};

}  // namespace strata::fs
