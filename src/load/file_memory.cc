#include "load/file_memory.h"

#include "base/host_buffer.h"
#include "load/gpu.h"

namespace strata::load {
namespace {

class HostMemory final : public FileMemory {
 public:
  explicit HostMemory(std::shared_ptr<HostBuffer> buffer)
      : FileMemory(buffer->data(), buffer->size(), Device::Cpu(), /*pinned=*/false),
        buffer_(std::move(buffer)) {}

 private:
  std::shared_ptr<HostBuffer> buffer_;
};

}  // namespace

Result<std::shared_ptr<FileMemory>> AllocateFileMemory(size_t size, Device device, bool pin) {
  if (!device.is_cpu()) return gpu::AllocateDevice(size, device.index);
  if (pin && gpu::Available()) return gpu::AllocatePinned(size);
  ASSIGN_OR_RETURN(std::shared_ptr<HostBuffer> buffer, HostBuffer::Allocate(size));
  return std::shared_ptr<FileMemory>(std::make_shared<HostMemory>(std::move(buffer)));
}

}  // namespace strata::load
