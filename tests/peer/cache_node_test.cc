// The cache node as its peers reach it: signed GETs over loopback, served from a tier that holds
// one chunk.
#include "peer/cache_node.h"

#include <thread>
#include <vector>

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "core/clock.h"
#include "net/http_client.h"
#include "peer/peer_protocol.h"

namespace strata::peer {
namespace {

constexpr std::string_view kSecret = "a-cluster-secret-of-some-length";

// A tier holding exactly one chunk in memory.
class OneChunk final : public cache::ChunkSource {
 public:
  explicit OneChunk(std::vector<uint8_t> bytes)
      : bytes_(std::move(bytes)), id_(ChunkId::Of(bytes_)) {}
  const ChunkId& id() const { return id_; }
  size_t size() const { return bytes_.size(); }

  Status Read(const ChunkId& id, std::span<uint8_t> out) override {
    if (id != id_ || out.size() != bytes_.size()) return Status::NotFound("no such chunk");
    std::copy(bytes_.begin(), bytes_.end(), out.begin());
    return Status::OK();
  }
  bool IsCached(const ChunkId& id) override { return id == id_; }
  Result<bool> Warm(const ChunkId&, std::span<uint8_t>) override { return false; }
  void Offer(const ChunkId&, std::span<const uint8_t>) override {}
  void CollectStats(std::vector<cache::TierStats>&) const override {}

 private:
  std::vector<uint8_t> bytes_;
  ChunkId id_;
};

class CacheNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CacheNodeOptions options;
    options.listen = "127.0.0.1:0";
    options.secret = std::string(kSecret);
    options.threads = 2;
    auto bound = CacheNode::Bind(tier_, options);
    ASSERT_TRUE(bound.ok()) << bound.status().ToString();
    node_ = std::move(*bound);
    serving_ = std::thread([this] { (void)node_->Serve([] { return std::string("{}"); }); });
  }
  void TearDown() override {
    if (node_) node_->Stop();
    if (serving_.joinable()) serving_.join();
  }

  // A signed GET of `path`; the status it was answered with.
  long SignedGet(const std::string& path, std::string* body = nullptr) {
    net::HttpClientOptions options;
    options.max_attempts = 1;
    net::HttpClient client(options);
    auto response = client.Get(fmt::format("http://127.0.0.1:{}{}", node_->port(), path), 1 << 20,
                               SignRequest(kSecret, path, NowNanos() / 1000000000));
    EXPECT_TRUE(response.ok()) << response.status().ToString();
    if (!response.ok()) return 0;
    if (body) *body = response->body;
    return response->status;
  }

  OneChunk tier_{std::vector<uint8_t>(1000, 7)};
  std::unique_ptr<CacheNode> node_;
  std::thread serving_;
};

TEST_F(CacheNodeTest, ServesAChunkOnlyForItsExactLength) {
  std::string body;
  EXPECT_EQ(SignedGet(ChunkPath(tier_.id(), tier_.size()), &body), 200);
  EXPECT_EQ(body, std::string(1000, '\7'));
  const std::string hex = tier_.id().Hex();
  // A length with anything after its digits is no length (it was read as its prefix, 1000).
  for (const char* bad : {"1000abc", "1000%20", "-1000", "", "0", "99999999999999999999"}) {
    EXPECT_EQ(SignedGet(fmt::format("/v1/chunks/{}?length={}", hex, bad)), 404) << bad;
  }
}

TEST_F(CacheNodeTest, AnUnsignedRequestIsRefused) {
  net::HttpClientOptions options;
  options.max_attempts = 1;
  net::HttpClient client(options);
  auto response = client.Get(
      fmt::format("http://127.0.0.1:{}{}", node_->port(), ChunkPath(tier_.id(), tier_.size())),
      1 << 20);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 401);
  EXPECT_EQ(node_->counters().refused.load(), 1u);
}

}  // namespace
}  // namespace strata::peer
