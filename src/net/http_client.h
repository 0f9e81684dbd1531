// HttpClient: the one HTTP(S) client of Strata, on libcurl: the S3 store (signing with SigV4),
// sources outside our stores (model hubs, URLs), the peer tier and Strata's own API (the CLI's
// uploads to a server).
//
// Redirects are followed (the Authorization header is not sent on to another host, as curl does
// by default: a hub's token must not reach its CDN). Handles come from a bounded pool and are
// reused, so connections stay alive across requests. Connection errors, timeouts, 429 and 5xx are
// retried with backoff; every other answer is final. Ranged reads land straight in the caller's
// buffer and fail unless the server sent exactly the range asked for.
// Thread-safe.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "net/curl_pool.h"

namespace strata::net {

// AWS Signature Version 4, computed by curl for each request (S3 and what speaks its API). The
// caller sends the payload's hash as `x-amz-content-sha256`, which is signed with the rest.
struct SigV4Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // sent as x-amz-security-token when set
  std::string region = "us-east-1";
  std::string service = "s3";
};

struct HttpClientOptions {
  size_t max_connections = 16;
  int max_attempts = 5;
  std::vector<std::string> headers;  // sent with every request, e.g. "Authorization: Bearer …"
  // When set ("https://hub.example:443"), `headers` go only to URLs of this origin: a token for
  // a hub must not reach the CDN its downloads redirect to, nor any other host.
  std::string headers_origin;
  long connect_timeout_ms = 5000;
  long timeout_ms = 0;  // a whole request at most; 0: none (a stalled transfer still times out)
  // When set, every connection (each redirect hop's included) is made only to an address it
  // accepts, checked on the address actually connected (after DNS); a refusal fails the request
  // with PermissionDenied. IsPublicAddress refuses loopback, private, link-local and multicast.
  std::function<bool(const sockaddr* address)> connect_filter;
  // False: the body of a non-2xx answer is never kept, so no error message can repeat it (the
  // answer of a URL a caller chose may be secret: a metadata service's, an internal page).
  bool keep_error_bodies = true;
  // False: a 3xx is the answer (an object store never redirects a signed request elsewhere).
  bool follow_redirects = true;
  std::optional<SigV4Credentials> sigv4;
  std::string ca_bundle;  // a PEM file of trusted CAs instead of the system's; empty: the system's
  Clock* clock = &Clock::System();  // waits between attempts on it (a FakeClock in tests)
};

// `url`'s origin, normalized: lower-case scheme and host, the port always given
// ("https://Hub.Example/x" → "https://hub.example:443"); empty if it is not an http(s) URL.
std::string UrlOrigin(std::string_view url);

struct HttpResponse {
  long status = 0;
  std::string effective_url;  // after redirects
  // The final response's headers, names in lower case, in order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // Get: the body; GetRange: only an error's body
  size_t out_bytes = 0;
  int64_t content_length = -1;  // as the server announced it; -1: not announced
  int64_t mtime_ns = 0;         // Last-Modified, when the server sent one

  std::optional<std::string> Header(std::string_view lower_case_name) const;
};

// One request of any method, for callers that need more than Get/Send (an object store).
struct HttpExchange {
  std::string_view method = "GET";  // HEAD asks for no body
  std::string_view url;
  std::vector<std::string> headers;  // this request's own, besides the client's
  std::span<const uint8_t> body;     // PUT and POST send it (empty: Content-Length 0)
  // When set, a 2xx answer's body goes here and must fit; otherwise into HttpResponse::body, up
  // to max_body_bytes.
  std::optional<std::span<uint8_t>> out;
  size_t max_body_bytes = 64 << 20;
  // Names the request in the errors of failed transfers instead of "METHOD url"
  // (e.g. "PUT s3://bucket/key (endpoint http://…)").
  std::string_view what;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);

  // GET `url`. Any final status comes back as a response (the caller decides what a 404 means);
  // errors are for transfers that failed, and bodies over `max_body_bytes`.
  Result<HttpResponse> Get(std::string_view url, size_t max_body_bytes,
                           const std::vector<std::string>& headers = {});

  // Bytes [offset, offset + out.size()) of `url` into `out`. A non-2xx answer becomes a Status
  // (NotFound, PermissionDenied, IOError; Unavailable after the retries), and so does any answer
  // that is not exactly that range.
  Result<HttpResponse> GetRange(std::string_view url, uint64_t offset, std::span<uint8_t> out);

  // The whole body of `url`, which must be exactly out.size() bytes, into `out`; `headers` are
  // added to this request. Non-2xx answers become a Status as for GetRange.
  Result<HttpResponse> GetInto(std::string_view url, const std::vector<std::string>& headers,
                               std::span<uint8_t> out);

  // GET `url`, its body handed to `sink` piece by piece as it arrives (the first error of `sink`
  // stops the transfer and is returned). Not retried once a byte has reached `sink`. Any final
  // status comes back as a response; `sink` sees only a 2xx answer's body.
  Result<HttpResponse> GetStream(std::string_view url,
                                 const std::function<Status(std::span<const uint8_t>)>& sink,
                                 const std::vector<std::string>& headers = {});

  // `method` (PUT, POST, DELETE) with `body`; the answer's body up to `max_body_bytes`. Retried
  // like a GET (the body is sent again), so use it for idempotent requests.
  Result<HttpResponse> Send(std::string_view method, std::string_view url,
                            std::span<const uint8_t> body, size_t max_body_bytes,
                            const std::vector<std::string>& headers = {});

  // `exchange`, retried as any request. Every final HTTP status comes back as a response;
  // errors are for transfers that failed (Unavailable after the retries of a transient one) and
  // bodies over their bound.
  Result<HttpResponse> Exchange(const HttpExchange& exchange);

 private:
  struct Transfer;
  Result<HttpResponse> Perform(std::string_view url, Transfer& transfer);

  HttpClientOptions options_;
  std::string sigv4_userpwd_;   // "access:secret"
  std::string sigv4_provider_;  // "aws:amz:region:service"
  CurlHandlePool handles_;
};

// The error a non-2xx response stands for: 404 NotFound, 401/403 PermissionDenied, 429/5xx
// Unavailable, others IOError; `what` says what was asked, the URL is named without its query
// (signed URLs carry credentials there).
Status HttpStatusError(std::string_view what, std::string_view url, const HttpResponse& response);

// `url` without its query string and fragment, for messages.
std::string UrlForMessages(std::string_view url);

}  // namespace strata::net
