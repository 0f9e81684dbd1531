#include "load/host_buffer.h"

#include <cstdlib>
#include <string>

namespace strata::load {

namespace {
constexpr size_t kAlignment = 4096;  // page: reads land on page boundaries, DMA-friendly
}

Result<std::shared_ptr<HostBuffer>> HostBuffer::Allocate(size_t size_bytes) {
  void* p = nullptr;
  // posix_memalign with size 0 may return nullptr; keep one page so data() is always valid.
  size_t bytes = size_bytes == 0 ? kAlignment : size_bytes;
  if (::posix_memalign(&p, kAlignment, bytes) != 0 || p == nullptr) {
    return Status::NoSpace("cannot allocate " + std::to_string(size_bytes) +
                           " bytes of host memory for a file");
  }
  return std::shared_ptr<HostBuffer>(new HostBuffer(static_cast<uint8_t*>(p), size_bytes));
}

HostBuffer::~HostBuffer() { std::free(data_); }

}  // namespace strata::load
