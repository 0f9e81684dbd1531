// Ownership by rendezvous hashing and request signing between cache nodes.
#include "peer/peer_protocol.h"

#include <map>

#include "support/test_util.h"

namespace strata::peer {
namespace {

std::vector<ChunkId> Ids(size_t n) {
  std::vector<ChunkId> ids;
  for (size_t i = 0; i < n; ++i) {
    std::string s = std::to_string(i);
    ids.push_back(ChunkId::Of({reinterpret_cast<const uint8_t*>(s.data()), s.size()}));
  }
  return ids;
}

TEST(PeerProtocolTest, OwnersAreSpreadEvenly) {
  std::vector<std::string> peers = {"a:1", "b:1", "c:1", "d:1"};
  std::map<std::string, int> owned;
  for (const ChunkId& id : Ids(20000)) ++owned[RankPeers(peers, id).front()];
  for (const auto& [peer, n] : owned) {
    EXPECT_GT(n, 4500) << peer;
    EXPECT_LT(n, 5500) << peer;
  }
}

TEST(PeerProtocolTest, AddingAPeerMovesAboutOneNthAndOnlyToIt) {
  std::vector<std::string> three = {"a:1", "b:1", "c:1"};
  std::vector<std::string> four = {"a:1", "b:1", "c:1", "d:1"};
  int moved = 0;
  const int n = 20000;
  for (const ChunkId& id : Ids(n)) {
    std::string before = RankPeers(three, id).front();
    std::string after = RankPeers(four, id).front();
    if (before != after) {
      ++moved;
      EXPECT_EQ(after, "d:1");  // nothing moves between the old peers
    }
  }
  EXPECT_GT(moved, n / 4 - n / 40);
  EXPECT_LT(moved, n / 4 + n / 40);
  // Removing a peer: only its chunks move, each to the next in its ranking.
  for (const ChunkId& id : Ids(2000)) {
    std::vector<std::string> ranked = RankPeers(four, id);
    std::vector<std::string> without_b = {"a:1", "c:1", "d:1"};
    std::string owner = RankPeers(without_b, id).front();
    EXPECT_EQ(owner, ranked[0] == "b:1" ? ranked[1] : ranked[0]);
  }
}

TEST(PeerProtocolTest, ParsesPeers) {
  EXPECT_EQ(ParsePeers("n2:7070,n1:7070,n2:7070").value(),
            (std::vector<std::string>{"n1:7070", "n2:7070"}));
  for (const char* bad : {"", "n1", "n1:", "n1:x", ":7070", "n1:70000", "n1:70x", "n1: 70"}) {
    EXPECT_FALSE(ParsePeers(bad).ok()) << bad;
  }
}

TEST(PeerProtocolTest, OnlyTheSecretSignsAndOnlyForThatPathAndTime) {
  const std::string secret = "0123456789abcdef0123";
  const int64_t now = 1800000000;
  std::string path = ChunkPath(Ids(1)[0], 4096);
  std::vector<std::string> headers = SignRequest(secret, path, now);
  ASSERT_EQ(headers.size(), 2u);
  std::string time = headers[0].substr(headers[0].find(": ") + 2);
  std::string auth = headers[1].substr(headers[1].find(": ") + 2);
  EXPECT_TRUE(VerifyRequest(secret, path, auth, time, now));
  EXPECT_TRUE(VerifyRequest(secret, path, auth, time, now + kMaxClockSkewSeconds));
  EXPECT_FALSE(VerifyRequest("another secret, long enough", path, auth, time, now));
  EXPECT_FALSE(VerifyRequest(secret, ChunkPath(Ids(2)[1], 4096), auth, time, now));
  EXPECT_FALSE(VerifyRequest(secret, path, auth, std::to_string(now + 1), now));
  EXPECT_FALSE(VerifyRequest(secret, path, auth, time, now + kMaxClockSkewSeconds + 1));
  EXPECT_FALSE(VerifyRequest(secret, path, "", time, now));
  EXPECT_FALSE(VerifyRequest(secret, path, auth, "", now));
}

}  // namespace
}  // namespace strata::peer
