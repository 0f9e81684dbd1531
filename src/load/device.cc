#include "load/device.h"

#include <optional>

#include "base/parse_integer.h"
#include "base/str_cat.h"

namespace strata::load {

Result<Device> Device::Parse(std::string_view text) {
  if (text == "cpu") return Device::Cpu();
  if (text == "cuda") return Device::Cuda(0);
  constexpr std::string_view kCudaPrefix = "cuda:";
  if (text.starts_with(kCudaPrefix)) {
    std::optional<int> index = ParseInteger<int>(text.substr(kCudaPrefix.size()));
    if (index && *index >= 0) return Device::Cuda(*index);
  }
  return Status::InvalidArgument(
      StrCat("unknown device '", text, "' (expected \"cpu\", \"cuda\" or \"cuda:N\")"));
}

std::string Device::ToString() const {
  return is_cpu() ? std::string("cpu") : StrCat("cuda:", index);
}

}  // namespace strata::load
