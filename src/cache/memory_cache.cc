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
  std::shared_ptr<Flight> flight;
  bool leader = false;
  {
    std::unique_lock lock(mu_);
    if (Bytes data = Lookup(id)) {
      lock.unlock();
      if (data->size() != out.size()) {
        return Status::Internal(
            fmt::format("chunk {} is {} bytes, not {}", id.Hex(), data->size(), out.size()));
      }
      std::memcpy(out.data(), data->data(), out.size());
      counters_.Hit(out.size());
      return Status::OK();
    }
    auto [it, inserted] = flights_.try_emplace(id);
    if (inserted) it->second = std::make_shared<Flight>();
    flight = it->second;
    leader = inserted;
    if (!leader) {
      ++flight->waiters;
      flight_done_.wait(lock, [&] { return flight->done; });
      if (!flight->status.ok()) return flight->status;
      if (flight->data->size() != out.size()) {
        return Status::Internal(fmt::format("chunk {} is {} bytes, not {}", id.Hex(),
                                            flight->data->size(), out.size()));
      }
      counters_.Hit(out.size());
      lock.unlock();
      std::memcpy(out.data(), flight->data->data(), out.size());
      return Status::OK();
    }
  }
  // The leader fetches into the caller's buffer, then shares a copy if anyone wants one (a
  // waiter, or the cache): copying 4 MiB that nobody reads again costs more than the read.
  Status status = next_.Read(id, out);
  Bytes data;
  if (status.ok()) {
    counters_.Fetched(out.size());
  } else {
    counters_.Failed();
  }
  {
    std::lock_guard lock(mu_);
    if (status.ok() && (flight->waiters > 0 || out.size() <= capacity_bytes_)) {
      data = std::make_shared<const std::vector<uint8_t>>(out.begin(), out.end());
      Insert(id, data);
    }
    flight->done = true;
    flight->status = status;
    flight->data = std::move(data);
    flights_.erase(id);
  }
  flight_done_.notify_all();
  return status;
}

bool MemoryCache::IsCached(const ChunkId& id) {
  {
    std::lock_guard lock(mu_);
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
    std::lock_guard lock(mu_);
    if (!index_.count(id)) Insert(id, std::move(bytes));
  }
  next_.Offer(id, data);
}

void MemoryCache::CollectStats(std::vector<TierStats>& out) const {
  {
    std::lock_guard lock(mu_);
    out.push_back(counters_.Snapshot("memory", index_.size(), held_bytes_, capacity_bytes_));
  }
  next_.CollectStats(out);
}

}  // namespace strata::cache
