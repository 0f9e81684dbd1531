#include "store/s3_store.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <utility>
#include <vector>

#include <curl/curl.h>
#include <fmt/core.h>

#include "core/chunk_id.h"
#include "net/curl_pool.h"
#include "net/url.h"
#include "store/s3_xml.h"

namespace strata::store {
namespace {

// SHA-256 of no bytes: the payload hash of every request without a body.
constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr size_t kMaxErrorBody = 64 * 1024;

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// What one HTTP exchange asks for.
struct Request {
  const char* method = "GET";
  std::string key;  // the full object key (with the store prefix); empty: the bucket itself
  QueryParams query;
  std::vector<std::string> headers;
  std::span<const uint8_t> body;  // PUT
  bool has_body = false;
  std::span<uint8_t> out;  // where a successful GET's bytes go; empty: into Response::body
  bool into_out = false;
};

struct Response {
  long status = 0;
  std::string body;  // error bodies and XML answers
  size_t out_bytes = 0;
  bool overflow = false;
  int64_t content_length = -1;
  int64_t mtime_ns = 0;
  std::string etag;
};

// Why a request failed after its retries: a curl error (no HTTP status) or an HTTP answer.
struct Failure {
  CURLcode curl = CURLE_OK;
  std::string curl_message;
  Response response;
};

size_t WriteCallback(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<std::pair<Response*, const Request*>*>(user);
  Response& response = *state->first;
  const Request& request = *state->second;
  size_t n = size * count;
  bool success = response.status >= 200 && response.status < 300;
  if (request.into_out && success) {
    if (response.out_bytes + n > request.out.size()) {
      response.overflow = true;
      return 0;  // aborts the transfer: the server sent more than the range asked for
    }
    std::memcpy(request.out.data() + response.out_bytes, data, n);
    response.out_bytes += n;
  } else if (response.body.size() < kMaxErrorBody || success) {
    response.body.append(data, n);
  }
  return n;
}

// An ETag without its quotes and surrounding blanks.
std::string UnquoteETag(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '"')) value.remove_prefix(1);
  while (!value.empty() &&
         (std::isspace(static_cast<unsigned char>(value.back())) || value.back() == '"')) {
    value.remove_suffix(1);
  }
  return std::string(value);
}

size_t HeaderCallback(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<Response*>(user);
  std::string_view line(data, size * count);
  // The status line of each response (a redirect or 100-continue may come first).
  if (line.starts_with("HTTP/")) {
    size_t space = line.find(' ');
    if (space != std::string_view::npos) response->status = std::atol(line.data() + space + 1);
  } else if (line.size() > 5 && strncasecmp(line.data(), "etag:", 5) == 0) {
    response->etag = UnquoteETag(line.substr(5));
  }
  return size * count;
}

struct ReadState {
  std::span<const uint8_t> body;
  size_t pos = 0;
};

size_t ReadCallback(char* buffer, size_t size, size_t count, void* user) {
  auto* state = static_cast<ReadState*>(user);
  size_t n = std::min(size * count, state->body.size() - state->pos);
  std::memcpy(buffer, state->body.data() + state->pos, n);
  state->pos += n;
  return n;
}

// A key, or a directory marker ("dir/", the empty object S3 tools make for an empty directory).
Status ValidateKeyOrMarker(std::string_view key) {
  if (key.ends_with('/')) key.remove_suffix(1);
  return ValidateObjectKey(key);
}

}  // namespace

struct S3Store::Impl {
  explicit Impl(S3Config c) : config(std::move(c)), handles(config.max_connections) {
    credentials = fmt::format("{}:{}", config.access_key, config.secret_key);
    sigv4 = fmt::format("aws:amz:{}:s3", config.region);
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

  // One attempt. OK with the response (any HTTP status), or the curl error.
  CURLcode Attempt(CURL* curl, const Request& request, Response& response,
                   std::string& curl_message) {
    curl_easy_reset(curl);
    std::string url = UrlFor(request);
    char error[CURL_ERROR_SIZE] = {0};
    std::pair<Response*, const Request*> write_state{&response, &request};
    ReadState read_state{request.body, 0};
    curl_slist* headers = nullptr;
    for (const auto& header : request.headers) headers = curl_slist_append(headers, header.c_str());
    if (!config.session_token.empty()) {
      headers = curl_slist_append(
          headers, fmt::format("x-amz-security-token: {}", config.session_token).c_str());
    }

    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_USERPWD, credentials.c_str());
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    // A stalled transfer (under 1 KiB/s for 30 s) is a timeout, retried; a slow one is not.
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_FILETIME, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteCallback);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &write_state);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, HeaderCallback);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
    if (!config.ca_bundle.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, config.ca_bundle.c_str());
    std::string_view method = request.method;
    if (method == "HEAD") {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (method == "PUT") {
      curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
      // No waiting for "100 Continue" before a body. (Removing the Expect header with "Expect:"
      // is not an option: curl's SigV4 would sign the removed header and every PUT gets 403.)
      curl_easy_setopt(curl, CURLOPT_EXPECT_100_TIMEOUT_MS, 1L);
      curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadCallback);
      curl_easy_setopt(curl, CURLOPT_READDATA, &read_state);
      curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    } else if (method == "POST") {
      curl_easy_setopt(curl, CURLOPT_POST, 1L);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS,
                       request.has_body ? reinterpret_cast<const char*>(request.body.data()) : "");
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.has_body ? request.body.size() : 0));
    } else if (method != "GET") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method);
    }
    CURLcode code = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    if (code == CURLE_OK) {
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
      curl_off_t length = -1;
      curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
      response.content_length = length;
      curl_off_t filetime = -1;
      curl_easy_getinfo(curl, CURLINFO_FILETIME_T, &filetime);
      if (filetime >= 0) response.mtime_ns = static_cast<int64_t>(filetime) * 1000000000;
    } else {
      curl_message = error[0] ? error : curl_easy_strerror(code);
    }
    return code;
  }

  // Performs `request`, retrying transient failures. The response of the last attempt, or the
  // failure that ended the retries.
  Result<Response> Perform(const Request& request, Failure* failure) {
    CURL* curl = handles.Acquire();
    Response response;
    CURLcode code = CURLE_OK;
    std::string curl_message;
    for (int attempt = 0; attempt < config.max_attempts; ++attempt) {
      if (attempt > 0) net::BackoffBeforeAttempt(attempt);
      response = Response();
      code = Attempt(curl, request, response, curl_message);
      if (code == CURLE_WRITE_ERROR && response.overflow) break;
      bool transient = code != CURLE_OK ? net::IsTransientCurlError(code)
                                        : net::IsTransientHttpStatus(response.status);
      if (!transient) break;
      retries.fetch_add(1, std::memory_order_relaxed);
    }
    handles.Release(curl);
    if (code != CURLE_OK || response.status >= 300 || response.status < 200) {
      failure->curl = code;
      failure->curl_message =
          response.overflow ? "the server sent more bytes than asked for" : curl_message;
      failure->response = std::move(response);
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
      Result<Response> response = Perform(request, &failure);
      if (!response.ok()) return Explain("LIST", full_prefix, failure);
      for (std::string_view contents : XmlElements(response->body, "Contents")) {
        std::string key = XmlText(contents, "Key").value_or("");
        if (!key.starts_with(key_prefix)) continue;
        ObjectInfo info;
        info.key = key.substr(key_prefix.size());
        info.size_bytes =
            std::strtoull(XmlText(contents, "Size").value_or("0").c_str(), nullptr, 10);
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
    if (f.curl != CURLE_OK) {
      return Status::Unavailable(fmt::format("{} {}: {} (endpoint {}, {} attempts)", what, where,
                                             f.curl_message, config.endpoint, config.max_attempts));
    }
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
  std::string credentials;
  std::string sigv4;
  std::string base;        // scheme://host[/bucket], no trailing '/'
  std::string key_prefix;  // "" or "prefix/"
  std::atomic<uint64_t> retries{0};

  net::CurlHandlePool handles;
};

S3Store::S3Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
S3Store::~S3Store() = default;

const S3Config& S3Store::config() const { return impl_->config; }

std::string S3Store::url() const { return impl_->config.url; }

Status S3Store::Put(std::string_view key, std::span<const uint8_t> data) {
  RETURN_IF_ERROR(ValidateKeyOrMarker(key));
  Request request;
  request.method = "PUT";
  request.key = impl_->FullKey(key);
  request.body = data;
  request.has_body = true;
  request.headers.push_back(fmt::format("x-amz-content-sha256: {}", ChunkId::Of(data).Hex()));
  request.headers.push_back("Content-Type: application/octet-stream");
  Failure failure;
  Result<Response> response = impl_->Perform(request, &failure);
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
  request.into_out = true;
  Failure failure;
  Result<Response> response = impl_->Perform(request, &failure);
  if (!response.ok()) {
    if (failure.curl == CURLE_OK && failure.response.status == 412) {
      return Status::Aborted(fmt::format("{} changed since it was opened (ETag {} is gone)",
                                         impl_->Where(request.key), etag));
    }
    if (failure.curl == CURLE_OK && failure.response.status == 416) {
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
  Result<Response> response = impl_->Perform(request, &failure);
  if (!response.ok()) return impl_->Explain("HEAD", request.key, failure);
  ObjectInfo info;
  info.key = std::string(key);
  info.size_bytes =
      response->content_length < 0 ? 0 : static_cast<uint64_t>(response->content_length);
  info.mtime_ns = response->mtime_ns;
  info.etag = response->etag;
  return info;
}

Status S3Store::Delete(std::string_view key) {
  RETURN_IF_ERROR(ValidateKeyOrMarker(key));
  Request request = Impl::NoBody("DELETE", impl_->FullKey(key));
  Failure failure;
  Result<Response> response = impl_->Perform(request, &failure);
  if (!response.ok()) {
    if (failure.curl == CURLE_OK && failure.response.status == 404 &&
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
    (void)impl_->Perform(request, &ignored);
  };
  for (uint64_t offset = 0, part = 1; offset < data.size() || part == 1;
       offset += part_bytes, ++part) {
    std::span<const uint8_t> body =
        data.subspan(offset, std::min<uint64_t>(part_bytes, data.size() - offset));
    Request request;
    request.method = "PUT";
    request.key = full_key;
    request.query = {{"partNumber", std::to_string(part)}, {"uploadId", upload_id}};
    request.body = body;
    request.has_body = true;
    request.headers.push_back(fmt::format("x-amz-content-sha256: {}", ChunkId::Of(body).Hex()));
    Failure failure;
    Result<Response> response = impl_->Perform(request, &failure);
    if (!response.ok()) {
      abort();
      return impl_->Explain("UPLOAD PART", full_key, failure);
    }
    complete += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>\"{}\"</ETag></Part>", part,
                            response->etag);
    if (data.empty()) break;
  }
  complete += "</CompleteMultipartUpload>";
  Request request;
  request.method = "POST";
  request.key = full_key;
  request.query = {{"uploadId", upload_id}};
  request.body =
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(complete.data()), complete.size());
  request.has_body = true;
  request.headers.push_back(
      fmt::format("x-amz-content-sha256: {}", ChunkId::Of(request.body).Hex()));
  request.headers.push_back("Content-Type: application/xml");
  Failure failure;
  Result<Response> response = impl_->Perform(request, &failure);
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
  Result<Response> response = impl_->Perform(request, &failure);
  if (!response.ok()) return impl_->Explain("CREATE UPLOAD", request.key, failure);
  std::optional<std::string> id = XmlText(response->body, "UploadId");
  if (!id || id->empty()) {
    return Status::IOError(
        fmt::format("CREATE UPLOAD {}: no UploadId in the answer", impl_->Where(request.key)));
  }
  return *id;
}

Result<size_t> S3Store::CleanTemporaries(int64_t min_age_ns, bool dry_run) {
  const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  size_t count = 0;
  std::string key_marker, upload_marker;
  while (true) {
    Request request = Impl::NoBody("GET", "");
    request.query = {{"uploads", ""}};
    if (!impl_->key_prefix.empty()) request.query.emplace_back("prefix", impl_->key_prefix);
    if (!key_marker.empty()) request.query.emplace_back("key-marker", key_marker);
    if (!upload_marker.empty()) request.query.emplace_back("upload-id-marker", upload_marker);
    Failure failure;
    Result<Response> response = impl_->Perform(request, &failure);
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
      Result<Response> aborted = impl_->Perform(abort, &abort_failure);
      if (!aborted.ok() &&
          !(abort_failure.curl == CURLE_OK && abort_failure.response.status == 404)) {
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
  net::CurlGlobalInit();
  return std::unique_ptr<S3Store>(new S3Store(std::make_unique<S3Store::Impl>(std::move(config))));
}

Result<std::unique_ptr<ObjectStore>> OpenS3Store(std::string_view url) {
  ASSIGN_OR_RETURN(S3Config config, ParseS3Url(url));
  ASSIGN_OR_RETURN(std::unique_ptr<S3Store> store, OpenS3StoreDirect(std::move(config)));
  return std::unique_ptr<ObjectStore>(std::move(store));
}

}  // namespace strata::store
