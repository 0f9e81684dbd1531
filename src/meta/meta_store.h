// MetaStore: the metadata of every volume, in three seams (namespace.h, chunk_ledger.h,
// service_tables.h), with one transaction per call.
//
// Every method is atomic: it either happens whole or not at all, and concurrent callers (threads
// or processes sharing the store) see each call before or after, never in the middle. This is
// what makes "upload chunks, then CommitFile" and "write a temp file, then Rename" safe.
// Thread-safety: implementations are safe to call from many threads.
//
// Errors (besides IOError/Unavailable from the backend):
//   NotFound       a volume, inode or name that does not exist
//   AlreadyExists  CreateVolume/MakeNode/Link onto an existing name
//   NotDirectory   a parent that is not a directory; Rename of a directory onto a non-directory
//   IsDirectory    a file operation on a directory (Unlink, CommitFile over a directory, Rename of
//                  a non-directory onto a directory)
//   NotEmpty       Rmdir, or Rename onto, a non-empty directory
//   InvalidArgument bad names; Rename of a directory into its own subtree
#pragma once

#include "base/clock.h"
#include "meta/chunk_ledger.h"
#include "meta/namespace.h"
#include "meta/service_tables.h"

namespace strata::meta {

// One store implements all three seams (SQLite or PostgreSQL, one database); code that needs one
// of them takes that one.
class MetaStore : public Namespace, public ChunkLedger, public ServiceTables {
 public:
  ~MetaStore() override = default;

  // The time the store reads "now" from: the times it records (ctime, mtime, claims) and the
  // expiries it checks (KV keys, upload sessions). Callers that compute an expiry read this one.
  virtual Clock& clock() = 0;
};

}  // namespace strata::meta
