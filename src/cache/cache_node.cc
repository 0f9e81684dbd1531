#include "cache/cache_node.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "cache/peer_protocol.h"
#include "core/clock.h"
#include "core/posix.h"

namespace strata::cache {
namespace {

constexpr size_t kMaxHeadBytes = 16 * 1024;
constexpr uint64_t kMaxChunkBytes = 64ULL << 20;
constexpr int kIdleSeconds = 120;

bool SendAll(int fd, const std::string& head, std::span<const uint8_t> body) {
  iovec parts[2] = {{const_cast<char*>(head.data()), head.size()},
                    {const_cast<uint8_t*>(body.data()), body.size()}};
  size_t count = body.empty() ? 1 : 2;
  iovec* iov = parts;
  while (count > 0) {
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = count;
    ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
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

bool Reply(int fd, int code, std::string_view reason, std::string_view type,
           std::span<const uint8_t> body) {
  std::string head = fmt::format("HTTP/1.1 {} {}\r\nContent-Length: {}\r\nContent-Type: {}\r\n\r\n",
                                 code, reason, body.size(), type);
  return SendAll(fd, head, body);
}

bool ReplyText(int fd, int code, std::string_view reason, std::string_view text) {
  return Reply(fd, code, reason, "text/plain",
               {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

Result<std::unique_ptr<CacheNode>> CacheNode::Bind(ChunkSource& tiers, CacheNodeOptions options) {
  size_t colon = options.listen.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument(fmt::format("--listen '{}' is not HOST:PORT", options.listen));
  }
  std::string host = options.listen.substr(0, colon);
  std::string port = options.listen.substr(colon + 1);
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found);
      rc != 0) {
    return Status::InvalidArgument(
        fmt::format("--listen '{}': {}", options.listen, ::gai_strerror(rc)));
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  int rc = ::bind(fd, found->ai_addr, found->ai_addrlen);
  int bind_errno = errno;
  ::freeaddrinfo(found);
  if (rc != 0 || ::listen(fd, 512) != 0) {
    ::close(fd);
    return PosixError(fmt::format("listen on {}", options.listen), rc != 0 ? bind_errno : errno);
  }
  sockaddr_in bound{};
  socklen_t length = sizeof(bound);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  return std::unique_ptr<CacheNode>(
      new CacheNode(tiers, std::move(options), fd, ntohs(bound.sin_port)));
}

CacheNode::CacheNode(ChunkSource& tiers, CacheNodeOptions options, int fd, int port)
    : tiers_(tiers), options_(std::move(options)), listen_fd_(fd), port_(port) {
  if (::pipe2(stop_pipe_, O_CLOEXEC) != 0) stop_pipe_[0] = stop_pipe_[1] = -1;
}

CacheNode::~CacheNode() {
  Stop();
  {
    std::unique_lock lock(mu_);
    idle_.wait(lock, [&] { return active_ == 0; });
  }
  ::close(listen_fd_);
  if (stop_pipe_[0] >= 0) ::close(stop_pipe_[0]);
  if (stop_pipe_[1] >= 0) ::close(stop_pipe_[1]);
}

void CacheNode::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  if (stop_pipe_[1] >= 0) {
    char byte = 1;
    (void)!::write(stop_pipe_[1], &byte, 1);
  }
}

Status CacheNode::Serve(const std::function<std::string()>& status_json) {
  status_json_ = status_json;
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return PosixError("poll", errno);
    }
    if (fds[1].revents) break;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    {
      std::lock_guard lock(mu_);
      if (active_ >= options_.max_connections || stopping_) {
        ::close(fd);
        continue;
      }
      ++active_;
      open_fds_.insert(fd);
    }
    std::thread([this, fd] {
      HandleConnection(fd);
      std::lock_guard lock(mu_);
      open_fds_.erase(fd);
      ::close(fd);
      if (--active_ == 0) idle_.notify_all();
    }).detach();
  }
  // Stop shut every connection down; wait for their threads.
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return active_ == 0; });
  return Status::OK();
}

void CacheNode::HandleConnection(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  timeval idle{kIdleSeconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle));
  std::string buffer;
  while (HandleRequest(fd, buffer)) {
  }
}

bool CacheNode::HandleRequest(int fd, std::string& buffer) {
  size_t end;
  while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (buffer.size() > kMaxHeadBytes) return ReplyText(fd, 431, "Too Large", "headers"), false;
    char chunk[4096];
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;  // closed, idle timeout or error
    buffer.append(chunk, static_cast<size_t>(n));
  }
  std::string head = buffer.substr(0, end);
  buffer.erase(0, end + 4);
  counters_.requests.fetch_add(1, std::memory_order_relaxed);

  std::string_view rest(head);
  size_t line_end = rest.find("\r\n");
  std::string_view request_line = rest.substr(0, line_end);
  std::string authorization, time;
  bool close_after = false;
  while (line_end != std::string_view::npos) {
    rest.remove_prefix(line_end + 2);
    line_end = rest.find("\r\n");
    std::string_view line = rest.substr(0, line_end);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name = Lower(Trim(line.substr(0, colon)));
    std::string_view value = Trim(line.substr(colon + 1));
    if (name == "authorization") authorization = value;
    if (name == "x-strata-time") time = value;
    if (name == "connection" && Lower(value) == "close") close_after = true;
    if (name == "content-length" && value != "0") {
      return ReplyText(fd, 400, "Bad Request", "no bodies here"), false;
    }
  }
  size_t sp1 = request_line.find(' ');
  size_t sp2 = request_line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 <= sp1) {
    return ReplyText(fd, 400, "Bad Request", "bad request line"), false;
  }
  std::string_view method = request_line.substr(0, sp1);
  std::string_view target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (method != "GET") return ReplyText(fd, 405, "Method Not Allowed", "GET only") && !close_after;
  if (!VerifyRequest(options_.secret, target, authorization, time, NowNanos() / 1000000000)) {
    counters_.refused.fetch_add(1, std::memory_order_relaxed);
    return ReplyText(fd, 401, "Unauthorized", "a request signed with the cluster secret only") &&
           !close_after;
  }
  if (target == "/v1/status") {
    std::string json = status_json_ ? status_json_() : "{}";
    return Reply(fd, 200, "OK", "application/json",
                 {reinterpret_cast<const uint8_t*>(json.data()), json.size()}) &&
           !close_after;
  }
  constexpr std::string_view kChunks = "/v1/chunks/";
  constexpr std::string_view kLength = "?length=";
  size_t q = target.find(kLength);
  uint64_t length = 0;
  Result<ChunkId> id = Status::InvalidArgument("");
  if (target.starts_with(kChunks) && q != std::string_view::npos) {
    id = ChunkId::FromHex(target.substr(kChunks.size(), q - kChunks.size()));
    std::string_view number = target.substr(q + kLength.size());
    if (std::from_chars(number.data(), number.data() + number.size(), length).ec != std::errc()) {
      length = 0;
    }
  }
  if (!id.ok() || length == 0 || length > kMaxChunkBytes) {
    return ReplyText(fd, 404, "Not Found", "GET /v1/chunks/<id>?length=N or /v1/status") &&
           !close_after;
  }
  thread_local std::vector<uint8_t> bytes;
  bytes.resize(length);
  Status status = tiers_.Read(*id, bytes);
  if (status.code() == Code::kNotFound) {
    counters_.not_found.fetch_add(1, std::memory_order_relaxed);
    return ReplyText(fd, 404, "Not Found", status.message()) && !close_after;
  }
  if (!status.ok()) {
    counters_.errors.fetch_add(1, std::memory_order_relaxed);
    return ReplyText(fd, 503, "Unavailable", status.message()) && !close_after;
  }
  counters_.served_chunks.fetch_add(1, std::memory_order_relaxed);
  counters_.served_bytes.fetch_add(length, std::memory_order_relaxed);
  return Reply(fd, 200, "OK", "application/octet-stream", bytes) && !close_after;
}

}  // namespace strata::cache
