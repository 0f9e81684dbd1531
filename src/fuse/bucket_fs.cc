#include "fuse/bucket_fs.h"

#include <fcntl.h>

#include <fmt/core.h>

#include "core/clock.h"

namespace strata::fuse {
namespace {

std::string Join(const std::string& dir, std::string_view name) {
  return dir.empty() ? std::string(name) : dir + "/" + std::string(name);
}

}  // namespace

// One open of a file: a reader of one object version, or a writer.
struct BucketFs::Handle {
  std::unique_ptr<bucket::ObjectReader> reader;
  std::unique_ptr<bucket::ObjectWriter> writer;
};

BucketFs::BucketFs(bucket::BucketView& view, BucketFsOptions options)
    : view_(view), options_(std::move(options)), mounted_ns_(NowNanos()) {
  inodes_[""] = 1;
  paths_.push_back("");
}

BucketFs::~BucketFs() = default;

BucketFs::Handle* BucketFs::HandleOf(uint64_t handle) { return reinterpret_cast<Handle*>(handle); }

Status BucketFs::NeedWritable(std::string_view what) const {
  if (options_.writable) return Status::OK();
  return Status::ReadOnly(fmt::format(
      "{}: this bucket is mounted read-only (mount it with --read-write to write)", what));
}

Result<std::string> BucketFs::PathOf(meta::InodeId ino) {
  MutexLock lock(mu_);
  if (ino.value == 0 || ino.value > paths_.size()) {
    return Status::NotFound(fmt::format("inode {}", ino.value));
  }
  return paths_[ino.value - 1];
}

Result<std::string> BucketFs::ChildOf(meta::InodeId parent, std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos) {
    return Status::InvalidArgument(fmt::format("bad name '{}'", name));
  }
  if (name.size() > meta::kMaxNameBytes) return Status::NameTooLong(std::string(name));
  ASSIGN_OR_RETURN(std::string dir, PathOf(parent));
  return Join(dir, name);
}

meta::InodeId BucketFs::InodeOf(const std::string& path) {
  MutexLock lock(mu_);
  auto [it, inserted] = inodes_.emplace(path, paths_.size() + 1);
  if (inserted) paths_.push_back(path);
  return meta::InodeId{it->second};
}

meta::Attr BucketFs::AttrOf(const std::string& path, const bucket::Entry& entry) {
  meta::Attr attr;
  attr.ino = InodeOf(path);
  attr.uid = options_.uid;
  attr.gid = options_.gid;
  if (entry.is_dir) {
    attr.type = meta::FileType::kDirectory;
    attr.mode = options_.writable ? 0755 : 0555;
    attr.nlink = 2;
    attr.mtime_ns = attr.ctime_ns = attr.atime_ns = mounted_ns_;
  } else {
    attr.type = meta::FileType::kRegular;
    attr.mode = options_.writable ? 0644 : 0444;
    attr.size_bytes = entry.object.size_bytes;
    attr.mtime_ns = attr.ctime_ns = attr.atime_ns = entry.object.mtime_ns;
  }
  MutexLock lock(mu_);
  auto writer = writers_.find(path);
  if (writer != writers_.end()) {
    attr.size_bytes = writer->second->size();
    attr.mtime_ns = attr.ctime_ns = writer->second->mtime_ns();
  }
  return attr;
}

Result<meta::Attr> BucketFs::AttrOfPath(const std::string& path) {
  Result<bucket::Entry> entry = view_.Stat(path);
  if (!entry.ok()) {
    MutexLock lock(mu_);
    if (entry.status().code() != Code::kNotFound || !writers_.contains(path)) {
      return entry.status();
    }
    entry = bucket::Entry{path, false, {}};  // created here, not yet uploaded
  }
  return AttrOf(path, *entry);
}

Result<meta::Attr> BucketFs::Lookup(meta::InodeId parent, std::string_view name) {
  ASSIGN_OR_RETURN(std::string path, ChildOf(parent, name));
  return AttrOfPath(path);
}

Result<meta::Attr> BucketFs::GetAttr(meta::InodeId ino) {
  ASSIGN_OR_RETURN(std::string path, PathOf(ino));
  return AttrOfPath(path);
}

Result<meta::Attr> BucketFs::SetAttr(meta::InodeId ino, const SetAttrRequest& request) {
  ASSIGN_OR_RETURN(std::string path, PathOf(ino));
  if (request.size) {
    RETURN_IF_ERROR(NeedWritable(path));
    bucket::ObjectWriter* writer = nullptr;
    {
      MutexLock lock(mu_);
      auto it = writers_.find(path);
      if (it != writers_.end()) writer = it->second;
    }
    if (writer) {
      RETURN_IF_ERROR(writer->Truncate(*request.size));
    } else if (*request.size == 0) {
      RETURN_IF_ERROR(view_.bucket().Put(path, {}));
      ForgetListing(path);
    } else {
      return Status::NotSupported(fmt::format(
          "{}: a bucket object can only be truncated to 0 or while open for writing", path));
    }
  }
  // Modes, owners and times are not kept in a bucket: accepted and ignored, so that cp -p and
  // tar work.
  return AttrOfPath(path);
}

Result<std::string> BucketFs::ReadLink(meta::InodeId) {
  return Status::InvalidArgument("a bucket mount has no symbolic links");
}

Result<std::vector<meta::DirEntry>> BucketFs::ReadDir(meta::InodeId dir) {
  ASSIGN_OR_RETURN(std::string path, PathOf(dir));
  ASSIGN_OR_RETURN(auto entries, view_.List(path));
  std::vector<meta::DirEntry> out;
  out.reserve(entries->size());
  for (const bucket::Entry& entry : *entries) {
    out.push_back(meta::DirEntry{entry.name, AttrOf(Join(path, entry.name), entry)});
  }
  return out;
}

void BucketFs::ForgetListing(const std::string& path) { view_.Invalidate(bucket::ParentOf(path)); }

Result<meta::Attr> BucketFs::MakeNode(meta::InodeId parent, std::string_view name,
                                      meta::NewNode node, const Caller&) {
  ASSIGN_OR_RETURN(std::string path, ChildOf(parent, name));
  RETURN_IF_ERROR(NeedWritable(path));
  if (view_.Stat(path).ok()) return Status::AlreadyExists(path);
  if (node.type == meta::FileType::kDirectory) {
    RETURN_IF_ERROR(view_.bucket().Put(path + "/", {}));  // the marker S3 tools use
  } else if (node.type == meta::FileType::kRegular) {
    RETURN_IF_ERROR(view_.bucket().Put(path, {}));
  } else {
    return Status::NotSupported(fmt::format("{}: a bucket mount has no symbolic links", path));
  }
  ForgetListing(path);
  return AttrOfPath(path);
}

Result<meta::Attr> BucketFs::Link(meta::InodeId, meta::InodeId, std::string_view) {
  return Status::NotSupported("a bucket mount has no hard links");
}

Status BucketFs::Unlink(meta::InodeId parent, std::string_view name) {
  ASSIGN_OR_RETURN(std::string path, ChildOf(parent, name));
  RETURN_IF_ERROR(NeedWritable(path));
  ASSIGN_OR_RETURN(bucket::Entry entry, view_.Stat(path));
  if (entry.is_dir) return Status::IsDirectory(path);
  RETURN_IF_ERROR(view_.bucket().Delete(path));
  ForgetListing(path);
  return Status::OK();
}

Status BucketFs::Rmdir(meta::InodeId parent, std::string_view name) {
  ASSIGN_OR_RETURN(std::string path, ChildOf(parent, name));
  RETURN_IF_ERROR(NeedWritable(path));
  ASSIGN_OR_RETURN(bucket::Entry entry, view_.Stat(path));
  if (!entry.is_dir) return Status::NotDirectory(path);
  view_.Invalidate(path);
  ASSIGN_OR_RETURN(auto entries, view_.List(path));
  if (!entries->empty()) return Status::NotEmpty(path);
  RETURN_IF_ERROR(view_.bucket().Delete(path + "/"));
  view_.Invalidate(path);
  ForgetListing(path);
  return Status::OK();
}

Status BucketFs::Rename(meta::InodeId, std::string_view name, meta::InodeId, std::string_view,
                        meta::RenameMode) {
  RETURN_IF_ERROR(NeedWritable(name));
  return Status::NotSupported(fmt::format(
      "{}: S3 cannot rename atomically, so a bucket mount does not rename (copy, then delete)",
      name));
}

Result<OpenedFile> BucketFs::Open(meta::InodeId ino, int flags) {
  ASSIGN_OR_RETURN(std::string path, PathOf(ino));
  if ((flags & O_ACCMODE) != O_RDONLY) {
    RETURN_IF_ERROR(NeedWritable(path));
    return OpenWriter(path, (flags & O_TRUNC) != 0);
  }
  ASSIGN_OR_RETURN(bucket::ObjectVersion object, view_.Head(path));
  OpenedFile opened;
  {
    MutexLock lock(mu_);
    std::string& held = kernel_etags_[path];
    opened.keep_cache = held == object.etag;
    held = object.etag;
  }
  auto handle = std::make_unique<Handle>();
  handle->reader =
      std::make_unique<bucket::ObjectReader>(view_, std::move(object), options_.read_ahead_pieces);
  opened.handle = reinterpret_cast<uint64_t>(handle.release());
  return opened;
}

Result<OpenedFile> BucketFs::OpenWriter(const std::string& path, bool truncate) {
  auto handle = std::make_unique<Handle>();
  bucket::ObjectWriterOptions options{options_.spill_dir, options_.multipart_above};
  ASSIGN_OR_RETURN(handle->writer, bucket::ObjectWriter::Open(view_, path, truncate, options));
  MutexLock lock(mu_);
  writers_[path] = handle->writer.get();
  kernel_etags_.erase(path);
  return OpenedFile{reinterpret_cast<uint64_t>(handle.release()), false};
}

Result<std::pair<meta::Attr, OpenedFile>> BucketFs::Create(meta::InodeId parent,
                                                           std::string_view name, uint32_t,
                                                           int flags, const Caller&) {
  ASSIGN_OR_RETURN(std::string path, ChildOf(parent, name));
  RETURN_IF_ERROR(NeedWritable(path));
  Result<bucket::Entry> existing = view_.Stat(path);
  if (existing.ok() && existing->is_dir) return Status::IsDirectory(path);
  if (existing.ok() && (flags & O_EXCL)) return Status::AlreadyExists(path);
  ASSIGN_OR_RETURN(OpenedFile opened, OpenWriter(path, /*truncate=*/true));
  ASSIGN_OR_RETURN(meta::Attr attr, AttrOfPath(path));
  return std::make_pair(attr, opened);
}

Result<size_t> BucketFs::Read(uint64_t handle_id, uint64_t offset, std::span<uint8_t> out) {
  Handle* handle = HandleOf(handle_id);
  if (handle->writer) return handle->writer->ReadAt(offset, out);
  return handle->reader->ReadAt(offset, out);
}

Status BucketFs::Write(uint64_t handle_id, uint64_t offset, std::span<const uint8_t> data) {
  Handle* handle = HandleOf(handle_id);
  if (!handle->writer) return Status::PermissionDenied("file not open for writing");
  return handle->writer->Write(offset, data);
}

Status BucketFs::Flush(uint64_t handle_id) {
  Handle* handle = HandleOf(handle_id);
  return handle->writer ? handle->writer->Upload() : Status::OK();
}

Status BucketFs::Release(uint64_t handle_id) {
  std::unique_ptr<Handle> handle(HandleOf(handle_id));
  if (!handle->writer) return Status::OK();
  Status status = handle->writer->Upload();
  MutexLock lock(mu_);
  auto it = writers_.find(handle->writer->path());
  if (it != writers_.end() && it->second == handle->writer.get()) writers_.erase(it);
  return status;
}

Status BucketFs::FlushAll() {
  // Under mu_: a Release running meanwhile waits to unregister, so no writer goes away here.
  MutexLock lock(mu_);
  Status first;
  for (auto& [path, writer] : writers_) {
    Status status = writer->Upload();
    if (first.ok()) first = status;
  }
  return first;
}

}  // namespace strata::fuse
