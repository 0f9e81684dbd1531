#include "core/chunk_id.h"

#include <cstring>

#include <fmt/core.h>
#include <openssl/evp.h>

#include "base/hex.h"

namespace strata {

ChunkId ChunkId::Of(std::span<const uint8_t> data) {
  std::array<uint8_t, kSize> digest;
  unsigned int len = 0;
  // EVP_sha256() returns a static, thread-safe method table.
  if (EVP_Digest(data.data(), data.size(), digest.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != kSize) {
    // Only a broken libcrypto gets here; a wrong id would silently corrupt data, so stop.
    std::abort();
  }
  return ChunkId(digest);
}

Result<ChunkId> ChunkId::FromHex(std::string_view hex) {
  if (hex.size() != 2 * kSize) {
    return Status::InvalidArgument(fmt::format("chunk id '{}' is not 64 hex digits", hex));
  }
  std::array<uint8_t, kSize> bytes;
  for (size_t i = 0; i < kSize; ++i) {
    int hi = HexDigitValue(hex[2 * i]);
    int lo = HexDigitValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument(fmt::format("chunk id '{}' is not hex", hex));
    }
    bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return ChunkId(bytes);
}

ChunkId ChunkId::FromRaw(std::span<const uint8_t> raw) {
  std::array<uint8_t, kSize> bytes;
  std::memcpy(bytes.data(), raw.data(), kSize);
  return ChunkId(bytes);
}

std::string ChunkId::Hex() const { return LowerHex(bytes_); }

}  // namespace strata
