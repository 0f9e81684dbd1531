#include "peer/cache_node.h"

#include <optional>
#include <vector>

#include <fmt/core.h>

#include "base/parse_integer.h"
#include "core/clock.h"
#include "peer/peer_protocol.h"

namespace strata::peer {
namespace {

constexpr uint64_t kMaxChunkBytes = 64ULL << 20;

net::HttpServerOptions HttpOptions(const CacheNodeOptions& options) {
  net::HttpServerOptions http;
  http.threads = options.threads;
  // Peers keep their connections between reads of a cold start: a longer idle than the API's.
  http.idle_timeout_ms = 120000;
  http.limits.max_head_bytes = size_t{16} * 1024;
  http.limits.max_headers = 32;
  return http;
}

void Text(net::Response& res, int status, std::string text) {
  res.status = status;
  res.SetContent(std::move(text), "text/plain");
}

}  // namespace

Result<std::unique_ptr<CacheNode>> CacheNode::Bind(cache::ChunkSource& tiers,
                                                   CacheNodeOptions options) {
  ASSIGN_OR_RETURN(auto host_port, net::ParseHostPort(options.listen, "--listen"));
  std::unique_ptr<CacheNode> node(new CacheNode(tiers, std::move(options)));
  RETURN_IF_ERROR(node->http_.Bind(host_port.first, host_port.second));
  return node;
}

CacheNode::CacheNode(cache::ChunkSource& tiers, CacheNodeOptions options)
    : tiers_(tiers), options_(std::move(options)), http_(HttpOptions(options_)) {
  http_.SetErrorBody([](net::Response& res, std::string_view reason) {
    res.SetContent(std::string(reason), "text/plain");
  });
  http_.SetExceptionHandler([](net::Response& res, std::string_view what) {
    res.SetContent(std::string(what), "text/plain");
  });
  auto handle = [this](const net::Request& req, net::Response& res) { Handle(req, res); };
  http_.Get("/v1/chunks/.*", handle);
  http_.Get("/v1/status", handle);
}

CacheNode::~CacheNode() { Stop(); }

void CacheNode::Stop() { http_.Stop(); }

Status CacheNode::Serve(const std::function<std::string()>& status_json) {
  status_json_ = status_json;
  return http_.Serve();
}

bool CacheNode::Verified(const net::Request& req, net::Response& res) {
  if (VerifyRequest(options_.secret, req.head.target, req.Header("authorization"),
                    req.Header("x-strata-time"), NowNanos() / 1000000000)) {
    return true;
  }
  counters_.refused.fetch_add(1, std::memory_order_relaxed);
  Text(res, 401, "a request signed with the cluster secret only");
  return false;
}

void CacheNode::Handle(const net::Request& req, net::Response& res) {
  counters_.requests.fetch_add(1, std::memory_order_relaxed);
  if (!Verified(req, res)) return;
  if (req.path() == "/v1/status") {
    res.SetContent(status_json_ ? status_json_() : "{}", "application/json");
    return;
  }
  constexpr std::string_view kChunks = "/v1/chunks/";
  Result<ChunkId> id = ChunkId::FromHex(std::string_view(req.path()).substr(kChunks.size()));
  std::string number = req.Param("length");
  uint64_t length = ParseInteger<uint64_t>(number).value_or(0);
  if (!id.ok() || length == 0 || length > kMaxChunkBytes) {
    return Text(res, 404, "GET /v1/chunks/<id>?length=N or /v1/status");
  }
  // The worker that runs this handler writes its answer before it runs another, so one buffer
  // per worker thread serves every chunk it sends (no allocation of a chunk per request).
  thread_local std::vector<uint8_t> bytes;
  bytes.resize(length);
  Status status = tiers_.Read(*id, bytes);
  if (status.code() == Code::kNotFound) {
    counters_.not_found.fetch_add(1, std::memory_order_relaxed);
    return Text(res, 404, status.message());
  }
  if (!status.ok()) {
    counters_.errors.fetch_add(1, std::memory_order_relaxed);
    return Text(res, 503, status.message());
  }
  counters_.served_chunks.fetch_add(1, std::memory_order_relaxed);
  counters_.served_bytes.fetch_add(length, std::memory_order_relaxed);
  res.SetContentProvider(length, "application/octet-stream",
                         [](uint64_t offset, uint64_t n, net::DataSink& sink) {
                           return sink.Write(reinterpret_cast<const char*>(bytes.data()) + offset,
                                             static_cast<size_t>(n));
                         });
}

}  // namespace strata::peer
