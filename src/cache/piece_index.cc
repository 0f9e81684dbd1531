#include "cache/piece_index.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>
#include <span>

#include <fmt/core.h>

#include "base/posix.h"

namespace strata::cache {

PieceIndex::PieceIndex(std::string dir)
    : dir_(std::move(dir)), modes_(dir_.empty() ? CacheDirModes() : CacheDirModes::Of(dir_)) {
  if (!dir_.empty()) {
    modes_.MakeDir(dir_ + "/pieces");
    modes_.MakeDir(dir_ + "/tmp");
  }
}

ChunkId PieceIndex::NameOf(std::string_view source, std::string_view key, std::string_view etag,
                           uint64_t offset, uint64_t length) {
  // NUL separates the parts: none of them contains one (keys and URLs are validated).
  std::string text = "strata-piece-v1";
  const std::string range = fmt::format("{}+{}", offset, length);
  for (std::string_view part : {source, key, etag, std::string_view(range)}) {
    text += '\0';
    text += part;
  }
  return ChunkId::Of(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

std::string PieceIndex::PathOf(const ChunkId& name) const {
  std::string hex = name.Hex();
  return fmt::format("{}/pieces/{}/{}", dir_, hex.substr(0, 2), hex);
}

std::optional<ChunkId> PieceIndex::Find(const ChunkId& name) {
  {
    MutexLock lock(mu_);
    auto it = known_.find(name);
    if (it != known_.end()) return it->second;
  }
  if (dir_.empty()) return std::nullopt;
  UniqueFd fd(::open(PathOf(name).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  std::array<uint8_t, 2 * ChunkId::kSize> entry;
  if (::pread(fd.get(), entry.data(), entry.size(), 0) != static_cast<ssize_t>(entry.size()) ||
      std::memcmp(entry.data(), name.bytes().data(), ChunkId::kSize) != 0) {
    return std::nullopt;
  }
  ChunkId content = ChunkId::FromRaw(std::span(entry).subspan(ChunkId::kSize));
  MutexLock lock(mu_);
  known_[name] = content;
  return content;
}

void PieceIndex::Remember(const ChunkId& name, const ChunkId& content) {
  {
    MutexLock lock(mu_);
    known_[name] = content;
  }
  if (dir_.empty()) return;
  static std::atomic<uint64_t> counter{0};
  std::string hex = name.Hex();
  std::string temp = fmt::format("{}/tmp/piece.{}.{}.{}", dir_, hex, ::getpid(), counter++);
  std::array<uint8_t, 2 * ChunkId::kSize> entry;
  std::memcpy(entry.data(), name.bytes().data(), ChunkId::kSize);
  std::memcpy(entry.data() + ChunkId::kSize, content.bytes().data(), ChunkId::kSize);
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return;
  modes_.SetFileMode(fd.get());
  bool ok = WriteAll(fd.get(), entry, temp).ok() && fd.Close(temp).ok();
  modes_.MakeDir(fmt::format("{}/pieces/{}", dir_, hex.substr(0, 2)));
  if (!ok || ::rename(temp.c_str(), PathOf(name).c_str()) != 0) ::unlink(temp.c_str());
}

}  // namespace strata::cache
