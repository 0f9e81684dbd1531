#include "peer/peer_protocol.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/core.h>

#include "base/ascii.h"
#include "base/parse_integer.h"
#include "base/split.h"
#include "core/hmac.h"

namespace strata::peer {
namespace {

uint64_t Mix(uint64_t x) {  // splitmix64's finalizer
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t HashName(std::string_view name) {  // FNV-1a
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : name) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ULL;
  return h;
}

std::string Canonical(std::string_view path, std::string_view time) {
  return fmt::format("GET {}\n{}", path, time);
}

}  // namespace

Result<std::vector<std::string>> ParsePeers(std::string_view text) {
  std::vector<std::string> peers = SplitNonEmpty(text, ',');
  if (peers.empty()) return Status::InvalidArgument("--peers: no peer given (host:port,…)");
  for (const std::string& peer : peers) {
    size_t colon = peer.rfind(':');
    std::optional<int> port = colon == std::string::npos || colon == 0
                                  ? std::nullopt
                                  : ParseInteger<int>(std::string_view(peer).substr(colon + 1));
    if (!port || *port <= 0 || *port >= 65536) {
      return Status::InvalidArgument(fmt::format("--peers: '{}' is not host:port", peer));
    }
  }
  std::sort(peers.begin(), peers.end());
  peers.erase(std::unique(peers.begin(), peers.end()), peers.end());
  return peers;
}

std::vector<std::string> RankPeers(const std::vector<std::string>& peers, const ChunkId& id) {
  uint64_t key;
  __builtin_memcpy(&key, id.bytes().data(), sizeof(key));
  std::vector<std::pair<uint64_t, std::string>> scored;
  scored.reserve(peers.size());
  for (const std::string& peer : peers) scored.emplace_back(Mix(HashName(peer) ^ key), peer);
  std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<std::string> ranked;
  ranked.reserve(scored.size());
  for (auto& [score, peer] : scored) ranked.push_back(std::move(peer));
  return ranked;
}

Result<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument(fmt::format("cannot read the secret file {}", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string contents = buffer.str();
  std::string secret(TrimAsciiSpace(contents));
  if (secret.size() < 16) {
    return Status::InvalidArgument(fmt::format(
        "the secret in {} is shorter than 16 bytes (use e.g. `openssl rand -hex 32`)", path));
  }
  return secret;
}

std::string ChunkPath(const ChunkId& id, uint64_t length) {
  return fmt::format("/v1/chunks/{}?length={}", id.Hex(), length);
}

std::vector<std::string> SignRequest(std::string_view secret, std::string_view path,
                                     int64_t unix_seconds) {
  std::string time = std::to_string(unix_seconds);
  return {
      fmt::format("X-Strata-Time: {}", time),
      fmt::format("Authorization: Strata-HMAC {}", HmacSha256Hex(secret, Canonical(path, time)))};
}

bool VerifyRequest(std::string_view secret, std::string_view path, std::string_view authorization,
                   std::string_view time, int64_t now_unix_seconds) {
  constexpr std::string_view kScheme = "Strata-HMAC ";
  if (!authorization.starts_with(kScheme)) return false;
  std::optional<int64_t> t = ParseInteger<int64_t>(time);
  if (!t || *t < now_unix_seconds - kMaxClockSkewSeconds ||
      *t > now_unix_seconds + kMaxClockSkewSeconds) {
    return false;
  }
  return ConstantTimeEquals(authorization.substr(kScheme.size()),
                            HmacSha256Hex(secret, Canonical(path, time)));
}

}  // namespace strata::peer
