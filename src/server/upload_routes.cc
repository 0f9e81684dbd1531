// /v1/volumes/V/uploads…: resumable uploads (docs/api.md). A session names the file it becomes;
// parts of `part_size` bytes (whole chunks; the last may be shorter) are sent in any order and in
// parallel, each streamed into chunks and recorded with its SHA-256; the client asks which parts
// the server has, sends the rest, and completes: the file appears at once. Abandoned sessions
// expire, and gc then reclaims their chunks.
#include <fmt/core.h>

#include "core/clock.h"
#include "core/digest.h"
#include "core/duration.h"
#include "core/parse_integer.h"
#include "core/round.h"
#include "fs/path.h"
#include "fs/stream_writer.h"
#include "server/api_context.h"
#include "server/tokens.h"

namespace strata::server {
namespace {

using net::Request;
using net::Response;

constexpr uint64_t kDefaultPartBytes = 64ULL << 20;
constexpr uint64_t kMaxPartBytes = 5ULL << 30;
constexpr uint32_t kMaxParts = 100000;
constexpr int64_t kMaxTtlNanos = 7LL * 24 * 3600 * kNanosPerSecond;

void WritePart(load::JsonWriter& json, uint32_t number, uint64_t size, std::string_view sha256) {
  json.BeginObject().Field("number", number).Field("size", size).Field("sha256", sha256);
  json.EndObject();
}

std::string SessionJson(const meta::UploadInfo& info, const std::vector<meta::UploadPart>* parts) {
  load::JsonWriter json;
  json.BeginObject().Field("id", info.id).Field("path", info.path);
  json.Field("part_size", info.part_size).Field("max_parts", kMaxParts);
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
  meta::UploadInfo upload;
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
  Result<meta::UploadInfo> upload = api.session.meta().GetUpload(std::string(req.matches[2]));
  // A session of another volume does not exist for this one.
  if (upload.ok() && upload->volume_id != (*volume)->info().id) {
    upload =
        Status::NotFound(fmt::format("no upload session '{}' in {}", req.matches[2].str(), name));
  }
  if (!upload.ok()) {
    ReplyError(res, upload.status());
    return std::nullopt;
  }
  return Guarded{*std::move(volume), *std::move(upload)};
}

void CreateSession(ApiContext& api, const Request& req, Response& res,
                   const net::ContentReader& body) {
  std::string name = req.matches[1];
  if (!Guard(api, req, res, name, true)) return;
  std::optional<load::JsonValue> json = ReadJsonObject(body, api.options.max_json_bytes, res);
  if (!json) return;
  Result<std::unique_ptr<fs::Volume>> volume = api.session.OpenVolume(name);
  if (!volume.ok()) return ReplyError(res, volume.status());
  Result<std::string> raw = StringMember(*json, "path");
  if (!raw.ok()) return ReplyError(res, raw.status());
  Result<std::vector<std::string>> names = fs::SplitPath(*raw);
  if (!names.ok()) return ReplyError(res, names.status());
  if (names->empty()) return ReplyError(res, Status::InvalidArgument("upload to a file path"));
  meta::UploadInfo info;
  info.volume_id = (*volume)->info().id;
  info.path = fs::JoinPath(*names);
  uint64_t chunk = (*volume)->chunk_size_bytes();
  info.part_size = RoundUpTo(kDefaultPartBytes, chunk);
  if (const load::JsonValue* size = json->Find("part_size")) {
    if (!size->is_integer() || size->integer() <= 0 ||
        static_cast<uint64_t>(size->integer()) > kMaxPartBytes) {
      return ReplyError(res, Status::InvalidArgument(fmt::format(
                                 "part_size is a number of bytes up to {}", kMaxPartBytes)));
    }
    // Parts are whole chunks: a size asked for is rounded up to the volume's chunk size.
    info.part_size = RoundUpTo(static_cast<uint64_t>(size->integer()), chunk);
  }
  int64_t ttl = api.options.upload_ttl_ns;
  if (json->Find("ttl")) {
    Result<std::string> text = StringMember(*json, "ttl");
    Result<int64_t> parsed = text.ok() ? ParseDuration(*text) : Result<int64_t>(text.status());
    if (!parsed.ok() || *parsed <= 0 || *parsed > kMaxTtlNanos) {
      return ReplyError(res, Status::InvalidArgument("ttl is a duration up to 7d, like 24h"));
    }
    ttl = *parsed;
  }
  Result<std::string> id = RandomId();
  if (!id.ok()) return ReplyError(res, id.status());
  info.id = *id;
  info.created_ns = NowNanos();
  info.expires_ns = info.created_ns + ttl;
  Status made = api.session.meta().CreateUpload(info);
  if (!made.ok()) return ReplyError(res, made);
  ReplyJson(res, 201, SessionJson(info, nullptr));
}

void ShowSession(ApiContext& api, const Request& req, Response& res) {
  std::optional<Guarded> s = OpenSession(api, req, res, false);
  if (!s) return;
  Result<std::vector<meta::UploadPart>> parts = api.session.meta().ListUploadParts(s->upload.id);
  if (!parts.ok()) return ReplyError(res, parts.status());
  ReplyJson(res, 200, SessionJson(s->upload, &*parts));
}

void PutPart(ApiContext& api, const Request& req, Response& res, const net::ContentReader& body) {
  std::optional<Guarded> s = OpenSession(api, req, res, true);
  if (!s) return;
  std::optional<uint32_t> parsed = ParseInteger<uint32_t>(req.matches[3].str());
  if (!parsed || *parsed >= kMaxParts) {
    return ReplyError(
        res, Status::InvalidArgument(fmt::format("a part number is 0..{}", kMaxParts - 1)));
  }
  const uint32_t number = *parsed;
  StreamingDigest digest = StreamingDigest::Sha256();
  fs::StreamWriter writer(*s->volume, api.session.pool(), api.options.upload_chunks_in_flight);
  Status failed;
  bool too_long = false;
  bool complete = body([&](const char* data, size_t length) {
    if (writer.bytes() + length > s->upload.part_size) {
      too_long = true;
      return false;
    }
    std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(data), length);
    digest.Update(bytes);
    api.counters.bytes_in.fetch_add(length, std::memory_order_relaxed);
    failed = writer.Append(bytes);
    return failed.ok();
  });
  if (too_long) {
    ReplyError(res, Status::InvalidArgument(
                        fmt::format("a part is at most {} bytes", s->upload.part_size)));
    res.status = 413;
    return;
  }
  if (!failed.ok()) return ReplyError(res, failed);
  if (!complete) return ReplyError(res, Status::InvalidArgument("the part's body ended early"));
  std::string sha256 = digest.FinalHex();
  std::string expected = req.Header("x-strata-sha256");
  if (!expected.empty() && expected != sha256) {
    return ReplyError(
        res, Status::InvalidArgument(fmt::format(
                 "part {} hashes to {}, not X-Strata-Sha256; send it again", number, sha256)));
  }
  Result<meta::FileContent> content = writer.Finish();
  if (!content.ok()) return ReplyError(res, content.status());
  meta::UploadPart part{number, content->size_bytes, sha256, std::move(content->chunks)};
  Status recorded = api.session.meta().PutUploadPart(s->upload.id, part);
  if (!recorded.ok()) return ReplyError(res, recorded);
  load::JsonWriter json;
  WritePart(json, number, part.size_bytes, sha256);
  ReplyJson(res, 200, json.Take());
}

void Complete(ApiContext& api, const Request& req, Response& res, const net::ContentReader& body) {
  std::optional<Guarded> s = OpenSession(api, req, res, true);
  if (!s) return;
  std::optional<std::string> text = ReadBody(body, api.options.max_json_bytes, res);
  if (!text) return;
  // Optional checks: {"size": N, "parts": K}, so a client that lost track is told.
  if (!text->empty()) {
    Result<load::JsonValue> json = load::ParseJson(*text);
    if (!json.ok() || !json->is_object()) {
      return ReplyError(res, Status::InvalidArgument("the body is a JSON object or empty"));
    }
    Result<std::vector<meta::UploadPart>> parts = api.session.meta().ListUploadParts(s->upload.id);
    if (!parts.ok()) return ReplyError(res, parts.status());
    uint64_t size = 0;
    for (const auto& p : *parts) size += p.size_bytes;
    const load::JsonValue* want_size = json->Find("size");
    const load::JsonValue* want_parts = json->Find("parts");
    if ((want_size &&
         (!want_size->is_integer() || static_cast<uint64_t>(want_size->integer()) != size)) ||
        (want_parts && (!want_parts->is_integer() ||
                        static_cast<uint64_t>(want_parts->integer()) != parts->size()))) {
      return ReplyError(res, Status::InvalidArgument(fmt::format(
                                 "the server has {} parts, {} bytes; send what is missing",
                                 parts->size(), size)));
    }
  }
  // Parts are checked before any directory is made for the file (and again in the transaction).
  Result<std::vector<meta::UploadPart>> parts = api.session.meta().ListUploadParts(s->upload.id);
  if (!parts.ok()) return ReplyError(res, parts.status());
  for (size_t i = 0; i < parts->size(); ++i) {
    if ((*parts)[i].number != i) {
      return ReplyError(res, Status::InvalidArgument(fmt::format("part {} is missing", i)));
    }
  }
  const std::string& path = s->upload.path;
  Result<meta::Attr> dir = s->volume->Mkdir(fs::ParentPath(path), 0755, true);
  if (!dir.ok()) return ReplyError(res, dir.status());
  Result<fs::ParentRef> where = s->volume->ResolveParent(path);
  if (!where.ok()) return ReplyError(res, where.status());
  Result<meta::Attr> attr = api.session.meta().CompleteUpload(
      s->upload.id, where->parent, where->name, meta::NewNode::File(0644));
  if (!attr.ok()) return ReplyError(res, attr.status());
  api.counters.uploads.fetch_add(1, std::memory_order_relaxed);
  load::JsonWriter json;
  json.BeginObject().Field("path", path).Field("size", attr->size_bytes);
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
                Status aborted = api.session.meta().AbortUpload(s->upload.id);
                if (!aborted.ok()) return ReplyError(res, aborted);
                res.status = 204;
              });
}

}  // namespace strata::server
