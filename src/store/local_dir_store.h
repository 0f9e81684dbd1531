// LocalDirStore: an ObjectStore in a directory of the local file system (the embedded default).
//
// Layout: object `k` lives at `<root>/<k>`. Put writes `<root>/.tmp/<unique>`, fsyncs it, renames
// it over `<root>/<k>` and fsyncs the directory, so a crash leaves the old object, the new one, or
// a temporary that List ignores and Open removes once it is old enough not to be a live write of
// another process.
#pragma once

#include <memory>
#include <string>

#include "core/env.h"
#include "store/object_store.h"

namespace strata::store {

// Temporaries older than this are the leftovers of a crash and are removed when a store opens.
inline constexpr int64_t kStaleTempAgeNanos = 3600LL * 1000 * 1000 * 1000;

// Creates `root` if missing. All file-system calls go through `env` (tests pass a simulated disk).
Result<std::unique_ptr<ObjectStore>> OpenLocalDirStore(Env& env, const std::string& root);
Result<std::unique_ptr<ObjectStore>> OpenLocalDirStore(const std::string& root);

// Removes (unless `dry_run`) temporaries under `root`/.tmp older than `min_age_ns`; returns how
// many there were.
Result<size_t> CleanLocalDirTemporaries(Env& env, const std::string& root, int64_t min_age_ns,
                                        bool dry_run);
Result<size_t> CleanLocalDirTemporaries(const std::string& root, int64_t min_age_ns,
                                        bool dry_run = false);

}  // namespace strata::store
