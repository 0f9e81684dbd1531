// net::HttpServer over real loopback sockets, driven by a raw client that sends what hostile
// clients send: endless heads, trickled heads and bodies, bodies nobody reads, too many
// connections, a second server on a port in use.
#include "net/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_util.h"

namespace strata::net {
namespace {

using ::strata::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr uint64_t kBigBytes = 3 * 1024 * 1024 + 17;

char BigByte(uint64_t i) { return static_cast<char>('a' + i % 23); }

// A client socket that speaks raw bytes.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  // False once the server has closed its side (a send fails).
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Bytes until `want` have arrived, the server closes, or `limit_ms` passes.
  std::string Receive(size_t want, int limit_ms = 10000) {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(limit_ms);
    while (buffer_.size() < want && !closed_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char piece[64 * 1024];
      ssize_t n = ::recv(fd_, piece, sizeof piece, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      buffer_.append(piece, static_cast<size_t>(n));
    }
    return buffer_;
  }

  struct Answer {
    int status = 0;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
  };
  // One response (Content-Length framed), or status 0 if none came within the limit.
  Answer ReadAnswer(int limit_ms = 10000) {
    Answer a;
    size_t end;
    for (;;) {
      end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos || closed_) break;
      size_t had = buffer_.size();
      Receive(had + 1, limit_ms);
      if (buffer_.size() == had) break;
    }
    if (end == std::string::npos) return a;
    std::string head = buffer_.substr(0, end);
    a.status = std::atoi(head.substr(9, 3).c_str());
    size_t at = head.find("\r\n");
    while (at != std::string::npos) {
      size_t next = head.find("\r\n", at + 2);
      std::string line = head.substr(at + 2, next == std::string::npos ? next : next - at - 2);
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      a.headers[name] = line.substr(colon + 2);
      at = next;
    }
    size_t length =
        a.headers.contains("content-length") ? std::stoull(a.headers["content-length"]) : 0;
    Receive(end + 4 + length, limit_ms);
    a.body = buffer_.substr(end + 4, length);
    buffer_.erase(0, std::min(buffer_.size(), end + 4 + length));
    return a;
  }

  // True if the server closes the connection within `limit_ms` (and sends nothing more).
  bool ClosedWithin(int limit_ms) {
    size_t had = buffer_.size();
    Receive(had + 1, limit_ms);
    return closed_ && buffer_.size() == had;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string buffer_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options = Defaults()) {
    server_ = std::make_unique<HttpServer>(options);
    server_->Get("/hello",
                 [](const Request&, Response& res) { res.SetContent("hi", "text/plain"); });
    server_->Get("/big", [](const Request&, Response& res) {
      res.SetContentProvider(kBigBytes, "application/octet-stream",
                             [](uint64_t offset, uint64_t length, DataSink& sink) {
                               std::string piece(std::min<uint64_t>(length, 100000), '\0');
                               for (size_t i = 0; i < piece.size(); ++i) {
                                 piece[i] = BigByte(offset + i);
                               }
                               return sink.Write(piece.data(), piece.size());
                             });
    });
    server_->Put("/upload", [this](const Request&, Response& res, const ContentReader& read) {
      uint64_t bytes = 0;
      bool whole = read([&](const char*, size_t n) {
        bytes += n;
        return true;
      });
      uploads_seen_.fetch_add(1);
      if (!whole) uploads_cut_.fetch_add(1);
      res.SetContent(std::to_string(bytes), "text/plain");
    });
    // Refuses without reading the body, as a route over its bound does.
    server_->Put("/refuse", [](const Request&, Response& res, const ContentReader&) {
      res.status = 413;
      res.SetContent("too big", "text/plain");
    });
    ASSERT_OK(server_->Bind("127.0.0.1", 0));
    serving_ = std::thread([this] { (void)server_->Serve(); });
  }

  static HttpServerOptions Defaults() {
    HttpServerOptions o;
    o.threads = 4;
    o.head_timeout_ms = 1000;
    o.idle_timeout_ms = 1000;
    o.io_timeout_ms = 1000;
    return o;
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (serving_.joinable()) serving_.join();
  }

  int port() const { return server_->port(); }

  // A well-behaved client's GET, on a connection of its own.
  int HelloStatus() {
    RawClient c(port());
    if (!c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")) return 0;
    RawClient::Answer a = c.ReadAnswer();
    return a.body == "hi" ? a.status : -a.status;
  }

  std::unique_ptr<HttpServer> server_;
  std::thread serving_;
  std::atomic<int> uploads_seen_{0};
  std::atomic<int> uploads_cut_{0};
};

TEST_F(HttpServerTest, AnEndlessHeaderLineIsAnswered431AndTheServerGoesOn) {
  Start();
  RawClient c(port());
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nX-Endless: "));
  std::string chunk(64 * 1024, 'v');
  for (int i = 0; i < 64 && c.Send(chunk); ++i) {
  }  // up to 4 MiB, until the server hangs up
  RawClient::Answer a = c.ReadAnswer();
  EXPECT_EQ(a.status, 431);
  EXPECT_EQ(a.headers["connection"], "close");
  EXPECT_EQ(HelloStatus(), 200);
}

TEST_F(HttpServerTest, EndlessHeadersAreAnswered431) {
  Start();
  RawClient c(port());
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\n"));
  for (int i = 0; i < 10000 && c.Send("X-A: b\r\n"); ++i) {
  }
  EXPECT_EQ(c.ReadAnswer().status, 431);
  EXPECT_EQ(HelloStatus(), 200);
}

TEST_F(HttpServerTest, TrickledHeadsHoldNoWorkerAndAreCutAtTheirDeadline) {
  HttpServerOptions options = Defaults();
  options.threads = 2;
  Start(options);
  // Many more half-sent heads than workers: a thread-per-connection server would stop here.
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 50; ++i) {
    slow.push_back(std::make_unique<RawClient>(port()));
    ASSERT_TRUE(slow.back()->Send("GET /hello HTTP/1.1\r\nX-Slow: "));
  }
  EXPECT_EQ(HelloStatus(), 200);
  EXPECT_EQ(HelloStatus(), 200);
  // Past the head's deadline each is told 408 and closed, however it goes on trickling.
  for (auto& c : slow) {
    c->Send("a");
    RawClient::Answer a = c->ReadAnswer(10000);
    EXPECT_EQ(a.status, 408);
    EXPECT_TRUE(c->ClosedWithin(5000));
  }
}

TEST_F(HttpServerTest, AnIdleKeptAliveConnectionIsClosed) {
  Start();
  RawClient c(port());
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(c.ReadAnswer().status, 200);
  EXPECT_TRUE(c.ClosedWithin(10000));
}

TEST_F(HttpServerTest, ASmallUnreadBodyIsDrainedNotReadAsTheNextRequest) {
  Start();
  RawClient c(port());
  std::string smuggled = "GET /hello HTTP/1.1\r\n\r\n";
  ASSERT_TRUE(c.Send("PUT /refuse HTTP/1.1\r\nContent-Length: " + std::to_string(smuggled.size()) +
                     "\r\n\r\n" + smuggled));
  RawClient::Answer refused = c.ReadAnswer();
  EXPECT_EQ(refused.status, 413);
  // The connection carries on, and the bytes of the body were not answered as a request.
  ASSERT_TRUE(c.Send("PUT /upload HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"));
  RawClient::Answer next = c.ReadAnswer();
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, "3");
}

TEST_F(HttpServerTest, ALargeUnreadBodyEndsTheConnectionAfterTheAnswer) {
  Start();
  RawClient c(port());
  std::string body(1 << 20, 'x');
  std::string smuggled = "GET /hello HTTP/1.1\r\n\r\n";
  body.replace(body.size() - smuggled.size(), smuggled.size(), smuggled);
  ASSERT_TRUE(c.Send("PUT /refuse HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) +
                     "\r\n\r\n"));
  c.Send(body);  // the server may hang up before all of it arrives
  RawClient::Answer refused = c.ReadAnswer();
  EXPECT_EQ(refused.status, 413);
  EXPECT_EQ(refused.headers["connection"], "close");
  EXPECT_TRUE(c.ClosedWithin(10000));
}

TEST_F(HttpServerTest, ABodyToARouteThatDoesNotExistIsNotReadAsARequest) {
  Start();
  RawClient c(port());
  std::string smuggled = "GET /hello HTTP/1.1\r\n\r\n";
  ASSERT_TRUE(c.Send("DELETE /nowhere HTTP/1.1\r\nContent-Length: " +
                     std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled));
  EXPECT_EQ(c.ReadAnswer().status, 404);
  ASSERT_TRUE(c.Send("GET /nowhere-else HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(c.ReadAnswer().status, 404);  // the next answer is to this request, not the body's
}

TEST_F(HttpServerTest, ATrickledBodyIsCutAndTheHandlerToldSo) {
  Start();
  RawClient c(port());
  ASSERT_TRUE(c.Send("PUT /upload HTTP/1.1\r\nContent-Length: 1000000\r\n\r\nabc"));
  // Nothing more: past io_timeout_ms the read fails, the handler learns the body is not whole.
  ASSERT_TRUE(
      strata::testing::WaitFor([&] { return uploads_cut_.load() == 1; }, std::chrono::seconds(20)));
  RawClient::Answer a = c.ReadAnswer();  // what the handler answered, and then the end
  EXPECT_EQ(a.headers["connection"], "close");
  EXPECT_TRUE(c.ClosedWithin(10000));
  EXPECT_EQ(HelloStatus(), 200);
}

TEST_F(HttpServerTest, ExpectContinueIsAnsweredBeforeTheBodyIsSent) {
  Start();
  RawClient c(port());
  ASSERT_TRUE(c.Send("PUT /upload HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_THAT(c.Receive(25), StartsWith("HTTP/1.1 100 Continue\r\n\r\n"));
  RawClient::Answer interim = c.ReadAnswer();
  EXPECT_EQ(interim.status, 100);
  ASSERT_TRUE(c.Send("hello"));
  RawClient::Answer a = c.ReadAnswer();
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, "5");
}

TEST_F(HttpServerTest, AChunkedBodyAndPipelinedRequestsAreServedInOrder) {
  Start();
  RawClient c(port());
  ASSERT_TRUE(c.Send(
      "PUT /upload HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n"
      "GET /hello HTTP/1.1\r\n\r\nHEAD /hello HTTP/1.1\r\n\r\nGET /hello HTTP/1.1\r\n\r\n"));
  RawClient::Answer upload = c.ReadAnswer();
  EXPECT_EQ(upload.status, 200);
  EXPECT_EQ(upload.body, "7");
  EXPECT_EQ(c.ReadAnswer().body, "hi");
  // HEAD: the length of the body, no body (the next answer follows at once).
  std::string rest = c.Receive(1000, 2000);
  EXPECT_THAT(rest, HasSubstr("Content-Length: 2\r\n"));
  EXPECT_THAT(rest, ::testing::EndsWith("\r\n\r\nhi"));
}

TEST_F(HttpServerTest, RangesAreServedClampedOrWhole) {
  Start();
  auto get = [&](const std::string& range) {
    RawClient c(port());
    c.Send("GET /big HTTP/1.1\r\nRange: " + range + "\r\n\r\n");
    return c.ReadAnswer();
  };
  RawClient::Answer first = get("bytes=0-1048575");
  EXPECT_EQ(first.status, 206);
  EXPECT_EQ(first.body.size(), 1048576u);
  EXPECT_EQ(first.headers["content-range"], "bytes 0-1048575/" + std::to_string(kBigBytes));
  EXPECT_EQ(first.body[1000], BigByte(1000));

  RawClient::Answer clamped = get("bytes=" + std::to_string(kBigBytes - 10) + "-99999999999");
  EXPECT_EQ(clamped.status, 206);
  EXPECT_EQ(clamped.body.size(), 10u);
  EXPECT_EQ(clamped.body[9], BigByte(kBigBytes - 1));

  RawClient::Answer several = get("bytes=0-1,5-9");
  EXPECT_EQ(several.status, 200);
  EXPECT_EQ(several.body.size(), kBigBytes);
}

TEST_F(HttpServerTest, ADownloadTheClientAbandonsLeavesTheServerServing) {
  Start();
  for (int i = 0; i < 20; ++i) {
    RawClient c(port());
    ASSERT_TRUE(c.Send("GET /big HTTP/1.1\r\n\r\n"));
    c.Receive(100000 * (i % 5));  // then gone, mid-body
  }
  EXPECT_EQ(HelloStatus(), 200);
}

TEST_F(HttpServerTest, ConnectionsPastTheCapOfOneAddressAreAnswered503) {
  HttpServerOptions options = Defaults();
  options.max_connections_per_ip = 4;
  options.idle_timeout_ms = 30000;
  Start(options);
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<RawClient>(port()));
    ASSERT_TRUE(held.back()->Send("GET /hello HTTP/1.1\r\n\r\n"));
    ASSERT_EQ(held.back()->ReadAnswer().status, 200);  // counted, and kept open
  }
  RawClient extra(port());
  extra.Send("GET /hello HTTP/1.1\r\n\r\n");
  EXPECT_EQ(extra.ReadAnswer().status, 503);
  held.clear();  // once they are gone, the address is served again
  EXPECT_TRUE(
      strata::testing::WaitFor([&] { return HelloStatus() == 200; }, std::chrono::seconds(10)));
}

TEST_F(HttpServerTest, ASecondServerOnAPortInUseFailsNamingIt) {
  Start();
  HttpServer second(Defaults());
  Status bound = second.Bind("127.0.0.1", port());
  EXPECT_FALSE(bound.ok());
  EXPECT_THAT(bound.message(), HasSubstr(std::to_string(port())));
  EXPECT_EQ(HelloStatus(), 200);
}

TEST(ParseHostPortTest, TakesHostAndPortAndRefusesTheRest) {
  auto ok = ParseHostPort("127.0.0.1:8080", "--listen");
  ASSERT_THAT(ok, IsOk());
  EXPECT_EQ(ok->first, "127.0.0.1");
  EXPECT_EQ(ok->second, 8080);
  EXPECT_FALSE(ParseHostPort("127.0.0.1", "--listen").ok());
  EXPECT_FALSE(ParseHostPort("127.0.0.1:99999", "--listen").ok());
  EXPECT_FALSE(ParseHostPort("127.0.0.1:x", "--listen").ok());
  EXPECT_FALSE(ParseHostPort(":80", "--listen").ok());
}

}  // namespace
}  // namespace strata::net
