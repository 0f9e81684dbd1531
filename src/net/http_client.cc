#include "net/http_client.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include <fmt/core.h>

#include "base/ascii.h"
#include "net/net_address.h"

namespace strata::net {
namespace {

constexpr size_t kMaxErrorBody = size_t{64} * 1024;
constexpr long kMaxRedirects = 10;

}  // namespace

// One request's state, shared with curl's callbacks.
struct HttpClient::Transfer {
  std::string method = "GET";
  std::span<const uint8_t> upload;  // the request's body
  size_t uploaded = 0;
  std::span<uint8_t> out;  // ranged reads: where the body goes
  bool into_out = false;
  const std::function<Status(std::span<const uint8_t>)>* sink = nullptr;  // streamed reads
  Status sink_error;
  size_t delivered = 0;  // bytes handed to `sink`
  size_t max_body = kMaxErrorBody;
  std::string range;                                  // "first-last", or empty
  const std::vector<std::string>* headers = nullptr;  // this request's own, besides the client's
  HttpResponse response;
  bool overflow = false;
  size_t max_error_body = kMaxErrorBody;
  const std::function<bool(const sockaddr*)>* connect_filter = nullptr;
  std::string refused_address;  // set when connect_filter refused a connection
  std::string_view what;        // names the request in errors; empty: "METHOD url"

  std::string Label(std::string_view url) const {
    return what.empty() ? fmt::format("{} {}", method, UrlForMessages(url)) : std::string(what);
  }

  bool success() const { return response.status >= 200 && response.status < 300; }

  static size_t OnBody(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    size_t n = size * count;
    if (t->sink && t->success()) {
      t->sink_error = (*t->sink)(std::span<const uint8_t>(reinterpret_cast<uint8_t*>(data), n));
      if (!t->sink_error.ok()) return 0;
      t->delivered += n;
      return n;
    }
    if (t->into_out && t->success()) {
      if (t->response.out_bytes + n > t->out.size()) {
        t->overflow = true;
        return 0;  // aborts: more bytes than the range asked for
      }
      std::memcpy(t->out.data() + t->response.out_bytes, data, n);
      t->response.out_bytes += n;
      return n;
    }
    size_t limit = t->success() ? t->max_body : t->max_error_body;
    if (t->response.body.size() + n > limit) {
      if (t->success()) {
        t->overflow = true;
        return 0;
      }
      n = limit - std::min(limit, t->response.body.size());  // keep the start of an error body
      t->response.body.append(data, n);
      return size * count;
    }
    t->response.body.append(data, n);
    return n;
  }

  static size_t OnRead(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    size_t n = std::min(size * count, t->upload.size() - t->uploaded);
    std::memcpy(data, t->upload.data() + t->uploaded, n);
    t->uploaded += n;
    return n;
  }

  // curl rewinds the body when it sends it again within one attempt (a reused connection that
  // turned out dead).
  static int OnSeek(void* user, curl_off_t offset, int origin) {
    auto* t = static_cast<Transfer*>(user);
    if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > t->upload.size()) {
      return CURL_SEEKFUNC_CANTSEEK;
    }
    t->uploaded = static_cast<size_t>(offset);
    return CURL_SEEKFUNC_OK;
  }

  static curl_socket_t OnOpenSocket(void* user, curlsocktype, curl_sockaddr* address) {
    auto* t = static_cast<Transfer*>(user);
    if (!(*t->connect_filter)(&address->addr)) {
      t->refused_address = FormatAddress(&address->addr);
      return CURL_SOCKET_BAD;
    }
    return ::socket(address->family, address->socktype, address->protocol);
  }

  static size_t OnHeader(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
      // A new response (after a redirect): only the last one's headers count.
      t->response.headers.clear();
      size_t space = line.find(' ');
      if (space != std::string_view::npos) t->response.status = std::atol(line.data() + space + 1);
      return size * count;
    }
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      t->response.headers.emplace_back(AsciiLower(line.substr(0, colon)),
                                       std::string(TrimAsciiSpace(line.substr(colon + 1))));
    }
    return size * count;
  }
};

std::optional<std::string> HttpResponse::Header(std::string_view lower_case_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_case_name) return value;
  }
  return std::nullopt;
}

std::string UrlOrigin(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "";
  std::string scheme = AsciiLower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return "";
  std::string_view rest = url.substr(scheme_end + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string host = AsciiLower(authority);
  size_t bracket = host.rfind(']');
  size_t colon = host.rfind(':');
  bool has_port = colon != std::string::npos && (bracket == std::string::npos || colon > bracket);
  if (!has_port) host += scheme == "https" ? ":443" : ":80";
  return scheme + "://" + host;
}

std::string UrlForMessages(std::string_view url) {
  return std::string(url.substr(0, url.find_first_of("?#")));
}

Status HttpStatusError(std::string_view what, std::string_view url, const HttpResponse& response) {
  std::string detail = fmt::format("HTTP {}", response.status);
  std::string body(TrimAsciiSpace(std::string_view(response.body).substr(0, 300)));
  if (!body.empty() && body.find('<') == std::string::npos) detail += ": " + body;
  std::string message = fmt::format("{} {}: {}", what, UrlForMessages(url), detail);
  long s = response.status;
  if (s == 404 || s == 410) return Status::NotFound(message);
  if (s == 401 || s == 403) return Status::PermissionDenied(message);
  if (IsTransientHttpStatus(s)) return Status::Unavailable(message);
  return Status::IOError(message);
}

HttpClient::HttpClient(HttpClientOptions options)
    : options_(std::move(options)), handles_(options_.max_connections) {
  CurlGlobalInit();
  if (options_.sigv4) {
    const SigV4Credentials& c = *options_.sigv4;
    sigv4_userpwd_ = fmt::format("{}:{}", c.access_key, c.secret_key);
    sigv4_provider_ = fmt::format("aws:amz:{}:{}", c.region, c.service);
    if (!c.session_token.empty()) {
      options_.headers.push_back(fmt::format("x-amz-security-token: {}", c.session_token));
    }
  }
}

Result<HttpResponse> HttpClient::Perform(std::string_view url, Transfer& transfer) {
  std::string url_string(url);
  CURL* curl = handles_.Acquire();
  CURLcode code = CURLE_OK;
  char error[CURL_ERROR_SIZE] = {0};
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    BackoffBeforeAttempt(*options_.clock, kHttpBackoff, attempt);
    if (transfer.delivered > 0) break;  // a stream cannot be taken back
    transfer.response = HttpResponse();
    transfer.overflow = false;
    transfer.uploaded = 0;
    error[0] = 0;
    curl_easy_reset(curl);
    curl_slist* headers = nullptr;
    if (options_.headers_origin.empty() || UrlOrigin(url) == options_.headers_origin) {
      for (const auto& header : options_.headers) {
        headers = curl_slist_append(headers, header.c_str());
      }
    }
    if (transfer.headers) {
      for (const auto& header : *transfer.headers) {
        headers = curl_slist_append(headers, header.c_str());
      }
    }
    curl_easy_setopt(curl, CURLOPT_URL, url_string.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (options_.follow_redirects) {
      curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
      curl_easy_setopt(curl, CURLOPT_MAXREDIRS, kMaxRedirects);
    }
    if (options_.sigv4) {
      curl_easy_setopt(curl, CURLOPT_USERPWD, sigv4_userpwd_.c_str());
      curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4_provider_.c_str());
    }
    if (!options_.ca_bundle.empty()) {
      curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_bundle.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_FILETIME, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
    if (options_.timeout_ms > 0) curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, options_.timeout_ms);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    // Bigger receive pieces: a 16 MiB range in 64 callbacks instead of 1,024.
    curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, 256L * 1024);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "strata/0.1");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Transfer::OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Transfer::OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    if (!transfer.range.empty()) curl_easy_setopt(curl, CURLOPT_RANGE, transfer.range.c_str());
    if (options_.connect_filter) {
      transfer.connect_filter = &options_.connect_filter;
      transfer.refused_address.clear();
      curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, &Transfer::OnOpenSocket);
      curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &transfer);
    }
    if (!options_.keep_error_bodies) transfer.max_error_body = 0;
    if (transfer.method == "PUT" || transfer.method == "POST") {
      curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
                       static_cast<curl_off_t>(transfer.upload.size()));
      curl_easy_setopt(curl, CURLOPT_READFUNCTION, &Transfer::OnRead);
      curl_easy_setopt(curl, CURLOPT_READDATA, &transfer);
      curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, &Transfer::OnSeek);
      curl_easy_setopt(curl, CURLOPT_SEEKDATA, &transfer);
      if (options_.sigv4) {
        // Removing the header ("Expect:") is no option here: SigV4 would sign the removed
        // header, and the server would refuse every PUT. Not waiting for 100 Continue is.
        curl_easy_setopt(curl, CURLOPT_EXPECT_100_TIMEOUT_MS, 1L);
      } else {
        headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
      }
    }
    if (transfer.method == "HEAD") {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (transfer.method != "GET" && transfer.method != "PUT") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, transfer.method.c_str());
    }
    code = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    if (code == CURLE_OK) {
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &transfer.response.status);
      char* effective = nullptr;
      curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective);
      if (effective) transfer.response.effective_url = effective;
      curl_off_t length = -1;
      curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
      transfer.response.content_length = length;
      curl_off_t filetime = -1;
      curl_easy_getinfo(curl, CURLINFO_FILETIME_T, &filetime);
      if (filetime >= 0) transfer.response.mtime_ns = static_cast<int64_t>(filetime) * 1000000000;
      if (!IsTransientHttpStatus(transfer.response.status)) break;
    } else if (transfer.overflow || !transfer.refused_address.empty() ||
               !IsTransientCurlError(code)) {
      break;
    }
  }
  handles_.Release(curl);
  if (!transfer.refused_address.empty()) {
    return Status::PermissionDenied(
        fmt::format("{}: refused to connect to {} (a loopback, private, link-local or "
                    "multicast address)",
                    transfer.Label(url), transfer.refused_address));
  }
  if (!transfer.sink_error.ok()) return transfer.sink_error;
  if (transfer.overflow) {
    return Status::IOError(fmt::format("{}: the server sent more bytes than {}",
                                       transfer.Label(url),
                                       transfer.into_out ? "asked for" : "allowed"));
  }
  if (code != CURLE_OK) {
    std::string message = error[0] ? error : curl_easy_strerror(code);
    std::string text =
        fmt::format("{}: {} ({} attempts)", transfer.Label(url), message, options_.max_attempts);
    return IsTransientCurlError(code) ? Status::Unavailable(text) : Status::IOError(text);
  }
  return std::move(transfer.response);
}

Result<HttpResponse> HttpClient::Get(std::string_view url, size_t max_body_bytes,
                                     const std::vector<std::string>& headers) {
  Transfer transfer;
  transfer.max_body = max_body_bytes;
  transfer.headers = &headers;
  return Perform(url, transfer);
}

Result<HttpResponse> HttpClient::GetRange(std::string_view url, uint64_t offset,
                                          std::span<uint8_t> out) {
  if (out.empty()) return Status::InvalidArgument("GetRange of no bytes");
  Transfer transfer;
  transfer.out = out;
  transfer.into_out = true;
  transfer.range = fmt::format("{}-{}", offset, offset + out.size() - 1);
  ASSIGN_OR_RETURN(HttpResponse response, Perform(url, transfer));
  if (response.status < 200 || response.status >= 300) {
    return HttpStatusError("GET", url, response);
  }
  if (response.status == 200 && offset != 0) {
    return Status::IOError(
        fmt::format("GET {}: the server ignored the Range header", UrlForMessages(url)));
  }
  if (response.out_bytes != out.size()) {
    return Status::IOError(fmt::format("GET {}: {} bytes at offset {} asked for, {} received",
                                       UrlForMessages(url), out.size(), offset,
                                       response.out_bytes));
  }
  return response;
}

Result<HttpResponse> HttpClient::GetInto(std::string_view url,
                                         const std::vector<std::string>& headers,
                                         std::span<uint8_t> out) {
  Transfer transfer;
  transfer.out = out;
  transfer.into_out = true;
  transfer.headers = &headers;
  ASSIGN_OR_RETURN(HttpResponse response, Perform(url, transfer));
  if (response.status < 200 || response.status >= 300) {
    return HttpStatusError("GET", url, response);
  }
  if (response.out_bytes != out.size()) {
    return Status::IOError(fmt::format("GET {}: {} bytes expected, {} received",
                                       UrlForMessages(url), out.size(), response.out_bytes));
  }
  return response;
}

Result<HttpResponse> HttpClient::GetStream(
    std::string_view url, const std::function<Status(std::span<const uint8_t>)>& sink,
    const std::vector<std::string>& headers) {
  Transfer transfer;
  transfer.sink = &sink;
  transfer.headers = &headers;
  return Perform(url, transfer);
}

Result<HttpResponse> HttpClient::Send(std::string_view method, std::string_view url,
                                      std::span<const uint8_t> body, size_t max_body_bytes,
                                      const std::vector<std::string>& headers) {
  Transfer transfer;
  transfer.method = std::string(method);
  transfer.upload = body;
  transfer.max_body = max_body_bytes;
  transfer.headers = &headers;
  return Perform(url, transfer);
}

Result<HttpResponse> HttpClient::Exchange(const HttpExchange& exchange) {
  Transfer transfer;
  transfer.method = std::string(exchange.method);
  transfer.upload = exchange.body;
  if (exchange.out) {
    transfer.out = *exchange.out;
    transfer.into_out = true;
  }
  transfer.max_body = exchange.max_body_bytes;
  transfer.headers = &exchange.headers;
  transfer.what = exchange.what;
  return Perform(exchange.url, transfer);
}

}  // namespace strata::net
