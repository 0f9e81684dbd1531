#include "load/gpu.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

#include "base/str_cat.h"

#if STRATA_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace strata::load::gpu {

#if STRATA_WITH_CUDA

namespace {

Status CudaError(std::string_view what, cudaError_t error) {
  std::string message =
      StrCat(what, ": ", cudaGetErrorName(error), " (", cudaGetErrorString(error), ")");
  if (error == cudaErrorMemoryAllocation) return Status::NoSpace(std::move(message));
  if (error == cudaErrorNoDevice || error == cudaErrorInsufficientDriver) {
    return Status::Unavailable(std::move(message));
  }
  return Status::IOError(std::move(message));
}

#define STRATA_CUDA_RETURN_IF_ERROR(call, what)    \
  do {                                             \
    cudaError_t strata_cuda_error = (call);        \
    if (strata_cuda_error != cudaSuccess) {        \
      return CudaError((what), strata_cuda_error); \
    }                                              \
  } while (0)

class PinnedMemory final : public FileMemory {
 public:
  PinnedMemory(uint8_t* data, size_t size) : FileMemory(data, size, Device::Cpu(), true) {}
  ~PinnedMemory() override { cudaFreeHost(data()); }
};

class DeviceMemory final : public FileMemory {
 public:
  DeviceMemory(uint8_t* data, size_t size, int device)
      : FileMemory(data, size, Device::Cuda(device), false) {}
  ~DeviceMemory() override {
    cudaSetDevice(device().index);
    cudaFree(data());
  }
};

}  // namespace

bool BuiltWithCuda() { return true; }

Status CheckDevice(int index) {
  int count = 0;
  cudaError_t error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess) {
    // Clears the sticky "no device" error so that later calls report their own.
    cudaGetLastError();
    return Status::Unavailable(StrCat("no usable CUDA GPU: ", cudaGetErrorString(error)));
  }
  if (index < 0 || index >= count) {
    return Status::InvalidArgument(
        StrCat("cuda:", index, ": this machine has ", count, " CUDA GPU(s)"));
  }
  return Status::OK();
}

bool Available() {
  static const bool available = CheckDevice(0).ok();
  return available;
}

Result<std::shared_ptr<FileMemory>> AllocatePinned(size_t size) {
  void* data = nullptr;
  // A zero-byte allocation still gets a distinct pointer, as the host allocator gives.
  STRATA_CUDA_RETURN_IF_ERROR(cudaHostAlloc(&data, size ? size : 1, cudaHostAllocDefault),
                              StrCat("pin ", size, " bytes of host memory"));
  return std::shared_ptr<FileMemory>(
      std::make_shared<PinnedMemory>(static_cast<uint8_t*>(data), size));
}

Result<std::shared_ptr<FileMemory>> AllocateDevice(size_t size, int device) {
  RETURN_IF_ERROR(CheckDevice(device));
  STRATA_CUDA_RETURN_IF_ERROR(cudaSetDevice(device), StrCat("select cuda:", device));
  void* data = nullptr;
  STRATA_CUDA_RETURN_IF_ERROR(cudaMalloc(&data, size ? size : 1),
                              StrCat("allocate ", size, " bytes on cuda:", device));
  return std::shared_ptr<FileMemory>(
      std::make_shared<DeviceMemory>(static_cast<uint8_t*>(data), size, device));
}

Status CopyToDevice(uint8_t* device_dst, const uint8_t* src, size_t size, int device) {
  STRATA_CUDA_RETURN_IF_ERROR(cudaSetDevice(device), StrCat("select cuda:", device));
  STRATA_CUDA_RETURN_IF_ERROR(cudaMemcpy(device_dst, src, size, cudaMemcpyHostToDevice),
                              StrCat("copy ", size, " bytes to cuda:", device));
  return Status::OK();
}

Status CopyToHost(uint8_t* dst, const uint8_t* device_src, size_t size, int device) {
  STRATA_CUDA_RETURN_IF_ERROR(cudaSetDevice(device), StrCat("select cuda:", device));
  STRATA_CUDA_RETURN_IF_ERROR(cudaMemcpy(dst, device_src, size, cudaMemcpyDeviceToHost),
                              StrCat("copy ", size, " bytes from cuda:", device));
  return Status::OK();
}

struct Uploader::Impl {
  int device = 0;
  size_t slot_bytes = 0;
  uint8_t* ring = nullptr;  // slots × slot_bytes of pinned memory
  std::vector<cudaStream_t> streams;
  std::vector<cudaEvent_t> copied;  // per slot: recorded after its last copy
  std::vector<bool> copy_queued;    // per slot; touched only by the slot's current holder
  std::mutex mu;
  std::condition_variable slot_freed;
  std::deque<size_t> free_slots;  // GUARDED_BY(mu)

  ~Impl() {
    for (cudaStream_t stream : streams) cudaStreamSynchronize(stream);
    for (cudaEvent_t event : copied) cudaEventDestroy(event);
    for (cudaStream_t stream : streams) cudaStreamDestroy(stream);
    if (ring) cudaFreeHost(ring);
  }
};

Result<std::unique_ptr<Uploader>> Uploader::Create(int device, size_t slot_bytes, size_t slots,
                                                   size_t streams) {
  RETURN_IF_ERROR(CheckDevice(device));
  if (slots == 0 || streams == 0 || slot_bytes == 0) {
    return Status::InvalidArgument("an uploader needs at least one slot, stream and byte");
  }
  auto impl = std::make_unique<Impl>();
  impl->device = device;
  impl->slot_bytes = slot_bytes;
  STRATA_CUDA_RETURN_IF_ERROR(cudaSetDevice(device), StrCat("select cuda:", device));
  void* ring = nullptr;
  STRATA_CUDA_RETURN_IF_ERROR(cudaHostAlloc(&ring, slots * slot_bytes, cudaHostAllocDefault),
                              StrCat("pin a ring of ", slots * slot_bytes, " bytes"));
  impl->ring = static_cast<uint8_t*>(ring);
  for (size_t i = 0; i < streams; ++i) {
    cudaStream_t stream;
    STRATA_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking),
                                "create a CUDA stream");
    impl->streams.push_back(stream);
  }
  for (size_t i = 0; i < slots; ++i) {
    cudaEvent_t event;
    STRATA_CUDA_RETURN_IF_ERROR(cudaEventCreateWithFlags(&event, cudaEventDisableTiming),
                                "create a CUDA event");
    impl->copied.push_back(event);
    impl->free_slots.push_back(i);
  }
  impl->copy_queued.assign(slots, false);
  return std::unique_ptr<Uploader>(new Uploader(std::move(impl)));
}

Status Uploader::Upload(uint8_t* device_dst, size_t size,
                        const std::function<Status(std::span<uint8_t>)>& fill) {
  Impl& s = *impl_;
  if (size > s.slot_bytes) {
    return Status::InvalidArgument(StrCat("upload of ", size, " bytes: slots hold ", s.slot_bytes));
  }
  size_t slot;
  {
    std::unique_lock lock(s.mu);
    s.slot_freed.wait(lock, [&] { return !s.free_slots.empty(); });
    slot = s.free_slots.front();
    s.free_slots.pop_front();
  }
  auto release = [&] {
    {
      std::lock_guard lock(s.mu);
      s.free_slots.push_back(slot);
    }
    s.slot_freed.notify_one();
  };
  Status status = [&]() -> Status {
    // The current device is per thread: every worker selects it.
    STRATA_CUDA_RETURN_IF_ERROR(cudaSetDevice(s.device), StrCat("select cuda:", s.device));
    if (s.copy_queued[slot]) {
      STRATA_CUDA_RETURN_IF_ERROR(cudaEventSynchronize(s.copied[slot]), "wait for a copy");
      s.copy_queued[slot] = false;
    }
    uint8_t* pinned = s.ring + slot * s.slot_bytes;
    RETURN_IF_ERROR(fill({pinned, size}));
    cudaStream_t stream = s.streams[slot % s.streams.size()];
    STRATA_CUDA_RETURN_IF_ERROR(
        cudaMemcpyAsync(device_dst, pinned, size, cudaMemcpyHostToDevice, stream),
        StrCat("copy ", size, " bytes to cuda:", s.device));
    STRATA_CUDA_RETURN_IF_ERROR(cudaEventRecord(s.copied[slot], stream), "record a copy");
    s.copy_queued[slot] = true;
    return Status::OK();
  }();
  release();
  return status;
}

Status Uploader::Finish() {
  Impl& s = *impl_;
  STRATA_CUDA_RETURN_IF_ERROR(cudaSetDevice(s.device), StrCat("select cuda:", s.device));
  for (cudaStream_t stream : s.streams) {
    STRATA_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream),
                                StrCat("finish the copies to cuda:", s.device));
  }
  return Status::OK();
}

#else  // !STRATA_WITH_CUDA

namespace {
Status NoCuda() {
  return Status::Unavailable(
      "this build of strata has no CUDA support (the CUDA toolkit was not found when it was "
      "built; configure with the toolkit installed, -DSTRATA_CUDA=ON)");
}
}  // namespace

struct Uploader::Impl {};

bool BuiltWithCuda() { return false; }
Status CheckDevice(int) { return NoCuda(); }
bool Available() { return false; }
Result<std::shared_ptr<FileMemory>> AllocatePinned(size_t) { return NoCuda(); }
Result<std::shared_ptr<FileMemory>> AllocateDevice(size_t, int) { return NoCuda(); }
Status CopyToDevice(uint8_t*, const uint8_t*, size_t, int) { return NoCuda(); }
Status CopyToHost(uint8_t*, const uint8_t*, size_t, int) { return NoCuda(); }
Result<std::unique_ptr<Uploader>> Uploader::Create(int, size_t, size_t, size_t) { return NoCuda(); }
Status Uploader::Upload(uint8_t*, size_t, const std::function<Status(std::span<uint8_t>)>&) {
  return NoCuda();
}
Status Uploader::Finish() { return NoCuda(); }

#endif

Uploader::Uploader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Uploader::~Uploader() = default;

}  // namespace strata::load::gpu
