// ApiServer: `strata serve` — the volumes, their files and the KV stores over HTTP/1.1 (JSON,
// docs/api.md), for clients that do not mount the volume.
//
// Every request but /healthz carries a bearer token (server/tokens.h), checked against the
// metadata store; a token may be limited to one volume (and the KV store of that name) and to
// reads. Bodies are streamed: an upload is cut into chunks as it arrives (fs::StreamWriter) and a
// download is read through the cache tiers piece by piece, so a request holds a bounded buffer
// whatever the file's size. JSON bodies, KV values, headers and paths are bounded; paths are
// volume paths (fs::SplitPath: no "..", no NUL, names ≤ 255 bytes) after percent-decoding. A
// refused request changes nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "fs/session.h"

namespace strata::server {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";
  size_t threads = 64;  // requests handled at once (idle connections and heads hold no thread)
  // Slow clients: a request head must arrive within header_timeout of its first byte, an idle
  // kept-alive connection is closed after idle_timeout, and while a request is handled each wait
  // for the client is at most io_timeout (bodies must also average 4 KiB/s past it).
  int64_t header_timeout_ns = 10LL * 1000000000;
  int64_t idle_timeout_ns = 5LL * 1000000000;
  int64_t io_timeout_ns = 60LL * 1000000000;
  size_t max_connections = 4096;                     // open at once, idle ones included
  size_t max_connections_per_ip = 1024;              // of one client address
  uint64_t max_kv_value_bytes = 25ULL << 20;         // the KV store's value bound
  size_t max_json_bytes = 64 << 10;                  // request bodies that are JSON
  size_t upload_chunks_in_flight = 4;                // per upload: chunks being stored at once
  int64_t upload_ttl_ns = 24LL * 3600 * 1000000000;  // an upload session's default lifetime
  // Uploads from a URL (POST …/fetch): the URL is the caller's, the network is the server's, so
  // loopback, private, link-local and multicast addresses are refused (checked on every
  // connection, each redirect hop's included) unless this is set; each fetch is bounded in time
  // and size, and at most `max_fetches` run at once (more get 503).
  bool allow_private_fetch = false;
  int64_t fetch_timeout_ns = 6LL * 3600 * 1000000000;
  uint64_t max_fetch_bytes = 256ULL << 30;
  size_t max_fetches = 8;
};

class ApiServer {
 public:
  // Binds the listening socket (port 0: any free port). REQUIRES: `session` is open.
  static Result<std::unique_ptr<ApiServer>> Bind(fs::Session& session, ServerOptions options);
  ~ApiServer();

  int port() const;
  // Serves until Stop().
  Status Serve();
  void Stop();
  // Prometheus text: requests, bytes, errors, cache tiers.
  std::string MetricsText();

  struct Impl;

 private:
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::server
