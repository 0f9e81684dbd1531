#include "fuse/fuse_ops.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>
#include <string_view>
#include <vector>

#include "base/status_errno.h"
#include "core/clock.h"

namespace strata::fuse {
namespace {

MountState& State(fuse_req_t req) { return *static_cast<MountState*>(fuse_req_userdata(req)); }
FileSystem& Fs(fuse_req_t req) { return *State(req).fs; }

// FUSE calls the root 1; the metadata store numbers it like any inode. The two numbers trade
// places, so every other inode keeps its own number.
meta::InodeId ToMeta(fuse_req_t req, fuse_ino_t ino) {
  uint64_t root = Fs(req).root().value;
  if (ino == FUSE_ROOT_ID) return meta::InodeId{root};
  if (ino == root) return meta::InodeId{FUSE_ROOT_ID};
  return meta::InodeId{ino};
}

fuse_ino_t ToFuse(fuse_req_t req, meta::InodeId ino) {
  uint64_t root = Fs(req).root().value;
  if (ino.value == root) return FUSE_ROOT_ID;
  if (ino.value == FUSE_ROOT_ID) return root;
  return ino.value;
}

timespec ToTimespec(int64_t ns) {
  return timespec{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
}

int64_t ToNanos(const timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

struct stat ToStat(fuse_req_t req, const meta::Attr& attr) {
  struct stat st {};
  st.st_ino = ToFuse(req, attr.ino);
  mode_t type = attr.type == meta::FileType::kDirectory ? S_IFDIR
                : attr.type == meta::FileType::kSymlink ? S_IFLNK
                                                        : S_IFREG;
  st.st_mode = type | (attr.mode & 07777);
  st.st_nlink = attr.nlink;
  st.st_uid = attr.uid;
  st.st_gid = attr.gid;
  st.st_size = static_cast<off_t>(attr.size_bytes);
  st.st_blocks = static_cast<blkcnt_t>((attr.size_bytes + 511) / 512);
  st.st_blksize = static_cast<blksize_t>(State(req).max_io_bytes);
  st.st_atim = ToTimespec(attr.atime_ns);
  st.st_mtim = ToTimespec(attr.mtime_ns);
  st.st_ctim = ToTimespec(attr.ctime_ns);
  return st;
}

fuse_entry_param ToEntry(fuse_req_t req, const meta::Attr& attr) {
  fuse_entry_param e{};
  e.ino = ToFuse(req, attr.ino);
  e.generation = 1;
  e.attr = ToStat(req, attr);
  e.attr_timeout = State(req).ttl_seconds;
  e.entry_timeout = State(req).ttl_seconds;
  return e;
}

Caller CallerOf(fuse_req_t req) {
  const fuse_ctx* ctx = fuse_req_ctx(req);
  return Caller{static_cast<uint32_t>(ctx->uid), static_cast<uint32_t>(ctx->gid)};
}

// Runs one callback body; whatever it throws becomes EIO, so the request is still answered.
template <typename Body>
void Guard(fuse_req_t req, Body&& body) {
  try {
    body();
  } catch (const std::bad_alloc&) {
    fuse_reply_err(req, ENOMEM);
  } catch (...) {
    fuse_reply_err(req, EIO);
  }
}

void ReplyEntry(fuse_req_t req, const Result<meta::Attr>& attr) {
  if (!attr.ok()) {
    fuse_reply_err(req, StatusErrno(attr.status()));
    return;
  }
  fuse_entry_param e = ToEntry(req, *attr);
  fuse_reply_entry(req, &e);
}

void ReplyAttr(fuse_req_t req, const Result<meta::Attr>& attr) {
  if (!attr.ok()) {
    fuse_reply_err(req, StatusErrno(attr.status()));
    return;
  }
  struct stat st = ToStat(req, *attr);
  fuse_reply_attr(req, &st, State(req).ttl_seconds);
}

void ReplyStatus(fuse_req_t req, const Status& status) { fuse_reply_err(req, StatusErrno(status)); }

void Init(void* userdata, fuse_conn_info* conn) {
  auto* state = static_cast<MountState*>(userdata);
  // Big requests: 1 MiB per read and write instead of 128 KiB, each a round trip saved.
  conn->max_write = static_cast<unsigned>(state->max_io_bytes);
  conn->max_read = static_cast<unsigned>(state->max_io_bytes);
  conn->max_readahead = static_cast<unsigned>(state->max_io_bytes);
  conn->max_background = 64;  // read-ahead requests in flight
  unsigned wanted = FUSE_CAP_ASYNC_READ | FUSE_CAP_READDIRPLUS | FUSE_CAP_PARALLEL_DIROPS |
                    FUSE_CAP_ATOMIC_O_TRUNC | FUSE_CAP_AUTO_INVAL_DATA;
  conn->want |= wanted & conn->capable;
  // Write-back caching would move size and mtime authority into the kernel, and a close would no
  // longer mean the bytes reached us: close-to-open needs it off.
  conn->want &= ~static_cast<unsigned>(FUSE_CAP_WRITEBACK_CACHE);
}

void Destroy(void* userdata) {
  auto* state = static_cast<MountState*>(userdata);
  if (state->fs) (void)state->fs->FlushAll();
}

void Lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Guard(req, [&] {
    if (std::strlen(name) > meta::kMaxNameBytes) return fuse_reply_err(req, ENAMETOOLONG), void();
    Result<meta::Attr> attr = Fs(req).Lookup(ToMeta(req, parent), name);
    if (!attr.ok() && attr.status().code() == Code::kNotFound) {
      // A negative entry: Python imports and the HF cache probe many names that are not there.
      fuse_entry_param e{};
      e.entry_timeout = State(req).ttl_seconds;
      fuse_reply_entry(req, &e);
      return;
    }
    ReplyEntry(req, attr);
  });
}

void Forget(fuse_req_t req, fuse_ino_t, uint64_t) {
  // Inode numbers are the metadata's own: there is no table of looked-up inodes to trim.
  fuse_reply_none(req);
}

void ForgetMulti(fuse_req_t req, size_t, fuse_forget_data*) { fuse_reply_none(req); }

void GetAttr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  Guard(req, [&] { ReplyAttr(req, Fs(req).GetAttr(ToMeta(req, ino))); });
}

void SetAttr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info*) {
  Guard(req, [&] {
    SetAttrRequest request;
    meta::AttrChange& change = request.change;
    if (to_set & FUSE_SET_ATTR_MODE) change.mode = attr->st_mode & 07777;
    if (to_set & FUSE_SET_ATTR_UID) change.uid = attr->st_uid;
    if (to_set & FUSE_SET_ATTR_GID) change.gid = attr->st_gid;
    if (to_set & FUSE_SET_ATTR_SIZE) request.size = static_cast<uint64_t>(attr->st_size);
    if (to_set & FUSE_SET_ATTR_ATIME_NOW) {
      change.atime_ns = NowNanos();
    } else if (to_set & FUSE_SET_ATTR_ATIME) {
      change.atime_ns = ToNanos(attr->st_atim);
    }
    if (to_set & FUSE_SET_ATTR_MTIME_NOW) {
      change.mtime_ns = NowNanos();
    } else if (to_set & FUSE_SET_ATTR_MTIME) {
      change.mtime_ns = ToNanos(attr->st_mtim);
    }
    ReplyAttr(req, Fs(req).SetAttr(ToMeta(req, ino), request));
  });
}

void ReadLink(fuse_req_t req, fuse_ino_t ino) {
  Guard(req, [&] {
    Result<std::string> target = Fs(req).ReadLink(ToMeta(req, ino));
    if (!target.ok()) return ReplyStatus(req, target.status());
    fuse_reply_readlink(req, target->c_str());
  });
}

void MakeNode(fuse_req_t req, fuse_ino_t parent, const char* name, meta::NewNode node) {
  ReplyEntry(req, Fs(req).MakeNode(ToMeta(req, parent), name, std::move(node), CallerOf(req)));
}

void Mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t) {
  Guard(req, [&] {
    // Devices, FIFOs and sockets have no meaning in a shared volume.
    if (!S_ISREG(mode)) return fuse_reply_err(req, EPERM), void();
    MakeNode(req, parent, name, meta::NewNode::File(mode & 07777));
  });
}

void Mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  Guard(req, [&] { MakeNode(req, parent, name, meta::NewNode::Directory(mode & 07777)); });
}

void Symlink(fuse_req_t req, const char* link, fuse_ino_t parent, const char* name) {
  Guard(req, [&] { MakeNode(req, parent, name, meta::NewNode::Symlink(link)); });
}

void Unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Guard(req, [&] { ReplyStatus(req, Fs(req).Unlink(ToMeta(req, parent), name)); });
}

void Rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Guard(req, [&] { ReplyStatus(req, Fs(req).Rmdir(ToMeta(req, parent), name)); });
}

void Rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t new_parent,
            const char* new_name, unsigned int flags) {
  Guard(req, [&] {
    meta::RenameMode mode = meta::RenameMode::kReplace;
    if (flags == RENAME_NOREPLACE) {
      mode = meta::RenameMode::kNoReplace;
    } else if (flags == RENAME_EXCHANGE) {
      mode = meta::RenameMode::kExchange;
    } else if (flags != 0) {
      return fuse_reply_err(req, EINVAL), void();  // RENAME_WHITEOUT, or flags combined
    }
    ReplyStatus(req,
                Fs(req).Rename(ToMeta(req, parent), name, ToMeta(req, new_parent), new_name, mode));
  });
}

void Link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t new_parent, const char* new_name) {
  Guard(req, [&] {
    ReplyEntry(req, Fs(req).Link(ToMeta(req, ino), ToMeta(req, new_parent), new_name));
  });
}

void SetHandle(fuse_file_info* fi, const OpenedFile& opened) {
  fi->fh = opened.handle;
  fi->keep_cache = opened.keep_cache;
}

void Open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Guard(req, [&] {
    Result<OpenedFile> opened = Fs(req).Open(ToMeta(req, ino), fi->flags);
    if (!opened.ok()) {
      // The kernel held on to a name that another mount removed or replaced: ESTALE makes it
      // look the path up again instead of failing the open.
      int err = opened.status().code() == Code::kNotFound ? ESTALE : StatusErrno(opened.status());
      return fuse_reply_err(req, err), void();
    }
    SetHandle(fi, *opened);
    if (!opened->keep_cache) {
      // The kernel may hold this file's size from a lookup made before another mount changed
      // it: drop its attributes too, so the reads after this open see the whole new version.
      // (Safe inside open: without write-back caching there are no dirty pages to wait for.)
      (void)fuse_lowlevel_notify_inval_inode(State(req).session, ino, -1, 0);
    }
    if (fuse_reply_open(req, fi) != 0) (void)Fs(req).Release(opened->handle);  // interrupted
  });
}

void Create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi) {
  Guard(req, [&] {
    auto created = Fs(req).Create(ToMeta(req, parent), name, mode, fi->flags, CallerOf(req));
    if (!created.ok()) return ReplyStatus(req, created.status());
    SetHandle(fi, created->second);
    fuse_entry_param e = ToEntry(req, created->first);
    if (fuse_reply_create(req, &e, fi) != 0) (void)Fs(req).Release(created->second.handle);
  });
}

void Read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  Guard(req, [&] {
    thread_local std::vector<uint8_t> buffer;
    if (buffer.size() < size) buffer.resize(size);
    Result<size_t> n = Fs(req).Read(fi->fh, static_cast<uint64_t>(off), {buffer.data(), size});
    if (!n.ok()) return ReplyStatus(req, n.status());
    fuse_reply_buf(req, reinterpret_cast<const char*>(buffer.data()), *n);
  });
}

void Write(fuse_req_t req, fuse_ino_t, const char* buf, size_t size, off_t off,
           fuse_file_info* fi) {
  Guard(req, [&] {
    Status status = Fs(req).Write(fi->fh, static_cast<uint64_t>(off),
                                  {reinterpret_cast<const uint8_t*>(buf), size});
    if (!status.ok()) return ReplyStatus(req, status);
    fuse_reply_write(req, size);
  });
}

void Flush(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  Guard(req, [&] { ReplyStatus(req, Fs(req).Flush(fi->fh)); });
}

void Release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  Guard(req, [&] { ReplyStatus(req, Fs(req).Release(fi->fh)); });
}

void Fsync(fuse_req_t req, fuse_ino_t, int, fuse_file_info* fi) {
  Guard(req, [&] { ReplyStatus(req, Fs(req).Flush(fi->fh)); });
}

// A directory handle: the entries as they were at opendir, so that paging through a directory
// that changes meanwhile neither skips nor repeats names.
struct DirHandle {
  meta::InodeId ino;
  std::vector<meta::DirEntry> entries;
};

void OpenDir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Guard(req, [&] {
    auto dir = std::make_unique<DirHandle>();
    dir->ino = ToMeta(req, ino);
    Result<std::vector<meta::DirEntry>> entries = Fs(req).ReadDir(dir->ino);
    if (!entries.ok()) return ReplyStatus(req, entries.status());
    dir->entries = std::move(entries).value();
    fi->fh = reinterpret_cast<uint64_t>(dir.get());
    fi->cache_readdir = 0;
    if (fuse_reply_open(req, fi) == 0) (void)dir.release();  // the kernel holds it now
  });
}

// Offsets: 1 after ".", 2 after "..", 2 + i + 1 after entries[i].
void ReadDirPages(fuse_req_t req, size_t size, off_t off, fuse_file_info* fi, bool plus) {
  Guard(req, [&] {
    auto& dir = *reinterpret_cast<DirHandle*>(fi->fh);
    std::vector<char> buf(size);
    size_t used = 0;
    for (size_t i = static_cast<size_t>(off); i < dir.entries.size() + 2; ++i) {
      const char* name = nullptr;
      fuse_entry_param e{};
      if (i < 2) {
        name = i == 0 ? "." : "..";
        e.attr.st_ino = ToFuse(req, dir.ino);
        e.attr.st_mode = S_IFDIR;
      } else {
        const meta::DirEntry& entry = dir.entries[i - 2];
        name = entry.name.c_str();
        e = ToEntry(req, entry.attr);
      }
      off_t next = static_cast<off_t>(i + 1);
      size_t need =
          plus ? fuse_add_direntry_plus(req, buf.data() + used, size - used, name, &e, next)
               : fuse_add_direntry(req, buf.data() + used, size - used, name, &e.attr, next);
      if (need > size - used) break;
      used += need;
    }
    fuse_reply_buf(req, buf.data(), used);
  });
}

void ReadDir(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  ReadDirPages(req, size, off, fi, false);
}

void ReadDirPlus(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  ReadDirPages(req, size, off, fi, true);
}

void ReleaseDir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  delete reinterpret_cast<DirHandle*>(fi->fh);
  fuse_reply_err(req, 0);
}

void FsyncDir(fuse_req_t req, fuse_ino_t, int, fuse_file_info*) {
  fuse_reply_err(req, 0);  // every metadata change is already durable when it is answered
}

void StatFs(fuse_req_t req, fuse_ino_t) {
  Guard(req, [&] {
    // An object store has no fixed capacity: report a large, constant one so tools that check
    // free space before writing go ahead.
    struct statvfs st {};
    st.f_bsize = static_cast<unsigned long>(State(req).max_io_bytes);
    st.f_frsize = 4096;
    st.f_blocks = st.f_bfree = st.f_bavail = (1ULL << 50) / st.f_frsize;  // 1 PiB
    st.f_files = st.f_ffree = st.f_favail = 1ULL << 32;
    st.f_namemax = meta::kMaxNameBytes;
    fuse_reply_statfs(req, &st);
  });
}

void Access(fuse_req_t req, fuse_ino_t ino, int) {
  // With default_permissions the kernel checks modes itself; this only says the inode exists.
  Guard(req, [&] { ReplyStatus(req, Fs(req).GetAttr(ToMeta(req, ino)).status()); });
}

fuse_lowlevel_ops MakeOps() {
  fuse_lowlevel_ops ops{};
  ops.init = Init;
  ops.destroy = Destroy;
  ops.lookup = Lookup;
  ops.forget = Forget;
  ops.forget_multi = ForgetMulti;
  ops.getattr = GetAttr;
  ops.setattr = SetAttr;
  ops.readlink = ReadLink;
  ops.mknod = Mknod;
  ops.mkdir = Mkdir;
  ops.symlink = Symlink;
  ops.unlink = Unlink;
  ops.rmdir = Rmdir;
  ops.rename = Rename;
  ops.link = Link;
  ops.open = Open;
  ops.create = Create;
  ops.read = Read;
  ops.write = Write;
  ops.flush = Flush;
  ops.release = Release;
  ops.fsync = Fsync;
  ops.opendir = OpenDir;
  ops.readdir = ReadDir;
  ops.readdirplus = ReadDirPlus;
  ops.releasedir = ReleaseDir;
  ops.fsyncdir = FsyncDir;
  ops.statfs = StatFs;
  ops.access = Access;
  // Extended attributes, locks and fallocate are left out: libfuse answers ENOSYS, after which
  // the kernel stops asking, says EOPNOTSUPP for xattrs and fallocate, and keeps POSIX and BSD
  // locks local to this machine.
  return ops;
}

}  // namespace

const fuse_lowlevel_ops& LowLevelOps() {
  static const fuse_lowlevel_ops ops = MakeOps();
  return ops;
}

}  // namespace strata::fuse
