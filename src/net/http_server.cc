// Over 500 lines on purpose: the event loop (accept, heads, deadlines, caps), the workers and the
// response writer share one Impl whose invariants (a connection is owned by exactly one of the
// loop, a worker or the returned queue; every wait is bounded) are easier to check in one file
// than across three that would each need the whole Impl.
#include "net/http_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>

#include <fmt/core.h>

#include "base/mutex.h"
#include "base/parse_integer.h"
#include "base/posix.h"

namespace strata::net {
namespace {

constexpr size_t kReadPiece = size_t{256} * 1024;
constexpr uint64_t kMaxDrainBytes =
    uint64_t{64} * 1024;  // an unread body drained to keep the connection
constexpr int kSweepMs = 100;
constexpr int64_t kLingerMs = 2000;  // after an answer to a body left unread
constexpr uint64_t kMaxLingerBytes = 16 << 20;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string_view Reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    case 507:
      return "Insufficient Storage";
    default:
      return "Status";
  }
}

bool Poll(int fd, short events, int64_t timeout_ms) {
  pollfd p{fd, events, 0};
  for (;;) {
    int n = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, timeout_ms)));
    if (n < 0 && errno == EINTR) continue;
    return n > 0 && (p.revents & (events | POLLHUP | POLLERR)) != 0;
  }
}

}  // namespace

// ---- Request, Response ----

std::string Request::Header(std::string_view name) const {
  std::optional<std::string_view> v = head.Header(name);
  return v ? std::string(*v) : std::string();
}
bool Request::HasHeader(std::string_view name) const { return head.Header(name).has_value(); }
std::string Request::Param(std::string_view name) const {
  std::optional<std::string_view> v = head.Param(name);
  return v ? std::string(*v) : std::string();
}
bool Request::HasParam(std::string_view name) const { return head.Param(name).has_value(); }

void Response::SetHeader(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
}
void Response::SetContent(std::string content, std::string content_type) {
  body = std::move(content);
  content_type_ = std::move(content_type);
  static_body_ = {};
  provider_ = nullptr;
}
void Response::SetStaticContent(std::string_view content, std::string content_type) {
  body.clear();
  static_body_ = content;
  content_type_ = std::move(content_type);
  provider_ = nullptr;
}
void Response::SetContentProvider(uint64_t length, std::string content_type,
                                  ContentProvider provider) {
  body.clear();
  static_body_ = {};
  content_type_ = std::move(content_type);
  provider_length_ = length;
  provider_ = std::move(provider);
}

// ---- the server ----

struct HttpServer::Route {
  std::string method;
  std::regex pattern;
  Handler handler;
  BodyHandler body_handler;
};

namespace {

// Open connections, in all and per client address.
struct ConnectionCounts {
  Mutex mu;
  size_t open GUARDED_BY(mu) = 0;
  std::unordered_map<std::string, size_t> per_ip GUARDED_BY(mu);
};

struct Connection {
  ConnectionCounts* counts = nullptr;  // set once counted
  int fd = -1;
  std::string ip;
  std::string in;           // received and not yet consumed
  int64_t deadline_ms = 0;  // while waiting in the loop
  bool started = false;     // a byte of the next request has arrived

  ~Connection() {
    if (fd >= 0) ::close(fd);
    if (!counts) return;
    MutexLock lock(counts->mu);
    --counts->open;
    auto it = counts->per_ip.find(ip);
    if (it != counts->per_ip.end() && --it->second == 0) counts->per_ip.erase(it);
  }
};

}  // namespace

// Response's insides, for the server's writer.
struct HttpServerInternals {
  static const std::string& content_type(const Response& r) { return r.content_type_; }
  static std::string_view static_body(const Response& r) { return r.static_body_; }
  static uint64_t provider_length(const Response& r) { return r.provider_length_; }
  static const ContentProvider& provider(const Response& r) { return r.provider_; }
};

struct HttpServer::Impl {
  HttpServerOptions options;
  std::vector<Route> routes;
  std::function<void(const Request&, const Response&)> logger;
  std::function<void(Response&, std::string_view)> exception_handler;
  std::function<void(Response&, std::string_view)> error_body;

  int listen_fd = -1;
  int port = 0;
  int epoll_fd = -1;
  int wake_fd = -1;
  std::atomic<bool> stopping{false};

  struct Job {
    std::unique_ptr<Connection> conn;
    RequestHead head;
    size_t head_bytes = 0;
  };
  ConnectionCounts counts;
  Mutex mu;
  std::condition_variable work;
  std::deque<Job> jobs GUARDED_BY(mu);
  std::vector<std::unique_ptr<Connection>> returned GUARDED_BY(mu);  // back to the loop
  std::set<int> active_fds GUARDED_BY(mu);                           // held by workers
  // Connections the loop waits on (a head being read, or idle): the loop thread's alone.
  std::unordered_map<int, std::unique_ptr<Connection>> waiting;

  explicit Impl(const HttpServerOptions& o) : options(o) {}

  void Wake() {
    uint64_t one = 1;
    (void)!::write(wake_fd, &one, sizeof one);
  }

  // ---- the loop ----
  void AcceptAll();
  void ReadHead(int fd);
  void Sweep();
  void Watch(std::unique_ptr<Connection> conn, int64_t timeout_ms);
  void Dispatch(std::unique_ptr<Connection> conn, RequestHead head, size_t head_bytes);
  void RefuseHead(Connection& conn, int status, std::string_view reason);
  void TakeReturned();

  // ---- the workers ----
  void WorkerLoop();
  void Handle(Job job);
  // One request on `conn`; true if the connection may carry another.
  bool Exchange(Connection& conn, Request& req);
  const Route* FindRoute(Request& req, bool* other_method);

  // Sending, each wait bounded by io_timeout_ms.
  bool SendAll(Connection& conn, std::string_view head, std::string_view body);
  void LingerClose(Connection& conn);
  bool WriteResponse(Connection& conn, const Request& req, Response& res, bool close_after);
};

HttpServer::HttpServer(HttpServerOptions options) : impl_(std::make_unique<Impl>(options)) {}

HttpServer::~HttpServer() {
  Stop();
  if (impl_->listen_fd >= 0) ::close(impl_->listen_fd);
  if (impl_->epoll_fd >= 0) ::close(impl_->epoll_fd);
  if (impl_->wake_fd >= 0) ::close(impl_->wake_fd);
}

void HttpServer::Get(const std::string& pattern, Handler handler) {
  impl_->routes.push_back(Route{"GET", std::regex(pattern), std::move(handler), nullptr});
}
void HttpServer::Post(const std::string& pattern, BodyHandler handler) {
  impl_->routes.push_back(Route{"POST", std::regex(pattern), nullptr, std::move(handler)});
}
void HttpServer::Put(const std::string& pattern, BodyHandler handler) {
  impl_->routes.push_back(Route{"PUT", std::regex(pattern), nullptr, std::move(handler)});
}
void HttpServer::Delete(const std::string& pattern, BodyHandler handler) {
  impl_->routes.push_back(Route{"DELETE", std::regex(pattern), nullptr, std::move(handler)});
}
void HttpServer::SetLogger(std::function<void(const Request&, const Response&)> logger) {
  impl_->logger = std::move(logger);
}
void HttpServer::SetExceptionHandler(std::function<void(Response&, std::string_view)> handler) {
  impl_->exception_handler = std::move(handler);
}
void HttpServer::SetErrorBody(std::function<void(Response&, std::string_view)> body) {
  impl_->error_body = std::move(body);
}
int HttpServer::port() const { return impl_->port; }

Result<std::pair<std::string, int>> ParseHostPort(std::string_view text, std::string_view what) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument(fmt::format("{} '{}' is not HOST:PORT", what, text));
  }
  std::string host(text.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string_view digits = text.substr(colon + 1);
  std::optional<int> port = ParseInteger<int>(digits);
  if (!port || *port < 0 || *port > 65535) {
    return Status::InvalidArgument(
        fmt::format("{} '{}': the port must be a number in 0..65535", what, text));
  }
  return std::make_pair(host, *port);
}

Status HttpServer::Bind(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) {
    return Status::InvalidArgument(
        fmt::format("cannot listen on {}:{}: {}", host, port, ::gai_strerror(rc)));
  }
  int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    ::freeaddrinfo(found);
    return PosixError("socket", errno);
  }
  int on = 1;
  // SO_REUSEADDR lets a restarted server bind while old connections linger in TIME_WAIT; it
  // does not let two servers share a listening port (SO_REUSEPORT would, and is not set).
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  int bound = ::bind(fd, found->ai_addr, found->ai_addrlen);
  int bind_errno = errno;
  ::freeaddrinfo(found);
  if (bound != 0 || ::listen(fd, 1024) != 0) {
    int err = bound != 0 ? bind_errno : errno;
    ::close(fd);
    if (err == EADDRINUSE) {
      return Status::Unavailable(
          fmt::format("cannot listen on {}:{}: the address is in use (another server runs there?)",
                      host, port));
    }
    return PosixError(fmt::format("listen on {}:{}", host, port), err);
  }
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  impl_->port = addr.ss_family == AF_INET6
                    ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                    : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  impl_->listen_fd = fd;
  impl_->epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  impl_->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl_->epoll_fd < 0 || impl_->wake_fd < 0) return PosixError("epoll", errno);
  for (int watched : {impl_->listen_fd, impl_->wake_fd}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = watched;
    ::epoll_ctl(impl_->epoll_fd, EPOLL_CTL_ADD, watched, &ev);
  }
  return Status::OK();
}

void HttpServer::Stop() {
  if (impl_->stopping.exchange(true)) return;
  if (impl_->wake_fd >= 0) impl_->Wake();  // set in Bind, before any thread can call Stop
  MutexLock lock(impl_->mu);
  // Workers blocked on a client return at once.
  for (int fd : impl_->active_fds) ::shutdown(fd, SHUT_RDWR);
  impl_->work.notify_all();
}

Status HttpServer::Serve() {
  Impl& s = *impl_;
  if (s.listen_fd < 0) return Status::Internal("Serve before Bind");
  std::vector<std::thread> workers;
  for (size_t i = 0; i < std::max<size_t>(1, s.options.threads); ++i) {
    workers.emplace_back([&s] { s.WorkerLoop(); });
  }
  epoll_event events[64];
  int64_t next_sweep = NowMs() + kSweepMs;
  while (!s.stopping) {
    int n = ::epoll_wait(s.epoll_fd, events, 64, kSweepMs);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == s.listen_fd) {
        s.AcceptAll();
      } else if (fd == s.wake_fd) {
        uint64_t count = 0;
        (void)!::read(s.wake_fd, &count, sizeof count);
        s.TakeReturned();
      } else {
        s.ReadHead(fd);
      }
    }
    if (NowMs() >= next_sweep) {
      s.Sweep();
      next_sweep = NowMs() + kSweepMs;
    }
  }
  s.waiting.clear();
  {
    MutexLock lock(s.mu);
    for (int fd : s.active_fds) ::shutdown(fd, SHUT_RDWR);
    s.work.notify_all();
  }
  for (std::thread& t : workers) t.join();
  std::deque<Impl::Job> left;
  std::vector<std::unique_ptr<Connection>> back;
  {
    MutexLock lock(s.mu);
    left.swap(s.jobs);
    back.swap(s.returned);
  }
  return Status::OK();
}

void HttpServer::Impl::AcceptAll() {
  for (;;) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // EAGAIN, or out of descriptors: the next round tries again
    }
    char host[NI_MAXHOST] = "?";
    ::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, nullptr, 0,
                  NI_NUMERICHOST);
    int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    auto conn = std::make_unique<Connection>();
    conn->fd = fd;
    conn->ip = host;
    {
      MutexLock lock(counts.mu);
      size_t& from_ip = counts.per_ip[conn->ip];
      if (counts.open >= options.max_connections || from_ip >= options.max_connections_per_ip) {
        if (from_ip == 0) counts.per_ip.erase(conn->ip);
        static constexpr std::string_view kBusy =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n"
            "Retry-After: 1\r\n\r\n";
        (void)!::send(fd, kBusy.data(), kBusy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        continue;  // closed by ~Connection, which has no owner to count it yet
      }
      ++counts.open;
      ++from_ip;
      conn->counts = &counts;
    }
    Watch(std::move(conn), options.head_timeout_ms);
  }
}

void HttpServer::Impl::Watch(std::unique_ptr<Connection> conn, int64_t timeout_ms) {
  if (stopping) return;
  conn->deadline_ms = NowMs() + timeout_ms;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = conn->fd;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, conn->fd, &ev) != 0) return;
  int fd = conn->fd;
  waiting[fd] = std::move(conn);
}

void HttpServer::Impl::ReadHead(int fd) {
  auto it = waiting.find(fd);
  if (it == waiting.end()) return;
  Connection& conn = *it->second;
  char buffer[16 * 1024];
  bool closed = false;
  size_t received_before = conn.in.size();
  // Never more than the head's bound (plus one read): the parser refuses past it.
  while (conn.in.size() <= options.limits.max_head_bytes) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      if (!conn.started) {
        conn.started = true;
        conn.deadline_ms = NowMs() + options.head_timeout_ms;
      }
      conn.in.append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    closed = true;  // EOF or an error
    break;
  }
  // A head trickled a byte at a time is parsed again only when a line has ended (or one is past
  // its bound), so a slow client cannot make each byte cost a scan of the whole head.
  if (!closed && conn.in.find('\n', received_before) == std::string::npos) {
    size_t last_newline = conn.in.rfind('\n');
    size_t line =
        last_newline == std::string::npos ? conn.in.size() : conn.in.size() - last_newline - 1;
    if (line <= options.limits.max_line_bytes && conn.in.size() <= options.limits.max_head_bytes) {
      return;
    }
  }
  RequestHead head;
  HeadParse parsed = ParseRequestHead(conn.in, options.limits, head);
  if (parsed.state == HeadParse::State::kNeedMore && !closed) return;
  ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
  std::unique_ptr<Connection> owned = std::move(it->second);
  waiting.erase(it);
  if (parsed.state == HeadParse::State::kRefused) {
    RefuseHead(*owned, parsed.http_status, parsed.reason);
  } else if (parsed.state == HeadParse::State::kDone) {
    Dispatch(std::move(owned), std::move(head), parsed.head_bytes);
  }
}

void HttpServer::Impl::RefuseHead(Connection& conn, int status, std::string_view reason) {
  // Best effort, without waiting: the client sent what no request may be.
  Response res;
  res.status = status;
  if (error_body) error_body(res, reason);
  std::string head = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
      status, Reason(status),
      HttpServerInternals::content_type(res).empty() ? "text/plain"
                                                     : HttpServerInternals::content_type(res),
      res.body.size());
  head += res.body;
  (void)!::send(conn.fd, head.data(), head.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

void HttpServer::Impl::Dispatch(std::unique_ptr<Connection> conn, RequestHead head,
                                size_t head_bytes) {
  MutexLock lock(mu);
  jobs.push_back(Job{std::move(conn), std::move(head), head_bytes});
  work.notify_one();
}

void HttpServer::Impl::TakeReturned() {
  std::vector<std::unique_ptr<Connection>> back;
  {
    MutexLock lock(mu);
    back.swap(returned);
  }
  for (auto& conn : back) {
    conn->started = !conn->in.empty();
    int64_t timeout = conn->started ? options.head_timeout_ms : options.idle_timeout_ms;
    Watch(std::move(conn), timeout);
  }
}

void HttpServer::Impl::Sweep() {
  int64_t now = NowMs();
  for (auto it = waiting.begin(); it != waiting.end();) {
    if (it->second->deadline_ms <= now) {
      ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, it->first, nullptr);
      if (it->second->started) RefuseHead(*it->second, 408, "the request head took too long");
      it = waiting.erase(it);
    } else {
      ++it;
    }
  }
}

void HttpServer::Impl::WorkerLoop() {
  for (;;) {
    Job job;
    {
      MutexLock lock(mu);
      while (!stopping && jobs.empty()) lock.Wait(work);
      if (stopping) return;
      job = std::move(jobs.front());
      jobs.pop_front();
      active_fds.insert(job.conn->fd);
    }
    int fd = job.conn->fd;
    Handle(std::move(job));
    MutexLock lock(mu);
    active_fds.erase(fd);
  }
}

void HttpServer::Impl::Handle(Job job) {
  std::unique_ptr<Connection> conn = std::move(job.conn);
  RequestHead head = std::move(job.head);
  size_t head_bytes = job.head_bytes;
  for (;;) {
    Request req;
    req.head = std::move(head);
    req.remote_ip = conn->ip;
    conn->in.erase(0, head_bytes);
    if (!Exchange(*conn, req) || stopping) return;  // ~Connection closes it
    // A pipelined request already here is served at once; otherwise the loop waits for one.
    head = RequestHead();
    HeadParse parsed = ParseRequestHead(conn->in, options.limits, head);
    if (parsed.state == HeadParse::State::kDone) {
      head_bytes = parsed.head_bytes;
      continue;
    }
    if (parsed.state == HeadParse::State::kRefused) {
      RefuseHead(*conn, parsed.http_status, parsed.reason);
      return;
    }
    MutexLock lock(mu);
    returned.push_back(std::move(conn));
    Wake();
    return;
  }
}

const HttpServer::Route* HttpServer::Impl::FindRoute(Request& req, bool* other_method) {
  std::string_view method =
      req.head.method == "HEAD" ? std::string_view("GET") : std::string_view(req.head.method);
  *other_method = false;
  for (const Route& route : routes) {
    std::smatch match;
    if (!std::regex_match(req.head.path, match, route.pattern)) continue;
    if (route.method != method) {
      *other_method = true;
      continue;
    }
    req.matches = std::move(match);
    return &route;
  }
  return nullptr;
}

namespace {

// The request body as the handler reads it, within its framing and the server's time bounds.
class BodyReader {
 public:
  BodyReader(Connection& conn, const RequestHead& head, const HttpServerOptions& options,
             const std::function<bool(std::string_view)>& send_continue)
      : conn_(conn), head_(head), options_(options), send_continue_(send_continue) {
    left_ = head.content_length.value_or(0);
    has_body_ = head.chunked || left_ > 0;
  }

  bool has_body() const { return has_body_; }
  bool complete() const { return !has_body_ || done_; }
  bool continue_sent() const { return continue_sent_; }
  bool started() const { return started_; }

  bool Read(const ContentReceiver& receive) {
    if (started_) return false;
    started_ = true;
    if (!has_body_) return done_ = true;
    if (head_.expect_continue && conn_.in.empty()) {
      if (!send_continue_("HTTP/1.1 100 Continue\r\n\r\n")) return false;
      continue_sent_ = true;
    }
    const int64_t start = NowMs();
    uint64_t received = 0;
    std::string piece;
    for (;;) {
      // What has arrived: first what the head's reads brought along, then reads of our own.
      std::string_view data;
      if (!conn_.in.empty()) {
        piece.swap(conn_.in);
        conn_.in.clear();
      } else {
        piece.resize(kReadPiece);
        ssize_t n = RecvSome(piece.data(), piece.size());
        if (n <= 0) return false;
        piece.resize(static_cast<size_t>(n));
        received += static_cast<uint64_t>(n);
        int64_t elapsed = NowMs() - start;
        if (elapsed > options_.io_timeout_ms &&
            received * 1000 / static_cast<uint64_t>(elapsed) < options_.min_body_bytes_per_second) {
          return false;  // a client trickling its body holds a worker: cut it
        }
      }
      data = piece;
      size_t used = 0;
      bool accepted = true;
      if (head_.chunked) {
        used = chunks_.Feed(
            data, [&](std::string_view d) { accepted = accepted && receive(d.data(), d.size()); });
        if (chunks_.failed() || !accepted) return false;
        done_ = chunks_.done();
      } else {
        used = static_cast<size_t>(std::min<uint64_t>(left_, data.size()));
        if (used > 0 && !receive(data.data(), used)) return false;
        left_ -= used;
        done_ = left_ == 0;
      }
      if (done_) {
        conn_.in.assign(data.substr(used));  // the start of a pipelined request
        return true;
      }
    }
  }

  // Reads and drops a small rest of the body so that the connection can carry another request.
  bool Drain() {
    if (complete()) return true;
    if (started_ || head_.chunked || left_ > kMaxDrainBytes) return false;
    if (head_.expect_continue && !continue_sent_) return false;  // the client waits for a word
    return Read([](const char*, size_t) { return true; });
  }

 private:
  ssize_t RecvSome(char* out, size_t n) {
    for (;;) {
      ssize_t got = ::recv(conn_.fd, out, n, 0);
      if (got >= 0) return got;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      if (!Poll(conn_.fd, POLLIN, options_.io_timeout_ms)) return -1;
    }
  }

  Connection& conn_;
  const RequestHead& head_;
  const HttpServerOptions& options_;
  const std::function<bool(std::string_view)>& send_continue_;
  uint64_t left_ = 0;
  bool has_body_ = false;
  bool started_ = false;
  bool done_ = false;
  bool continue_sent_ = false;
  ChunkedDecoder chunks_;
};

}  // namespace

void HttpServer::Impl::LingerClose(Connection& conn) {
  // Closing a socket with unread bytes makes the kernel send a reset, which may destroy the
  // answer before the client has read it (a refused upload's 413 lost to "connection reset").
  // So: no more from us, then what the client still sends is read and dropped, for a bounded
  // time and amount, until it sees the answer and stops.
  ::shutdown(conn.fd, SHUT_WR);
  const int64_t until = NowMs() + kLingerMs;
  uint64_t dropped = 0;
  char sink[16 * 1024];
  while (dropped < kMaxLingerBytes) {
    int64_t left = until - NowMs();
    if (left <= 0 || !Poll(conn.fd, POLLIN, left)) return;
    ssize_t n = ::recv(conn.fd, sink, sizeof sink, 0);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) return;
    if (n > 0) dropped += static_cast<uint64_t>(n);
  }
}

bool HttpServer::Impl::SendAll(Connection& conn, std::string_view head, std::string_view body) {
  iovec parts[2] = {{const_cast<char*>(head.data()), head.size()},
                    {const_cast<char*>(body.data()), body.size()}};
  iovec* iov = parts;
  size_t count = body.empty() ? 1 : 2;
  if (head.empty()) {
    iov = parts + 1;
    count = body.empty() ? 0 : 1;
  }
  while (count > 0) {
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = count;
    ssize_t n = ::sendmsg(conn.fd, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
      if (!Poll(conn.fd, POLLOUT, options.io_timeout_ms)) return false;
      continue;
    }
    auto left = static_cast<size_t>(n);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return true;
}

namespace {

class SocketSink final : public DataSink {
 public:
  SocketSink(std::function<bool(std::string_view)> send, uint64_t limit)
      : send_(std::move(send)), limit_(limit) {}
  bool Write(const char* data, size_t length) override {
    if (failed_) return false;
    length = static_cast<size_t>(std::min<uint64_t>(length, limit_ - sent_));
    if (length == 0) return true;
    if (!send_(std::string_view(data, length))) {
      failed_ = true;
      return false;
    }
    sent_ += length;
    return true;
  }
  uint64_t sent() const { return sent_; }

 private:
  std::function<bool(std::string_view)> send_;
  const uint64_t limit_;
  uint64_t sent_ = 0;
  bool failed_ = false;
};

}  // namespace

bool HttpServer::Impl::WriteResponse(Connection& conn, const Request& req, Response& res,
                                     bool close_after) {
  using In = HttpServerInternals;
  const ContentProvider& provider = In::provider(res);
  const std::string_view static_body = In::static_body(res);
  uint64_t offset = 0;
  uint64_t length = 0;
  if (provider) {
    length = In::provider_length(res);
    // One range of a whole-body answer is served as 206; several are answered whole (200).
    if (res.status == 200 && req.ranges.size() == 1) {
      if (auto range = ResolveRange(req.ranges[0], In::provider_length(res))) {
        res.status = 206;
        offset = range->first;
        length = range->second;
        res.SetHeader("Content-Range", fmt::format("bytes {}-{}/{}", offset, offset + length - 1,
                                                   In::provider_length(res)));
      }
    }
    res.SetHeader("Accept-Ranges", "bytes");
  } else {
    length = static_body.empty() ? res.body.size() : static_body.size();
  }
  bool no_body = res.status == 204 || res.status == 304 || res.status < 200;
  std::string head = fmt::format("HTTP/1.1 {} {}\r\n", res.status, Reason(res.status));
  if (!In::content_type(res).empty() && !no_body) {
    head += fmt::format("Content-Type: {}\r\n", In::content_type(res));
  }
  if (!no_body) head += fmt::format("Content-Length: {}\r\n", length);
  for (const auto& [name, value] : res.headers) head += fmt::format("{}: {}\r\n", name, value);
  if (close_after) {
    head += "Connection: close\r\n";
  } else if (req.head.minor_version == 0) {
    head += "Connection: keep-alive\r\n";
  }
  head += "\r\n";
  bool send_body = !no_body && req.head.method != "HEAD";
  if (!send_body || !provider) {
    std::string_view body = !send_body            ? std::string_view()
                            : static_body.empty() ? std::string_view(res.body)
                                                  : static_body;
    return SendAll(conn, head, body);
  }
  if (!SendAll(conn, head, {})) return false;
  SocketSink sink([&](std::string_view bytes) { return SendAll(conn, {}, bytes); }, length);
  while (sink.sent() < length) {
    uint64_t before = sink.sent();
    bool ok = false;
    try {
      ok = provider(offset + before, length - before, sink);
    } catch (...) {
      ok = false;
    }
    if (!ok || sink.sent() == before) return false;  // a short body: the connection must end
  }
  return true;
}

bool HttpServer::Impl::Exchange(Connection& conn, Request& req) {
  Response res;
  std::function<bool(std::string_view)> send_continue = [&](std::string_view bytes) {
    return SendAll(conn, bytes, {});
  };
  BodyReader body(conn, req.head, options, send_continue);
  bool other_method = false;
  const Route* route = FindRoute(req, &other_method);
  const std::string& method = req.head.method;
  bool body_method = method == "POST" || method == "PUT" || method == "PATCH";
  if (!route) {
    res.status = other_method ? 405 : 404;
    if (error_body) error_body(res, other_method ? "method not allowed" : "no such route");
  } else if (body_method && !req.head.content_length && !req.head.chunked) {
    // A body without a length or chunked framing has none by the rules; a client that meant one
    // learns it here instead of hanging (RFC 9110: 411).
    res.status = 411;
    if (error_body) error_body(res, "send Content-Length (or a chunked body)");
  } else {
    if (route->handler) {
      if (std::optional<std::string_view> range = req.head.Header("range")) {
        req.ranges = ParseRangeHeader(*range);
      }
    }
    try {
      if (route->handler) {
        route->handler(req, res);
      } else {
        ContentReader reader = [&body](const ContentReceiver& receive) {
          return body.Read(receive);
        };
        route->body_handler(req, res, reader);
      }
    } catch (const std::exception& e) {
      res = Response();
      res.status = 500;
      if (exception_handler) exception_handler(res, e.what());
    } catch (...) {
      res = Response();
      res.status = 500;
      if (exception_handler) exception_handler(res, "unknown exception");
    }
  }
  // An unread body is never taken for the next request: drained if small, else the end.
  bool close_after = !req.head.keep_alive || stopping || !body.Drain();
  bool sent = WriteResponse(conn, req, res, close_after);
  if (logger) logger(req, res);
  if (sent && close_after && !body.complete()) LingerClose(conn);
  return sent && !close_after;
}

}  // namespace strata::net
