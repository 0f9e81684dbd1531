#include "client/api_client.h"

#include <fmt/core.h>

#include "load/json_writer.h"

namespace strata::client {
namespace {

constexpr size_t kMaxAnswerBytes = size_t{64} << 20;

int64_t Integer(const load::JsonValue& json, std::string_view name) {
  const load::JsonValue* v = json.Find(name);
  return v && v->is_integer() ? v->integer() : -1;
}

std::string StringOf(const load::JsonValue& json, std::string_view name) {
  const load::JsonValue* v = json.Find(name);
  return v && v->is_string() ? v->str() : "";
}

// The server's own error (its JSON `error.code` and `error.message`, docs/api.md) as a Status; a
// reply without one (a proxy's, say) gets the HTTP status's code and its body.
Status ServerError(const net::HttpResponse& got, std::string_view method, const std::string& url) {
  Code code = net::HttpStatusError(method, url, got).code();
  std::string message = got.body;
  if (Result<load::JsonValue> json = load::ParseJson(got.body); json.ok()) {
    if (const load::JsonValue* error = json->Find("error")) {
      if (const load::JsonValue* m = error->Find("message"); m && m->is_string()) {
        message = m->str();
      }
      if (const load::JsonValue* c = error->Find("code"); c && c->is_string()) {
        code = CodeFromName(c->str()).value_or(code);
      }
    }
  }
  return Status(code, fmt::format("{} {}: HTTP {}: {}", method, net::UrlForMessages(url),
                                  got.status, message));
}

Result<UploadSessionInfo> SessionOf(const load::JsonValue& json) {
  UploadSessionInfo info;
  info.id = StringOf(json, "id");
  int64_t part_size = Integer(json, "part_size");
  if (info.id.empty() || part_size <= 0) {
    return Status::IOError("the server's upload session is malformed");
  }
  info.part_size = static_cast<uint64_t>(part_size);
  if (const load::JsonValue* parts = json.Find("parts"); parts && parts->is_array()) {
    for (const load::JsonValue& p : parts->items()) {
      int64_t number = Integer(p, "number");
      int64_t size = Integer(p, "size");
      if (number < 0 || size < 0) return Status::IOError("the server's upload part is malformed");
      info.parts[static_cast<uint64_t>(number)] = {static_cast<uint64_t>(size),
                                                   StringOf(p, "sha256")};
    }
  }
  return info;
}

}  // namespace

Result<ServerPath> ParseServerPath(const std::string& url) {
  size_t scheme = url.find("://");
  size_t slash = scheme == std::string::npos ? scheme : url.find('/', scheme + 3);
  if (slash == std::string::npos || slash + 1 == url.size()) {
    return Status::InvalidArgument(
        fmt::format("'{}' is not http(s)://SERVER/PATH (the file's path in the volume)", url));
  }
  return ServerPath{url.substr(0, slash), url.substr(slash)};
}

ApiClient::ApiClient(std::string base, std::string volume, const std::string& token)
    : base_(std::move(base)), volume_(std::move(volume)), http_([&] {
        net::HttpClientOptions http;
        http.headers = {"Authorization: Bearer " + token};
        http.headers_origin = net::UrlOrigin(base_);  // never to a host it redirects to
        return http;
      }()) {}

std::string ApiClient::Url(std::string_view rest) const {
  return fmt::format("{}/v1/volumes/{}{}", base_, volume_, rest);
}

Result<load::JsonValue> ApiClient::Call(std::string_view method, std::string_view rest,
                                        std::string_view body, long want) {
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(body.data()), body.size());
  std::string url = Url(rest);
  Result<net::HttpResponse> got = method == "GET" ? http_.Get(url, kMaxAnswerBytes)
                                                  : http_.Send(method, url, bytes, kMaxAnswerBytes);
  RETURN_IF_ERROR(got.status());
  if (got->status != want) return ServerError(*got, method, url);
  return load::ParseJson(got->body, 32);
}

Result<UploadSessionInfo> ApiClient::CreateUpload(std::string_view path, uint64_t part_size) {
  load::JsonWriter body;
  body.BeginObject().Field("path", path).Field("part_size", part_size).EndObject();
  ASSIGN_OR_RETURN(load::JsonValue json, Call("POST", "/uploads", body.Take(), 201));
  return SessionOf(json);
}

Result<UploadSessionInfo> ApiClient::GetUpload(std::string_view id) {
  ASSIGN_OR_RETURN(load::JsonValue json, Call("GET", fmt::format("/uploads/{}", id), "", 200));
  return SessionOf(json);
}

Status ApiClient::PutPart(std::string_view id, uint64_t number, std::span<const uint8_t> bytes,
                          const std::string& sha256) {
  std::string url = Url(fmt::format("/uploads/{}/parts/{}", id, number));
  ASSIGN_OR_RETURN(net::HttpResponse got,
                   http_.Send("PUT", url, bytes, 1 << 20, {"X-Strata-Sha256: " + sha256}));
  if (got.status != 200) return ServerError(got, "PUT", url);
  ASSIGN_OR_RETURN(load::JsonValue answer, load::ParseJson(got.body, 8));
  if (StringOf(answer, "sha256") != sha256) {
    return Status::Corruption(fmt::format("part {} arrived damaged", number));
  }
  return Status::OK();
}

Status ApiClient::CompleteUpload(std::string_view id, uint64_t size, uint64_t parts) {
  load::JsonWriter body;
  body.BeginObject().Field("size", size).Field("parts", parts).EndObject();
  return Call("POST", fmt::format("/uploads/{}/complete", id), body.Take(), 201).status();
}

}  // namespace strata::client
