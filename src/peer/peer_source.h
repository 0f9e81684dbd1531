// PeerSource: the datacenter tier — chunks from the cache nodes of the node's peers, between the
// local disk cache and the object store.
//
//   MemoryCache → DiskCache → PeerSource → StoreSource → ObjectStore
//
// A chunk is asked of its owner among the peers (rendezvous hashing, peer_protocol.h), then of
// the next one; the owner serves it from its own memory or disk, or fetches it from the object
// store once for every client (its memory tier is single-flight). Bytes from a peer are checked
// against the chunk id, so a wrong or malicious peer costs a fetch, never a wrong read. A peer
// that fails (refused, timed out, damaged bytes, 401) is skipped for a while; when no peer can
// serve a chunk the store is asked directly.
// Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "cache/chunk_source.h"
#include "net/http_client.h"

namespace strata::peer {

struct PeerOptions {
  std::vector<std::string> peers;  // host:port of every cache node, this node's included
  std::string secret;
  size_t owners_to_try = 2;                  // the owner, then the next in rank, before the store
  long timeout_ms = 10000;                   // one chunk from one peer at most
  std::chrono::milliseconds down_for{5000};  // how long a failed peer is skipped
};

class PeerSource final : public cache::ChunkSource {
 public:
  PeerSource(cache::ChunkSource& next, PeerOptions options);

  Status Read(const ChunkId& id, std::span<uint8_t> out) override;
  bool IsCached(const ChunkId&) override { return false; }
  Result<bool> Warm(const ChunkId& id, std::span<uint8_t> scratch) override;
  void Offer(const ChunkId& id, std::span<const uint8_t> data) override { next_.Offer(id, data); }
  void CollectStats(std::vector<cache::TierStats>& out) const override;

 private:
  bool IsDown(const std::string& peer);
  void MarkDown(const std::string& peer);

  cache::ChunkSource& next_;
  const PeerOptions options_;
  net::HttpClient http_;
  Mutex mu_;
  std::map<std::string, std::chrono::steady_clock::time_point> down_until_ GUARDED_BY(mu_);
  cache::TierCounters counters_;
};

}  // namespace strata::peer
