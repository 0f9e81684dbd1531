#include "dlpack_export.h"

namespace py = pybind11;

namespace strata::python {
namespace {

// The DLPack ABI (see the header).
enum DLDeviceType : int32_t { kDLCPU = 1, kDLCUDA = 2 };
struct DLDevice {
  int32_t device_type;
  int32_t device_id;
};
struct DLDataType {
  uint8_t code;
  uint8_t bits;
  uint16_t lanes;
};
struct DLTensor {
  void* data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t* shape;
  int64_t* strides;  // null: compact row-major
  uint64_t byte_offset;
};
struct DLManagedTensor {
  DLTensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(DLManagedTensor* self);
};

// What a capsule owns: the tensor description, its shape, and the memory's owner.
struct Export {
  DLManagedTensor managed;
  std::vector<int64_t> shape;
  std::shared_ptr<const void> owner;
};

void DeleteExport(DLManagedTensor* self) { delete static_cast<Export*>(self->manager_ctx); }

constexpr const char* kCapsuleName = "dltensor";

// A capsule nobody consumed still owns its tensor; a consumer renames it "used_dltensor" and
// calls the deleter itself.
void DestroyCapsule(PyObject* capsule) {
  if (!PyCapsule_IsValid(capsule, kCapsuleName)) return;
  auto* managed = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, kCapsuleName));
  if (managed && managed->deleter) managed->deleter(managed);
}

DLDevice ToDLDevice(const load::Device& device) {
  return device.is_cpu() ? DLDevice{kDLCPU, 0} : DLDevice{kDLCUDA, device.index};
}

}  // namespace

py::capsule MakeDLPackCapsule(std::shared_ptr<const void> owner, void* data,
                              const load::Device& device, DLPackDType dtype,
                              const std::vector<int64_t>& shape) {
  auto* exported = new Export{{}, shape, std::move(owner)};
  DLTensor& t = exported->managed.dl_tensor;
  t.data = data;
  t.device = ToDLDevice(device);
  t.ndim = static_cast<int32_t>(shape.size());
  t.dtype = DLDataType{dtype.code, dtype.bits, 1};
  t.shape = exported->shape.data();
  t.strides = nullptr;
  t.byte_offset = 0;
  exported->managed.manager_ctx = exported;
  exported->managed.deleter = DeleteExport;
  PyObject* capsule = PyCapsule_New(&exported->managed, kCapsuleName, DestroyCapsule);
  if (!capsule) {
    delete exported;
    throw py::error_already_set();
  }
  return py::reinterpret_steal<py::capsule>(capsule);
}

py::tuple DLPackDevice(const load::Device& device) {
  DLDevice d = ToDLDevice(device);
  return py::make_tuple(d.device_type, d.device_id);
}

}  // namespace strata::python
