// FileMemory: the one buffer a loaded file lands in: aligned host memory, pinned (page-locked)
// host memory when CUDA is present, or GPU memory. Tensors are views into it that keep it alive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "base/status.h"
#include "load/device.h"

namespace strata::load {

class FileMemory {
 public:
  virtual ~FileMemory() = default;
  FileMemory(const FileMemory&) = delete;
  FileMemory& operator=(const FileMemory&) = delete;

  // A device pointer when device() is a GPU: never dereferenced on the host.
  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const Device& device() const { return device_; }
  // Page-locked host memory: copies from it to a GPU run at full speed, asynchronously.
  bool pinned() const { return pinned_; }

 protected:
  FileMemory(uint8_t* data, size_t size, Device device, bool pinned)
      : data_(data), size_(size), device_(device), pinned_(pinned) {}

 private:
  uint8_t* const data_;
  const size_t size_;
  const Device device_;
  const bool pinned_;
};

// `size` bytes on `device`, uninitialised. On the host, pinned when `pin` is set and a GPU is
// usable (plain aligned memory otherwise). NoSpace when the memory is not there; Unavailable for
// a GPU in a build without CUDA or on a machine without one.
Result<std::shared_ptr<FileMemory>> AllocateFileMemory(size_t size, Device device, bool pin);

}  // namespace strata::load
