// /v1/volumes…: volumes, and the files of one (list, stat, download, upload, move, copy, mkdir,
// delete). docs/api.md is the reference.
#include <algorithm>
#include <ctime>
#include <optional>

#include <fmt/core.h>

#include "base/hex.h"
#include "base/parse_integer.h"
#include "core/clock.h"
#include "core/digest.h"
#include "core/duration.h"
#include "fs/file_reader.h"
#include "fs/path.h"
#include "fs/stream_writer.h"
#include "fs/tree_walk.h"
#include "fs/url_import.h"
#include "server/api_context.h"

namespace strata::server {
namespace {

constexpr size_t kDefaultPage = 1000;

using net::Request;
using net::Response;

// `ns` in UTC, as strftime(3) `format` writes it.
std::string Utc(int64_t ns, const char* format) {
  std::time_t seconds = static_cast<std::time_t>(ns / kNanosPerSecond);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char out[64];
  return std::string(out, std::strftime(out, sizeof(out), format, &tm));
}
// RFC 3339, for JSON.
std::string IsoTime(int64_t ns) { return Utc(ns, "%Y-%m-%dT%H:%M:%SZ"); }
// RFC 9110's IMF-fixdate, for Last-Modified.
std::string HttpDate(int64_t ns) { return Utc(ns, "%a, %d %b %Y %H:%M:%S GMT"); }

// The JSON of the entry at `path` (a normalised volume path: its name is the last component).
// Its fields only, so that a caller can add its own before closing the object.
void WriteEntryFields(load::JsonWriter& json, std::string_view path, const meta::Attr& attr) {
  json.Field("name", fs::BaseName(path))
      .Field("path", path)
      .Field("type", meta::FileTypeName(attr.type));
  json.Field("size", attr.size_bytes).Field("mode", fmt::format("{:04o}", attr.mode));
  json.Field("mtime", IsoTime(attr.mtime_ns)).Field("mtime_ns", attr.mtime_ns);
  json.Field("version", attr.version);
}

std::string EntryJson(std::string_view path, const meta::Attr& attr) {
  load::JsonWriter json;
  json.BeginObject();
  WriteEntryFields(json, path, attr);
  return json.EndObject().Take();
}

// A strong validator of a file's bytes: they are exactly its size and its chunk ids.
std::string ETagOf(const meta::FileContent& content) {
  StreamingDigest digest = StreamingDigest::Sha256();
  digest.Update(std::to_string(content.size_bytes));
  for (const ChunkId& id : content.chunks) digest.Update(id.Hex());
  return "\"" + digest.FinalHex().substr(0, 32) + "\"";
}

// The volume named in the route, if the token may touch it; otherwise answered and null.
std::unique_ptr<fs::Volume> OpenGuarded(ApiContext& api, const Request& req, Response& res,
                                        bool write) {
  std::string name = req.matches[1];
  if (!Guard(api, req, res, name, write)) return nullptr;
  Result<std::unique_ptr<fs::Volume>> volume = api.session.OpenVolume(name);
  if (!volume.ok()) {
    ReplyError(res, volume.status());
    return nullptr;
  }
  return *std::move(volume);
}

// A volume path from the URL (after the route) or a parameter, validated and normalised.
Result<std::string> VolumePath(std::string_view raw) {
  ASSIGN_OR_RETURN(std::vector<std::string> names, fs::SplitPath(raw));
  std::string joined = fs::JoinPath(names);
  if (joined.size() > 4096) return Status::NameTooLong("a path is at most 4096 bytes");
  return joined;
}

// Whether path `a` comes before `b` in a listing: the walk's order (a directory, then its
// entries by name), which is byte order with '/' below every byte a name may hold.
bool ListedBefore(std::string_view a, std::string_view b) {
  auto rank = [](char c) { return c == '/' ? 0 : static_cast<unsigned char>(c) + 1; };
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return rank(a[i]) < rank(b[i]);
  }
  return a.size() < b.size();
}

struct ListPage {
  std::vector<std::pair<std::string, meta::Attr>> entries;
  bool more = false;
};

// One page of a listing: up to `limit` entries after `after` (a path; empty: from the start).
// The walk skips whole subtrees before `after` and stops once the page is full, so a page costs
// the directories on the way to it, not the tree (review M11: every page rebuilt the tree).
Status ListPageOf(fs::Volume& volume, const std::string& dir, bool recursive,
                  const std::string& after, size_t limit, ListPage& page) {
  ASSIGN_OR_RETURN(meta::Attr attr, volume.Stat(dir, /*follow=*/true));
  if (attr.type != meta::FileType::kDirectory) {
    return Status::NotDirectory(fmt::format("{}: not a directory", dir));
  }
  Status page_full = Status::Aborted("page full");
  fs::TreeVisitor list;
  list.descend = [&](const fs::TreeEntry& e) {
    if (e.depth == 0) return true;
    if (!recursive) return false;
    // A subtree wholly before the cursor is skipped: one holding the cursor is entered.
    return after.empty() || !ListedBefore(e.path, after) ||
           (after.starts_with(e.path) && after.size() > e.path.size() &&
            after[e.path.size()] == '/');
  };
  list.enter = [&](const fs::TreeEntry& e) -> Status {
    if (e.depth == 0) return Status::OK();
    if (!after.empty() && !ListedBefore(after, e.path)) return Status::OK();
    if (page.entries.size() == limit) {
      page.more = true;
      return page_full;
    }
    page.entries.emplace_back(e.path, e.attr);
    return Status::OK();
  };
  Status walked = fs::WalkTree(volume.meta(), attr, dir, list);
  return page.more ? Status::OK() : walked;
}

void ListFiles(ApiContext& api, const Request& req, Response& res) {
  auto volume = OpenGuarded(api, req, res, false);
  if (!volume) return;
  Result<std::string> dir = VolumePath(Param(req, "path"));
  if (!dir.ok()) return ReplyError(res, dir.status());
  size_t limit = kDefaultPage;
  if (!Param(req, "limit").empty()) {
    std::optional<size_t> parsed = ParseInteger<size_t>(Param(req, "limit"));
    if (!parsed) return ReplyError(res, Status::InvalidArgument("limit is a number"));
    limit = *parsed;
  }
  limit = std::clamp<size_t>(limit, 1, 10000);
  // The cursor is the last path of the previous page, hex-encoded (opaque to clients).
  std::string cursor = Param(req, "cursor");
  std::optional<std::string> after =
      cursor.size() <= size_t{2} * 65536 ? BytesFromHex(cursor) : std::nullopt;
  if (!after) return ReplyError(res, Status::InvalidArgument("not a cursor of this listing"));
  ListPage page;
  Status listed = ListPageOf(*volume, *dir, FlagParam(req, "recursive"), *after, limit, page);
  if (!listed.ok()) return ReplyError(res, listed);
  load::JsonWriter json;
  json.BeginObject().Field("volume", volume->info().name).Field("path", *dir);
  json.Key("entries").BeginArray();
  for (const auto& [path, attr] : page.entries) {
    json.BeginObject();
    WriteEntryFields(json, path, attr);
    json.EndObject();
  }
  json.EndArray();
  if (page.more) {
    const std::string& last = page.entries.back().first;
    json.Field("next_cursor",
               LowerHex(std::span(reinterpret_cast<const uint8_t*>(last.data()), last.size())));
  }
  ReplyJson(res, 200, json.EndObject().Take());
}

void StatFile(ApiContext& api, const Request& req, Response& res) {
  auto volume = OpenGuarded(api, req, res, false);
  if (!volume) return;
  Result<std::string> path = VolumePath(Param(req, "path"));
  if (!path.ok()) return ReplyError(res, path.status());
  Result<meta::Attr> attr = volume->Stat(*path);
  if (!attr.ok()) return ReplyError(res, attr.status());
  load::JsonWriter json;
  json.BeginObject();
  WriteEntryFields(json, *path, *attr);
  if (attr->type == meta::FileType::kSymlink) {
    Result<std::string> target = volume->ReadLink(*path);
    if (target.ok()) json.Field("target", *target);
  }
  ReplyJson(res, 200, json.EndObject().Take());
}

void Download(ApiContext& api, const Request& req, Response& res) {
  auto volume = OpenGuarded(api, req, res, false);
  if (!volume) return;
  Result<std::string> path = VolumePath(std::string(req.matches[2]));
  if (!path.ok()) return ReplyError(res, path.status());
  meta::Attr attr;
  Result<meta::FileContent> content = volume->Content(*path, &attr);
  if (!content.ok()) {
    if (content.status().code() == Code::kIsDirectory) {
      return ReplyError(res, Status::IsDirectory(fmt::format(
                                 "{} is a directory: list it with GET /v1/volumes/{}/files?path={}",
                                 *path, volume->info().name, *path)));
    }
    return ReplyError(res, content.status());
  }
  std::string etag = ETagOf(*content);
  res.SetHeader("ETag", etag);
  res.SetHeader("Last-Modified", HttpDate(attr.mtime_ns));
  res.SetHeader("Accept-Ranges", "bytes");
  res.SetHeader("Cache-Control", "no-cache");
  if (FlagParam(req, "download")) {
    std::string name = fs::BaseName(*path);
    std::string safe;
    for (char c : name)
      safe += (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) ? '_' : c;
    res.SetHeader("Content-Disposition", fmt::format("attachment; filename=\"{}\"", safe));
  }
  std::string if_none_match = req.Header("if-none-match");
  if (!if_none_match.empty() && (if_none_match == etag || if_none_match == "*" ||
                                 if_none_match.find(etag) != std::string::npos)) {
    res.status = 304;
    return;
  }
  // The server serves one range (ends past the end clamped) and answers several with the
  // whole file; a single range wholly past the end is refused here (RFC 9110 15.5.17).
  if (req.ranges.size() == 1) {
    if (!net::ResolveRange(req.ranges[0], content->size_bytes)) {
      res.SetHeader("Content-Range", fmt::format("bytes */{}", content->size_bytes));
      ReplyError(res, Status::InvalidArgument("the range is past the end of the file"));
      res.status = 416;
      return;
    }
  }
  api.counters.downloads.fetch_add(1, std::memory_order_relaxed);
  // The reader lives as long as the response: the server calls the provider piece by piece, at the
  // offsets of the requested range, after this handler returns.
  auto reader =
      std::make_shared<fs::FileReader>(std::move(volume), api.session.pool(), *content, *path);
  auto buffer = std::make_shared<std::vector<uint8_t>>(1 << 20);
  ApiCounters* counters = &api.counters;
  res.SetContentProvider(
      content->size_bytes, "application/octet-stream",
      [reader, buffer, counters](size_t offset, size_t length, net::DataSink& sink) {
        size_t want = std::min(length, buffer->size());
        Result<size_t> got = reader->ReadAt(offset, std::span<uint8_t>(buffer->data(), want));
        if (!got.ok() || *got == 0) return false;  // the connection is closed: a short body
        counters->bytes_out.fetch_add(*got, std::memory_order_relaxed);
        return sink.Write(reinterpret_cast<const char*>(buffer->data()), *got);
      });
}

void Upload(ApiContext& api, const Request& req, Response& res, const net::ContentReader& body) {
  auto volume = OpenGuarded(api, req, res, true);
  if (!volume) return;
  Result<std::string> path = VolumePath(std::string(req.matches[2]));
  if (!path.ok()) return ReplyError(res, path.status());
  if (*path == "/") return ReplyError(res, Status::InvalidArgument("upload to a file path"));
  // Refuse what cannot succeed before reading the body: a directory in the way, a missing
  // parent without ?parents.
  Result<meta::Attr> existing = volume->Stat(*path, true);
  if (existing.ok() && existing->type == meta::FileType::kDirectory) {
    return ReplyError(res, Status::IsDirectory(fmt::format("{} is a directory", *path)));
  }
  std::string parent = fs::ParentPath(*path);
  bool make_parents = Param(req, "parents").empty() || FlagParam(req, "parents");
  if (!make_parents) {
    Result<meta::Attr> parent_attr = volume->Stat(parent, true);
    if (!parent_attr.ok()) return ReplyError(res, parent_attr.status());
  }
  std::string expected_sha256 = req.Header("x-strata-sha256");
  StreamingDigest digest = StreamingDigest::Sha256();
  fs::StreamWriter writer(*volume, api.session.pool(), api.options.upload_chunks_in_flight);
  Status failed;
  bool complete = body([&](const char* data, size_t length) {
    std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(data), length);
    if (!expected_sha256.empty()) digest.Update(bytes);
    api.counters.bytes_in.fetch_add(length, std::memory_order_relaxed);
    failed = writer.Append(bytes);
    return failed.ok();
  });
  if (!failed.ok()) return ReplyError(res, failed);
  if (!complete) {
    return ReplyError(res, Status::InvalidArgument("the body ended early; nothing was written"));
  }
  if (!expected_sha256.empty() && digest.FinalHex() != expected_sha256) {
    return ReplyError(res, Status::InvalidArgument(
                               "the body does not hash to X-Strata-Sha256; nothing was written"));
  }
  Result<meta::Attr> attr = writer.Commit(*path, 0644, make_parents);
  if (!attr.ok()) return ReplyError(res, attr.status());
  api.counters.uploads.fetch_add(1, std::memory_order_relaxed);
  ReplyJson(res, 201, EntryJson(*path, *attr));
}

void Remove(ApiContext& api, const Request& req, Response& res) {
  auto volume = OpenGuarded(api, req, res, true);
  if (!volume) return;
  Result<std::string> path = VolumePath(std::string(req.matches[2]));
  if (!path.ok()) return ReplyError(res, path.status());
  if (*path == "/") return ReplyError(res, Status::InvalidArgument("the root cannot be removed"));
  Status removed = volume->Remove(*path, FlagParam(req, "recursive"));
  if (!removed.ok()) return ReplyError(res, removed);
  res.status = 204;
}

// POST /v1/volumes/V/move|copy {"from", "to"[, "recursive"]}; /mkdir {"path"[, "parents"]}.
void PathOperation(ApiContext& api, const Request& req, Response& res,
                   const net::ContentReader& body, std::string_view op) {
  auto volume = OpenGuarded(api, req, res, true);
  if (!volume) return;
  std::optional<load::JsonValue> json = ReadJsonObject(body, api.options.max_json_bytes, res);
  if (!json) return;
  Status status;
  if (op == "mkdir") {
    Result<std::string> raw = StringMember(*json, "path");
    if (!raw.ok()) return ReplyError(res, raw.status());
    Result<std::string> path = VolumePath(*raw);
    if (!path.ok()) return ReplyError(res, path.status());
    Result<meta::Attr> attr = volume->Mkdir(*path, 0755, BoolMember(*json, "parents", false));
    if (!attr.ok()) return ReplyError(res, attr.status());
    return ReplyJson(res, 201, EntryJson(*path, *attr));
  }
  Result<std::string> from_raw = StringMember(*json, "from");
  Result<std::string> to_raw = StringMember(*json, "to");
  if (!from_raw.ok()) return ReplyError(res, from_raw.status());
  if (!to_raw.ok()) return ReplyError(res, to_raw.status());
  Result<std::string> from = VolumePath(*from_raw);
  Result<std::string> to = VolumePath(*to_raw);
  if (!from.ok()) return ReplyError(res, from.status());
  if (!to.ok()) return ReplyError(res, to.status());
  if (*from == "/" || *to == "/") {
    return ReplyError(res, Status::InvalidArgument("the root cannot be moved or replaced"));
  }
  status = op == "move" ? volume->Rename(*from, *to)
                        : volume->Copy(*from, *to, BoolMember(*json, "recursive", false));
  if (!status.ok()) return ReplyError(res, status);
  Result<meta::Attr> attr = volume->Stat(*to);
  if (!attr.ok()) return ReplyError(res, attr.status());
  ReplyJson(res, 200, EntryJson(*to, *attr));
}

// POST /v1/volumes/V/fetch {"url", "path"}: the server streams an http(s) URL into the volume.
void Fetch(ApiContext& api, const Request& req, Response& res, const net::ContentReader& body) {
  auto volume = OpenGuarded(api, req, res, true);
  if (!volume) return;
  std::optional<load::JsonValue> json = ReadJsonObject(body, api.options.max_json_bytes, res);
  if (!json) return;
  Result<std::string> url = StringMember(*json, "url");
  Result<std::string> raw = StringMember(*json, "path");
  if (!url.ok()) return ReplyError(res, url.status());
  if (!raw.ok()) return ReplyError(res, raw.status());
  Result<std::string> path = VolumePath(*raw);
  if (!path.ok()) return ReplyError(res, path.status());
  if (*path == "/") return ReplyError(res, Status::InvalidArgument("fetch into a file path"));
  // A fetch holds a server thread for as long as its source takes: a bounded number of them.
  if (api.fetches_running.fetch_add(1) >= api.options.max_fetches) {
    api.fetches_running.fetch_sub(1);
    res.SetHeader("Retry-After", "10");
    return ReplyError(
        res, Status::Unavailable(fmt::format("{} uploads from URLs are running; try again later",
                                             api.options.max_fetches)));
  }
  fs::TransferStats stats;
  Result<meta::Attr> attr = fs::ImportUrl(*volume, api.session.pool(), api.http, *url, *path, stats,
                                          api.options.max_fetch_bytes);
  api.fetches_running.fetch_sub(1);
  api.counters.bytes_in.fetch_add(stats.bytes_done, std::memory_order_relaxed);
  if (!attr.ok()) {
    // The source's failure is not the client's request's: 502 says so.
    const Status& failed = attr.status();
    ReplyError(res, failed);
    if (failed.code() != Code::kInvalidArgument && failed.code() != Code::kPermissionDenied) {
      res.status = 502;
    }
    return;
  }
  api.counters.uploads.fetch_add(1, std::memory_order_relaxed);
  ReplyJson(res, 201, EntryJson(*path, *attr));
}

void WriteVolume(load::JsonWriter& json, const meta::VolumeInfo& v) {
  json.BeginObject().Field("name", v.name).Field("chunk_size", v.chunk_size_bytes);
  json.Field("created", IsoTime(v.created_ns)).EndObject();
}

std::string VolumeJson(const meta::VolumeInfo& v) {
  load::JsonWriter json;
  WriteVolume(json, v);
  return json.Take();
}

}  // namespace

void AddVolumeRoutes(net::HttpServer& http, ApiContext& api) {
  http.Get("/v1/volumes", [&api](const Request& req, Response& res) {
    // Any token may list the volumes; one scoped to a volume sees that one.
    std::optional<meta::TokenInfo> token = AuthenticateRequest(api, req, res);
    if (!token) return;
    Result<std::vector<meta::VolumeInfo>> volumes = api.session.meta().ListVolumes();
    if (!volumes.ok()) return ReplyError(res, volumes.status());
    load::JsonWriter json;
    json.BeginObject().Key("volumes").BeginArray();
    for (const meta::VolumeInfo& v : *volumes) {
      if (token->volume.empty() || token->volume == v.name) WriteVolume(json, v);
    }
    ReplyJson(res, 200, json.EndArray().EndObject().Take());
  });
  http.Post(
      "/v1/volumes", [&api](const Request& req, Response& res, const net::ContentReader& body) {
        if (!Guard(api, req, res, "", true)) return;
        std::optional<load::JsonValue> json = ReadJsonObject(body, api.options.max_json_bytes, res);
        if (!json) return;
        Result<std::string> name = StringMember(*json, "name");
        if (!name.ok()) return ReplyError(res, name.status());
        uint64_t chunk_size = meta::kDefaultChunkSize;
        if (const load::JsonValue* size = json->Find("chunk_size")) {
          if (!size->is_integer() || size->integer() <= 0) {
            return ReplyError(res, Status::InvalidArgument("chunk_size is a number of bytes"));
          }
          chunk_size = static_cast<uint64_t>(size->integer());
        }
        Result<meta::VolumeInfo> made = api.session.meta().CreateVolume(*name, chunk_size);
        if (!made.ok()) return ReplyError(res, made.status());
        ReplyJson(res, 201, VolumeJson(*made));
      });
  http.Delete("/v1/volumes/([^/]+)",
              [&api](const Request& req, Response& res, const net::ContentReader&) {
                if (!Guard(api, req, res, "", true)) return;
                Status deleted = api.session.meta().DeleteVolume(std::string(req.matches[1]));
                if (!deleted.ok()) return ReplyError(res, deleted);
                res.status = 204;
              });
  http.Get("/v1/volumes/([^/]+)/files",
           [&api](const Request& req, Response& res) { ListFiles(api, req, res); });
  http.Get("/v1/volumes/([^/]+)/stat",
           [&api](const Request& req, Response& res) { StatFile(api, req, res); });
  http.Get("/v1/volumes/([^/]+)/files(/.*)",
           [&api](const Request& req, Response& res) { Download(api, req, res); });
  // The server answers HEAD through the GET route, without the body; the headers are the GET's.
  http.Put("/v1/volumes/([^/]+)/files(/.*)",
           [&api](const Request& req, Response& res, const net::ContentReader& body) {
             Upload(api, req, res, body);
           });
  http.Delete("/v1/volumes/([^/]+)/files(/.*)",
              [&api](const Request& req, Response& res, const net::ContentReader&) {
                Remove(api, req, res);
              });
  http.Post("/v1/volumes/([^/]+)/fetch",
            [&api](const Request& req, Response& res, const net::ContentReader& body) {
              Fetch(api, req, res, body);
            });
  for (std::string op : {"move", "copy", "mkdir"}) {
    http.Post("/v1/volumes/([^/]+)/" + op,
              [&api, op](const Request& req, Response& res, const net::ContentReader& body) {
                PathOperation(api, req, res, body, op);
              });
  }
}

}  // namespace strata::server
