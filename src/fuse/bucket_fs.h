// BucketFs: a bucket of plain objects mounted as a file system (strata mount --bucket).
//
// Objects are files, '/' in keys makes directories (BucketView). Reading opens the object's
// current version (a HEAD: close-to-open, as for volumes) and reads it piece by piece through the
// cache tiers, reading ahead; a changed object is never mixed with the version opened.
// Read-only unless mounted --read-write; then a file written through the mount is uploaded whole
// when it is closed or fsynced (multipart above 64 MiB), mkdir writes a "dir/" marker object,
// unlink and rmdir delete. What S3 cannot do atomically is refused: renames, links, symlinks.
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/mutex.h"
#include "bucket/bucket_view.h"
#include "bucket/object_reader.h"
#include "bucket/object_writer.h"
#include "fuse/file_system.h"

namespace strata::fuse {

struct BucketFsOptions {
  bool writable = false;
  std::string spill_dir;  // where files being written are kept until uploaded (must exist)
  size_t read_ahead_pieces = 4;
  uint64_t multipart_above = 64 << 20;  // bytes; larger objects are uploaded in parts of this
  uint32_t uid = 0;                     // the owner shown for every file
  uint32_t gid = 0;
};

class BucketFs final : public FileSystem {
 public:
  BucketFs(bucket::BucketView& view, BucketFsOptions options);
  ~BucketFs() override;

  meta::InodeId root() const override { return meta::InodeId{1}; }
  Result<meta::Attr> Lookup(meta::InodeId parent, std::string_view name) override;
  Result<meta::Attr> GetAttr(meta::InodeId ino) override;
  Result<meta::Attr> SetAttr(meta::InodeId ino, const SetAttrRequest& request) override;
  Result<std::string> ReadLink(meta::InodeId ino) override;
  Result<std::vector<meta::DirEntry>> ReadDir(meta::InodeId dir) override;
  Result<meta::Attr> MakeNode(meta::InodeId parent, std::string_view name, meta::NewNode node,
                              const Caller& caller) override;
  Result<meta::Attr> Link(meta::InodeId ino, meta::InodeId parent, std::string_view name) override;
  Status Unlink(meta::InodeId parent, std::string_view name) override;
  Status Rmdir(meta::InodeId parent, std::string_view name) override;
  Status Rename(meta::InodeId parent, std::string_view name, meta::InodeId new_parent,
                std::string_view new_name, meta::RenameMode mode) override;
  Result<OpenedFile> Open(meta::InodeId ino, int flags) override;
  Result<std::pair<meta::Attr, OpenedFile>> Create(meta::InodeId parent, std::string_view name,
                                                   uint32_t mode, int flags,
                                                   const Caller& caller) override;
  Result<size_t> Read(uint64_t handle, uint64_t offset, std::span<uint8_t> out) override;
  Status Write(uint64_t handle, uint64_t offset, std::span<const uint8_t> data) override;
  Status Flush(uint64_t handle) override;
  Status Release(uint64_t handle) override;
  Status FlushAll() override;

 private:
  struct Handle;

  // The path of an inode this mount has handed out; NotFound otherwise.
  Result<std::string> PathOf(meta::InodeId ino);
  Result<std::string> ChildOf(meta::InodeId parent, std::string_view name);
  meta::InodeId InodeOf(const std::string& path);
  meta::Attr AttrOf(const std::string& path, const bucket::Entry& entry);
  Result<meta::Attr> AttrOfPath(const std::string& path);
  Status NeedWritable(std::string_view what) const;
  Result<OpenedFile> OpenWriter(const std::string& path, bool truncate);
  static Handle* HandleOf(uint64_t handle);
  void ForgetListing(const std::string& path);

  bucket::BucketView& view_;
  const BucketFsOptions options_;
  const int64_t mounted_ns_;  // directories have no times in a bucket: they show this one

  Mutex mu_;
  std::unordered_map<std::string, uint64_t> inodes_ GUARDED_BY(mu_);  // path → inode
  std::vector<std::string> paths_ GUARDED_BY(mu_);                    // inode - 1 → path
  // Files being written through this mount, by path: their size so far shows in stat.
  std::unordered_map<std::string, bucket::ObjectWriter*> writers_ GUARDED_BY(mu_);
  // The ETag whose pages the kernel may hold, by path.
  std::unordered_map<std::string, std::string> kernel_etags_ GUARDED_BY(mu_);
};

}  // namespace strata::fuse
