// CacheNode: a node's chunk cache served to its peers over HTTP (strata cache-node).
//
// It answers GET /v1/chunks/<id>?length=N from its own tiers (memory → disk → object store):
// concurrent requests for one chunk share one fetch (the memory tier's single-flight), so a chunk
// wanted by every node of a datacenter leaves the object store once, at its owner. Requests must
// be signed with the shared secret (peer_protocol.h); others get 401 and are counted. One thread
// per connection (bounded), connections kept alive, each body sent with one write.
// Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "cache/chunk_source.h"
#include "core/status.h"

namespace strata::cache {

struct CacheNodeOptions {
  std::string listen = "127.0.0.1:7070";  // HOST:PORT; port 0 picks a free one
  std::string secret;
  size_t max_connections = 256;
};

struct CacheNodeCounters {
  std::atomic<uint64_t> requests{0}, served_chunks{0}, served_bytes{0}, refused{0}, not_found{0},
      errors{0};
};

class CacheNode {
 public:
  // Binds the listening socket (so a bad address fails here, before any daemonizing).
  static Result<std::unique_ptr<CacheNode>> Bind(ChunkSource& tiers, CacheNodeOptions options);
  ~CacheNode();

  int port() const { return port_; }
  // Serves until Stop(); `status_json` renders GET /v1/status.
  Status Serve(const std::function<std::string()>& status_json);
  void Stop();
  const CacheNodeCounters& counters() const { return counters_; }

 private:
  CacheNode(ChunkSource& tiers, CacheNodeOptions options, int fd, int port);
  void HandleConnection(int fd);
  // One request on `fd`; false when the connection should close.
  bool HandleRequest(int fd, std::string& buffer);

  ChunkSource& tiers_;
  const CacheNodeOptions options_;
  const int listen_fd_;
  const int port_;
  int stop_pipe_[2] = {-1, -1};
  std::function<std::string()> status_json_;
  CacheNodeCounters counters_;
  std::mutex mu_;
  std::condition_variable idle_;
  size_t active_ = 0;       // GUARDED_BY(mu_)
  std::set<int> open_fds_;  // GUARDED_BY(mu_): shut down by Stop so idle keep-alives end
  bool stopping_ = false;   // GUARDED_BY(mu_)
};

}  // namespace strata::cache
