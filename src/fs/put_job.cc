#include "fs/put_job.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <vector>

#include <fmt/core.h>

#include "base/posix.h"
#include "core/env.h"
#include "fs/path.h"

namespace strata::fs {
namespace {

int64_t MtimeNanos(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

// One local file on its way into the volume. Shared by the tasks of its chunks.
struct PendingFile {
  std::string local_path;
  std::string volume_path;
  struct stat st {};
  std::vector<ChunkId> chunks;       // each slot written by exactly one task
  std::atomic<size_t> remaining{0};  // chunks not yet stored
  std::unique_ptr<ChunkSink> sink;   // made when the put starts
};

// Chunk `index` of `file` read from the local file: Aborted if it is shorter than it was.
Status ReadLocalChunk(const PendingFile& file, uint64_t chunk_size, size_t index,
                      std::span<uint8_t> data) {
  ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(file.local_path, O_RDONLY));
  ASSIGN_OR_RETURN(size_t n, PreadFull(fd.get(), data, index * chunk_size, file.local_path));
  if (n != data.size()) {
    return Status::Aborted(
        fmt::format("{} shrank while it was being put; put it again", file.local_path));
  }
  return Status::OK();
}

struct Plan {
  std::vector<std::pair<std::string, uint32_t>> dirs;         // volume path, mode
  std::vector<std::pair<std::string, std::string>> symlinks;  // volume path, target
  std::vector<std::shared_ptr<PendingFile>> files;
};

Status Scan(const std::string& local_path, const std::string& volume_path, const struct stat& st,
            Plan& plan, TransferStats& stats) {
  if (S_ISREG(st.st_mode)) {
    auto file = std::make_shared<PendingFile>();
    file->local_path = local_path;
    file->volume_path = volume_path;
    file->st = st;
    plan.files.push_back(std::move(file));
    stats.total_bytes += static_cast<uint64_t>(st.st_size);
    return Status::OK();
  }
  if (S_ISLNK(st.st_mode)) {
    std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t n = ::readlink(local_path.c_str(), target.data(), target.size());
    if (n < 0) return PosixError(fmt::format("readlink {}", local_path), errno);
    target.resize(static_cast<size_t>(n));
    plan.symlinks.emplace_back(volume_path, std::move(target));
    return Status::OK();
  }
  if (!S_ISDIR(st.st_mode)) {
    ++stats.skipped_special;
    return Status::OK();
  }
  plan.dirs.emplace_back(volume_path, st.st_mode & 07777);
  ASSIGN_OR_RETURN(std::vector<std::string> names, PosixEnv().ListDir(local_path));
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    std::string child = fmt::format("{}/{}", local_path, name);
    struct stat child_st;
    if (::lstat(child.c_str(), &child_st) != 0) {
      return PosixError(fmt::format("stat {}", child), errno);
    }
    RETURN_IF_ERROR(Scan(child, ChildPath(volume_path, name), child_st, plan, stats));
  }
  return Status::OK();
}

Status CommitPending(Volume& volume, PendingFile& file, const PutHooks& hooks) {
  // The file must not have changed while its chunks were read: they would mix two versions.
  struct stat now;
  if (::stat(file.local_path.c_str(), &now) != 0) {
    return PosixError(fmt::format("stat {}", file.local_path), errno);
  }
  if (now.st_size != file.st.st_size || MtimeNanos(now) != MtimeNanos(file.st)) {
    return Status::Aborted(
        fmt::format("{} changed while it was being put; put it again", file.local_path));
  }
  if (hooks.before_commit) hooks.before_commit(file.volume_path);
  meta::NewNode node{meta::FileType::kRegular, file.st.st_mode & 07777, file.st.st_uid,
                     file.st.st_gid,           MtimeNanos(file.st),     ""};
  meta::FileContent content{static_cast<uint64_t>(file.st.st_size), std::move(file.chunks)};
  uint64_t chunk_size = volume.chunk_size_bytes();
  auto reread = [&](size_t index) -> Result<std::vector<uint8_t>> {
    std::vector<uint8_t> data(meta::ChunkLength(content.size_bytes, chunk_size, index));
    RETURN_IF_ERROR(ReadLocalChunk(file, chunk_size, index, data));
    return data;
  };
  return file.sink->Commit(file.volume_path, node, content, file.local_path, reread).status();
}

Status PutChunk(Volume& volume, PendingFile& file, size_t index, TransferStats& stats,
                const PutHooks& hooks) {
  uint64_t chunk_size = volume.chunk_size_bytes();
  uint64_t size = static_cast<uint64_t>(file.st.st_size);
  uint64_t length = meta::ChunkLength(size, chunk_size, index);
  // One buffer per worker, reused: a fresh 4 MiB allocation per chunk costs page faults.
  thread_local std::vector<uint8_t> buffer;
  if (buffer.size() < length) buffer.resize(length);
  std::span<uint8_t> data(buffer.data(), length);
  RETURN_IF_ERROR(ReadLocalChunk(file, chunk_size, index, data));
  ASSIGN_OR_RETURN(store::PutChunkResult put, file.sink->Put(data));
  file.chunks[index] = put.id;
  stats.bytes_done += length;
  ++(put.uploaded ? stats.chunks_uploaded : stats.chunks_present);
  if (file.remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    RETURN_IF_ERROR(CommitPending(volume, file, hooks));
    ++stats.files_done;
  }
  return Status::OK();
}

Status PutSymlink(Volume& volume, const std::string& path, const std::string& target) {
  Result<meta::Attr> existing = volume.Stat(path, /*follow=*/false);
  if (existing.ok()) {
    if (existing->type == meta::FileType::kSymlink) {
      ASSIGN_OR_RETURN(std::string old_target, volume.ReadLink(path));
      if (old_target == target) return Status::OK();
    }
    if (existing->type == meta::FileType::kDirectory) {
      return Status::IsDirectory(
          fmt::format("{}: is a directory, cannot replace it with a "
                      "symlink",
                      path));
    }
    RETURN_IF_ERROR(volume.Remove(path, /*recursive=*/false));
  } else if (existing.status().code() != Code::kNotFound) {
    return existing.status();
  }
  return volume.Symlink(target, path).status();
}

}  // namespace

Status PutPath(Volume& volume, ThreadPool& pool, const std::string& local_path,
               std::string_view volume_path, TransferStats& stats, const PutHooks& hooks) {
  struct stat st;
  if (::lstat(local_path.c_str(), &st) != 0) {
    return PosixError(fmt::format("put {}", local_path), errno);
  }
  ASSIGN_OR_RETURN(std::vector<std::string> names, SplitPath(volume_path));
  std::string target = JoinPath(names);
  if (!S_ISDIR(st.st_mode)) {
    // A file put onto an existing directory goes inside it, as cp does.
    Result<meta::Attr> existing = volume.Stat(target, /*follow=*/true);
    if (existing.ok() && existing->type == meta::FileType::kDirectory) {
      std::string base = local_path.substr(local_path.find_last_of('/') + 1);
      target = ChildPath(target, base);
    } else if (target == "/") {
      return Status::IsDirectory("cannot put a file onto the volume root");
    }
  }
  Plan plan;
  RETURN_IF_ERROR(Scan(local_path, target, st, plan, stats));

  // Parents first: the destination's ancestors, then the tree in scan (pre-)order.
  if (target != "/") {
    ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitPath(target));
    parts.pop_back();
    RETURN_IF_ERROR(volume.Mkdir(JoinPath(parts), 0755, /*parents=*/true).status());
  }
  for (const auto& [path, mode] : plan.dirs) {
    RETURN_IF_ERROR(volume.Mkdir(path, mode, /*parents=*/true).status());
    ++stats.dirs_done;
  }
  for (const auto& [path, link_target] : plan.symlinks) {
    RETURN_IF_ERROR(PutSymlink(volume, path, link_target));
    ++stats.symlinks_done;
  }

  ChunkSinkOptions sink_options{hooks.renew_claims_after_ns, hooks.on_claim_wait};
  TaskGroup group(pool);
  for (const auto& file : plan.files) {
    file->sink = std::make_unique<ChunkSink>(volume, sink_options);
    size_t count =
        meta::ChunkCount(static_cast<uint64_t>(file->st.st_size), volume.chunk_size_bytes());
    if (count == 0) {
      RETURN_IF_ERROR(CommitPending(volume, *file, hooks));
      ++stats.files_done;
      continue;
    }
    file->chunks.resize(count);
    file->remaining.store(count);
    for (size_t i = 0; i < count; ++i) {
      if (group.failed()) break;
      group.Run(
          [&volume, file, i, &stats, &hooks] { return PutChunk(volume, *file, i, stats, hooks); });
    }
  }
  return group.Wait();
}

}  // namespace strata::fs
