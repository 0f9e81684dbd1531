// libFuzzer target: any bytes, taken as a whole safetensors file, must be either accepted with a
// self-consistent header or rejected with an error; never a crash, a hang or a huge allocation.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "load/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> file(data, size);
  strata::Result<strata::load::SafetensorsHeader> header =
      strata::load::ParseSafetensorsHeader(file, size);
  if (!header.ok()) return 0;
  // Accepted: the tensors must tile the data section exactly, inside the file.
  uint64_t expected = 0;
  for (const auto& t : header->tensors) {
    if (t.begin != expected || t.end < t.begin) std::abort();
    expected = t.end;
  }
  if (expected != header->data_bytes || header->data_offset + header->data_bytes != size) {
    std::abort();
  }
  return 0;
}
