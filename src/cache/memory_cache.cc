#include "cache/memory_cache.h"

#include <cstring>

#include <fmt/core.h>

namespace strata::cache {

MemoryCache::Bytes MemoryCache::Lookup(const ChunkId& id) {
  auto it = index_.find(id);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->data;
}

void MemoryCache::Insert(const ChunkId& id, Bytes data) {
  if (data->size() > capacity_bytes_ || index_.count(id)) return;
  held_bytes_ += data->size();
  lru_.push_front(Entry{id, std::move(data)});
  index_[id] = lru_.begin();
  while (held_bytes_ > capacity_bytes_) {
    Entry& victim = lru_.back();
    held_bytes_ -= victim.data->size();
    index_.erase(victim.id);
    lru_.pop_back();
  }
}

Status MemoryCache::Read(const ChunkId& id, std::span<uint8_t> out) {
  auto copy_out = [&](const Bytes& data) {
    if (data->size() != out.size()) {
      return Status::Internal(
          fmt::format("chunk {} is {} bytes, not {}", id.Hex(), data->size(), out.size()));
    }
    std::memcpy(out.data(), data->data(), out.size());
    counters_.Hit(out.size());
    return Status::OK();
  };
  for (;;) {
    Bytes cached;
    {
      MutexLock lock(mu_);
      cached = Lookup(id);
    }
    if (cached) return copy_out(cached);
    auto [fetched, led] = fetching_.Do(id, [&] { return FetchInto(id, out); });
    if (led || !fetched.status.ok()) return fetched.status;
    if (fetched.data) return copy_out(fetched.data);
    // The leader shared nothing (it saw no waiter yet, and the chunk is larger than the cache):
    // try again, as the leader of a new fetch if nobody else is.
  }
}

MemoryCache::Fetched MemoryCache::FetchInto(const ChunkId& id, std::span<uint8_t> out) {
  // The leader fetches into the caller's buffer, then shares a copy if anyone wants one (a
  // waiter, or the cache): copying 4 MiB that nobody reads again costs more than the read.
  Status status = next_.Read(id, out);
  if (!status.ok()) {
    counters_.Failed();
    return Fetched{status, nullptr};
  }
  counters_.Fetched(out.size());
  if (fetching_.Waiting(id) == 0 && out.size() > capacity_bytes_) return Fetched{status, nullptr};
  auto data = std::make_shared<const std::vector<uint8_t>>(out.begin(), out.end());
  MutexLock lock(mu_);
  Insert(id, data);
  return Fetched{status, std::move(data)};
}

bool MemoryCache::IsCached(const ChunkId& id) {
  {
    MutexLock lock(mu_);
    if (index_.count(id)) return true;
  }
  return next_.IsCached(id);
}

Result<bool> MemoryCache::Warm(const ChunkId& id, std::span<uint8_t> scratch) {
  // Prefetch fills the persistent tier; pulling every chunk of a model through RAM as well would
  // only evict what readers are using.
  return next_.Warm(id, scratch);
}

void MemoryCache::Offer(const ChunkId& id, std::span<const uint8_t> data) {
  if (data.size() <= capacity_bytes_) {
    auto bytes = std::make_shared<const std::vector<uint8_t>>(data.begin(), data.end());
    MutexLock lock(mu_);
    if (!index_.count(id)) Insert(id, std::move(bytes));
  }
  next_.Offer(id, data);
}

void MemoryCache::CollectStats(std::vector<TierStats>& out) const {
  {
    MutexLock lock(mu_);
    out.push_back(counters_.Snapshot("memory", index_.size(), held_bytes_, capacity_bytes_));
  }
  next_.CollectStats(out);
}

}  // namespace strata::cache
