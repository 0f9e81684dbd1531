#include "load/device.h"

#include <charconv>

#include "core/str_cat.h"

namespace strata::load {

Result<Device> Device::Parse(std::string_view text) {
  if (text == "cpu") return Device::Cpu();
  if (text == "cuda") return Device::Cuda(0);
  constexpr std::string_view kCudaPrefix = "cuda:";
  if (text.starts_with(kCudaPrefix)) {
    std::string_view digits = text.substr(kCudaPrefix.size());
    int index = -1;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (error == std::errc() && end == digits.data() + digits.size() && !digits.empty() &&
        index >= 0) {
      return Device::Cuda(index);
    }
  }
  return Status::InvalidArgument(
      StrCat("unknown device '", text, "' (expected \"cpu\", \"cuda\" or \"cuda:N\")"));
}

std::string Device::ToString() const {
  return is_cpu() ? std::string("cpu") : StrCat("cuda:", index);
}

}  // namespace strata::load
