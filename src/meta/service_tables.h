// ServiceTables: the server's own tables beside the namespace: API tokens, KV stores and
// resumable upload sessions (their expiry is the ledger's: chunk_ledger.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "meta/types.h"

namespace strata::meta {

class ServiceTables {
 public:
  virtual ~ServiceTables() = default;

  // API tokens (the server's), found by the hash of their secret.
  virtual Result<TokenInfo> AddToken(std::string_view hash, const TokenInfo& info) = 0;
  virtual Result<std::vector<TokenInfo>> ListTokens() = 0;
  virtual Status RevokeToken(int64_t id) = 0;
  virtual Result<TokenInfo> FindToken(std::string_view hash) = 0;

  // KV stores: named maps of byte strings, each key with an optional expiry. An expired key
  // reads as absent; PurgeExpiredKv (run by gc) removes them.
  virtual Status KvSet(std::string_view store, std::string_view key, std::string_view value,
                       int64_t expires_ns) = 0;
  virtual Result<KvEntry> KvGet(std::string_view store, std::string_view key) = 0;
  virtual Status KvDelete(std::string_view store, std::string_view key) = 0;
  // Live keys after `after` in byte order, at most `limit`; values left out.
  virtual Result<std::vector<KvEntry>> KvList(std::string_view store, std::string_view after,
                                              size_t limit) = 0;

  // Resumable uploads (the server's). The parts of a session keep their chunks referenced (gc
  // keeps them) until it is completed, aborted or expired (ExpireUploads, run by gc).
  virtual Status CreateUpload(const UploadInfo& info) = 0;
  // NotFound for an unknown or expired session.
  virtual Result<UploadInfo> GetUpload(std::string_view id) = 0;
  // Records (or replaces) a part whose chunks are stored.
  virtual Status PutUploadPart(std::string_view id, const UploadPart& part) = 0;
  virtual Result<std::vector<UploadPart>> ListUploadParts(std::string_view id) = 0;
  // In one transaction: the parts, in order, become file `name` in `parent` (as CommitFile) and
  // the session ends. InvalidArgument when parts are missing or of the wrong size.
  virtual Result<Attr> CompleteUpload(std::string_view id, InodeId parent, std::string_view name,
                                      const NewNode& node) = 0;
  virtual Status AbortUpload(std::string_view id) = 0;
};

}  // namespace strata::meta
