// The safetensors format: an 8-byte little-endian header length N, N bytes of JSON (UTF-8, may be
// padded with spaces) describing each tensor (dtype, shape, data_offsets relative to the data
// section) plus an optional "__metadata__" map of strings, then the data section.
//
// ParseSafetensorsHeader trusts nothing: every malformed file is rejected with a clear error, and
// nothing is allocated beyond what the (bounded) header itself needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace strata::load {

enum class DType : uint8_t {
  kBool,
  kU8,
  kI8,
  kF8E5M2,
  kF8E4M3,
  kI16,
  kU16,
  kF16,
  kBF16,
  kI32,
  kU32,
  kF32,
  kF64,
  kI64,
  kU64,
};

// Bytes per element.
size_t DTypeSize(DType dtype);
// The name used in the file: "F32", "BF16", "BOOL", …
std::string_view DTypeName(DType dtype);

inline constexpr uint64_t kHeaderLengthBytes = 8;
// The reference implementation refuses larger headers; so do we (it bounds our allocations).
inline constexpr uint64_t kMaxHeaderBytes = 100'000'000;
// What a header may hold, so that a header of 100 MB of `[0,0,…]` cannot take gigabytes once
// parsed (review M8): about 60,000 tensors of up to 8 dimensions (the largest checkpoints hold a
// few thousand per file), and at most 64 dimensions to a tensor.
inline constexpr size_t kMaxHeaderValues = size_t{1} << 20;
inline constexpr size_t kMaxTensorDims = 64;

struct TensorInfo {
  std::string name;
  DType dtype = DType::kU8;
  std::vector<uint64_t> shape;  // empty: a scalar (one element)
  uint64_t begin = 0;           // byte offsets relative to the data section
  uint64_t end = 0;
  uint64_t size_bytes() const { return end - begin; }
};

struct SafetensorsHeader {
  uint64_t header_bytes = 0;        // N
  uint64_t data_offset = 0;         // 8 + N: where the data section starts in the file
  uint64_t data_bytes = 0;          // file size - data_offset
  std::vector<TensorInfo> tensors;  // sorted by offset: they tile the data section exactly
  std::map<std::string, std::string> metadata;
};

// Reads N from the first 8 bytes and checks it against the file's size. `prefix` holds at least
// the first 8 bytes of the file.
Result<uint64_t> ParseHeaderLength(std::span<const uint8_t> prefix, uint64_t file_size);

// Parses and validates the header. `prefix` holds at least the first 8 + N bytes of a file of
// `file_size` bytes (the data section need not be present).
Result<SafetensorsHeader> ParseSafetensorsHeader(std::span<const uint8_t> prefix,
                                                 uint64_t file_size);

}  // namespace strata::load
