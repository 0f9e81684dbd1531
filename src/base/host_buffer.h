// HostBuffer: one aligned block of host memory (huge pages where it is big), shared by its users;
// the loader lands whole files in one and hands out tensor views that keep it alive; readers use
// one as a ring of chunk buffers. Pinned (page-locked) memory replaces it for the loader when CUDA
// is built in (issue 9, later).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "base/status.h"

namespace strata {

class HostBuffer {
 public:
  // Page-aligned, uninitialised. ResourceExhausted-like NoSpace if the allocation fails.
  static Result<std::shared_ptr<HostBuffer>> Allocate(size_t size_bytes);
  ~HostBuffer();
  HostBuffer(const HostBuffer&) = delete;
  HostBuffer& operator=(const HostBuffer&) = delete;

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::span<uint8_t> span() { return {data_, size_}; }

 private:
  HostBuffer(uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t* data_;
  size_t size_;
};

}  // namespace strata
