// HttpServer: the HTTP/1.1 server of Strata's daemons (strata serve), written for clients that
// may be hostile.
//
// One event-loop thread accepts connections and reads request heads (http_request.h: bounded in
// bytes, lines and headers, and in time: the head must arrive within `head_timeout_ms` of its
// first byte, a kept-alive connection may idle `idle_timeout_ms`); only a request whose head is
// complete takes one of the `threads` workers. So clients that trickle heads, or keep idle
// connections open, hold a few KiB each and no thread. While a handler runs, every wait for the
// client is bounded (`io_timeout_ms`), and a body must keep a minimum rate. Open connections are
// bounded in all and per client address.
//
// A request body is read only by the handler that asks for it (ContentReader), each route with
// its own bound; a body the handler did not read to its end (a refused upload, a route that does
// not exist) is never parsed as the next request: the connection is closed after the answer.
// Responses are sent from the handler's Response: a body in memory, a static one, or a content
// provider called piece by piece (downloads), with one Range honoured (206; several ranges are
// answered with the whole body, 200).
//
// Thread-safe: handlers run concurrently on the workers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "net/http_request.h"

namespace strata::net {

class Request {
 public:
  RequestHead head;
  std::smatch matches;            // the route's captures (over head.path)
  std::vector<ByteRange> ranges;  // the Range header's (GET and HEAD)
  std::string remote_ip;

  const std::string& method() const { return head.method; }
  const std::string& path() const { return head.path; }
  std::string Header(std::string_view lower_case_name) const;  // "" when absent
  bool HasHeader(std::string_view lower_case_name) const;
  std::string Param(std::string_view name) const;  // "" when absent
  bool HasParam(std::string_view name) const;
};

// Where a content provider writes its bytes; false once the client is gone.
class DataSink {
 public:
  virtual ~DataSink() = default;
  virtual bool Write(const char* data, size_t length) = 0;
};
// Writes (some of) the `length` bytes at `offset` of the body to `sink`; called again at the new
// offset until the body is sent. False ends the connection (a short body).
using ContentProvider = std::function<bool(uint64_t offset, uint64_t length, DataSink& sink)>;

class Response {
 public:
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void SetHeader(std::string name, std::string value);
  void SetContent(std::string content, std::string content_type);
  // A body the server does not copy: it must outlive the server (a compiled-in asset).
  void SetStaticContent(std::string_view content, std::string content_type);
  void SetContentProvider(uint64_t length, std::string content_type, ContentProvider provider);

  bool has_body() const { return !body.empty() || !static_body_.empty() || provider_ != nullptr; }

 private:
  friend class HttpServer;
  friend struct HttpServerInternals;
  std::string content_type_;
  std::string_view static_body_;
  uint64_t provider_length_ = 0;
  ContentProvider provider_;
};

using ContentReceiver = std::function<bool(const char* data, size_t length)>;
// Reads the request body, handing it to the receiver piece by piece (a false from the receiver
// stops it). False if the body did not arrive whole (cut, too slow, malformed chunks) or was
// refused. Once per request.
using ContentReader = std::function<bool(const ContentReceiver& receive)>;

using Handler = std::function<void(const Request&, Response&)>;
using BodyHandler = std::function<void(const Request&, Response&, const ContentReader&)>;

struct HttpServerOptions {
  size_t threads = 64;                        // requests handled at once
  size_t max_connections = 4096;              // open connections, idle ones included
  size_t max_connections_per_ip = 1024;       // of one client address
  int64_t head_timeout_ms = 10000;            // a request's head, from its first byte
  int64_t idle_timeout_ms = 5000;             // a kept-alive connection between requests
  int64_t io_timeout_ms = 60000;              // any one wait for the client within a request
  uint64_t min_body_bytes_per_second = 4096;  // a body's average rate, after io_timeout_ms
  HttpLimits limits;
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes: `pattern` must match the whole decoded path (std::regex, ECMAScript). A GET route
  // answers HEAD too, without the body.
  void Get(const std::string& pattern, Handler handler);
  void Post(const std::string& pattern, BodyHandler handler);
  void Put(const std::string& pattern, BodyHandler handler);
  void Delete(const std::string& pattern, BodyHandler handler);

  // Called after each answer (counters).
  void SetLogger(std::function<void(const Request&, const Response&)> logger);
  // Fills the answer to a handler that threw (status 500 is set before).
  void SetExceptionHandler(std::function<void(Response&, std::string_view what)> handler);
  // Fills the body of an error answer the server makes itself (no route, a refused head).
  void SetErrorBody(std::function<void(Response&, std::string_view reason)> body);

  // Binds HOST:PORT (port 0: a free one). The port is never shared (no SO_REUSEPORT): a second
  // server on a port in use fails here, naming it.
  Status Bind(const std::string& host, int port);
  int port() const;
  // Serves until Stop() (from any thread); returns once every worker has finished.
  Status Serve();
  void Stop();

 private:
  struct Impl;
  struct Route;
  std::unique_ptr<Impl> impl_;
};

// "HOST:PORT" → (host, port); InvalidArgument naming `what` ("--listen") otherwise.
Result<std::pair<std::string, int>> ParseHostPort(std::string_view text, std::string_view what);

}  // namespace strata::net
