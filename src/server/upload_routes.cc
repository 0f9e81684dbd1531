// /v1/volumes/V/uploads…: resumable uploads (docs/api.md). A session names the file it becomes;
// parts of `part_size` bytes (whole chunks; the last may be shorter) are sent in any order and in
// parallel, each streamed into chunks and recorded with its SHA-256; the client asks which parts
// the server has, sends the rest, and completes: the file appears at once. Abandoned sessions
// expire, and gc then reclaims their chunks.
#include <fmt/core.h>

#include "base/parse_integer.h"
#include "core/duration.h"
#include "fs/upload_session.h"
#include "server/api_context.h"

namespace strata::server {
namespace {

using net::Request;
using net::Response;

void WritePart(load::JsonWriter& json, uint32_t number, uint64_t size, std::string_view sha256) {
  json.BeginObject().Field("number", number).Field("size", size).Field("sha256", sha256);
  json.EndObject();
}

std::string SessionJson(const meta::UploadInfo& info, const std::vector<meta::UploadPart>* parts) {
  load::JsonWriter json;
  json.BeginObject().Field("id", info.id).Field("path", info.path);
  json.Field("part_size", info.part_size).Field("max_parts", fs::kMaxUploadParts);
  json.Field("expires_ns", info.expires_ns);
  if (parts != nullptr) {
    json.Key("parts").BeginArray();
    for (const meta::UploadPart& p : *parts) WritePart(json, p.number, p.size_bytes, p.sha256);
    json.EndArray();
  }
  return json.EndObject().Take();
}

struct Guarded {
  std::unique_ptr<fs::Volume> volume;
  std::unique_ptr<fs::UploadSession> upload;  // refers to *volume
};

// The route's volume and session, if the token may use them; else answered and empty.
std::optional<Guarded> OpenSession(ApiContext& api, const Request& req, Response& res, bool write) {
  std::string name = req.matches[1];
  if (!Guard(api, req, res, name, write)) return std::nullopt;
  Result<std::unique_ptr<fs::Volume>> volume = api.session.OpenVolume(name);
  if (!volume.ok()) {
    ReplyError(res, volume.status());
    return std::nullopt;
  }
  Result<fs::UploadSession> upload = fs::UploadSession::Open(**volume, req.matches[2].str());
  if (!upload.ok()) {
    ReplyError(res, upload.status());
    return std::nullopt;
  }
  return Guarded{*std::move(volume), std::make_unique<fs::UploadSession>(*std::move(upload))};
}

// An optional non-negative integer member; InvalidArgument naming it otherwise.
Result<std::optional<uint64_t>> OptionalCount(const load::JsonValue& json, std::string_view key) {
  const load::JsonValue* value = json.Find(key);
  if (!value) return std::optional<uint64_t>();
  if (!value->is_integer() || value->integer() < 0) {
    return Status::InvalidArgument(fmt::format("{} is a number", key));
  }
  return std::optional<uint64_t>(static_cast<uint64_t>(value->integer()));
}

void CreateSession(ApiContext& api, const Request& req, Response& res,
                   const net::ContentReader& body) {
  std::string name = req.matches[1];
  if (!Guard(api, req, res, name, true)) return;
  std::optional<load::JsonValue> json = ReadJsonObject(body, api.options.max_json_bytes, res);
  if (!json) return;
  Result<std::unique_ptr<fs::Volume>> volume = api.session.OpenVolume(name);
  if (!volume.ok()) return ReplyError(res, volume.status());
  Result<std::string> path = StringMember(*json, "path");
  if (!path.ok()) return ReplyError(res, path.status());
  uint64_t part_size = 0;
  if (const load::JsonValue* size = json->Find("part_size")) {
    // 0 would mean "the default" to UploadSession, which checks the upper bound.
    if (!size->is_integer() || size->integer() <= 0) {
      return ReplyError(
          res, Status::InvalidArgument(fmt::format("part_size is a number of bytes up to {}",
                                                   fs::kMaxUploadPartBytes)));
    }
    part_size = static_cast<uint64_t>(size->integer());
  }
  int64_t ttl = api.options.upload_ttl_ns;
  if (json->Find("ttl")) {
    Result<std::string> text = StringMember(*json, "ttl");
    Result<int64_t> parsed = text.ok() ? ParseDuration(*text) : Result<int64_t>(text.status());
    if (!parsed.ok()) {
      return ReplyError(res, Status::InvalidArgument("ttl is a duration up to 7d, like 24h"));
    }
    ttl = *parsed;
  }
  Result<fs::UploadSession> made = fs::UploadSession::Create(**volume, *path, part_size, ttl);
  if (!made.ok()) return ReplyError(res, made.status());
  ReplyJson(res, 201, SessionJson(made->info(), nullptr));
}

void ShowSession(ApiContext& api, const Request& req, Response& res) {
  std::optional<Guarded> s = OpenSession(api, req, res, false);
  if (!s) return;
  Result<std::vector<meta::UploadPart>> parts = s->upload->Parts();
  if (!parts.ok()) return ReplyError(res, parts.status());
  ReplyJson(res, 200, SessionJson(s->upload->info(), &*parts));
}

void PutPart(ApiContext& api, const Request& req, Response& res, const net::ContentReader& body) {
  std::optional<Guarded> s = OpenSession(api, req, res, true);
  if (!s) return;
  std::optional<uint32_t> number = ParseInteger<uint32_t>(req.matches[3].str());
  Result<fs::UploadPartWriter> writer =
      number ? fs::UploadPartWriter::Begin(*s->upload, *number, api.session.pool(),
                                           api.options.upload_chunks_in_flight)
             : Status::InvalidArgument("a part number is a number");
  if (!writer.ok()) return ReplyError(res, writer.status());
  Status failed;
  bool complete = body([&](const char* data, size_t length) {
    api.counters.bytes_in.fetch_add(length, std::memory_order_relaxed);
    failed = writer->Append(std::span(reinterpret_cast<const uint8_t*>(data), length));
    return failed.ok();
  });
  if (!failed.ok()) {
    ReplyError(res, failed);
    if (writer->too_long()) res.status = 413;
    return;
  }
  if (!complete) return ReplyError(res, Status::InvalidArgument("the part's body ended early"));
  Result<meta::UploadPart> part = writer->Finish(req.Header("x-strata-sha256"));
  if (!part.ok()) return ReplyError(res, part.status());
  load::JsonWriter json;
  WritePart(json, part->number, part->size_bytes, part->sha256);
  ReplyJson(res, 200, json.Take());
}

void Complete(ApiContext& api, const Request& req, Response& res, const net::ContentReader& body) {
  std::optional<Guarded> s = OpenSession(api, req, res, true);
  if (!s) return;
  std::optional<std::string> text = ReadBody(body, api.options.max_json_bytes, res);
  if (!text) return;
  // Optional checks: {"size": N, "parts": K}, so a client that lost track is told.
  fs::UploadSession::Expected expected;
  if (!text->empty()) {
    Result<load::JsonValue> json = load::ParseJson(*text);
    if (!json.ok() || !json->is_object()) {
      return ReplyError(res, Status::InvalidArgument("the body is a JSON object or empty"));
    }
    Result<std::optional<uint64_t>> size = OptionalCount(*json, "size");
    Result<std::optional<uint64_t>> parts = OptionalCount(*json, "parts");
    if (!size.ok()) return ReplyError(res, size.status());
    if (!parts.ok()) return ReplyError(res, parts.status());
    expected = {*size, *parts};
  }
  Result<meta::Attr> attr = s->upload->Complete(expected);
  if (!attr.ok()) return ReplyError(res, attr.status());
  api.counters.uploads.fetch_add(1, std::memory_order_relaxed);
  load::JsonWriter json;
  json.BeginObject().Field("path", s->upload->info().path).Field("size", attr->size_bytes);
  ReplyJson(res, 201, json.Field("version", attr->version).EndObject().Take());
}

}  // namespace

void AddUploadRoutes(net::HttpServer& http, ApiContext& api) {
  http.Post("/v1/volumes/([^/]+)/uploads",
            [&api](const Request& req, Response& res, const net::ContentReader& body) {
              CreateSession(api, req, res, body);
            });
  http.Get("/v1/volumes/([^/]+)/uploads/([0-9a-f]{32})",
           [&api](const Request& req, Response& res) { ShowSession(api, req, res); });
  http.Put("/v1/volumes/([^/]+)/uploads/([0-9a-f]{32})/parts/([0-9]{1,9})",
           [&api](const Request& req, Response& res, const net::ContentReader& body) {
             PutPart(api, req, res, body);
           });
  http.Post("/v1/volumes/([^/]+)/uploads/([0-9a-f]{32})/complete",
            [&api](const Request& req, Response& res, const net::ContentReader& body) {
              Complete(api, req, res, body);
            });
  http.Delete("/v1/volumes/([^/]+)/uploads/([0-9a-f]{32})",
              [&api](const Request& req, Response& res, const net::ContentReader&) {
                std::optional<Guarded> s = OpenSession(api, req, res, true);
                if (!s) return;
                Status aborted = s->upload->Abort();
                if (!aborted.ok()) return ReplyError(res, aborted);
                res.status = 204;
              });
}

}  // namespace strata::server
