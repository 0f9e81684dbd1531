// Device: where loaded tensors live: host memory ("cpu") or one CUDA GPU ("cuda", "cuda:N"),
// spelled as PyTorch spells it.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace strata::load {

struct Device {
  enum class Kind { kCpu, kCuda };
  Kind kind = Kind::kCpu;
  int index = 0;  // the GPU's ordinal (kCuda only)

  static Device Cpu() { return {}; }
  static Device Cuda(int index) { return {Kind::kCuda, index}; }
  // "cpu", "cuda" (GPU 0), "cuda:N"; InvalidArgument for anything else.
  static Result<Device> Parse(std::string_view text);
  bool is_cpu() const { return kind == Kind::kCpu; }
  std::string ToString() const;
  bool operator==(const Device&) const = default;
};

}  // namespace strata::load
