// gpu: the loader's only contact with CUDA (the runtime API; no kernels). Built with CUDA when the
// toolkit is found (CMake option STRATA_CUDA); without it every entry point answers Unavailable,
// and the loader works on the host alone. No GPU at run time is the same answer, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "base/status.h"
#include "load/file_memory.h"

namespace strata::load::gpu {

// Whether this build has CUDA.
bool BuiltWithCuda();
// OK if GPU `index` can be used; Unavailable (no CUDA in this build, no driver, no device) or
// InvalidArgument (no such ordinal) with the reason otherwise.
Status CheckDevice(int index);
// Whether any GPU can be used.
bool Available();

Result<std::shared_ptr<FileMemory>> AllocatePinned(size_t size);
Result<std::shared_ptr<FileMemory>> AllocateDevice(size_t size, int device);
// Synchronous copies between host and GPU memory.
Status CopyToDevice(uint8_t* device_dst, const uint8_t* src, size_t size, int device);
Status CopyToHost(uint8_t* dst, const uint8_t* device_src, size_t size, int device);

// Moves file ranges to one GPU through a ring of pinned slots: a worker fills a free slot (reads
// the range into it), queues the slot's copy on one of several streams and goes on reading; the
// slot is reused once its copy has finished. Reads and copies overlap across workers.
class Uploader {
 public:
  // `slots` pinned buffers of `slot_bytes` each, copies spread over `streams` CUDA streams.
  static Result<std::unique_ptr<Uploader>> Create(int device, size_t slot_bytes, size_t slots,
                                                  size_t streams);
  ~Uploader();
  Uploader(const Uploader&) = delete;
  Uploader& operator=(const Uploader&) = delete;

  // Calls `fill` with a pinned span of `size` bytes (<= slot_bytes) and copies the span to
  // `device_dst` asynchronously. Blocks while every slot is busy. Thread-safe.
  Status Upload(uint8_t* device_dst, size_t size,
                const std::function<Status(std::span<uint8_t>)>& fill);
  // Waits for every queued copy; the first copy error.
  Status Finish();

  struct Impl;

 private:
  explicit Uploader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::load::gpu
