// CrashEnv: an in-memory Env that models what a power cut keeps. Every file has live bytes and
// durable bytes (what the last Sync wrote); every directory has live entries and durable entries
// (as of its last SyncDir). Crash() throws away everything not durable, the way the kernel's page
// cache vanishes. CrashAfter(n) makes the n+1-th mutating call, and every later one, fail, to stop
// a writer at an exact point. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/env.h"

namespace strata::testing {

class CrashEnv final : public Env {
 public:
  CrashEnv();

  // Mutating calls (create, append, sync, rename, remove, mkdir, syncdir) after the first `n`
  // fail with IOError("simulated crash").
  void CrashAfter(int64_t n);
  // Power cut: keeps only durable bytes. Names: with seed 0, only durable ones; with another
  // seed, each name change not yet synced is also kept or lost at random, as a real file system
  // may commit its journal (and so a rename) at any moment, before the data it names is synced.
  // Then works normally again.
  void Crash(uint64_t seed = 0);
  // Mutating calls made so far.
  int64_t mutations() const;
  // Sets a file's mtime (tests of age-based cleanup).
  void SetMtime(const std::string& path, int64_t mtime_ns);

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Result<size_t> ReadAt(const std::string& path, uint64_t offset, std::span<uint8_t> out) override;
  Result<FileStat> Stat(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status RemoveFile(const std::string& path) override;
  Status CreateDir(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;

 private:
  struct Inode {
    std::vector<uint8_t> live;
    std::vector<uint8_t> durable;
    int64_t mtime_ns = 0;
  };
  class File;

  Status Mutate();  // REQUIRES: mu_ held
  bool DirExists(const std::string& path) const { return live_dirs_.count(path) > 0; }

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Inode>> live_files_;     // GUARDED_BY(mu_)
  std::map<std::string, std::shared_ptr<Inode>> durable_files_;  // GUARDED_BY(mu_)
  std::set<std::string> live_dirs_;                              // GUARDED_BY(mu_)
  std::set<std::string> durable_dirs_;                           // GUARDED_BY(mu_)
  int64_t mutations_ = 0;                                        // GUARDED_BY(mu_)
  int64_t crash_after_ = -1;                                     // GUARDED_BY(mu_)
};

}  // namespace strata::testing
