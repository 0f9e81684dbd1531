#include "fs/get_job.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <future>
#include <memory>
#include <mutex>
#include <vector>

#include <fmt/core.h>

#include "core/host_buffer.h"
#include "core/posix.h"
#include "fs/path.h"

namespace strata::fs {
namespace {

struct timespec ToTimespec(int64_t unix_nanos) {
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(unix_nanos / 1000000000);
  ts.tv_nsec = static_cast<long>(unix_nanos % 1000000000);
  return ts;
}

// One volume file on its way to a local temporary, renamed into place by its last chunk.
struct PendingFile {
  std::string volume_path;
  std::string local_path;
  std::string temp_path;
  meta::Attr attr;
  meta::FileContent content;
  UniqueFd fd;
  std::atomic<size_t> remaining{0};
};

std::string TempPathFor(const std::string& local_path) {
  static std::atomic<uint64_t> counter{0};
  return fmt::format("{}/.{}.strata-tmp-{}-{}", DirName(local_path),
                     local_path.substr(local_path.find_last_of('/') + 1), ::getpid(),
                     counter.fetch_add(1));
}

Status FinishFile(PendingFile& file) {
  if (::fchmod(file.fd.get(), file.attr.mode & 07777) != 0) {
    return PosixError(fmt::format("chmod {}", file.temp_path), errno);
  }
  struct timespec times[2] = {ToTimespec(file.attr.atime_ns), ToTimespec(file.attr.mtime_ns)};
  if (::futimens(file.fd.get(), times) != 0) {
    return PosixError(fmt::format("set times of {}", file.temp_path), errno);
  }
  RETURN_IF_ERROR(file.fd.Close(file.temp_path));
  if (::rename(file.temp_path.c_str(), file.local_path.c_str()) != 0) {
    return PosixError(fmt::format("rename {} to {}", file.temp_path, file.local_path), errno);
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
  RETURN_IF_ERROR(PwriteAll(file.fd.get(), data, index * chunk_size, file.temp_path));
  stats.bytes_done += length;
  if (file.remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    RETURN_IF_ERROR(FinishFile(file));
    ++stats.files_done;
  }
  return Status::OK();
}

class GetRun {
 public:
  GetRun(Volume& volume, ThreadPool& pool, TransferStats& stats)
      : volume_(volume), group_(pool), stats_(stats) {}

  ~GetRun() {
    (void)group_.Wait();
    // Whatever did not finish leaves no temporary behind.
    for (const auto& file : files_) {
      if (file->fd.valid()) ::unlink(file->temp_path.c_str());
    }
  }

  Status Get(const meta::Attr& attr, const std::string& volume_path,
             const std::string& local_path) {
    switch (attr.type) {
      case meta::FileType::kRegular:
        return StartFile(attr, volume_path, local_path);
      case meta::FileType::kSymlink: {
        ASSIGN_OR_RETURN(std::string target, volume_.meta().ReadLink(attr.ino));
        if (::unlink(local_path.c_str()) != 0 && errno != ENOENT) {
          return PosixError(fmt::format("replace {}", local_path), errno);
        }
        if (::symlink(target.c_str(), local_path.c_str()) != 0) {
          return PosixError(fmt::format("symlink {}", local_path), errno);
        }
        ++stats_.symlinks_done;
        return Status::OK();
      }
      case meta::FileType::kDirectory: {
        if (::mkdir(local_path.c_str(), 0700) != 0) {
          int err = errno;
          struct stat st;
          bool is_dir = ::stat(local_path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
          if (err != EEXIST || !is_dir) {
            return PosixError(fmt::format("mkdir {}", local_path), err == EEXIST ? ENOTDIR : err);
          }
        }
        dirs_.emplace_back(local_path, attr);
        ASSIGN_OR_RETURN(std::vector<meta::DirEntry> entries, volume_.meta().ReadDir(attr.ino));
        for (const auto& entry : entries) {
          if (group_.failed()) break;
          RETURN_IF_ERROR(Get(entry.attr, ChildPath(volume_path, entry.name),
                              fmt::format("{}/{}", local_path, entry.name)));
        }
        ++stats_.dirs_done;
        return Status::OK();
      }
    }
    return Status::Internal("unknown file type");
  }

  // Waits for every chunk, then gives directories their modes and times (deepest first, after
  // their contents are written, since writing into a directory changes its mtime).
  Status Finish() {
    RETURN_IF_ERROR(group_.Wait());
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
      const auto& [path, attr] = *it;
      if (::chmod(path.c_str(), attr.mode & 07777) != 0) {
        return PosixError(fmt::format("chmod {}", path), errno);
      }
      struct timespec times[2] = {ToTimespec(attr.atime_ns), ToTimespec(attr.mtime_ns)};
      if (::utimensat(AT_FDCWD, path.c_str(), times, 0) != 0) {
        return PosixError(fmt::format("set times of {}", path), errno);
      }
    }
    return Status::OK();
  }

 private:
  Status StartFile(const meta::Attr& attr, const std::string& volume_path,
                   const std::string& local_path) {
    auto file = std::make_shared<PendingFile>();
    file->volume_path = volume_path;
    file->local_path = local_path;
    file->temp_path = TempPathFor(local_path);
    file->attr = attr;
    stats_.total_bytes += attr.size_bytes;
    Result<meta::FileContent> content = volume_.meta().GetContent(attr.ino);
    if (!content.ok()) return content.status().WithContext(volume_path);
    file->content = std::move(*content);
    ASSIGN_OR_RETURN(file->fd, OpenFile(file->temp_path, O_WRONLY | O_CREAT | O_EXCL, 0600));
    files_.push_back(file);
    if (::ftruncate(file->fd.get(), static_cast<off_t>(file->content.size_bytes)) != 0) {
      return PosixError(fmt::format("allocate {}", file->temp_path), errno);
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
  std::vector<std::shared_ptr<PendingFile>> files_;
  std::vector<std::pair<std::string, meta::Attr>> dirs_;
};

}  // namespace

Status GetPath(Volume& volume, ThreadPool& pool, std::string_view volume_path,
               const std::string& local_path, TransferStats& stats) {
  ASSIGN_OR_RETURN(meta::Attr attr, volume.Stat(volume_path, /*follow=*/true));
  ASSIGN_OR_RETURN(std::vector<std::string> names, SplitPath(volume_path));
  std::string destination = local_path;
  struct stat st;
  bool local_is_dir = ::stat(local_path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  if (attr.type != meta::FileType::kDirectory && local_is_dir) {
    // A file got onto an existing directory goes inside it, as cp does.
    destination = fmt::format("{}/{}", local_path, names.empty() ? "" : names.back());
  }
  GetRun run(volume, pool, stats);
  RETURN_IF_ERROR(run.Get(attr, JoinPath(names), destination));
  return run.Finish();
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
