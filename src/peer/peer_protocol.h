// How cache nodes and their clients talk: who owns a chunk, and how a request is signed.
//
//   GET /v1/chunks/<64 hex>?length=N      the chunk's bytes (exactly N), 404 if no tier has it
//   GET /v1/status                        the node's counters, JSON
//
// Every request carries `X-Strata-Time: <unix seconds>` and
// `Authorization: Strata-HMAC <hex HMAC-SHA256(secret, "GET <path>\n<time>")>`; a node refuses
// (401) a request without it, with a wrong MAC, or more than 5 minutes off its clock.
// Ownership is rendezvous hashing: each chunk ranks the peers by a hash of (peer, chunk) and the
// top one owns it, so adding or removing one of N peers moves only ~1/N of the chunks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "core/chunk_id.h"

namespace strata::peer {

inline constexpr int64_t kMaxClockSkewSeconds = 300;

// "host:port,host:port" → the list; InvalidArgument for an empty or malformed entry.
Result<std::vector<std::string>> ParsePeers(std::string_view text);
// The peers in the order a client asks them for `id`: owner first.
std::vector<std::string> RankPeers(const std::vector<std::string>& peers, const ChunkId& id);
// The shared secret from a file (whitespace around it ignored); InvalidArgument if it is empty
// or shorter than 16 bytes.
Result<std::string> ReadSecretFile(const std::string& path);

std::string ChunkPath(const ChunkId& id, uint64_t length);
// The two headers that authenticate a request for `path` at `unix_seconds`.
std::vector<std::string> SignRequest(std::string_view secret, std::string_view path,
                                     int64_t unix_seconds);
// Whether `authorization` and `time` headers authenticate `path` now.
bool VerifyRequest(std::string_view secret, std::string_view path, std::string_view authorization,
                   std::string_view time, int64_t now_unix_seconds);

}  // namespace strata::peer
