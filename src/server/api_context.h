// What the route handlers of ApiServer share (internal to server/): the session, the options,
// the counters, and the helpers every handler uses to authenticate, read bounded bodies and
// answer in one shape ({"error": {"code", "message"}} with the HTTP status of the Status).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fs/session.h"
#include "load/json.h"
#include "load/json_writer.h"
#include "meta/types.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "server/api_server.h"

namespace strata::server {

struct ApiCounters {
  std::atomic<uint64_t> requests{0}, errors_4xx{0}, errors_5xx{0}, bytes_in{0}, bytes_out{0},
      uploads{0}, downloads{0}, refused{0};
};

struct ApiContext {
  fs::Session& session;
  const ServerOptions& options;
  ApiCounters& counters;
  net::HttpClient& http;  // uploads from URLs
  std::atomic<size_t> fetches_running{0};
};

int HttpStatusOf(const Status& status);
void ReplyError(net::Response& res, const Status& status);
void ReplyJson(net::Response& res, int code, const std::string& json);

// The request's token; otherwise 401 has been answered and it is empty.
std::optional<meta::TokenInfo> AuthenticateRequest(ApiContext& api, const net::Request& req,
                                                   net::Response& res);
// The token of the request if it may touch `scope` (a volume or KV store; "" for the whole
// server) and, with `write`, change it; otherwise the error has been answered and it is empty.
std::optional<meta::TokenInfo> Guard(ApiContext& api, const net::Request& req, net::Response& res,
                                     std::string_view scope, bool write);

// The whole body, up to `max` bytes; a longer one has been answered with 413 and it is empty.
std::optional<std::string> ReadBody(const net::ContentReader& reader, size_t max,
                                    net::Response& res);
// A JSON object body of at most `max` bytes; otherwise answered (413 or 400) and empty.
std::optional<load::JsonValue> ReadJsonObject(const net::ContentReader& reader, size_t max,
                                              net::Response& res);
// A string member of a JSON object; `fallback` when absent (InvalidArgument when not a string).
Result<std::string> StringMember(const load::JsonValue& object, std::string_view name,
                                 std::optional<std::string> fallback = std::nullopt);
bool BoolMember(const load::JsonValue& object, std::string_view name, bool fallback);

// A query parameter, "" when absent.
std::string Param(const net::Request& req, const char* name);
bool FlagParam(const net::Request& req, const char* name);

// The route tables.
void AddVolumeRoutes(net::HttpServer& server, ApiContext& api);
void AddKvRoutes(net::HttpServer& server, ApiContext& api);
void AddUploadRoutes(net::HttpServer& server, ApiContext& api);

}  // namespace strata::server
