#include "hub/import_job.h"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>

#include <fmt/core.h>

#include "base/mutex.h"
#include "base/round.h"
#include "core/clock.h"
#include "core/digest.h"
#include "fs/chunk_sink.h"
#include "fs/get_job.h"
#include "fs/path.h"
#include "load/json.h"
#include "load/json_writer.h"

namespace strata::hub {
namespace {

constexpr uint64_t kMaxRecordBytes = 64 << 20;
constexpr uint64_t kDefaultRangeChunks = 4;
constexpr int64_t kAbandonedStagingNanos = 3600LL * 1000000000;

// Admits ranges in the order they were queued, with at most `window` of them taken but not yet
// hashed. A file's hash is fed in order, so a range that arrives early waits in memory for the
// ones before it; the window bounds that memory. The oldest open ticket is always admitted, and
// it was queued (so, FIFO, started) before every waiting one, so the window never deadlocks.
class RangeWindow {
 public:
  explicit RangeWindow(size_t window) : window_(window) {}

  uint64_t Ticket() {
    MutexLock lock(mu_);
    open_.insert(next_);
    return next_++;
  }
  Status Enter(uint64_t ticket) {
    MutexLock lock(mu_);
    while (!aborted_ && ticket >= *open_.begin() + window_) lock.Wait(cv_);
    return aborted_ ? Status::Aborted("import stopped") : Status::OK();
  }
  void Done(uint64_t ticket) {
    {
      MutexLock lock(mu_);
      open_.erase(ticket);
    }
    cv_.notify_all();
  }
  void Abort() {
    {
      MutexLock lock(mu_);
      aborted_ = true;
    }
    cv_.notify_all();
  }

 private:
  const size_t window_;
  Mutex mu_;
  std::condition_variable cv_;
  std::set<uint64_t> open_ GUARDED_BY(mu_);
  uint64_t next_ GUARDED_BY(mu_) = 0;
  bool aborted_ GUARDED_BY(mu_) = false;
};

// Range buffers, reused: a fresh 16 MiB buffer per range costs its page faults every time.
class BufferPool {
 public:
  explicit BufferPool(uint64_t size) : size_(size) {}
  std::shared_ptr<std::vector<uint8_t>> Take() {
    std::vector<uint8_t>* buffer = nullptr;
    {
      MutexLock lock(mu_);
      if (!free_.empty()) {
        buffer = free_.back().release();
        free_.pop_back();
      }
    }
    if (!buffer) buffer = new std::vector<uint8_t>(size_);
    // Returned to the pool when the last holder lets go (after hashing).
    return std::shared_ptr<std::vector<uint8_t>>(buffer, [this](std::vector<uint8_t>* b) {
      MutexLock lock(mu_);
      free_.emplace_back(b);
    });
  }

 private:
  const uint64_t size_;
  Mutex mu_;
  std::vector<std::unique_ptr<std::vector<uint8_t>>> free_ GUARDED_BY(mu_);
};

// The digest the hub publishes for `file`: the SHA-256 of an LFS file, the git blob id (SHA-1 of
// "blob <size>\0" and the bytes) of any other.
StreamingDigest HubDigest(const HubFile& file) {
  if (!file.sha256.empty()) return StreamingDigest::Sha256();
  StreamingDigest digest = StreamingDigest::Sha1();
  digest.Update(fmt::format("blob {}", file.size_bytes));
  digest.Update(std::string_view("\0", 1));
  return digest;
}

std::string_view ExpectedDigest(const HubFile& file) {
  return file.sha256.empty() ? file.blob_id : file.sha256;
}

// One hub file on its way into the staging directory.
struct PendingFile {
  HubFile file;
  std::string url;
  std::string staging_path;
  std::vector<ChunkId> chunks;  // each slot written by exactly one range
  std::atomic<size_t> ranges_left{0};
  fs::ChunkSink sink;  // stores its chunks and commits it

  Mutex mu;
  std::string direct_url GUARDED_BY(mu);  // the URL after redirects, once a range learned it
  StreamingDigest digest GUARDED_BY(mu);
  size_t next_range GUARDED_BY(mu) = 0;  // the next one to hash
  // Ranges that arrived before their turn: index → (ticket, bytes).
  std::map<size_t, std::pair<uint64_t, std::shared_ptr<std::vector<uint8_t>>>> early GUARDED_BY(mu);

  PendingFile(HubFile f, fs::Volume& volume, const fs::ChunkSinkOptions& options)
      : file(std::move(f)), sink(volume, options), digest(HubDigest(file)) {}
  std::string_view expected() const { return ExpectedDigest(file); }
};

std::string SourceName(const HubRef& ref) { return "hub://" + ref.repo; }

// The record kept in a snapshot: where it came from and what each file must hash to.
std::string RecordJson(const HubClient& hub, const HubSnapshot& snapshot,
                       const std::vector<HubFile>& files) {
  load::JsonWriter json(/*indent=*/2);
  json.BeginObject().Field("source", "hub://" + snapshot.repo).Field("endpoint", hub.endpoint());
  json.Field("revision", snapshot.revision).Field("commit", snapshot.commit);
  json.Key("files").BeginArray();
  for (const HubFile& f : files) {
    json.BeginObject().Field("path", f.path).Field("size", f.size_bytes);
    json.Field("sha256", f.sha256).Field("blob_id", f.blob_id).EndObject();
  }
  return json.EndArray().EndObject().Take();
}

struct Record {
  std::string source;
  std::string commit;
  std::vector<HubFile> files;
};

// The record of the snapshot at `target`, if there is a readable one.
std::optional<Record> ReadRecord(fs::Volume& volume, const std::string& target) {
  meta::Attr attr;
  Result<meta::FileContent> content = volume.Content(fs::ChildPath(target, kRecordName), &attr);
  if (!content.ok() || content->size_bytes > kMaxRecordBytes) return std::nullopt;
  std::string text(content->size_bytes, '\0');
  uint64_t chunk = volume.chunk_size_bytes();
  for (size_t i = 0; i < content->chunks.size(); ++i) {
    uint64_t offset = i * chunk;
    std::span<uint8_t> out(reinterpret_cast<uint8_t*>(text.data()) + offset,
                           std::min<uint64_t>(chunk, content->size_bytes - offset));
    if (!volume.ReadChunk(*content, i, out, kRecordName).ok()) return std::nullopt;
  }
  Result<load::JsonValue> json = load::ParseJson(text);
  if (!json.ok()) return std::nullopt;
  auto str = [](const load::JsonValue* v) { return v && v->is_string() ? v->str() : ""; };
  Record record;
  record.source = str(json->Find("source"));
  record.commit = str(json->Find("commit"));
  const load::JsonValue* files = json->Find("files");
  if (!files || !files->is_array()) return std::nullopt;
  for (const load::JsonValue& f : files->items()) {
    HubFile file;
    file.path = str(f.Find("path"));
    const load::JsonValue* size = f.Find("size");
    if (!size || !size->is_integer()) return std::nullopt;
    file.size_bytes = static_cast<uint64_t>(size->integer());
    file.sha256 = str(f.Find("sha256"));
    file.blob_id = str(f.Find("blob_id"));
    record.files.push_back(std::move(file));
  }
  return record;
}

// Whether `path` in the volume holds exactly the bytes the hub published for `file`: its bytes
// are read (every chunk verified) and hashed. The record and the sizes are not trusted: any
// volume writer can change a file in place or forge the record.
bool HoldsHubBytes(fs::Volume& volume, ThreadPool& pool, const std::string& path,
                   const HubFile& file) {
  Result<meta::Attr> attr = volume.Stat(path);
  if (!attr.ok() || attr->type != meta::FileType::kRegular || attr->size_bytes != file.size_bytes) {
    return false;
  }
  StreamingDigest digest = HubDigest(file);
  Status read = fs::StreamFile(volume, pool, path, [&](std::span<const uint8_t> bytes) {
    digest.Update(bytes);
    return Status::OK();
  });
  return read.ok() && digest.FinalHex() == ExpectedDigest(file);
}

Status WriteSmallFile(fs::Volume& volume, const std::string& path, std::string_view text) {
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  fs::ChunkSink sink(volume);
  meta::FileContent content{text.size(), {}};
  for (uint64_t offset = 0; offset < bytes.size(); offset += volume.chunk_size_bytes()) {
    auto piece =
        bytes.subspan(offset, std::min<uint64_t>(volume.chunk_size_bytes(), bytes.size() - offset));
    ASSIGN_OR_RETURN(store::PutChunkResult put, sink.Put(piece));
    content.chunks.push_back(put.id);
  }
  auto reread = [&](size_t index) -> Result<std::vector<uint8_t>> {
    auto piece = bytes.subspan(index * volume.chunk_size_bytes(),
                               meta::ChunkLength(text.size(), volume.chunk_size_bytes(), index));
    return std::vector<uint8_t>(piece.begin(), piece.end());
  };
  return sink.Commit(path, meta::NewNode::File(0644), content, path, reread).status();
}

// Commits a file whose ranges are all stored and hashed, if the hash is the hub's.
Status CommitVerified(PendingFile& file, fs::TransferStats& stats) {
  std::string got;
  {
    MutexLock lock(file.mu);
    got = file.digest.FinalHex();
  }
  if (got != file.expected()) {
    return Status::Corruption(fmt::format(
        "{}: downloaded bytes hash to {}, the hub says {} ({}); nothing was imported",
        file.file.path, got, file.expected(), file.file.sha256.empty() ? "git blob id" : "sha256"));
  }
  // A download slower than gc's grace period: its first chunks' claims may have expired, and
  // the bytes are gone from here (a chunk gc took fails the import; run it again).
  meta::FileContent content{file.file.size_bytes, std::move(file.chunks)};
  RETURN_IF_ERROR(
      file.sink.Commit(file.staging_path, meta::NewNode::File(0644), content, file.file.path)
          .status());
  ++stats.files_done;
  return Status::OK();
}

Status FetchRange(fs::Volume& volume, HubClient& hub, RangeWindow& window, BufferPool& buffers,
                  PendingFile& file, size_t index, uint64_t ticket, uint64_t range_bytes,
                  fs::TransferStats& stats) {
  RETURN_IF_ERROR(window.Enter(ticket));
  uint64_t offset = index * range_bytes;
  uint64_t length = std::min(range_bytes, file.file.size_bytes - offset);
  std::string url;
  {
    MutexLock lock(file.mu);
    url = file.direct_url.empty() ? file.url : file.direct_url;
  }
  std::shared_ptr<std::vector<uint8_t>> buffer = buffers.Take();
  std::span<uint8_t> bytes(buffer->data(), length);
  ASSIGN_OR_RETURN(net::HttpResponse response, hub.http().GetRange(url, offset, bytes));
  if (response.effective_url != url && !response.effective_url.empty()) {
    MutexLock lock(file.mu);
    if (file.direct_url.empty()) file.direct_url = response.effective_url;
  }
  uint64_t chunk = volume.chunk_size_bytes();
  size_t first_chunk = offset / chunk;
  for (uint64_t at = 0; at < length; at += chunk) {
    std::span<const uint8_t> piece(bytes.data() + at, std::min(chunk, length - at));
    ASSIGN_OR_RETURN(store::PutChunkResult put, file.sink.Put(piece));
    file.chunks[first_chunk + at / chunk] = put.id;
    ++(put.uploaded ? stats.chunks_uploaded : stats.chunks_present);
  }
  stats.bytes_done += length;
  {
    MutexLock lock(file.mu);
    file.early.emplace(index, std::make_pair(ticket, std::move(buffer)));
    for (auto it = file.early.begin(); it != file.early.end() && it->first == file.next_range;
         it = file.early.erase(it)) {
      uint64_t at = it->first * range_bytes;
      file.digest.Update(std::span<const uint8_t>(
          it->second.second->data(), std::min(range_bytes, file.file.size_bytes - at)));
      window.Done(it->second.first);
      ++file.next_range;
    }
  }
  if (file.ranges_left.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    return CommitVerified(file, stats);
  }
  return Status::OK();
}

bool Selected(const std::vector<std::string>& includes, const std::string& path) {
  if (includes.empty()) return true;
  return std::any_of(includes.begin(), includes.end(), [&](const std::string& pattern) {
    return ::fnmatch(pattern.c_str(), path.c_str(), 0) == 0;
  });
}

// Staging directories of imports into the same target that crashed: untouched for an hour (a
// live import adds files to its directory all the time).
void RemoveAbandonedStaging(fs::Volume& volume, const std::string& parent,
                            const std::string& target_name) {
  Result<std::vector<meta::DirEntry>> entries = volume.List(parent);
  if (!entries.ok()) return;
  const std::string prefix = fmt::format(".{}.import-", target_name);
  const int64_t cutoff = NowNanos() - kAbandonedStagingNanos;
  for (const meta::DirEntry& entry : *entries) {
    if (entry.name.starts_with(prefix) && entry.attr.type == meta::FileType::kDirectory &&
        entry.attr.mtime_ns < cutoff) {
      (void)volume.Remove(fs::ChildPath(parent, entry.name), /*recursive=*/true);
    }
  }
}

// Moves the staged snapshot to `target` in one metadata transaction.
Status Publish(fs::Volume& volume, const std::string& staging, const std::string& target) {
  Result<meta::Attr> existing = volume.Stat(target);
  if (!existing.ok()) {
    if (existing.status().code() != Code::kNotFound) return existing.status();
    return volume.Rename(staging, target);
  }
  RETURN_IF_ERROR(volume.Exchange(staging, target));
  // The previous snapshot now sits under the staging name; its chunks go at the next gc unless
  // the new one shares them.
  (void)volume.Remove(staging, /*recursive=*/true);
  return Status::OK();
}

}  // namespace

Result<ImportResult> ImportSnapshot(fs::Volume& volume, ThreadPool& pool, HubClient& hub,
                                    const HubRef& ref, std::string_view volume_path,
                                    const ImportOptions& options, fs::TransferStats& stats) {
  ASSIGN_OR_RETURN(std::vector<std::string> names, fs::SplitPath(volume_path));
  if (names.empty()) {
    return Status::InvalidArgument("import into the volume root: give a directory, e.g. /models/x");
  }
  const std::string target = fs::JoinPath(names);
  std::string target_name = names.back();
  names.pop_back();
  const std::string parent = fs::JoinPath(names);

  ImportResult result;
  ASSIGN_OR_RETURN(result.snapshot, hub.Resolve(ref));
  const HubSnapshot& snapshot = result.snapshot;
  std::vector<HubFile> files;
  for (const HubFile& f : snapshot.files) {
    if (Selected(options.includes, f.path)) files.push_back(f);
  }
  if (files.empty()) {
    return Status::InvalidArgument(fmt::format("{}@{} has no file matching the --include patterns",
                                               ref.repo, snapshot.commit));
  }

  Result<meta::Attr> existing = volume.Stat(target);
  if (existing.ok() && existing->type != meta::FileType::kDirectory) {
    return Status::NotDirectory(
        fmt::format("{} exists and is not a directory; import into another path", target));
  }
  std::optional<Record> previous;
  if (existing.ok()) previous = ReadRecord(volume, target);
  if (existing.ok() && (!previous || previous->source != SourceName(ref))) {
    // Publishing replaces the whole directory: only a snapshot of this repository, or nothing.
    ASSIGN_OR_RETURN(std::vector<meta::DirEntry> entries, volume.List(target));
    if (!entries.empty()) {
      return Status::AlreadyExists(fmt::format(
          "{} exists and is not a snapshot of {} (no {} of it there); import into a new path",
          target, SourceName(ref), kRecordName));
    }
    previous.reset();
  }
  // Unchanged files of the previous snapshot, by content: copied, not downloaded, once their
  // bytes are read and found to hash to what the hub publishes now.
  std::unordered_map<std::string, std::string> reusable;  // hash → path in the target
  if (previous) {
    std::set<std::string> wanted;
    for (const HubFile& f : files) wanted.insert(f.sha256 + f.blob_id);
    std::set<std::string> verified;  // paths in the target
    for (const HubFile& f : previous->files) {
      std::string key = f.sha256 + f.blob_id;
      Result<std::vector<std::string>> parts = fs::SplitPath(f.path);
      if (!wanted.contains(key) || !parts.ok() || parts->empty()) continue;
      std::string path = fs::ChildPath(target, f.path);
      if (!HoldsHubBytes(volume, pool, path, f)) continue;
      reusable.try_emplace(key, path);
      verified.insert(path);
    }
    bool complete = previous->commit == snapshot.commit;
    for (const HubFile& f : files) {
      complete = complete && verified.contains(fs::ChildPath(target, f.path)) &&
                 reusable.contains(f.sha256 + f.blob_id);
    }
    if (complete) {
      result.already_present = true;
      return result;
    }
  }

  for (const HubFile& f : files) stats.total_bytes += f.size_bytes;
  RETURN_IF_ERROR(volume.Mkdir(parent, 0755, /*parents=*/true).status());
  RemoveAbandonedStaging(volume, parent, target_name);
  const std::string staging = fs::ChildPath(
      parent,
      fmt::format(".{}.import-{}-{}", target_name, snapshot.commit.substr(0, 12), ::getpid()));
  (void)volume.Remove(staging, /*recursive=*/true);
  RETURN_IF_ERROR(volume.Mkdir(staging, 0755, /*parents=*/false).status());

  auto import = [&]() -> Status {
    std::set<std::string> dirs;
    for (const HubFile& f : files) {
      std::vector<std::string> parts = *fs::SplitPath(f.path);
      parts.pop_back();
      if (!parts.empty()) dirs.insert(fs::ChildPath(staging, fs::JoinPath(parts)));
    }
    for (const std::string& dir : dirs) {
      RETURN_IF_ERROR(volume.Mkdir(dir, 0755, /*parents=*/true).status());
      ++stats.dirs_done;
    }
    uint64_t chunk = volume.chunk_size_bytes();
    uint64_t range_bytes = options.range_bytes == 0 ? kDefaultRangeChunks * chunk
                                                    : RoundUpTo(options.range_bytes, chunk);
    // Ranges taken but not yet hashed: the workers' own plus a few that arrived early.
    RangeWindow window(pool.size() + 4);
    BufferPool buffers(range_bytes);
    std::vector<std::unique_ptr<PendingFile>> pending;
    const fs::ChunkSinkOptions sink_options{options.renew_claims_after_ns, {}};
    TaskGroup group(pool);
    for (const HubFile& f : files) {
      std::string staged = fs::ChildPath(staging, f.path);
      auto reuse = reusable.find(f.sha256 + f.blob_id);
      if (reuse != reusable.end()) {
        RETURN_IF_ERROR(volume.Copy(reuse->second, staged, /*recursive=*/false));
        ++result.files_reused;
        ++stats.files_done;
        stats.bytes_done += f.size_bytes;
        continue;
      }
      auto file = std::make_unique<PendingFile>(f, volume, sink_options);
      file->url = hub.FileUrl(snapshot.repo, snapshot.commit, f.path);
      file->staging_path = staged;
      file->chunks.resize(meta::ChunkCount(f.size_bytes, chunk));
      size_t ranges = DivRoundUp(f.size_bytes, range_bytes);
      ++result.files_downloaded;
      if (ranges == 0) {
        RETURN_IF_ERROR(CommitVerified(*file, stats));
        continue;
      }
      file->ranges_left.store(ranges);
      for (size_t i = 0; i < ranges && !group.failed(); ++i) {
        uint64_t ticket = window.Ticket();
        PendingFile* raw = file.get();
        group.Run([&, raw, i, ticket] {
          Status status =
              FetchRange(volume, hub, window, buffers, *raw, i, ticket, range_bytes, stats);
          if (!status.ok()) window.Abort();
          return status;
        });
      }
      pending.push_back(std::move(file));
    }
    Status status = group.Wait();
    if (!status.ok()) window.Abort();
    RETURN_IF_ERROR(status);
    RETURN_IF_ERROR(WriteSmallFile(volume, fs::ChildPath(staging, kRecordName),
                                   RecordJson(hub, snapshot, files)));
    return Publish(volume, staging, target);
  };
  Status status = import();
  if (!status.ok()) {
    (void)volume.Remove(staging, /*recursive=*/true);  // nothing half-visible stays behind
    return status;
  }
  return result;
}

}  // namespace strata::hub
