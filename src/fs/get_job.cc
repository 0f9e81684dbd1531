#include "fs/get_job.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <vector>

#include <fmt/core.h>

#include "base/host_buffer.h"
#include "base/posix.h"
#include "fs/path.h"
#include "fs/tree_walk.h"
#include "meta/types.h"

namespace strata::fs {
namespace {

struct timespec ToTimespec(int64_t unix_nanos) {
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(unix_nanos / 1000000000);
  ts.tv_nsec = static_cast<long>(unix_nanos % 1000000000);
  return ts;
}

// A destination directory, held open: every entry is made relative to it, so a symlink that
// a volume writer (or anyone) put in the destination cannot redirect a write (review H6).
struct LocalDir {
  UniqueFd fd;
  std::string path;  // for messages
};

// One volume file on its way to a local temporary, renamed into place by its last chunk.
struct PendingFile {
  std::string volume_path;
  std::string local_path;  // for messages
  std::shared_ptr<LocalDir> dir;
  std::string name;
  std::string temp_name;
  mode_t mode = 0;
  meta::Attr attr;
  meta::FileContent content;
  UniqueFd fd;
  std::atomic<size_t> remaining{0};
};

std::string TempNameFor(std::string_view name) {
  static std::atomic<uint64_t> counter{0};
  return fmt::format(".{}.strata-tmp-{}-{}", name.substr(0, 200), ::getpid(), counter.fetch_add(1));
}

// This process's umask, read without changing it (umask(2) cannot read without writing, and
// other threads create files meanwhile).
mode_t CurrentUmask() {
  std::FILE* status = std::fopen("/proc/self/status", "re");
  if (status) {
    char line[256];
    unsigned mask = 0;
    while (std::fgets(line, sizeof line, status)) {
      if (std::sscanf(line, "Umask: %o", &mask) == 1) {
        std::fclose(status);
        return static_cast<mode_t>(mask);
      }
    }
    std::fclose(status);
  }
  mode_t mask = ::umask(022);
  ::umask(mask);
  return mask;
}

Status FinishFile(PendingFile& file) {
  if (::fchmod(file.fd.get(), file.mode) != 0) {
    return PosixError(fmt::format("chmod {}", file.local_path), errno);
  }
  struct timespec times[2] = {ToTimespec(file.attr.atime_ns), ToTimespec(file.attr.mtime_ns)};
  if (::futimens(file.fd.get(), times) != 0) {
    return PosixError(fmt::format("set times of {}", file.local_path), errno);
  }
  RETURN_IF_ERROR(file.fd.Close(file.local_path));
  // rename(2) replaces a symlink at the name; it never follows one.
  if (::renameat(file.dir->fd.get(), file.temp_name.c_str(), file.dir->fd.get(),
                 file.name.c_str()) != 0) {
    return PosixError(fmt::format("rename into {}", file.local_path), errno);
  }
  return Status::OK();
}

Status GetChunk(Volume& volume, PendingFile& file, size_t index, TransferStats& stats) {
  uint64_t chunk_size = volume.chunk_size_bytes();
  uint64_t length = meta::ChunkLength(file.content.size_bytes, chunk_size, index);
  thread_local std::vector<uint8_t> buffer;
  if (buffer.size() < length) buffer.resize(length);
  std::span<uint8_t> data(buffer.data(), length);
  RETURN_IF_ERROR(volume.ReadChunk(file.content, index, data, file.volume_path));
  RETURN_IF_ERROR(PwriteAll(file.fd.get(), data, index * chunk_size, file.local_path));
  stats.bytes_done += length;
  if (file.remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    RETURN_IF_ERROR(FinishFile(file));
    ++stats.files_done;
  }
  return Status::OK();
}

Result<std::shared_ptr<LocalDir>> OpenLocalDir(int at, const std::string& name, std::string path,
                                               int extra_flags) {
  int fd = ::openat(at, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | extra_flags);
  if (fd < 0) return PosixError(fmt::format("open {}", path), errno);
  auto dir = std::make_shared<LocalDir>();
  dir->fd = UniqueFd(fd);
  dir->path = std::move(path);
  return dir;
}

// `name` in `parent` as a directory: made if absent; a symlink there is replaced by the
// directory (as rsync does), never followed; any other file is an error.
Result<std::shared_ptr<LocalDir>> MakeLocalDir(const LocalDir& parent, const std::string& name) {
  std::string path = fmt::format("{}/{}", parent.path, name);
  if (::mkdirat(parent.fd.get(), name.c_str(), 0700) != 0) {
    int err = errno;
    struct stat st;
    if (err != EEXIST || ::fstatat(parent.fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return PosixError(fmt::format("mkdir {}", path), err);
    }
    if (S_ISLNK(st.st_mode)) {
      if (::unlinkat(parent.fd.get(), name.c_str(), 0) != 0 ||
          ::mkdirat(parent.fd.get(), name.c_str(), 0700) != 0) {
        return PosixError(fmt::format("replace the symlink {} with a directory", path), errno);
      }
    } else if (!S_ISDIR(st.st_mode)) {
      return PosixError(fmt::format("mkdir {}", path), ENOTDIR);
    }
  }
  return OpenLocalDir(parent.fd.get(), name, std::move(path), O_NOFOLLOW);
}

// The directory `names` below `root`, each step refusing a symlink.
Result<std::shared_ptr<LocalDir>> OpenBeneath(const std::shared_ptr<LocalDir>& root,
                                              const std::vector<std::string>& names) {
  std::shared_ptr<LocalDir> dir = root;
  for (const std::string& name : names) {
    ASSIGN_OR_RETURN(
        dir, OpenLocalDir(dir->fd.get(), name, fmt::format("{}/{}", dir->path, name), O_NOFOLLOW));
  }
  return dir;
}

class GetRun {
 public:
  GetRun(Volume& volume, ThreadPool& pool, TransferStats& stats, const GetOptions& options)
      : volume_(volume),
        group_(pool),
        stats_(stats),
        preserve_mode_(options.preserve_mode),
        umask_(CurrentUmask()) {}

  ~GetRun() {
    (void)group_.Wait();
    // Whatever did not finish leaves no temporary behind.
    for (const auto& file : files_) {
      if (file->fd.valid()) ::unlinkat(file->dir->fd.get(), file->temp_name.c_str(), 0);
    }
  }

  // A file or symlink `attr` (at `volume_path`) as `name` in `dir`.
  Status GetEntry(const meta::Attr& attr, const std::string& volume_path,
                  const std::shared_ptr<LocalDir>& dir, const std::string& name) {
    if (attr.type == meta::FileType::kRegular) return StartFile(attr, volume_path, dir, name);
    ASSIGN_OR_RETURN(std::string target, volume_.meta().ReadLink(attr.ino));
    std::string path = fmt::format("{}/{}", dir->path, name);
    if (::unlinkat(dir->fd.get(), name.c_str(), 0) != 0 && errno != ENOENT) {
      return PosixError(fmt::format("replace {}", path), errno);
    }
    if (::symlinkat(target.c_str(), dir->fd.get(), name.c_str()) != 0) {
      return PosixError(fmt::format("symlink {}", path), errno);
    }
    ++stats_.symlinks_done;
    return Status::OK();
  }

  // The tree of directory `attr` (at `volume_path`) into `root`, which exists.
  Status GetTree(const meta::Attr& attr, const std::string& volume_path,
                 const std::shared_ptr<LocalDir>& root) {
    std::vector<std::shared_ptr<LocalDir>> open_dirs;  // the directories being walked
    std::vector<std::string> below_root;               // their names below `root`
    TreeVisitor get;
    get.enter = [&](const TreeEntry& e) -> Status {
      if (group_.failed()) return group_.Wait();
      if (e.attr.type != meta::FileType::kDirectory) {
        return GetEntry(e.attr, e.path, open_dirs.back(), e.name);
      }
      if (e.depth == 0) {
        open_dirs.push_back(root);
      } else {
        ASSIGN_OR_RETURN(std::shared_ptr<LocalDir> dir, MakeLocalDir(*open_dirs.back(), e.name));
        open_dirs.push_back(std::move(dir));
        below_root.push_back(e.name);
      }
      dirs_.emplace_back(below_root, e.attr);
      return Status::OK();
    };
    get.leave = [&](const TreeEntry& e) -> Status {
      open_dirs.pop_back();
      if (e.depth > 0) below_root.pop_back();
      ++stats_.dirs_done;
      return Status::OK();
    };
    return WalkTree(volume_.meta(), attr, volume_path, get);
  }

  // Waits for every chunk, then gives directories their modes and times (deepest first, after
  // their contents are written, since writing into a directory changes its mtime).
  Status Finish(const std::shared_ptr<LocalDir>& root) {
    RETURN_IF_ERROR(group_.Wait());
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
      const auto& [names, attr] = *it;
      ASSIGN_OR_RETURN(std::shared_ptr<LocalDir> dir, OpenBeneath(root, names));
      if (::fchmod(dir->fd.get(), ModeOf(attr)) != 0) {
        return PosixError(fmt::format("chmod {}", dir->path), errno);
      }
      struct timespec times[2] = {ToTimespec(attr.atime_ns), ToTimespec(attr.mtime_ns)};
      if (::futimens(dir->fd.get(), times) != 0) {
        return PosixError(fmt::format("set times of {}", dir->path), errno);
      }
    }
    return Status::OK();
  }

 private:
  // The volume's mode, less the umask and the setuid, setgid and sticky bits unless asked: a
  // volume writer must not choose a setuid binary for whoever runs get (root, in provisioning).
  mode_t ModeOf(const meta::Attr& attr) const {
    if (preserve_mode_) return static_cast<mode_t>(attr.mode & 07777);
    return static_cast<mode_t>(attr.mode & 0777 & ~umask_);
  }

  Status StartFile(const meta::Attr& attr, const std::string& volume_path,
                   const std::shared_ptr<LocalDir>& dir, const std::string& name) {
    auto file = std::make_shared<PendingFile>();
    file->volume_path = volume_path;
    file->local_path = fmt::format("{}/{}", dir->path, name);
    file->dir = dir;
    file->name = name;
    file->temp_name = TempNameFor(name);
    file->mode = ModeOf(attr);
    file->attr = attr;
    stats_.total_bytes += attr.size_bytes;
    Result<meta::FileContent> content = volume_.meta().GetContent(attr.ino);
    if (!content.ok()) return content.status().WithContext(volume_path);
    file->content = std::move(*content);
    int fd = ::openat(dir->fd.get(), file->temp_name.c_str(),
                      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
      return PosixError(fmt::format("create a temporary for {}", file->local_path), errno);
    file->fd = UniqueFd(fd);
    files_.push_back(file);
    if (::ftruncate(file->fd.get(), static_cast<off_t>(file->content.size_bytes)) != 0) {
      return PosixError(fmt::format("allocate {}", file->local_path), errno);
    }
    size_t count = file->content.chunks.size();
    if (count == 0) {
      RETURN_IF_ERROR(FinishFile(*file));
      ++stats_.files_done;
      return Status::OK();
    }
    file->remaining.store(count);
    for (size_t i = 0; i < count && !group_.failed(); ++i) {
      group_.Run([this, file, i] { return GetChunk(volume_, *file, i, stats_); });
    }
    return Status::OK();
  }

  Volume& volume_;
  TaskGroup group_;
  TransferStats& stats_;
  const bool preserve_mode_;
  const mode_t umask_;
  std::vector<std::shared_ptr<PendingFile>> files_;
  // Each directory got, by its names below the root (reopened at the end, never followed).
  std::vector<std::pair<std::vector<std::string>, meta::Attr>> dirs_;
};

// "a/b/" → ("a", "b"); "b" → (".", "b"); "/" → ("/", "").
std::pair<std::string, std::string> SplitLocal(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  if (slash == 0) return {"/", path.substr(1)};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace

Status GetPath(Volume& volume, ThreadPool& pool, std::string_view volume_path,
               const std::string& local_path, TransferStats& stats, const GetOptions& options) {
  ASSIGN_OR_RETURN(meta::Attr attr, volume.Stat(volume_path, /*follow=*/true));
  ASSIGN_OR_RETURN(std::vector<std::string> names, SplitPath(volume_path));
  // The destination the caller named is theirs: a symlink there (or above it) is followed, as
  // cp does. Only what the volume's tree brings is made without following.
  struct stat st;
  bool local_is_dir = ::stat(local_path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  GetRun run(volume, pool, stats, options);
  if (attr.type == meta::FileType::kDirectory && local_is_dir) {
    // A tree merges into an existing directory.
    ASSIGN_OR_RETURN(auto root, OpenLocalDir(AT_FDCWD, local_path, local_path, 0));
    RETURN_IF_ERROR(run.GetTree(attr, JoinPath(names), root));
    return run.Finish(root);
  }
  auto [parent_path, name] = SplitLocal(local_path);
  if (attr.type != meta::FileType::kDirectory && local_is_dir) {
    // A file got onto an existing directory goes inside it, as cp does.
    parent_path = local_path;
    name = names.empty() ? "" : names.back();
  }
  if (Status valid = meta::ValidateName(name); !valid.ok()) {
    return valid.WithContext(fmt::format("the destination {}", local_path));
  }
  ASSIGN_OR_RETURN(auto parent, OpenLocalDir(AT_FDCWD, parent_path, parent_path, 0));
  if (attr.type != meta::FileType::kDirectory) {
    RETURN_IF_ERROR(run.GetEntry(attr, JoinPath(names), parent, name));
    return run.Finish(nullptr);
  }
  ASSIGN_OR_RETURN(auto root, MakeLocalDir(*parent, name));
  RETURN_IF_ERROR(run.GetTree(attr, JoinPath(names), root));
  return run.Finish(root);
}

Status StreamFile(Volume& volume, ThreadPool& pool, std::string_view volume_path,
                  const std::function<Status(std::span<const uint8_t>)>& sink) {
  auto content = std::make_shared<meta::FileContent>();
  ASSIGN_OR_RETURN(*content, volume.Content(volume_path));
  const size_t count = content->chunks.size();
  // Enough chunks in flight to hide a store's latency, but at most 64 MiB of buffers.
  const size_t max_window = std::max<uint64_t>(2, (64ull << 20) / volume.chunk_size_bytes());
  const size_t window =
      std::max<size_t>(1, std::min({pool.size() * 2, max_window, std::max<size_t>(count, 1)}));
  // A ring of `window` buffers in one huge-page allocation (fresh 4 KiB pages cost a fault
  // each, more than the copy): chunk i lands in slot i % window, which chunk i - window has left
  // by the time i is submitted (it was handed to the sink first).
  const uint64_t chunk_size = volume.chunk_size_bytes();
  ASSIGN_OR_RETURN(std::shared_ptr<HostBuffer> ring, HostBuffer::Allocate(window * chunk_size));
  struct Slot {
    std::span<uint8_t> data;
    std::promise<Status> done;
  };
  std::vector<Slot> slots(window);
  std::vector<std::future<Status>> futures(count);
  std::string path(volume_path);
  size_t submitted = 0;
  auto submit_until = [&](size_t end) {
    for (; submitted < std::min(end, count); ++submitted) {
      size_t i = submitted;
      Slot* slot = &slots[i % window];
      slot->data = ring->span().subspan((i % window) * chunk_size,
                                        meta::ChunkLength(content->size_bytes, chunk_size, i));
      slot->done = std::promise<Status>();
      futures[i] = slot->done.get_future();
      pool.Submit([&volume, content, i, slot, path] {
        Status status;
        try {
          status = volume.ReadChunk(*content, i, slot->data, path);
        } catch (const std::exception& e) {
          status = Status::Internal(e.what());
        }
        slot->done.set_value(std::move(status));
      });
    }
  };
  Status result;
  for (size_t i = 0; i < count; ++i) {
    submit_until(i + window);
    Status status = futures[i].get();
    if (status.ok()) status = sink(slots[i % window].data);
    if (!status.ok()) {
      result = std::move(status);
      // Tasks in flight write into their slots: wait for them before the slots go away.
      for (size_t j = i + 1; j < submitted; ++j) (void)futures[j].get();
      break;
    }
  }
  return result;
}

}  // namespace strata::fs
