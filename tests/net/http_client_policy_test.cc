// Where HttpClient may connect and whom it tells a secret: the address policy of uploads from a
// URL (H4) and the origin a token is scoped to (M4), against real servers on loopback.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "net/http_client.h"
#include "net/http_server.h"
#include "net/net_address.h"
#include "support/test_util.h"

namespace strata::net {
namespace {

using ::strata::testing::IsOk;
using ::strata::testing::StatusIs;

bool Public(const std::string& text) {
  sockaddr_storage storage{};
  if (text.find(':') != std::string::npos) {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&storage);
    a6->sin6_family = AF_INET6;
    EXPECT_EQ(::inet_pton(AF_INET6, text.c_str(), &a6->sin6_addr), 1) << text;
  } else {
    auto* a4 = reinterpret_cast<sockaddr_in*>(&storage);
    a4->sin_family = AF_INET;
    EXPECT_EQ(::inet_pton(AF_INET, text.c_str(), &a4->sin_addr), 1) << text;
  }
  return IsPublicAddress(reinterpret_cast<sockaddr*>(&storage));
}

TEST(NetAddressTest, OnlyPublicAddressesArePublic) {
  for (const char* refused : {"127.0.0.1",
                              "127.255.0.9",
                              "0.0.0.0",
                              "10.1.2.3",
                              "172.16.0.1",
                              "172.31.255.255",
                              "192.168.1.1",
                              "169.254.169.254",
                              "100.64.0.1",
                              "224.0.0.1",
                              "255.255.255.255",
                              "240.0.0.1",
                              "192.0.0.8",
                              "198.18.0.1",
                              "::1",
                              "::",
                              "fe80::1",
                              "fc00::1",
                              "fd12::1",
                              "ff02::1",
                              "::ffff:127.0.0.1",
                              "::ffff:169.254.169.254",
                              "64:ff9b::a9fe:a9fe",
                              "2002:7f00:0001::1",
                              "::127.0.0.1"}) {
    EXPECT_FALSE(Public(refused)) << refused;
  }
  for (const char* allowed :
       {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700::1", "::ffff:8.8.8.8"}) {
    EXPECT_TRUE(Public(allowed)) << allowed;
  }
  sockaddr unix_like{};
  unix_like.sa_family = AF_UNIX;
  EXPECT_FALSE(IsPublicAddress(&unix_like));
}

TEST(UrlOriginTest, NormalizesSchemeHostAndPort) {
  EXPECT_EQ(UrlOrigin("https://Hub.Example/x?y"), "https://hub.example:443");
  EXPECT_EQ(UrlOrigin("http://hub.example:8080/x"), "http://hub.example:8080");
  EXPECT_EQ(UrlOrigin("HTTP://user:pw@hub.example/"), "http://hub.example:80");
  EXPECT_EQ(UrlOrigin("http://[::1]/x"), "http://[::1]:80");
  EXPECT_EQ(UrlOrigin("http://[::1]:9/x"), "http://[::1]:9");
  EXPECT_EQ(UrlOrigin("ftp://hub.example/"), "");
  EXPECT_EQ(UrlOrigin("hub.example"), "");
  // A userinfo that looks like a host does not fool it.
  EXPECT_EQ(UrlOrigin("https://hub.example@evil.example/"), "https://evil.example:443");
}

// A loopback server that answers /redirect with a redirect to `target_` and records the
// Authorization header of every request.
class PolicyServer {
 public:
  PolicyServer() : server_(net::HttpServerOptions{}) {
    server_.Get("/redirect", [this](const net::Request&, net::Response& res) {
      res.status = 302;
      res.SetHeader("Location", target_);
      res.SetContent("", "text/plain");
    });
    server_.Get("/secret", [this](const net::Request& req, net::Response& res) {
      std::lock_guard lock(mu_);
      seen_authorization_ += req.Header("authorization") + ";";
      res.SetContent("internal", "text/plain");
    });
    // Busy for the first `busy_answers_` requests, then fine.
    server_.Get("/flaky", [this](const net::Request&, net::Response& res) {
      int seen = flaky_requests_++;
      if (seen < busy_answers_) {
        res.status = 503;
        res.SetContent("busy", "text/plain");
        return;
      }
      res.SetContent("ok", "text/plain");
    });
    EXPECT_OK(server_.Bind("127.0.0.1", 0));
    serving_ = std::thread([this] { (void)server_.Serve(); });
  }
  ~PolicyServer() {
    server_.Stop();
    serving_.join();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + path;
  }
  int port() const { return server_.port(); }
  void RedirectTo(std::string target) { target_ = std::move(target); }
  void BusyFor(int answers) { busy_answers_ = answers; }
  int flaky_requests() const { return flaky_requests_.load(); }
  std::string seen_authorization() const {
    std::lock_guard lock(mu_);
    return seen_authorization_;
  }

 private:
  net::HttpServer server_;
  std::thread serving_;
  std::string target_;    // set before the requests it answers
  int busy_answers_ = 0;  // likewise
  std::atomic<int> flaky_requests_{0};
  mutable std::mutex mu_;
  std::string seen_authorization_;  // GUARDED_BY(mu_)
};

uint16_t PortOf(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(address)->sin_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in6*>(address)->sin6_port);
}

TEST(HttpClientPolicyTest, TheConnectFilterRefusesLoopbackBeforeAnyByteIsSent) {
  PolicyServer server;
  HttpClientOptions options;
  options.connect_filter = IsPublicAddress;
  HttpClient http(options);
  EXPECT_THAT(http.Get(server.Url("/secret"), 1 << 20), StatusIs(Code::kPermissionDenied));
  EXPECT_EQ(server.seen_authorization(), "");  // no request arrived
}

TEST(HttpClientPolicyTest, EveryRedirectHopIsFilteredOnTheAddressConnected) {
  PolicyServer entry;  // stands for a public host: the filter lets only its port through
  PolicyServer internal;
  entry.RedirectTo(internal.Url("/secret"));
  HttpClientOptions options;
  int allowed = entry.port();
  options.connect_filter = [allowed](const sockaddr* a) { return PortOf(a) == allowed; };
  options.keep_error_bodies = false;
  HttpClient http(options);
  Result<HttpResponse> got = http.Get(entry.Url("/redirect"), 1 << 20);
  EXPECT_THAT(got, StatusIs(Code::kPermissionDenied));
  EXPECT_EQ(internal.seen_authorization(), "");  // the redirect never reached it

  options.connect_filter = nullptr;  // without a filter the same redirect is followed
  HttpClient open(options);
  Result<HttpResponse> followed = open.Get(entry.Url("/redirect"), 1 << 20);
  ASSERT_THAT(followed, IsOk());
  EXPECT_EQ(followed->body, "internal");
}

TEST(HttpClientPolicyTest, HeadersScopedToAnOriginGoNowhereElse) {
  PolicyServer hub;
  PolicyServer cdn;
  HttpClientOptions options;
  options.headers = {"Authorization: Bearer hf_secret"};
  options.headers_origin = UrlOrigin(hub.Url("/"));
  HttpClient http(options);
  ASSERT_THAT(http.Get(hub.Url("/secret"), 1 << 20), IsOk());
  ASSERT_THAT(http.Get(cdn.Url("/secret"), 1 << 20), IsOk());
  hub.RedirectTo(cdn.Url("/secret"));
  ASSERT_THAT(http.Get(hub.Url("/redirect"), 1 << 20), IsOk());
  EXPECT_EQ(hub.seen_authorization(), "Bearer hf_secret;");
  EXPECT_EQ(cdn.seen_authorization(), ";;");  // neither asked directly nor through the redirect
}

}  // namespace
}  // namespace strata::net

namespace strata::net {
namespace {

// Retries wait on the client's clock: with a fake one the schedule runs at once, and what it
// would have waited is there to check.
TEST(HttpClientRetryTest, ABusyServerIsRetriedWithBackoffUntilItAnswers) {
  PolicyServer server;
  server.BusyFor(3);
  FakeClock clock;
  HttpClientOptions options;
  options.clock = &clock;
  options.max_attempts = 5;
  HttpClient http(options);
  Result<HttpResponse> got = http.Get(server.Url("/flaky"), 1 << 20);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->body, "ok");
  EXPECT_EQ(server.flaky_requests(), 4);
  // Three waits, before attempts 1..3: at least a quarter of 200, 400 and 800 ms, at most all.
  EXPECT_GE(clock.slept(), std::chrono::milliseconds(350));
  EXPECT_LE(clock.slept(), std::chrono::milliseconds(1400));
}

TEST(HttpClientRetryTest, AServerBusyForeverIsGivenUpOnAfterMaxAttempts) {
  PolicyServer server;
  server.BusyFor(1000);
  FakeClock clock;
  HttpClientOptions options;
  options.clock = &clock;
  options.max_attempts = 4;
  HttpClient http(options);
  Result<HttpResponse> got = http.Get(server.Url("/flaky"), 1 << 20);
  ASSERT_THAT(got, IsOk());  // Get hands over the last answer, the caller judges it
  EXPECT_EQ(got->status, 503);
  EXPECT_EQ(server.flaky_requests(), 4);
}

TEST(HttpClientRetryTest, ARefusalIsNotRetried) {
  PolicyServer server;
  FakeClock clock;
  HttpClientOptions options;
  options.clock = &clock;
  HttpClient http(options);
  Result<HttpResponse> got = http.Get(server.Url("/missing"), 1 << 20);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->status, 404);
  EXPECT_EQ(clock.slept(), std::chrono::nanoseconds(0));
}

}  // namespace
}  // namespace strata::net
