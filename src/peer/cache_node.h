// CacheNode: a node's chunk cache served to its peers over HTTP (strata cache-node).
//
// It answers GET /v1/chunks/<id>?length=N from its own tiers (memory → disk → object store):
// concurrent requests for one chunk share one fetch (the memory tier's single-flight), so a chunk
// wanted by every node of a datacenter leaves the object store once, at its owner. Requests must
// be signed with the shared secret (peer_protocol.h); others get 401 and are counted. The HTTP
// side is net::HttpServer, the API server's: heads are read on its event loop within bounds of
// size and time, connections are capped per address, the port is not shared, so a client
// without the secret cannot hold the node's workers (review M5).
// Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "cache/chunk_source.h"
#include "net/http_server.h"

namespace strata::peer {

struct CacheNodeOptions {
  std::string listen = "127.0.0.1:7070";  // HOST:PORT; port 0 picks a free one
  std::string secret;
  size_t threads = 256;  // requests served at once (each may wait on the object store)
};

struct CacheNodeCounters {
  std::atomic<uint64_t> requests{0}, served_chunks{0}, served_bytes{0}, refused{0}, not_found{0},
      errors{0};
};

class CacheNode {
 public:
  // Binds the listening socket (so a bad address fails here, before any daemonizing).
  static Result<std::unique_ptr<CacheNode>> Bind(cache::ChunkSource& tiers,
                                                 CacheNodeOptions options);
  ~CacheNode();

  int port() const { return http_.port(); }
  // Serves until Stop(); `status_json` renders GET /v1/status.
  Status Serve(const std::function<std::string()>& status_json);
  void Stop();
  const CacheNodeCounters& counters() const { return counters_; }

 private:
  CacheNode(cache::ChunkSource& tiers, CacheNodeOptions options);
  void Handle(const net::Request& req, net::Response& res);
  // True if `req` is signed with the secret; else `res` says so.
  bool Verified(const net::Request& req, net::Response& res);

  cache::ChunkSource& tiers_;
  const CacheNodeOptions options_;
  net::HttpServer http_;
  std::function<std::string()> status_json_;
  CacheNodeCounters counters_;
};

}  // namespace strata::peer
