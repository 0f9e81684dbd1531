#include "server/api_server.h"

#include <fmt/core.h>

#include "server/api_context.h"
#include "server/tokens.h"
#include "server/web_assets.h"

namespace strata::server {
namespace {
constexpr size_t kMaxHeaders = 100;
}  // namespace

struct ApiServer::Impl {
  fs::Session& session;
  ServerOptions options;
  ApiCounters counters;
  store::HttpClient http_client{store::HttpClientOptions{}};
  ApiContext api{session, options, counters, http_client};
  httplib::Server http;
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
    case Code::kNotSupported:
      return 501;
    case Code::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

void ReplyJson(httplib::Response& res, int code, const std::string& json) {
  res.status = code;
  res.set_content(json + "\n", "application/json");
}

void ReplyError(httplib::Response& res, const Status& status) {
  ReplyJson(
      res, HttpStatusOf(status),
      fmt::format(R"({{"error": {{"code": {}, "message": {}}}}})",
                  load::JsonQuote(CodeName(status.code())), load::JsonQuote(status.message())));
}

std::optional<meta::TokenInfo> AuthenticateRequest(ApiContext& api, const httplib::Request& req,
                                                   httplib::Response& res) {
  Result<meta::TokenInfo> token =
      Authenticate(api.session.meta(), req.get_header_value("Authorization"));
  if (token.ok()) return *token;
  api.counters.refused.fetch_add(1, std::memory_order_relaxed);
  ReplyError(res, token.status());
  if (token.status().code() == Code::kPermissionDenied) {
    res.status = 401;
    res.set_header("WWW-Authenticate", "Bearer");
  }
  return std::nullopt;
}

std::optional<meta::TokenInfo> Guard(ApiContext& api, const httplib::Request& req,
                                     httplib::Response& res, std::string_view scope, bool write) {
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

std::optional<std::string> ReadBody(const httplib::ContentReader& reader, size_t max,
                                    httplib::Response& res) {
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

std::optional<load::JsonValue> ReadJsonObject(const httplib::ContentReader& reader, size_t max,
                                              httplib::Response& res) {
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

std::string Param(const httplib::Request& req, const char* name) {
  return req.has_param(name) ? req.get_param_value(name) : std::string();
}

bool FlagParam(const httplib::Request& req, const char* name) {
  std::string value = Param(req, name);
  return value == "1" || value == "true" || value == "yes";
}

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiServer::~ApiServer() { Stop(); }

Result<std::unique_ptr<ApiServer>> ApiServer::Bind(fs::Session& session, ServerOptions options) {
  auto impl = std::make_unique<Impl>(session, std::move(options));
  size_t colon = impl->options.listen.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument(
        fmt::format("--listen '{}' is not HOST:PORT", impl->options.listen));
  }
  std::string host = impl->options.listen.substr(0, colon);
  int port = 0;
  try {
    port = std::stoi(impl->options.listen.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) {
    return Status::InvalidArgument(
        fmt::format("--listen '{}': the port must be 0..65535", impl->options.listen));
  }
  httplib::Server& http = impl->http;
  const size_t threads = std::max<size_t>(2, impl->options.threads);
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Bodies are read by the handlers, each with its own bound (uploads are streamed).
  http.set_payload_max_length(std::numeric_limits<size_t>::max());
  http.set_read_timeout(60);
  http.set_write_timeout(60);
  http.set_keep_alive_timeout(5);
  http.set_tcp_nodelay(true);
  ApiContext& api = impl->api;
  http.set_logger([&api](const httplib::Request&, const httplib::Response& res) {
    api.counters.requests.fetch_add(1, std::memory_order_relaxed);
    if (res.status >= 500) {
      api.counters.errors_5xx.fetch_add(1, std::memory_order_relaxed);
    } else if (res.status >= 400) {
      api.counters.errors_4xx.fetch_add(1, std::memory_order_relaxed);
    }
  });
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr e) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          what = ex.what();
        } catch (...) {
        }
        ReplyError(res, Status::Internal(what));
      });
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;  // a handler's own answer
    std::string message =
        res.status == 404 ? "no such route (see docs/api.md)" : fmt::format("HTTP {}", res.status);
    res.set_content(
        fmt::format(R"({{"error": {{"code": "{}", "message": {}}}}})"
                    "\n",
                    res.status == 404 ? "NotFound" : "Invalid", load::JsonQuote(message)),
        "application/json");
  });
  // A body without a length or chunked framing would run until the client closes: refuse it
  // before anything waits on it (RFC 9110: 411).
  http.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    // Each header line is bounded by httplib (8 KiB, else 400) and the URI (414); their number
    // is bounded here.
    if (req.headers.size() > kMaxHeaders) {
      ReplyError(res, Status::InvalidArgument(fmt::format("more than {} headers", kMaxHeaders)));
      res.status = 431;
      return httplib::Server::HandlerResponse::Handled;
    }
    bool has_body_method = req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
    if (has_body_method && !req.has_header("Content-Length") &&
        req.get_header_value("Transfer-Encoding").find("chunked") == std::string::npos) {
      ReplyError(res, Status::InvalidArgument("send Content-Length (or a chunked body)"));
      res.status = 411;
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // The Files page: static, no token (it asks for one and sends it with every API call).
  for (const WebAsset& asset : WebAssets()) {
    std::string route = asset.path == "/index.html" ? "/" : std::string(asset.path);
    http.Get(route, [&asset](const httplib::Request&, httplib::Response& res) {
      res.set_header("Content-Security-Policy",
                     "default-src 'self'; img-src 'self' blob: data:; frame-ancestors 'none'");
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("Cache-Control", "no-cache");
      res.set_content(asset.body.data(), asset.body.size(), std::string(asset.content_type));
    });
  }
  http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  AddVolumeRoutes(http, api);
  AddKvRoutes(http, api);
  AddUploadRoutes(http, api);
  int bound = port == 0 ? http.bind_to_any_port(host) : (http.bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    return Status::Unavailable(fmt::format(
        "cannot listen on {} (in use, or not an address of this machine)", impl->options.listen));
  }
  impl->port = bound;
  auto server = std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
  ApiServer* self = server.get();
  server->impl_->http.Get("/metrics", [self](const httplib::Request& req, httplib::Response& res) {
    if (!Guard(self->impl_->api, req, res, "", false)) return;
    res.set_content(self->MetricsText(), "text/plain; version=0.0.4");
  });
  return server;
}

int ApiServer::port() const { return impl_->port; }

Status ApiServer::Serve() {
  if (!impl_->http.listen_after_bind()) return Status::IOError("the server stopped on an error");
  return Status::OK();
}

void ApiServer::Stop() {
  if (impl_->http.is_running()) impl_->http.stop();
}

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
