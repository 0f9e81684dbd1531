// /v1/kv/STORE[/KEY]: the KV stores (docs/api.md). Keys are 1..1024 bytes, values up to
// ServerOptions::max_kv_value_bytes, each with an optional time to live.
#include <fmt/core.h>

#include "base/parse_integer.h"
#include "core/duration.h"
#include "server/api_context.h"

namespace strata::server {
namespace {

using net::Request;
using net::Response;

// 0 is "never": null in JSON.
void WriteExpiry(load::JsonWriter& json, int64_t expires_ns) {
  json.Key("expires_ns");
  if (expires_ns == 0) {
    json.Null();
  } else {
    json.Int(expires_ns);
  }
}

}  // namespace

void AddKvRoutes(net::HttpServer& http, ApiContext& api) {
  // Listing: keys in byte order after `after`, at most `limit`; `next` when there are more.
  http.Get("/v1/kv/([^/]+)", [&api](const Request& req, Response& res) {
    std::string store = req.matches[1];
    if (!Guard(api, req, res, store, false)) return;
    size_t limit = 1000;
    if (!Param(req, "limit").empty()) {
      std::optional<size_t> parsed = ParseInteger<size_t>(Param(req, "limit"));
      if (!parsed) return ReplyError(res, Status::InvalidArgument("limit is a number"));
      limit = std::clamp<size_t>(*parsed, 1, 10000);
    }
    Result<std::vector<meta::KvEntry>> keys =
        api.session.meta().KvList(store, Param(req, "after"), limit + 1);
    if (!keys.ok()) return ReplyError(res, keys.status());
    load::JsonWriter json;
    json.BeginObject().Field("store", store).Key("keys").BeginArray();
    size_t shown = std::min(keys->size(), limit);
    for (size_t i = 0; i < shown; ++i) {
      const meta::KvEntry& e = (*keys)[i];
      json.BeginObject().Field("key", e.key).Field("size", e.value_bytes);
      WriteExpiry(json, e.expires_ns);
      json.Field("updated_ns", e.updated_ns).EndObject();
    }
    json.EndArray();
    if (keys->size() > limit) json.Field("next", (*keys)[limit - 1].key);
    ReplyJson(res, 200, json.EndObject().Take());
  });
  // The value's bytes as they were set.
  http.Get("/v1/kv/([^/]+)/(.+)", [&api](const Request& req, Response& res) {
    std::string store = req.matches[1];
    if (!Guard(api, req, res, store, false)) return;
    Result<meta::KvEntry> entry = api.session.meta().KvGet(store, std::string(req.matches[2]));
    if (!entry.ok()) return ReplyError(res, entry.status());
    if (entry->expires_ns != 0)
      res.SetHeader("X-Strata-Expires-Ns", std::to_string(entry->expires_ns));
    res.SetContent(entry->value, "application/octet-stream");
  });
  // The body is the value; ?ttl=90s|15m|1h sets an expiry.
  http.Put("/v1/kv/([^/]+)/(.+)", [&api](const Request& req, Response& res,
                                         const net::ContentReader& body) {
    std::string store = req.matches[1];
    if (!Guard(api, req, res, store, true)) return;
    int64_t expires_ns = 0;
    if (std::string ttl = Param(req, "ttl"); !ttl.empty()) {
      Result<int64_t> expiry = meta::KvExpiry(ttl, api.session.meta().clock().NowNanos());
      if (!expiry.ok()) return ReplyError(res, expiry.status());
      expires_ns = *expiry;
    }
    std::optional<std::string> value = ReadBody(body, api.options.max_kv_value_bytes, res);
    if (!value) return;
    Status set = api.session.meta().KvSet(store, std::string(req.matches[2]), *value, expires_ns);
    if (!set.ok()) return ReplyError(res, set);
    load::JsonWriter json;
    json.BeginObject().Field("store", store).Field("key", req.matches[2].str());
    json.Field("size", value->size());
    WriteExpiry(json, expires_ns);
    ReplyJson(res, 200, json.EndObject().Take());
  });
  http.Delete("/v1/kv/([^/]+)/(.+)",
              [&api](const Request& req, Response& res, const net::ContentReader&) {
                std::string store = req.matches[1];
                if (!Guard(api, req, res, store, true)) return;
                Status deleted = api.session.meta().KvDelete(store, std::string(req.matches[2]));
                if (!deleted.ok()) return ReplyError(res, deleted);
                res.status = 204;
              });
}

}  // namespace strata::server
