#include "cache/store_source.h"

#include "base/backoff.h"

namespace strata::cache {
namespace {
constexpr BackoffPolicy kBackoff{std::chrono::milliseconds(20), std::chrono::seconds(2)};
}  // namespace

Status StoreSource::Read(const ChunkId& id, std::span<uint8_t> out) {
  Status status;
  for (int attempt = 0; attempt < max_attempts_; ++attempt) {
    BackoffBeforeAttempt(clock_, kBackoff, attempt);
    status = chunks_.Read(id, out);
    if (status.ok()) {
      counters_.Fetched(out.size());
      return status;
    }
    Code code = status.code();
    if (code != Code::kIOError && code != Code::kUnavailable && code != Code::kCorruption) break;
  }
  counters_.Failed();
  return status;
}

Result<bool> StoreSource::Warm(const ChunkId& id, std::span<uint8_t> scratch) {
  RETURN_IF_ERROR(Read(id, scratch));
  return true;
}

void StoreSource::CollectStats(std::vector<TierStats>& out) const {
  out.push_back(counters_.Snapshot("store"));
}

}  // namespace strata::cache
