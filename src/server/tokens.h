// API tokens: bearer secrets that the server checks against the hashes kept in the metadata
// store. A token is shown once, when it is made; only its SHA-256 is stored, so a leaked
// database does not leak working tokens.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "meta/meta_store.h"

namespace strata::server {

// A new token: "strata_" + 64 hex digits of randomness from the OS (256 bits).
Result<std::string> NewTokenSecret();
// The value kept in the metadata store for `token`: its SHA-256, in hex.
std::string TokenHash(std::string_view token);

// Makes a token scoped to `volume` ("" = every volume and KV store) and records its hash.
// Returns the secret; it cannot be recovered later.
Result<std::string> CreateToken(meta::MetaStore& meta, std::string_view volume, bool read_only,
                                std::string_view note);

// What the token in an `Authorization: Bearer …` header may do: PermissionDenied when the header
// is missing, malformed, or names no live token.
Result<meta::TokenInfo> Authenticate(meta::MetaStore& meta, std::string_view authorization);

// Whether `token` may touch `scope` (a volume or KV store name) and, with `write`, change it.
Status Authorize(const meta::TokenInfo& token, std::string_view scope, bool write);

}  // namespace strata::server
