// The cache's lifetime counters, shared by every process on the node: each process adds what it
// counted to <cache dir>/stats when it closes its tiers (under flock), and `strata cache stats`
// reads the totals. One line per tier: name hits misses hit_bytes fetched_bytes dropped errors.
#pragma once

#include <string>
#include <vector>

#include "cache/chunk_source.h"

namespace strata::cache {

// Adds the counters of `stats` to the file's (creating it). Held/capacity fields are not kept.
Status MergeStatsFile(const std::string& path, const std::vector<TierStats>& stats);
// The totals in the file; empty if there is none yet.
Result<std::vector<TierStats>> LoadStatsFile(const std::string& path);
// Resets the totals.
Status ClearStatsFile(const std::string& path);

}  // namespace strata::cache
