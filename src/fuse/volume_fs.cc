#include "fuse/volume_fs.h"

#include <fcntl.h>

#include <fmt/core.h>

namespace strata::fuse {

struct VolumeFs::Handle {
  std::shared_ptr<OpenFile> file;
};

namespace {

std::string NameOf(meta::InodeId ino) { return fmt::format("inode {}", ino.value); }

bool Writable(int flags) { return (flags & O_ACCMODE) != O_RDONLY; }

}  // namespace

VolumeFs::Handle* VolumeFs::HandleOf(uint64_t handle) { return reinterpret_cast<Handle*>(handle); }

VolumeFs::VolumeFs(std::shared_ptr<fs::Volume> volume, ThreadPool& pool, std::string spill_dir)
    : volume_(std::move(volume)),
      meta_(volume_->meta()),
      pool_(pool),
      spill_dir_(std::move(spill_dir)) {}

VolumeFs::~VolumeFs() = default;

std::shared_ptr<VolumeFs::OpenFile> VolumeFs::FindOpen(meta::InodeId ino) {
  MutexLock lock(mu_);
  auto it = open_.find(ino.value);
  return it == open_.end() ? nullptr : it->second;
}

meta::Attr VolumeFs::Overlay(meta::Attr attr) {
  if (attr.type != meta::FileType::kRegular) return attr;
  std::shared_ptr<OpenFile> file = FindOpen(attr.ino);
  if (!file) return attr;
  std::shared_ptr<fs::FileWriter> writer;
  {
    MutexLock lock(file->mu);
    if (file->attr.version <= attr.version) file->attr = attr;
    writer = file->writer;
  }
  if (writer && writer->dirty()) attr.size_bytes = writer->size();
  return attr;
}

Result<meta::Attr> VolumeFs::Lookup(meta::InodeId parent, std::string_view name) {
  ASSIGN_OR_RETURN(meta::Attr attr, meta_.Lookup(parent, name));
  return Overlay(attr);
}

Result<meta::Attr> VolumeFs::GetAttr(meta::InodeId ino) {
  Result<meta::Attr> attr = meta_.GetAttr(ino);
  if (attr.ok()) return Overlay(*attr);
  if (attr.status().code() != Code::kNotFound) return attr.status();
  // Unlinked but still open: what it was, with no links.
  std::shared_ptr<OpenFile> file = FindOpen(ino);
  if (!file) return attr.status();
  MutexLock lock(file->mu);
  meta::Attr gone = file->attr;
  gone.nlink = 0;
  if (file->writer) gone.size_bytes = file->writer->size();
  return gone;
}

Result<meta::Attr> VolumeFs::SetAttr(meta::InodeId ino, const SetAttrRequest& request) {
  if (request.size) {
    std::shared_ptr<OpenFile> file = FindOpen(ino);
    if (file) {
      std::shared_ptr<fs::FileWriter> writer;
      {
        MutexLock lock(file->mu);
        RETURN_IF_ERROR(EnsureWriter(*file));
        writer = file->writer;
      }
      RETURN_IF_ERROR(writer->Truncate(*request.size));
      RETURN_IF_ERROR(Commit(*file));
    } else {
      ASSIGN_OR_RETURN(meta::Attr attr, meta_.GetAttr(ino));
      if (attr.type == meta::FileType::kDirectory) {
        return Status::IsDirectory(fmt::format("{} is a directory", NameOf(ino)));
      }
      ASSIGN_OR_RETURN(meta::FileContent content, meta_.GetContent(ino));
      ASSIGN_OR_RETURN(
          std::unique_ptr<fs::FileWriter> writer,
          fs::FileWriter::Open(volume_, pool_, ino, std::move(content), spill_dir_, NameOf(ino)));
      RETURN_IF_ERROR(writer->Truncate(*request.size));
      ASSIGN_OR_RETURN(std::optional<meta::Attr> committed, writer->Commit());
      if (committed) {
        MutexLock lock(mu_);
        kernel_versions_[ino.value] = committed->version;  // the kernel cut its pages itself
      }
    }
  }
  const meta::AttrChange& change = request.change;
  if (change.mode || change.uid || change.gid || change.atime_ns || change.mtime_ns) {
    RETURN_IF_ERROR(meta_.SetAttr(ino, change).status());
    if (change.mtime_ns) {
      if (std::shared_ptr<OpenFile> file = FindOpen(ino)) {
        MutexLock lock(file->mu);
        if (file->writer) file->writer->SetMtime(*change.mtime_ns);
      }
    }
  }
  return GetAttr(ino);
}

Result<std::string> VolumeFs::ReadLink(meta::InodeId ino) { return meta_.ReadLink(ino); }

Result<std::vector<meta::DirEntry>> VolumeFs::ReadDir(meta::InodeId dir) {
  ASSIGN_OR_RETURN(std::vector<meta::DirEntry> entries, meta_.ReadDir(dir));
  for (meta::DirEntry& entry : entries) entry.attr = Overlay(entry.attr);
  return entries;
}

Result<meta::Attr> VolumeFs::MakeNode(meta::InodeId parent, std::string_view name,
                                      meta::NewNode node, const Caller& caller) {
  node.uid = caller.uid;
  node.gid = caller.gid;
  return meta_.MakeNode(parent, name, node);
}

Result<meta::Attr> VolumeFs::Link(meta::InodeId ino, meta::InodeId parent, std::string_view name) {
  ASSIGN_OR_RETURN(meta::Attr attr, meta_.Link(ino, parent, name));
  return Overlay(attr);
}

void VolumeFs::ForgetKernelVersion(meta::InodeId parent, std::string_view name) {
  // SQLite may hand a removed inode's number to the next new file; its version must not make
  // the kernel keep the pages of the file that had the number before.
  Result<meta::Attr> attr = meta_.Lookup(parent, name);
  if (!attr.ok() || attr->nlink > 1) return;
  MutexLock lock(mu_);
  kernel_versions_.erase(attr->ino.value);
}

Status VolumeFs::Unlink(meta::InodeId parent, std::string_view name) {
  ForgetKernelVersion(parent, name);
  return meta_.Unlink(parent, name);
}

Status VolumeFs::Rmdir(meta::InodeId parent, std::string_view name) {
  return meta_.Rmdir(parent, name);
}

Status VolumeFs::Rename(meta::InodeId parent, std::string_view name, meta::InodeId new_parent,
                        std::string_view new_name, meta::RenameMode mode) {
  if (mode == meta::RenameMode::kReplace) ForgetKernelVersion(new_parent, new_name);
  return meta_.Rename(parent, name, new_parent, new_name, mode);
}

Status VolumeFs::EnsureWriter(OpenFile& file) {
  if (file.writer) return Status::OK();
  // Writes apply to the newest committed content, not to the version a reader had open.
  ASSIGN_OR_RETURN(meta::FileContent content, meta_.GetContent(file.ino));
  ASSIGN_OR_RETURN(file.writer, fs::FileWriter::Open(volume_, pool_, file.ino, std::move(content),
                                                     spill_dir_, NameOf(file.ino)));
  file.reader.reset();
  return Status::OK();
}

Result<OpenedFile> VolumeFs::Open(meta::InodeId ino, int flags) {
  ASSIGN_OR_RETURN(meta::Attr attr, meta_.GetAttr(ino));
  if (attr.type == meta::FileType::kDirectory) {
    return Status::IsDirectory(fmt::format("{} is a directory", NameOf(ino)));
  }
  if (attr.nlink == 0 && !FindOpen(ino)) {
    // The kernel opens through a name it cached, which another mount has since removed or
    // replaced: say so (ESTALE), and the kernel looks the name up again.
    return Status::NotFound(fmt::format("{} has no name any more", NameOf(ino)));
  }
  return OpenInode(attr, flags);
}

Result<OpenedFile> VolumeFs::OpenInode(const meta::Attr& attr, int flags) {
  auto handle = std::make_unique<Handle>();
  OpenedFile opened;
  {
    MutexLock lock(mu_);
    std::shared_ptr<OpenFile>& file = open_[attr.ino.value];
    if (!file) file = std::make_shared<OpenFile>(attr);
    ++file->handles;
    handle->file = file;
    auto cached = kernel_versions_.find(attr.ino.value);
    opened.keep_cache = cached != kernel_versions_.end() && cached->second == attr.version;
    kernel_versions_[attr.ino.value] = attr.version;
  }
  opened.handle = reinterpret_cast<uint64_t>(handle.get());
  OpenFile& file = *handle->file;
  Status status = [&]() -> Status {
    MutexLock lock(file.mu);
    if (!file.writer && (!file.reader || file.attr.version != attr.version)) {
      // Close-to-open: a new open reads the version committed now.
      ASSIGN_OR_RETURN(meta::FileContent content, meta_.GetContent(attr.ino));
      file.reader =
          std::make_unique<fs::FileReader>(volume_, pool_, std::move(content), NameOf(attr.ino));
      file.attr = attr;
    }
    if (Writable(flags)) {
      RETURN_IF_ERROR(EnsureWriter(file));
      if (flags & O_TRUNC) RETURN_IF_ERROR(file.writer->Truncate(0));
    }
    return Status::OK();
  }();
  if (!status.ok()) {
    (void)Release(reinterpret_cast<uint64_t>(handle.release()));
    return status;
  }
  (void)handle.release();  // the kernel's file handle owns it now
  return opened;
}

Result<std::pair<meta::Attr, OpenedFile>> VolumeFs::Create(meta::InodeId parent,
                                                           std::string_view name, uint32_t mode,
                                                           int flags, const Caller& caller) {
  meta::NewNode node = meta::NewNode::File(mode & 07777);
  node.uid = caller.uid;
  node.gid = caller.gid;
  Result<meta::Attr> attr = meta_.MakeNode(parent, name, node);
  if (!attr.ok() && attr.status().code() == Code::kAlreadyExists && !(flags & O_EXCL)) {
    attr = meta_.Lookup(parent, name);  // created meanwhile by another mount: open it
  }
  if (!attr.ok()) return attr.status();
  ASSIGN_OR_RETURN(OpenedFile opened, OpenInode(*attr, flags));
  return std::make_pair(Overlay(*attr), opened);
}

Result<size_t> VolumeFs::Read(uint64_t handle, uint64_t offset, std::span<uint8_t> out) {
  OpenFile& file = *HandleOf(handle)->file;
  std::shared_ptr<fs::FileWriter> writer;
  std::shared_ptr<fs::FileReader> reader;
  {
    MutexLock lock(file.mu);
    writer = file.writer;
    reader = file.reader;
  }
  return writer ? writer->ReadAt(offset, out) : reader->ReadAt(offset, out);
}

Status VolumeFs::Write(uint64_t handle, uint64_t offset, std::span<const uint8_t> data) {
  OpenFile& file = *HandleOf(handle)->file;
  std::shared_ptr<fs::FileWriter> writer;
  {
    MutexLock lock(file.mu);
    RETURN_IF_ERROR(EnsureWriter(file));
    writer = file.writer;
  }
  return writer->Write(offset, data);
}

Status VolumeFs::Commit(OpenFile& file) {
  std::shared_ptr<fs::FileWriter> writer;
  {
    MutexLock lock(file.mu);
    writer = file.writer;
  }
  if (!writer) return Status::OK();
  Result<std::optional<meta::Attr>> committed = writer->Commit();
  // Its last name is gone: there is nothing left to publish to (as unlinked files go).
  if (!committed.ok() && committed.status().code() == Code::kNotFound) return Status::OK();
  if (!committed.ok()) return committed.status();
  if (!committed->has_value()) return Status::OK();
  uint64_t version = (*committed)->version;
  {
    MutexLock lock(file.mu);
    if (version > file.attr.version) file.attr = **committed;
  }
  MutexLock lock(mu_);
  kernel_versions_[file.ino.value] = version;  // the kernel's pages hold what was written
  return Status::OK();
}

Status VolumeFs::Flush(uint64_t handle) { return Commit(*HandleOf(handle)->file); }

Status VolumeFs::Release(uint64_t handle) {
  std::unique_ptr<Handle> h(HandleOf(handle));
  bool last = false;
  {
    MutexLock lock(mu_);
    last = --h->file->handles == 0;
    if (last) open_.erase(h->file->ino.value);
  }
  return last ? Commit(*h->file) : Status::OK();
}

Status VolumeFs::FlushAll() {
  std::vector<std::shared_ptr<OpenFile>> files;
  {
    MutexLock lock(mu_);
    for (auto& [ino, file] : open_) files.push_back(file);
  }
  Status first;
  for (auto& file : files) {
    Status status = Commit(*file);
    if (first.ok()) first = status;
  }
  return first;
}

}  // namespace strata::fuse
