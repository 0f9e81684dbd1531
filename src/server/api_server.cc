#include "server/api_server.h"

#include <fmt/core.h>

#include "net/net_address.h"
#include "server/api_context.h"
#include "server/tokens.h"
#include "server/web_assets.h"

namespace strata::server {
namespace {}  // namespace

// The client of uploads from a URL: its own connections (a fetch never waits for the hub's or
// the store's), bounded in time, never repeating a source's error body.
net::HttpClientOptions FetchClientOptions(const ServerOptions& options) {
  net::HttpClientOptions http;
  http.max_connections = options.max_fetches;
  http.timeout_ms = static_cast<long>(options.fetch_timeout_ns / 1000000);
  http.keep_error_bodies = false;
  if (!options.allow_private_fetch) http.connect_filter = net::IsPublicAddress;
  return http;
}

net::HttpServerOptions HttpOptionsOf(const ServerOptions& options) {
  net::HttpServerOptions http;
  http.threads = std::max<size_t>(2, options.threads);
  http.head_timeout_ms = options.header_timeout_ns / 1000000;
  http.idle_timeout_ms = options.idle_timeout_ns / 1000000;
  http.io_timeout_ms = options.io_timeout_ns / 1000000;
  http.max_connections = options.max_connections;
  http.max_connections_per_ip = options.max_connections_per_ip;
  return http;
}

struct ApiServer::Impl {
  fs::Session& session;
  ServerOptions options;
  ApiCounters counters;
  net::HttpClient http_client{FetchClientOptions(options)};
  ApiContext api{session, options, counters, http_client};
  net::HttpServer http{HttpOptionsOf(options)};
  int port = 0;

  Impl(fs::Session& s, ServerOptions o) : session(s), options(std::move(o)) {}
};

int HttpStatusOf(const Status& status) {
  switch (status.code()) {
    case Code::kOk:
      return 200;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
    case Code::kNotDirectory:
    case Code::kIsDirectory:
    case Code::kNotEmpty:
    case Code::kAborted:
      return 409;
    case Code::kNameTooLong:
    case Code::kInvalidArgument:
      return 400;
    case Code::kPermissionDenied:
      return 403;
    case Code::kReadOnly:
      return 405;
    case Code::kNoSpace:
      return 507;
    case Code::kFileTooLarge:
      return 413;
    case Code::kNotSupported:
      return 501;
    case Code::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

void ReplyJson(net::Response& res, int code, const std::string& json) {
  res.status = code;
  res.SetContent(json + "\n", "application/json");
}

void ReplyError(net::Response& res, const Status& status) {
  load::JsonWriter json;
  json.BeginObject().Key("error").BeginObject();
  json.Field("code", CodeName(status.code())).Field("message", status.message());
  ReplyJson(res, HttpStatusOf(status), json.EndObject().EndObject().Take());
}

std::optional<meta::TokenInfo> AuthenticateRequest(ApiContext& api, const net::Request& req,
                                                   net::Response& res) {
  Result<meta::TokenInfo> token = Authenticate(api.session.meta(), req.Header("authorization"));
  if (token.ok()) return *token;
  api.counters.refused.fetch_add(1, std::memory_order_relaxed);
  ReplyError(res, token.status());
  if (token.status().code() == Code::kPermissionDenied) {
    res.status = 401;
    res.SetHeader("WWW-Authenticate", "Bearer");
  }
  return std::nullopt;
}

std::optional<meta::TokenInfo> Guard(ApiContext& api, const net::Request& req, net::Response& res,
                                     std::string_view scope, bool write) {
  std::optional<meta::TokenInfo> token = AuthenticateRequest(api, req, res);
  if (!token) return std::nullopt;
  Status allowed = Authorize(*token, scope, write);
  if (!allowed.ok()) {
    api.counters.refused.fetch_add(1, std::memory_order_relaxed);
    ReplyError(res, allowed);
    return std::nullopt;
  }
  return token;
}

std::optional<std::string> ReadBody(const net::ContentReader& reader, size_t max,
                                    net::Response& res) {
  std::string body;
  bool too_long = false;
  reader([&](const char* data, size_t length) {
    if (body.size() + length > max) {
      too_long = true;
      return false;
    }
    body.append(data, length);
    return true;
  });
  if (too_long) {
    ReplyError(res, Status::InvalidArgument(fmt::format("request body over {} bytes", max)));
    res.status = 413;
    return std::nullopt;
  }
  return body;
}

std::optional<load::JsonValue> ReadJsonObject(const net::ContentReader& reader, size_t max,
                                              net::Response& res) {
  std::optional<std::string> body = ReadBody(reader, max, res);
  if (!body) return std::nullopt;
  Result<load::JsonValue> json = load::ParseJson(*body);
  if (!json.ok() || !json->is_object()) {
    ReplyError(res, Status::InvalidArgument(json.ok() ? "the body must be a JSON object"
                                                      : fmt::format("the body is not JSON: {}",
                                                                    json.status().message())));
    return std::nullopt;
  }
  return *std::move(json);
}

Result<std::string> StringMember(const load::JsonValue& object, std::string_view name,
                                 std::optional<std::string> fallback) {
  const load::JsonValue* value = object.Find(name);
  if (value == nullptr) {
    if (fallback) return *fallback;
    return Status::InvalidArgument(fmt::format("the body needs \"{}\"", name));
  }
  if (!value->is_string()) {
    return Status::InvalidArgument(fmt::format("\"{}\" must be a string", name));
  }
  return value->str();
}

bool BoolMember(const load::JsonValue& object, std::string_view name, bool fallback) {
  const load::JsonValue* value = object.Find(name);
  if (value == nullptr || !value->is_bool()) return fallback;
  return value->boolean();
}

std::string Param(const net::Request& req, const char* name) {
  return req.HasParam(name) ? req.Param(name) : std::string();
}

bool FlagParam(const net::Request& req, const char* name) {
  std::string value = Param(req, name);
  return value == "1" || value == "true" || value == "yes";
}

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiServer::~ApiServer() { Stop(); }

Result<std::unique_ptr<ApiServer>> ApiServer::Bind(fs::Session& session, ServerOptions options) {
  auto impl = std::make_unique<Impl>(session, std::move(options));
  ASSIGN_OR_RETURN(auto host_port, net::ParseHostPort(impl->options.listen, "--listen"));
  const auto& [host, port] = host_port;
  net::HttpServer& http = impl->http;
  ApiContext& api = impl->api;
  http.SetLogger([&api](const net::Request&, const net::Response& res) {
    api.counters.requests.fetch_add(1, std::memory_order_relaxed);
    if (res.status >= 500) {
      api.counters.errors_5xx.fetch_add(1, std::memory_order_relaxed);
    } else if (res.status >= 400) {
      api.counters.errors_4xx.fetch_add(1, std::memory_order_relaxed);
    }
  });
  http.SetExceptionHandler([](net::Response& res, std::string_view what) {
    ReplyError(res, Status::Internal(std::string(what)));
  });
  // The server's own refusals (no route, a head too long, a body without a length) in the
  // API's error shape.
  http.SetErrorBody([](net::Response& res, std::string_view reason) {
    int status = res.status;
    if (status == 404) {
      ReplyError(res, Status::NotFound("no such route (see docs/api.md)"));
    } else {
      ReplyError(res, Status::InvalidArgument(std::string(reason)));
    }
    res.status = status;
  });
  // The Files page: static, no token (it asks for one and sends it with every API call).
  for (const WebAsset& asset : WebAssets()) {
    std::string route = asset.path == "/index.html" ? "/" : std::string(asset.path);
    http.Get(route, [&asset](const net::Request&, net::Response& res) {
      res.SetHeader("Content-Security-Policy",
                    "default-src 'self'; img-src 'self' blob: data:; frame-ancestors 'none'");
      res.SetHeader("X-Content-Type-Options", "nosniff");
      res.SetHeader("Cache-Control", "no-cache");
      res.SetStaticContent(asset.body, std::string(asset.content_type));
    });
  }
  http.Get("/healthz",
           [](const net::Request&, net::Response& res) { res.SetContent("ok\n", "text/plain"); });
  AddVolumeRoutes(http, api);
  AddKvRoutes(http, api);
  AddUploadRoutes(http, api);
  RETURN_IF_ERROR(http.Bind(host, port));
  impl->port = http.port();
  auto server = std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
  ApiServer* self = server.get();
  server->impl_->http.Get("/metrics", [self](const net::Request& req, net::Response& res) {
    if (!Guard(self->impl_->api, req, res, "", false)) return;
    res.SetContent(self->MetricsText(), "text/plain; version=0.0.4");
  });
  return server;
}

int ApiServer::port() const { return impl_->port; }

Status ApiServer::Serve() { return impl_->http.Serve(); }

void ApiServer::Stop() { impl_->http.Stop(); }

std::string ApiServer::MetricsText() {
  const ApiCounters& c = impl_->counters;
  std::string out;
  auto counter = [&](std::string_view name, std::string_view help, std::string_view labels,
                     uint64_t value, bool header = true) {
    if (header) out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", name, help, name);
    out += fmt::format("{}{} {}\n", name, labels, value);
  };
  counter("strata_http_requests_total", "HTTP requests answered", "", c.requests.load());
  counter("strata_http_errors_total", "HTTP requests answered with an error", "{class=\"4xx\"}",
          c.errors_4xx.load());
  counter("strata_http_errors_total", "", "{class=\"5xx\"}", c.errors_5xx.load(), false);
  counter("strata_http_refused_total", "requests refused for their token", "", c.refused.load());
  counter("strata_http_received_bytes_total", "bytes of uploaded file content", "",
          c.bytes_in.load());
  counter("strata_http_sent_bytes_total", "bytes of downloaded file content", "",
          c.bytes_out.load());
  counter("strata_uploads_total", "files published by uploads", "", c.uploads.load());
  counter("strata_downloads_total", "file downloads started", "", c.downloads.load());
  Result<cache::Tiers*> tiers = impl_->session.tiers();
  if (tiers.ok()) {
    std::vector<cache::TierStats> stats = (*tiers)->Stats();
    // One family at a time: Prometheus wants each metric's samples together.
    auto family = [&](std::string_view name, std::string_view help,
                      uint64_t cache::TierStats::*field) {
      bool first = true;
      for (const cache::TierStats& t : stats) {
        counter(name, help, fmt::format("{{tier=\"{}\"}}", t.tier), t.*field, first);
        first = false;
      }
    };
    family("strata_cache_hits_total", "chunk reads served by a tier", &cache::TierStats::hits);
    family("strata_cache_misses_total", "chunk reads a tier passed down",
           &cache::TierStats::misses);
    family("strata_cache_fetched_bytes_total",
           "bytes a tier got from below it (the store tier: from the object store)",
           &cache::TierStats::fetched_bytes);
    family("strata_cache_errors_total", "failed fetches (the store tier: failed store requests)",
           &cache::TierStats::errors);
  }
  return out;
}

}  // namespace strata::server
