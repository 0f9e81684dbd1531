// ApiClient: the client of `strata serve`'s HTTP API (docs/api.md) for one volume, typed: calls
// answer values or a Status carrying the server's own error message. The CLI's remote put uses
// it, and so can anything else that talks to a server (the Python package, other tools), instead
// of assembling URLs and JSON of its own. Thread-safe (net::HttpClient is).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "load/json.h"
#include "net/http_client.h"

namespace strata::client {

// http(s)://SERVER[:PORT]/PATH: the server and the path in the volume.
struct ServerPath {
  std::string base;  // scheme://host[:port]
  std::string path;  // starts with '/'
};
Result<ServerPath> ParseServerPath(const std::string& url);

// A resumable upload session as the server describes it.
struct UploadSessionInfo {
  std::string id;
  uint64_t part_size = 0;
  struct Part {
    uint64_t size = 0;
    std::string sha256;
  };
  std::map<uint64_t, Part> parts;  // by number: those the server has
};

class ApiClient {
 public:
  // `base`: scheme://host[:port]. The token goes only to that origin, never to a host the
  // server redirects to.
  ApiClient(std::string base, std::string volume, const std::string& token);

  // POST /uploads: a session for the file `path`, parts of `part_size` (rounded up by the server).
  Result<UploadSessionInfo> CreateUpload(std::string_view path, uint64_t part_size);
  // GET /uploads/ID: NotFound once the session is gone (completed, aborted, expired).
  Result<UploadSessionInfo> GetUpload(std::string_view id);
  // PUT /uploads/ID/parts/N with its SHA-256 (checked by the server); Corruption if the server
  // recorded other bytes.
  Status PutPart(std::string_view id, uint64_t number, std::span<const uint8_t> bytes,
                 const std::string& sha256);
  // POST /uploads/ID/complete, telling the server what the client sent.
  Status CompleteUpload(std::string_view id, uint64_t size, uint64_t parts);

  // Any call of the volume's API: `rest` follows /v1/volumes/VOLUME. The JSON answer if the
  // status is `want`, else the server's error.
  Result<load::JsonValue> Call(std::string_view method, std::string_view rest,
                               std::string_view body, long want);

 private:
  std::string Url(std::string_view rest) const;

  std::string base_, volume_;
  net::HttpClient http_;
};

}  // namespace strata::client
