#include "fs/chunk_sink.h"

#include <chrono>

#include <fmt/core.h>

#include "fs/volume.h"

namespace strata::fs {

namespace {

// The chunks of a list that are stored: holes are not, so nothing claims or checks them.
std::vector<ChunkId> StoredOnly(const std::vector<ChunkId>& chunks) {
  std::vector<ChunkId> stored;
  stored.reserve(chunks.size());
  for (const ChunkId& id : chunks) {
    if (!id.is_hole()) stored.push_back(id);
  }
  return stored;
}

constexpr auto kRetryInterval = std::chrono::milliseconds(20);
constexpr std::chrono::nanoseconds kMaxWait = std::chrono::minutes(5);
}  // namespace

ChunkSink::ChunkSink(Volume& volume, ChunkSinkOptions options)
    : volume_(volume), options_(std::move(options)) {}

void ChunkSink::NoteFirstClaim() {
  int64_t unset = 0;
  first_claim_ns_.compare_exchange_strong(unset, volume_.meta().clock().NowNanos());
}

// While a gc is deleting any of `ids`, waits and claims again: once no claimed chunk is being
// deleted, the store's answer to "is it there?" can be trusted until the claims expire.
Status ChunkSink::Claim(const std::vector<ChunkId>& ids, bool& waited) {
  Clock& clock = volume_.meta().clock();
  const int64_t deadline_ns = clock.NowNanos() + kMaxWait.count();
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<ChunkId> being_deleted, volume_.meta().ClaimChunks(ids));
    if (being_deleted.empty()) return Status::OK();
    if (!waited && options_.on_claim_wait) options_.on_claim_wait();
    waited = true;
    if (clock.NowNanos() > deadline_ns) {
      return Status::Unavailable(fmt::format(
          "chunk {} has been marked for deletion by a garbage collection for too long; if no "
          "gc is running, run `strata gc` to finish it",
          being_deleted.front().Hex()));
    }
    clock.SleepFor(kRetryInterval);
  }
}

Result<store::PutChunkResult> ChunkSink::Put(std::span<const uint8_t> data) {
  ChunkId id = ChunkId::Of(data);
  NoteFirstClaim();
  bool waited = false;
  RETURN_IF_ERROR(Claim({id}, waited));
  // A chunk whose deletion the claim waited for is gone now: the store is asked (and uploads it
  // again) below, so this Put needs no second look at commit.
  return volume_.chunks().Store(id, data);
}

Status ChunkSink::Adopt(const std::vector<ChunkId>& all, std::string_view what) {
  std::vector<ChunkId> ids = StoredOnly(all);
  NoteFirstClaim();
  bool waited = false;
  RETURN_IF_ERROR(Claim(ids, waited));
  for (const ChunkId& id : ids) {
    Status present = volume_.chunks().objects().Head(store::ChunkKey(id)).status();
    if (present.code() == Code::kNotFound) {
      return Status::Aborted(fmt::format(
          "{} changed while it was being written (chunk {} is gone); do it again", what, id.Hex()));
    }
    RETURN_IF_ERROR(present);
  }
  return Status::OK();
}

Status ChunkSink::Seal(const std::vector<ChunkId>& chunks, std::string_view what,
                       const Reread& reread) {
  bool waited = false;
  RETURN_IF_ERROR(Claim(StoredOnly(chunks), waited));
  int64_t first = first_claim_ns_.load();
  bool old = first != 0 && volume_.meta().clock().NowNanos() - first >= options_.renew_after_ns;
  if (!old && !waited) return Status::OK();
  for (size_t i = 0; i < chunks.size(); ++i) {
    if (chunks[i].is_hole()) continue;
    Status present = volume_.chunks().objects().Head(store::ChunkKey(chunks[i])).status();
    if (present.ok()) continue;
    if (present.code() != Code::kNotFound) return present;
    // The bytes are still the writer's: store them again (the object is new, so young for gc).
    Result<std::vector<uint8_t>> bytes =
        reread ? reread(i) : Result<std::vector<uint8_t>>(Status::NotFound(""));
    if (bytes.status().code() == Code::kNotFound) {
      return Status::Aborted(
          fmt::format("{}: chunk {} disappeared while it was written (a gc with a shorter grace "
                      "period ran meanwhile?); do it again",
                      what, chunks[i].Hex()));
    }
    RETURN_IF_ERROR(bytes.status());
    if (ChunkId::Of(*bytes) != chunks[i]) {
      return Status::Internal(fmt::format("{}: chunk {} changed while it was committed", what, i));
    }
    RETURN_IF_ERROR(volume_.chunks().Store(chunks[i], *bytes).status());
  }
  return Status::OK();
}

Result<meta::Attr> ChunkSink::Commit(std::string_view path, const meta::NewNode& node,
                                     const meta::FileContent& content, std::string_view what,
                                     const Reread& reread) {
  RETURN_IF_ERROR(Seal(content.chunks, what, reread));
  return volume_.CommitFile(path, node, content);
}

Result<meta::Attr> ChunkSink::CommitContent(meta::InodeId ino, const meta::FileContent& content,
                                            int64_t mtime_ns, std::string_view what,
                                            const Reread& reread) {
  RETURN_IF_ERROR(Seal(content.chunks, what, reread));
  return volume_.meta().WriteContent(ino, content, mtime_ns);
}

}  // namespace strata::fs
