#include "meta/types.h"

#include <fmt/core.h>

#include "base/round.h"
#include "core/duration.h"

namespace strata::meta {

std::string_view FileTypeName(FileType type) {
  switch (type) {
    case FileType::kRegular:
      return "file";
    case FileType::kDirectory:
      return "directory";
    case FileType::kSymlink:
      return "symlink";
  }
  return "unknown";
}

size_t ChunkCount(uint64_t size_bytes, uint64_t chunk_size_bytes) {
  return static_cast<size_t>(DivRoundUp(size_bytes, chunk_size_bytes));
}

uint64_t ChunkLength(uint64_t size_bytes, uint64_t chunk_size_bytes, size_t index) {
  uint64_t start = static_cast<uint64_t>(index) * chunk_size_bytes;
  if (start >= size_bytes) return 0;
  return std::min(chunk_size_bytes, size_bytes - start);
}

Status ValidateContent(const FileContent& content, uint64_t chunk_size_bytes) {
  if (content.size_bytes > MaxFileBytes(chunk_size_bytes)) {
    return Status::FileTooLarge(fmt::format("a file of {} bytes is larger than the largest, {}",
                                            content.size_bytes, MaxFileBytes(chunk_size_bytes)));
  }
  size_t want = ChunkCount(content.size_bytes, chunk_size_bytes);
  if (content.chunks.size() != want) {
    return Status::InvalidArgument(fmt::format("a file of {} bytes needs {} chunks, got {}",
                                               content.size_bytes, want, content.chunks.size()));
  }
  return Status::OK();
}

Status ValidateName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("empty file name");
  if (name == "." || name == "..") {
    return Status::InvalidArgument(fmt::format("'{}' is not a valid file name", name));
  }
  if (name.find('/') != std::string_view::npos) {
    return Status::InvalidArgument(fmt::format("file name '{}' contains '/'", name));
  }
  if (name.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("file name contains a NUL byte");
  }
  if (name.size() > kMaxNameBytes) {
    return Status::NameTooLong(
        fmt::format("file name of {} bytes is longer than {}", name.size(), kMaxNameBytes));
  }
  return Status::OK();
}

Result<int64_t> KvExpiry(std::string_view ttl, int64_t now_ns) {
  Result<int64_t> nanos = ParseDuration(ttl);
  if (!nanos.ok() || *nanos <= 0) {
    return Status::InvalidArgument(
        fmt::format("ttl '{}' is not a duration like 90s, 15m, 1h, 30d", ttl));
  }
  if (*nanos > kMaxKvTtlNanos) {
    return Status::InvalidArgument(fmt::format("ttl '{}' is longer than 3650d", ttl));
  }
  return now_ns + *nanos;
}

Status ValidateVolumeName(std::string_view name) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(
        fmt::format("invalid volume name '{}': {} (use 1-{} of A-Z a-z 0-9 . _ -)", name, why,
                    kMaxVolumeNameBytes));
  };
  if (name.empty()) return bad("empty");
  if (name.size() > kMaxVolumeNameBytes) return bad("too long");
  if (name.front() == '.' || name.front() == '-') return bad("starts with '.' or '-'");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return bad(c == '/' ? "contains '/'" : c == '\0' ? "contains NUL" : "bad character");
  }
  return Status::OK();
}

}  // namespace strata::meta
