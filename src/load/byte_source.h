// ByteSource: where a file's bytes come from for the loader: a local file here, or a file of a
// volume read chunk by chunk through the chunk store (load/volume_source.h).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "base/status.h"

namespace strata::load {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual uint64_t size() const = 0;
  // The unit reads are planned in: a read starts at a multiple of it and spans one unit (or the
  // rest of the file). For a volume file, the chunk size: one read, one verified chunk.
  virtual uint64_t read_unit() const = 0;
  // Fills `out` with the bytes at `offset`. REQUIRES: offset % read_unit() == 0 and
  // out.size() == min(read_unit(), size() - offset). Thread-safe.
  virtual Status ReadUnit(uint64_t offset, std::span<uint8_t> out) = 0;
  // Names the file in errors.
  virtual const std::string& name() const = 0;
};

Result<std::unique_ptr<ByteSource>> OpenLocalSource(const std::string& path, uint64_t read_unit);

}  // namespace strata::load
