#include "bucket/bucket_view.h"

#include <algorithm>
#include <atomic>

#include <fmt/core.h>

namespace strata::bucket {
namespace {

// "a/b" → ("a", "b"); "b" → ("", "b").
std::pair<std::string, std::string> SplitLast(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {"", path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

std::vector<uint8_t>& ScratchBuffer(uint64_t size) {
  thread_local std::vector<uint8_t> buffer;
  if (buffer.size() < size) buffer.resize(size);
  return buffer;
}

}  // namespace

BucketView::BucketView(store::S3Store& bucket, cache::Tiers& tiers, cache::PieceIndex& index,
                       ThreadPool& pool, BucketOptions options)
    : bucket_(bucket),
      tiers_(tiers),
      index_(index),
      pool_(pool),
      options_(options),
      source_(bucket.url()) {}

BucketView::~BucketView() {
  MutexLock lock(mu_);
  while (background_ != 0) lock.Wait(background_done_);
}

Result<std::shared_ptr<const std::vector<Entry>>> BucketView::List(const std::string& dir) {
  auto now = std::chrono::steady_clock::now();
  {
    MutexLock lock(mu_);
    auto it = listings_.find(dir);
    if (it != listings_.end() && now - it->second.at < options_.listing_ttl) {
      return it->second.entries;
    }
  }
  const std::string prefix = dir.empty() ? "" : dir + "/";
  auto entries = std::make_shared<std::vector<Entry>>();
  bool marker = false;  // a "dir/" object: an empty directory made by a tool
  RETURN_IF_ERROR(bucket_.ListDirectory(
      prefix,
      [&](const store::ObjectInfo& info) -> Status {
        std::string name = info.key.substr(std::min(prefix.size(), info.key.size()));
        if (name.empty()) {
          marker = true;
        } else if (store::ValidateObjectKey(info.key).ok()) {  // others cannot be read by key
          entries->push_back(Entry{
              name, false, ObjectVersion{info.key, info.size_bytes, info.mtime_ns, info.etag}});
        }
        return Status::OK();
      },
      [&](std::string_view sub) -> Status {
        std::string_view name = sub.substr(std::min(prefix.size(), sub.size()));
        while (!name.empty() && name.back() == '/') name.remove_suffix(1);
        if (!name.empty() && name.find('/') == std::string_view::npos && name != "." &&
            name != "..") {
          entries->push_back(Entry{std::string(name), true, {}});
        }
        return Status::OK();
      }));
  // A name that is both an object and a prefix is shown as the directory.
  std::stable_sort(entries->begin(), entries->end(), [](const Entry& a, const Entry& b) {
    return a.name != b.name ? a.name < b.name : a.is_dir > b.is_dir;
  });
  entries->erase(std::unique(entries->begin(), entries->end(),
                             [](const Entry& a, const Entry& b) { return a.name == b.name; }),
                 entries->end());
  if (entries->empty() && !marker && !dir.empty()) {
    return Status::NotFound(fmt::format("{}/{}: no such directory", source_, dir));
  }
  MutexLock lock(mu_);
  listings_[dir] = Listing{now, entries};
  return std::shared_ptr<const std::vector<Entry>>(entries);
}

Result<Entry> BucketView::Stat(const std::string& path) {
  if (path.empty()) return Entry{"", true, {}};
  auto [parent, name] = SplitLast(path);
  ASSIGN_OR_RETURN(auto entries, List(parent));
  auto it = std::lower_bound(entries->begin(), entries->end(), name,
                             [](const Entry& e, const std::string& n) { return e.name < n; });
  if (it == entries->end() || it->name != name) {
    return Status::NotFound(fmt::format("{}/{}: no such object or directory", source_, path));
  }
  return *it;
}

Result<ObjectVersion> BucketView::Head(const std::string& path) {
  ASSIGN_OR_RETURN(store::ObjectInfo info, bucket_.Head(path));
  return ObjectVersion{path, info.size_bytes, info.mtime_ns, info.etag};
}

void BucketView::Invalidate(const std::string& dir) {
  MutexLock lock(mu_);
  listings_.erase(dir);
}

size_t BucketView::PieceCount(const ObjectVersion& object) const {
  return static_cast<size_t>((object.size_bytes + options_.piece_bytes - 1) / options_.piece_bytes);
}

uint64_t BucketView::PieceLength(const ObjectVersion& object, size_t index) const {
  uint64_t offset = index * options_.piece_bytes;
  return std::min(options_.piece_bytes, object.size_bytes - std::min(offset, object.size_bytes));
}

ChunkId BucketView::NameOf(const ObjectVersion& object, size_t index) const {
  return cache::PieceIndex::NameOf(source_, object.key, object.etag, index * options_.piece_bytes,
                                   PieceLength(object, index));
}

bool BucketView::IsCached(const ChunkId& name) {
  std::optional<ChunkId> id = index_.Find(name);
  return id && tiers_.top().IsCached(*id);
}

bool BucketView::ReadCached(const ChunkId& name, std::span<uint8_t> out) {
  std::optional<ChunkId> id = index_.Find(name);
  return id && tiers_.top().IsCached(*id) && tiers_.top().Read(*id, out).ok();
}

Status BucketView::Fetch(const ObjectVersion& object, size_t index, const ChunkId& name,
                         std::span<uint8_t> out) {
  uint64_t offset = index * options_.piece_bytes;
  ASSIGN_OR_RETURN(size_t n, bucket_.ReadVersion(object.key, object.etag, offset, out));
  if (n != out.size()) {
    return Status::Aborted(
        fmt::format("{}/{} is shorter than when it was opened (changed?)", source_, object.key));
  }
  ChunkId id = ChunkId::Of(out);
  tiers_.top().Offer(id, out);
  index_.Remember(name, id);
  return Status::OK();
}

Status BucketView::ReadPiece(const ObjectVersion& object, size_t index, std::span<uint8_t> out) {
  ChunkId name = NameOf(object, index);
  if (ReadCached(name, out)) return Status::OK();
  auto [status, led] = fetching_.Do(name, [&] { return Fetch(object, index, name, out); });
  if (led || !status.ok()) return status;
  if (ReadCached(name, out)) return Status::OK();
  return Fetch(object, index, name, out);  // evicted in between: rare, fetch again
}

void BucketView::ReadAhead(const ObjectVersion& object, size_t first, size_t count) {
  size_t end = std::min(PieceCount(object), first + count);
  for (size_t i = first; i < end; ++i) {
    ChunkId name = NameOf(object, i);
    {
      MutexLock lock(mu_);
      if (queued_.contains(name)) continue;
    }
    if (fetching_.InFlight(name)) continue;
    if (IsCached(name)) continue;
    {
      MutexLock lock(mu_);
      if (!queued_.insert(name).second) continue;
      ++background_;
    }
    pool_.Submit([this, object, i, name] {
      uint64_t length = PieceLength(object, i);
      std::vector<uint8_t>& buffer = ScratchBuffer(length);
      (void)ReadPiece(object, i, std::span(buffer.data(), length));  // a reader retries
      {
        MutexLock lock(mu_);
        queued_.erase(name);
        --background_;
      }
      background_done_.notify_all();
    });
  }
}

Result<BucketPrefetchReport> BucketView::Prefetch(const std::string& path, size_t jobs,
                                                  fs::TransferStats& stats) {
  std::vector<ObjectVersion> objects;
  Result<Entry> entry = Stat(path);
  if (!entry.ok()) return entry.status();
  if (entry->is_dir) {
    std::string prefix = path.empty() ? "" : path + "/";
    RETURN_IF_ERROR(bucket_.List(prefix, [&](const store::ObjectInfo& info) -> Status {
      if (!info.key.ends_with('/') && store::ValidateObjectKey(info.key).ok()) {
        objects.push_back(ObjectVersion{info.key, info.size_bytes, info.mtime_ns, info.etag});
      }
      return Status::OK();
    }));
  } else {
    ASSIGN_OR_RETURN(ObjectVersion object, Head(path));
    objects.push_back(std::move(object));
  }
  BucketPrefetchReport report;
  report.objects = objects.size();
  for (const auto& o : objects) report.total_bytes += o.size_bytes;
  stats.total_bytes += report.total_bytes;
  std::atomic<size_t> fetched{0}, cached{0};
  std::atomic<uint64_t> fetched_bytes{0};
  ThreadPool fetchers(jobs);
  TaskGroup group(fetchers);
  for (const ObjectVersion& object : objects) {
    for (size_t i = 0; i < PieceCount(object) && !group.failed(); ++i) {
      group.Run([&, i]() -> Status {
        uint64_t length = PieceLength(object, i);
        if (IsCached(NameOf(object, i))) {
          ++cached;
        } else {
          std::vector<uint8_t>& buffer = ScratchBuffer(length);
          RETURN_IF_ERROR(ReadPiece(object, i, std::span(buffer.data(), length)));
          ++fetched;
          fetched_bytes += length;
        }
        stats.bytes_done += length;
        return Status::OK();
      });
    }
    ++stats.files_done;
  }
  RETURN_IF_ERROR(group.Wait());
  report.fetched_pieces = fetched;
  report.cached_pieces = cached;
  report.fetched_bytes = fetched_bytes;
  return report;
}

}  // namespace strata::bucket
