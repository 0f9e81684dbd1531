#include "cache/disk_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <vector>

#include <fmt/core.h>

#include "base/posix.h"
#include "cache/cache_dir_modes.h"
#include "core/env.h"

namespace strata::cache {
namespace {

// Whole chunks in aligned buffers move with O_DIRECT: straight between the disk and the caller's
// buffer, without filling the page cache with a second copy of every chunk (measured: copying
// into fresh page-cache pages cost 49% of a 4 GiB prefetch's CPU). Tails and unaligned buffers
// go through the page cache.
constexpr uintptr_t kDirectAlignment = 4096;
bool DirectIoFits(const void* data, size_t size) {
  return size > 0 && reinterpret_cast<uintptr_t>(data) % kDirectAlignment == 0 &&
         size % kDirectAlignment == 0;
}

// Opens with O_DIRECT when `direct`, falling back to buffered I/O where the file system refuses
// it (tmpfs).
int OpenMaybeDirect(const std::string& path, int flags, bool direct, mode_t mode = 0600) {
  if (direct) {
    int fd = ::open(path.c_str(), flags | O_DIRECT, mode);
    if (fd >= 0 || errno != EINVAL) return fd;
  }
  return ::open(path.c_str(), flags, mode);
}

}  // namespace

Result<std::unique_ptr<DiskCache>> DiskCache::Open(ChunkSource& next, std::string dir,
                                                   uint64_t capacity_bytes) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  RETURN_IF_ERROR(PosixEnv().CreateDirs(dir));
  CacheDirModes modes = CacheDirModes::Of(dir);
  for (const char* sub : {"/chunks", "/tmp"}) {
    if (!modes.MakeDir(dir + sub)) return PosixError(fmt::format("create {}{}", dir, sub), errno);
  }
  std::unique_ptr<DiskCache> cache(new DiskCache(next, std::move(dir), capacity_bytes));
  RETURN_IF_ERROR(cache->Rescan());
  return cache;
}

std::string DiskCache::PathOf(const ChunkId& id) const {
  std::string hex = id.Hex();
  return fmt::format("{}/chunks/{}/{}", dir_, hex.substr(0, 2), hex);
}

Status DiskCache::Rescan() {
  struct Found {
    ChunkId id;
    uint64_t size;
    int64_t mtime_ns;
  };
  std::vector<Found> found;
  std::string chunks = dir_ + "/chunks";
  DIR* top = ::opendir(chunks.c_str());
  if (!top) return PosixError(fmt::format("list {}", chunks), errno);
  while (dirent* fan = ::readdir(top)) {
    if (fan->d_name[0] == '.') continue;
    std::string sub = fmt::format("{}/{}", chunks, fan->d_name);
    DIR* d = ::opendir(sub.c_str());
    if (!d) continue;
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      Result<ChunkId> id = ChunkId::FromHex(e->d_name);
      struct stat st;
      std::string path = fmt::format("{}/{}", sub, e->d_name);
      if (!id.ok() || ::stat(path.c_str(), &st) != 0) continue;
      found.push_back({*id, static_cast<uint64_t>(st.st_size),
                       st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec});
    }
    ::closedir(d);
  }
  ::closedir(top);
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.mtime_ns < b.mtime_ns; });
  MutexLock lock(mu_);
  lru_.clear();
  index_.clear();
  held_bytes_ = 0;
  for (const Found& f : found) Track(f.id, f.size);  // oldest first: each goes to the front
  added_since_rescan_ = 0;
  EvictToCapacity();
  return Status::OK();
}

void DiskCache::Track(const ChunkId& id, uint64_t size) {
  auto it = index_.find(id);
  if (it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.push_front(Entry{id, size});
  index_[id] = lru_.begin();
  held_bytes_ += size;
}

void DiskCache::Forget(const ChunkId& id) {
  auto it = index_.find(id);
  if (it == index_.end()) return;
  held_bytes_ -= it->second->size;
  lru_.erase(it->second);
  index_.erase(it);
}

void DiskCache::EvictToCapacity() {
  while (held_bytes_ > capacity_bytes_ && !lru_.empty()) {
    Entry victim = lru_.back();
    ::unlink(PathOf(victim.id).c_str());
    Forget(victim.id);
  }
}

Status DiskCache::ReadFile(const ChunkId& id, std::span<uint8_t> out) {
  std::string path = PathOf(id);
  int fd = OpenMaybeDirect(path, O_RDONLY | O_CLOEXEC, DirectIoFits(out.data(), out.size()));
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path);
    return PosixError(fmt::format("open {}", path), errno);
  }
  UniqueFd file(fd);
  struct stat st;
  bool whole = ::fstat(fd, &st) == 0 && static_cast<uint64_t>(st.st_size) == out.size();
  if (whole) {
    Result<size_t> n = PreadFull(fd, out, 0, path);
    whole = n.ok() && *n == out.size();
  }
  if (!whole || ChunkId::Of(out) != id) {
    ::unlink(path.c_str());
    counters_.dropped_corrupt.fetch_add(1, std::memory_order_relaxed);
    MutexLock lock(mu_);
    Forget(id);
    return Status::Corruption(fmt::format("cached chunk {} was damaged; dropped", path));
  }
  ::futimens(fd, nullptr);  // the LRU order a restart rebuilds from
  MutexLock lock(mu_);
  Track(id, out.size());
  return Status::OK();
}

void DiskCache::Store(const ChunkId& id, std::span<const uint8_t> data) {
  static std::atomic<uint64_t> counter{0};
  std::string hex = id.Hex();
  std::string temp = fmt::format("{}/tmp/{}.{}.{}", dir_, hex, ::getpid(), counter.fetch_add(1));
  std::string path = PathOf(id);
  bool stored = false;
  {
    UniqueFd fd(OpenMaybeDirect(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                                DirectIoFits(data.data(), data.size())));
    if (fd.valid()) modes_.SetFileMode(fd.get());
    if (fd.valid() && WriteAll(fd.get(), data, temp).ok() && fd.Close(temp).ok()) {
      std::string fan = fmt::format("{}/chunks/{}", dir_, hex.substr(0, 2));
      modes_.MakeDir(fan);
      stored = ::rename(temp.c_str(), path.c_str()) == 0;
    }
    if (!stored) ::unlink(temp.c_str());
  }
  if (!stored) {
    counters_.errors.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  bool rescan = false;
  {
    MutexLock lock(mu_);
    Track(id, data.size());
    added_since_rescan_ += data.size();
    EvictToCapacity();
    rescan = added_since_rescan_ > capacity_bytes_ / 8;
    if (rescan) added_since_rescan_ = 0;
  }
  if (rescan) (void)Rescan();  // other processes' chunks count against the bound too
}

Status DiskCache::FetchAndStore(const ChunkId& id, std::span<uint8_t> out) {
  Status fetched = next_.Read(id, out);
  if (!fetched.ok()) {
    counters_.Failed();
    return fetched;
  }
  counters_.Fetched(out.size());
  Store(id, out);
  return Status::OK();
}

Status DiskCache::Read(const ChunkId& id, std::span<uint8_t> out) {
  if (ReadFile(id, out).ok()) {
    counters_.Hit(out.size());
    return Status::OK();
  }
  return FetchAndStore(id, out);
}

bool DiskCache::IsCached(const ChunkId& id) {
  struct stat st;
  return ::stat(PathOf(id).c_str(), &st) == 0;
}

Result<bool> DiskCache::Warm(const ChunkId& id, std::span<uint8_t> scratch) {
  if (IsCached(id)) {
    counters_.Hit(scratch.size());
    return false;
  }
  RETURN_IF_ERROR(FetchAndStore(id, scratch));
  return true;
}

void DiskCache::Offer(const ChunkId& id, std::span<const uint8_t> data) {
  if (!IsCached(id)) Store(id, data);
}

Result<uint64_t> DiskCache::Clear() {
  RETURN_IF_ERROR(Rescan());
  MutexLock lock(mu_);
  uint64_t freed = held_bytes_;
  for (const Entry& e : lru_) ::unlink(PathOf(e.id).c_str());
  lru_.clear();
  index_.clear();
  held_bytes_ = 0;
  return freed;
}

void DiskCache::CollectStats(std::vector<TierStats>& out) const {
  MutexLock lock(mu_);
  out.push_back(counters_.Snapshot("disk", index_.size(), held_bytes_, capacity_bytes_));
  next_.CollectStats(out);
}

}  // namespace strata::cache
