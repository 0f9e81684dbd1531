#include "cache/tiers.h"

#include "cache/stats_file.h"

namespace strata::cache {

namespace {

// The bottom of a chain with no store under it.
class NoSource final : public ChunkSource {
 public:
  Status Read(const ChunkId& id, std::span<uint8_t>) override {
    return Status::NotFound(id.Hex() + " is in no cache");
  }
  bool IsCached(const ChunkId&) override { return false; }
  Result<bool> Warm(const ChunkId& id, std::span<uint8_t> scratch) override {
    RETURN_IF_ERROR(Read(id, scratch));
    return false;
  }
  void Offer(const ChunkId&, std::span<const uint8_t>) override {}
  void CollectStats(std::vector<TierStats>&) const override {}
};

}  // namespace

Result<std::unique_ptr<Tiers>> Tiers::Open(store::ObjectStore& objects,
                                           const CacheOptions& options) {
  return Over(std::make_unique<StoreSource>(objects), options);
}

Result<std::unique_ptr<Tiers>> Tiers::OpenCachesOnly(const CacheOptions& options) {
  return Over(std::make_unique<NoSource>(), options);
}

Result<std::unique_ptr<Tiers>> Tiers::Over(std::unique_ptr<ChunkSource> bottom,
                                           const CacheOptions& options) {
  std::unique_ptr<Tiers> tiers(new Tiers());
  tiers->store_ = std::move(bottom);
  ChunkSource* below_memory = tiers->store_.get();
  if (options.datacenter_tier) {
    tiers->datacenter_ = options.datacenter_tier(*below_memory);
    below_memory = tiers->datacenter_.get();
  }
  if (!options.disk_dir.empty()) {
    ASSIGN_OR_RETURN(tiers->disk_,
                     DiskCache::Open(*below_memory, options.disk_dir, options.disk_bytes));
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
