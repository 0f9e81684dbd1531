// ChunkId: the SHA-256 of a chunk's bytes, which is also its name in the object store.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace strata {

class ChunkId {
 public:
  static constexpr size_t kSize = 32;  // bytes of a SHA-256 digest

  // All zero: not the SHA-256 of any bytes anyone can find, so it names a hole — a chunk of a
  // sparse file that reads as zeros and is never stored, fetched or hashed.
  ChunkId() = default;
  static ChunkId Hole() { return ChunkId(); }
  bool is_hole() const { return *this == ChunkId(); }
  explicit ChunkId(const std::array<uint8_t, kSize>& bytes) : bytes_(bytes) {}

  // SHA-256 of `data` (OpenSSL EVP; uses SHA-NI where the CPU has it). Thread-safe.
  static ChunkId Of(std::span<const uint8_t> data);
  // Parses 64 lowercase or uppercase hex digits.
  static Result<ChunkId> FromHex(std::string_view hex);
  // REQUIRES: raw.size() == kSize
  static ChunkId FromRaw(std::span<const uint8_t> raw);

  std::string Hex() const;
  const std::array<uint8_t, kSize>& bytes() const { return bytes_; }

  auto operator<=>(const ChunkId&) const = default;

 private:
  std::array<uint8_t, kSize> bytes_{};
};

struct ChunkIdHash {
  size_t operator()(const ChunkId& id) const {
    // The id is already uniformly distributed: its first bytes make a perfect hash.
    size_t h;
    static_assert(sizeof(h) <= ChunkId::kSize);
    __builtin_memcpy(&h, id.bytes().data(), sizeof(h));
    return h;
  }
};

}  // namespace strata
