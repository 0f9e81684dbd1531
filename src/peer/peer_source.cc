#include "peer/peer_source.h"

#include <fmt/core.h>

#include "core/clock.h"
#include "peer/peer_protocol.h"

namespace strata::peer {

PeerSource::PeerSource(cache::ChunkSource& next, PeerOptions options)
    : next_(next), options_(std::move(options)), http_([&] {
        net::HttpClientOptions http;
        http.max_connections = 64;
        http.max_attempts = 1;  // the next peer, or the store, is the retry
        http.connect_timeout_ms = 1000;
        http.timeout_ms = options_.timeout_ms;
        return http;
      }()) {}

bool PeerSource::IsDown(const std::string& peer) {
  MutexLock lock(mu_);
  auto it = down_until_.find(peer);
  return it != down_until_.end() && std::chrono::steady_clock::now() < it->second;
}

void PeerSource::MarkDown(const std::string& peer) {
  MutexLock lock(mu_);
  down_until_[peer] = std::chrono::steady_clock::now() + options_.down_for;
}

Status PeerSource::Read(const ChunkId& id, std::span<uint8_t> out) {
  std::vector<std::string> ranked = RankPeers(options_.peers, id);
  size_t tried = 0;
  const std::string path = ChunkPath(id, out.size());
  for (const std::string& peer : ranked) {
    if (tried == options_.owners_to_try) break;
    if (IsDown(peer)) continue;
    ++tried;
    std::vector<std::string> headers = SignRequest(options_.secret, path, NowNanos() / 1000000000);
    Result<net::HttpResponse> got =
        http_.GetInto(fmt::format("http://{}{}", peer, path), headers, out);
    if (got.ok()) {
      if (ChunkId::Of(out) == id) {
        counters_.Fetched(out.size());
        return Status::OK();
      }
      counters_.dropped_corrupt.fetch_add(1, std::memory_order_relaxed);  // a wrong peer
    }
    // A peer without the chunk is healthy (its store has no such chunk either, most likely);
    // anything else takes it out of rotation for a while.
    if (!got.ok() && got.status().code() == Code::kNotFound) continue;
    MarkDown(peer);
  }
  counters_.Failed();
  return next_.Read(id, out);
}

Result<bool> PeerSource::Warm(const ChunkId& id, std::span<uint8_t> scratch) {
  RETURN_IF_ERROR(Read(id, scratch));
  return true;
}

void PeerSource::CollectStats(std::vector<cache::TierStats>& out) const {
  out.push_back(counters_.Snapshot("peers"));
  next_.CollectStats(out);
}

}  // namespace strata::peer
