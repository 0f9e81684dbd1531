#include "store/s3_store.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "base/parse_integer.h"
#include "core/chunk_id.h"
#include "core/clock.h"
#include "net/http_client.h"
#include "net/url.h"
#include "store/s3_xml.h"

namespace strata::store {
namespace {

// SHA-256 of no bytes: the payload hash of every request without a body.
constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// What one S3 request asks for.
struct Request {
  const char* method = "GET";
  std::string key;  // the full object key (with the store prefix); empty: the bucket itself
  QueryParams query;
  std::vector<std::string> headers;
  std::span<const uint8_t> body;          // PUT, POST
  std::optional<std::span<uint8_t>> out;  // where a successful GET's bytes go
};

// Why a request failed: a transfer that failed after its retries (`transport`), or an HTTP
// answer that is not 2xx.
struct Failure {
  Status transport;
  net::HttpResponse response;

  bool Answered(long status) const { return transport.ok() && response.status == status; }
};

// An ETag without its quotes and surrounding blanks.
std::string UnquoteETag(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '"')) value.remove_prefix(1);
  while (!value.empty() &&
         (std::isspace(static_cast<unsigned char>(value.back())) || value.back() == '"')) {
    value.remove_suffix(1);
  }
  return std::string(value);
}

net::HttpClientOptions ClientOptions(const S3Config& config) {
  net::HttpClientOptions options;
  options.max_connections = config.max_connections;
  options.max_attempts = config.max_attempts;
  options.follow_redirects = false;
  options.sigv4 = net::SigV4Credentials{.access_key = config.access_key,
                                        .secret_key = config.secret_key,
                                        .session_token = config.session_token,
                                        .region = config.region,
                                        .service = "s3"};
  options.ca_bundle = config.ca_bundle;
  return options;
}

// A key, or a directory marker ("dir/", the empty object S3 tools make for an empty directory).
Status ValidateKeyOrMarker(std::string_view key) {
  if (key.ends_with('/')) key.remove_suffix(1);
  return ValidateObjectKey(key);
}

}  // namespace

struct S3Store::Impl {
  explicit Impl(S3Config c) : config(std::move(c)), http(ClientOptions(config)) {
    std::string_view endpoint = config.endpoint;
    size_t scheme_end = endpoint.find("://") + 3;
    if (config.path_style) {
      base = fmt::format("{}/{}", endpoint, net::UriEncode(config.bucket, false));
    } else {
      base = fmt::format("{}{}.{}", endpoint.substr(0, scheme_end), config.bucket,
                         endpoint.substr(scheme_end));
    }
    key_prefix = config.prefix.empty() ? "" : config.prefix + "/";
  }

  std::string FullKey(std::string_view key) const { return key_prefix + std::string(key); }

  // A request without a body for `full_key` ("" for the bucket itself).
  static Request NoBody(const char* method, std::string full_key) {
    Request request;
    request.method = method;
    request.key = std::move(full_key);
    request.headers.push_back(fmt::format("x-amz-content-sha256: {}", kEmptyPayloadHash));
    return request;
  }
  // A request sending `body`, whose hash is signed with it.
  static Request WithBody(const char* method, std::string full_key, std::span<const uint8_t> body) {
    Request request;
    request.method = method;
    request.key = std::move(full_key);
    request.body = body;
    request.headers.push_back(fmt::format("x-amz-content-sha256: {}", ChunkId::Of(body).Hex()));
    return request;
  }
  std::string Where(std::string_view full_key) const {
    return full_key.empty() ? fmt::format("s3://{}", config.bucket)
                            : fmt::format("s3://{}/{}", config.bucket, full_key);
  }

  std::string UrlFor(const Request& request) const {
    std::string url = base;
    if (!request.key.empty() || !config.path_style) url += '/';  // "/bucket", not "/bucket/"
    url += net::UriEncode(request.key, /*keep_slash=*/true);
    // SigV4 signs the query sorted by name; curl 7.88 signs it as given, so give it sorted.
    QueryParams query = request.query;
    std::sort(query.begin(), query.end());
    for (size_t i = 0; i < query.size(); ++i) {
      url += i == 0 ? '?' : '&';
      url += net::UriEncode(query[i].first, false);
      url += '=';
      url += net::UriEncode(query[i].second, false);
    }
    return url;
  }

  // Performs `request` (retrying transient failures): a 2xx response, or the failure that
  // Explain() turns into a Status. `what` names the operation in errors ("PUT").
  Result<net::HttpResponse> Perform(std::string_view what, const Request& request,
                                    Failure* failure) {
    std::string url = UrlFor(request);
    std::string label =
        fmt::format("{} {} (endpoint {})", what, Where(request.key), config.endpoint);
    net::HttpExchange exchange{.method = request.method,
                               .url = url,
                               .headers = request.headers,
                               .body = request.body,
                               .out = request.out,
                               .what = label};
    Result<net::HttpResponse> response = http.Exchange(exchange);
    if (!response.ok()) {
      failure->transport = response.status();
      return response.status();
    }
    if (response->status < 200 || response->status >= 300) {
      failure->response = std::move(*response);
      return Status::Unavailable("request failed");  // replaced by Explain()
    }
    return response;
  }

  // ListObjectsV2 of `prefix`, every page: each object to `on_object`; with `delimited`, one
  // level only ('/' as delimiter), each sub-prefix ("dir/") to `on_prefix`. Keys come back
  // relative to the store's prefix.
  Status ListPages(std::string_view prefix, bool delimited,
                   const std::function<Status(const ObjectInfo&)>& on_object,
                   const std::function<Status(std::string_view)>& on_prefix) {
    std::string full_prefix = FullKey(prefix);
    std::string token;
    while (true) {
      Request request = NoBody("GET", "");
      request.query = {{"list-type", "2"},
                       {"prefix", full_prefix},
                       {"max-keys", std::to_string(config.list_page_size)}};
      if (delimited) request.query.emplace_back("delimiter", "/");
      if (!token.empty()) request.query.emplace_back("continuation-token", token);
      Failure failure;
      Result<net::HttpResponse> response = Perform("LIST", request, &failure);
      if (!response.ok()) return Explain("LIST", full_prefix, failure);
      for (std::string_view contents : XmlElements(response->body, "Contents")) {
        std::string key = XmlText(contents, "Key").value_or("");
        if (!key.starts_with(key_prefix)) continue;
        ObjectInfo info;
        info.key = key.substr(key_prefix.size());
        std::optional<uint64_t> size =
            ParseInteger<uint64_t>(XmlText(contents, "Size").value_or(""));
        if (!size) {
          // Not taken as 0: gc and fsck decide on these sizes.
          return Status::IOError(
              fmt::format("LIST {}: the listing gives '{}' no valid Size", full_prefix, key));
        }
        info.size_bytes = *size;
        if (Result<int64_t> t = ParseIso8601(XmlText(contents, "LastModified").value_or(""));
            t.ok()) {
          info.mtime_ns = *t;
        }
        info.etag = UnquoteETag(XmlText(contents, "ETag").value_or(""));
        RETURN_IF_ERROR(on_object(info));
      }
      for (std::string_view common : XmlElements(response->body, "CommonPrefixes")) {
        std::string sub = XmlText(common, "Prefix").value_or("");
        if (on_prefix && sub.starts_with(key_prefix)) {
          RETURN_IF_ERROR(on_prefix(std::string_view(sub).substr(key_prefix.size())));
        }
      }
      if (XmlText(response->body, "IsTruncated").value_or("false") != "true") break;
      token = XmlText(response->body, "NextContinuationToken").value_or("");
      if (token.empty()) {
        return Status::IOError(fmt::format("LIST {}: a truncated page without a continuation token",
                                           Where(full_prefix)));
      }
    }
    return Status::OK();
  }

  // A Status that says what failed, where, and what to do about it.
  Status Explain(std::string_view what, const std::string& full_key, const Failure& f) const {
    std::string where = Where(full_key);
    if (!f.transport.ok()) return f.transport;  // names the request, the endpoint, the attempts
    long status = f.response.status;
    std::string code = XmlText(f.response.body, "Code").value_or("");
    std::string message = XmlText(f.response.body, "Message").value_or("");
    std::string detail =
        code.empty() ? fmt::format("HTTP {}", status) : fmt::format("HTTP {} {}", status, code);
    if (!message.empty()) detail += ": " + message;
    if (code == "NoSuchBucket") {
      return Status::InvalidArgument(fmt::format("{} {}: bucket '{}' does not exist at {}", what,
                                                 where, config.bucket, config.endpoint));
    }
    if (status == 404) {
      return Status::NotFound(fmt::format("{} {}: no such object", what, where));
    }
    if (code == "InvalidAccessKeyId") {
      return Status::PermissionDenied(
          fmt::format("{} {}: access key '{}' is not known at {} (check AWS_ACCESS_KEY_ID)", what,
                      where, config.access_key, config.endpoint));
    }
    if (code == "SignatureDoesNotMatch") {
      return Status::PermissionDenied(fmt::format(
          "{} {}: the request signature does not match (check AWS_SECRET_ACCESS_KEY and the "
          "region '{}')",
          what, where, config.region));
    }
    if (status == 403 || status == 401) {
      return Status::PermissionDenied(
          fmt::format("{} {}: access denied ({}; check the credentials and the bucket's policy)",
                      what, where, detail));
    }
    if (code == "QuotaExceeded" || code == "EntityTooLarge" || status == 507) {
      return Status::NoSpace(fmt::format("{} {}: {}", what, where, detail));
    }
    if (net::IsTransientHttpStatus(status)) {
      return Status::Unavailable(
          fmt::format("{} {}: {} after {} attempts", what, where, detail, config.max_attempts));
    }
    return Status::IOError(fmt::format("{} {}: {}", what, where, detail));
  }

  S3Config config;
  net::HttpClient http;
  std::string base;        // scheme://host[/bucket], no trailing '/'
  std::string key_prefix;  // "" or "prefix/"
};

S3Store::S3Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
S3Store::~S3Store() = default;

const S3Config& S3Store::config() const { return impl_->config; }

std::string S3Store::url() const { return impl_->config.url; }

Status S3Store::Put(std::string_view key, std::span<const uint8_t> data) {
  RETURN_IF_ERROR(ValidateKeyOrMarker(key));
  Request request = Impl::WithBody("PUT", impl_->FullKey(key), data);
  request.headers.push_back("Content-Type: application/octet-stream");
  Failure failure;
  Result<net::HttpResponse> response = impl_->Perform("PUT", request, &failure);
  if (!response.ok()) return impl_->Explain("PUT", request.key, failure);
  return Status::OK();
}

Result<size_t> S3Store::Read(std::string_view key, uint64_t offset, std::span<uint8_t> out) {
  return ReadVersion(key, "", offset, out);
}

Result<size_t> S3Store::ReadVersion(std::string_view key, std::string_view etag, uint64_t offset,
                                    std::span<uint8_t> out) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  if (out.empty()) {
    ASSIGN_OR_RETURN(ObjectInfo info, Head(key));
    if (offset > info.size_bytes) {
      return Status::InvalidArgument(fmt::format("read of {} at offset {} past its end ({})",
                                                 impl_->Where(impl_->FullKey(key)), offset,
                                                 info.size_bytes));
    }
    return size_t{0};
  }
  Request request = Impl::NoBody("GET", impl_->FullKey(key));
  request.headers.push_back(fmt::format("Range: bytes={}-{}", offset, offset + out.size() - 1));
  if (!etag.empty()) request.headers.push_back(fmt::format("If-Match: \"{}\"", etag));
  request.out = out;
  Failure failure;
  Result<net::HttpResponse> response = impl_->Perform("GET", request, &failure);
  if (!response.ok()) {
    if (failure.Answered(412)) {
      return Status::Aborted(fmt::format("{} changed since it was opened (ETag {} is gone)",
                                         impl_->Where(request.key), etag));
    }
    if (failure.Answered(416)) {
      // The range starts at or past the end: at the end is an empty read, past it an error.
      ASSIGN_OR_RETURN(ObjectInfo info, Head(key));
      if (offset == info.size_bytes) return size_t{0};
      return Status::InvalidArgument(fmt::format("read of {} at offset {} past its end ({})",
                                                 impl_->Where(request.key), offset,
                                                 info.size_bytes));
    }
    return impl_->Explain("GET", request.key, failure);
  }
  if (response->status == 200 && offset > 0) {
    return Status::IOError(
        fmt::format("GET {}: the server ignored the Range header", impl_->Where(request.key)));
  }
  return response->out_bytes;
}

Result<ObjectInfo> S3Store::Head(std::string_view key) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  Request request = Impl::NoBody("HEAD", impl_->FullKey(key));
  Failure failure;
  Result<net::HttpResponse> response = impl_->Perform("HEAD", request, &failure);
  if (!response.ok()) return impl_->Explain("HEAD", request.key, failure);
  ObjectInfo info;
  info.key = std::string(key);
  info.size_bytes =
      response->content_length < 0 ? 0 : static_cast<uint64_t>(response->content_length);
  info.mtime_ns = response->mtime_ns;
  info.etag = UnquoteETag(response->Header("etag").value_or(""));
  return info;
}

Status S3Store::Delete(std::string_view key) {
  RETURN_IF_ERROR(ValidateKeyOrMarker(key));
  Request request = Impl::NoBody("DELETE", impl_->FullKey(key));
  Failure failure;
  Result<net::HttpResponse> response = impl_->Perform("DELETE", request, &failure);
  if (!response.ok()) {
    if (failure.Answered(404) &&
        XmlText(failure.response.body, "Code").value_or("NoSuchKey") == "NoSuchKey") {
      return Status::OK();  // deletes are idempotent
    }
    return impl_->Explain("DELETE", request.key, failure);
  }
  return Status::OK();
}

Status S3Store::List(std::string_view prefix, const std::function<Status(const ObjectInfo&)>& fn) {
  return impl_->ListPages(prefix, /*delimited=*/false, fn, nullptr);
}

Status S3Store::ListDirectory(std::string_view prefix,
                              const std::function<Status(const ObjectInfo&)>& on_object,
                              const std::function<Status(std::string_view)>& on_prefix) {
  return impl_->ListPages(prefix, /*delimited=*/true, on_object, on_prefix);
}

Status S3Store::PutMultipart(std::string_view key, std::span<const uint8_t> data,
                             uint64_t part_bytes) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  if (part_bytes < (5 << 20)) part_bytes = 5 << 20;  // S3's smallest part but the last
  ASSIGN_OR_RETURN(std::string upload_id, CreateMultipartUpload(key));
  std::string full_key = impl_->FullKey(key);
  std::string complete = "<CompleteMultipartUpload>";
  auto abort = [&] {
    Request request = Impl::NoBody("DELETE", full_key);
    request.query = {{"uploadId", upload_id}};
    Failure ignored;
    (void)impl_->Perform("ABORT UPLOAD", request, &ignored);
  };
  for (uint64_t offset = 0, part = 1; offset < data.size() || part == 1;
       offset += part_bytes, ++part) {
    std::span<const uint8_t> body =
        data.subspan(offset, std::min<uint64_t>(part_bytes, data.size() - offset));
    Request request = Impl::WithBody("PUT", full_key, body);
    request.query = {{"partNumber", std::to_string(part)}, {"uploadId", upload_id}};
    Failure failure;
    Result<net::HttpResponse> response = impl_->Perform("UPLOAD PART", request, &failure);
    if (!response.ok()) {
      abort();
      return impl_->Explain("UPLOAD PART", full_key, failure);
    }
    complete += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>\"{}\"</ETag></Part>", part,
                            UnquoteETag(response->Header("etag").value_or("")));
    if (data.empty()) break;
  }
  complete += "</CompleteMultipartUpload>";
  Request request = Impl::WithBody(
      "POST", full_key,
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(complete.data()), complete.size()));
  request.query = {{"uploadId", upload_id}};
  request.headers.push_back("Content-Type: application/xml");
  Failure failure;
  Result<net::HttpResponse> response = impl_->Perform("COMPLETE UPLOAD", request, &failure);
  if (!response.ok()) {
    abort();
    return impl_->Explain("COMPLETE UPLOAD", full_key, failure);
  }
  // S3 may answer 200 with an error document after it started sending whitespace.
  if (XmlElements(response->body, "Error").size() > 0) {
    abort();
    return Status::IOError(fmt::format("COMPLETE UPLOAD {}: {}", impl_->Where(full_key),
                                       XmlText(response->body, "Message").value_or("failed")));
  }
  return Status::OK();
}

Result<std::string> S3Store::CreateMultipartUpload(std::string_view key) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  Request request = Impl::NoBody("POST", impl_->FullKey(key));
  request.query = {{"uploads", ""}};
  Failure failure;
  Result<net::HttpResponse> response = impl_->Perform("CREATE UPLOAD", request, &failure);
  if (!response.ok()) return impl_->Explain("CREATE UPLOAD", request.key, failure);
  std::optional<std::string> id = XmlText(response->body, "UploadId");
  if (!id || id->empty()) {
    return Status::IOError(
        fmt::format("CREATE UPLOAD {}: no UploadId in the answer", impl_->Where(request.key)));
  }
  return *id;
}

Result<size_t> S3Store::CleanTemporaries(int64_t min_age_ns, bool dry_run) {
  const int64_t now_ns = NowNanos();
  size_t count = 0;
  std::string key_marker, upload_marker;
  while (true) {
    Request request = Impl::NoBody("GET", "");
    request.query = {{"uploads", ""}};
    if (!impl_->key_prefix.empty()) request.query.emplace_back("prefix", impl_->key_prefix);
    if (!key_marker.empty()) request.query.emplace_back("key-marker", key_marker);
    if (!upload_marker.empty()) request.query.emplace_back("upload-id-marker", upload_marker);
    Failure failure;
    Result<net::HttpResponse> response = impl_->Perform("LIST UPLOADS", request, &failure);
    if (!response.ok()) return impl_->Explain("LIST UPLOADS", impl_->key_prefix, failure);
    for (std::string_view upload : XmlElements(response->body, "Upload")) {
      std::string key = XmlText(upload, "Key").value_or("");
      std::string id = XmlText(upload, "UploadId").value_or("");
      Result<int64_t> initiated = ParseIso8601(XmlText(upload, "Initiated").value_or(""));
      if (key.empty() || id.empty() || !initiated.ok()) continue;
      if (now_ns - *initiated < min_age_ns) continue;
      ++count;
      if (dry_run) continue;
      Request abort = Impl::NoBody("DELETE", key);
      abort.query = {{"uploadId", id}};
      Failure abort_failure;
      Result<net::HttpResponse> aborted = impl_->Perform("ABORT UPLOAD", abort, &abort_failure);
      if (!aborted.ok() && !abort_failure.Answered(404)) {
        return impl_->Explain("ABORT UPLOAD", key, abort_failure);
      }
    }
    if (XmlText(response->body, "IsTruncated").value_or("false") != "true") break;
    key_marker = XmlText(response->body, "NextKeyMarker").value_or("");
    upload_marker = XmlText(response->body, "NextUploadIdMarker").value_or("");
    if (key_marker.empty() && upload_marker.empty()) break;
  }
  return count;
}

Result<std::unique_ptr<S3Store>> OpenS3StoreDirect(S3Config config) {
  return std::unique_ptr<S3Store>(new S3Store(std::make_unique<S3Store::Impl>(std::move(config))));
}

Result<std::unique_ptr<ObjectStore>> OpenS3Store(std::string_view url) {
  ASSIGN_OR_RETURN(S3Config config, ParseS3Url(url));
  ASSIGN_OR_RETURN(std::unique_ptr<S3Store> store, OpenS3StoreDirect(std::move(config)));
  return std::unique_ptr<ObjectStore>(std::move(store));
}

}  // namespace strata::store
