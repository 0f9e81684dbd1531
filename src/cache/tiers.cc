#include "cache/tiers.h"

#include "cache/stats_file.h"

namespace strata::cache {

Result<std::unique_ptr<Tiers>> Tiers::Open(store::ObjectStore& objects,
                                           const CacheOptions& options) {
  std::unique_ptr<Tiers> tiers(new Tiers());
  tiers->store_ = std::make_unique<StoreSource>(objects);
  ChunkSource* below_memory = tiers->store_.get();
  if (!options.disk_dir.empty()) {
    ASSIGN_OR_RETURN(tiers->disk_,
                     DiskCache::Open(*tiers->store_, options.disk_dir, options.disk_bytes));
    below_memory = tiers->disk_.get();
  }
  tiers->memory_ = std::make_unique<MemoryCache>(*below_memory, options.memory_bytes);
  return tiers;
}

Tiers::~Tiers() { (void)Close(); }

std::vector<TierStats> Tiers::Stats() const {
  std::vector<TierStats> out;
  memory_->CollectStats(out);
  return out;
}

Status Tiers::Close() {
  if (closed_ || !disk_) return Status::OK();
  closed_ = true;
  return MergeStatsFile(disk_->dir() + "/stats", Stats());
}

}  // namespace strata::cache
