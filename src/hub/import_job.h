// ImportSnapshot: a hub repository at one commit, streamed straight into a volume directory.
//
// Files are cut into ranges (whole chunks each) fetched by ranged GETs on the pool, so one large
// file uses every worker; each range is chunked, claimed and stored as it arrives, and fed in
// order to the file's SHA-256 (or git blob id), which must match what the hub published before
// the file is committed. Everything lands in a hidden staging directory beside the target, and
// appears at the target in one rename (an exchange with the previous snapshot, if any): a failed
// or interrupted import leaves the target as it was. The snapshot records where it came from in
// `.strata-hub.json` (repository, revision asked, commit, files and hashes); importing a commit
// that is already there transfers nothing, and files whose hash is unchanged since the previous
// snapshot are copied by chunk list instead of downloaded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/thread_pool.h"
#include "fs/chunk_sink.h"
#include "fs/transfer_stats.h"
#include "fs/volume.h"
#include "hub/hub_client.h"

namespace strata::hub {

inline constexpr std::string_view kRecordName = ".strata-hub.json";

struct ImportOptions {
  // fnmatch(3) patterns on the repository path ('*' matches '/' too, as the hub's client does);
  // empty: every file.
  std::vector<std::string> includes;
  // Bytes per ranged request, rounded up to whole chunks; 0: 4 chunks.
  uint64_t range_bytes = 0;
  // A file whose first chunk was claimed longer ago than this renews its claims and checks its
  // chunks are still stored before it is committed (gc may have run meanwhile).
  int64_t renew_claims_after_ns = fs::kClaimRenewAfterNanos;
};

struct ImportResult {
  HubSnapshot snapshot;
  size_t files_downloaded = 0;
  size_t files_reused = 0;       // unchanged since the previous snapshot: copied by chunk list
  bool already_present = false;  // this commit was imported there before: nothing was done
};

Result<ImportResult> ImportSnapshot(fs::Volume& volume, ThreadPool& pool, HubClient& hub,
                                    const HubRef& ref, std::string_view volume_path,
                                    const ImportOptions& options, fs::TransferStats& stats);

}  // namespace strata::hub
