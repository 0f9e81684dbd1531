// Env: the file-system calls Strata's local storage makes, behind one seam, so that tests can
// replace the disk (tests/support/crash_env.h drops everything not synced, as a power cut does).
//
// Only the calls the local object store needs; every path is absolute. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace strata {

struct FileStat {
  uint64_t size_bytes = 0;
  int64_t mtime_ns = 0;
  bool is_directory = false;
};

// A file being written. Not thread-safe; one writer.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::span<const uint8_t> data) = 0;
  // Makes the data written so far durable (fdatasync). Not its name: see Env::SyncDir.
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
};

class Env {
 public:
  virtual ~Env() = default;

  // Creates `path`, which must not exist (AlreadyExists); NotFound if its directory is missing.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  // Reads up to out.size() bytes at `offset`; fewer only at the end. NotFound; InvalidArgument
  // when `offset` is past the end.
  virtual Result<size_t> ReadAt(const std::string& path, uint64_t offset,
                                std::span<uint8_t> out) = 0;
  virtual Result<FileStat> Stat(const std::string& path) = 0;
  // rename(2), replacing `to`. NotFound if `from` or the directory of `to` is missing.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Removes a file. NotFound if it does not exist.
  virtual Status RemoveFile(const std::string& path) = 0;
  // Creates one directory level; OK if it exists as a directory. NotFound if its parent is missing.
  virtual Status CreateDir(const std::string& path) = 0;
  // Makes the entries of a directory (created, renamed, removed names) durable.
  virtual Status SyncDir(const std::string& path) = 0;
  // The names in a directory (not "." or ".."). NotFound if missing.
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;

  // mkdir -p, one CreateDir per missing level, each new level's parent synced.
  Status CreateDirs(const std::string& path);
};

// The real file system. Stateless; lives for the whole process.
Env& PosixEnv();

}  // namespace strata
