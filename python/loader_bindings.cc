#include "loader_bindings.h"

#include <optional>

#include <pybind11/stl.h>

#include "dlpack_export.h"
#include "load/gpu.h"
#include "status_exceptions.h"

namespace py = pybind11;

namespace strata::python {
namespace {

std::optional<DLPackDType> DLPackTypeOf(load::DType dtype) {
  using load::DType;
  switch (dtype) {
    case DType::kBool:
      return DLPackDType{6, 8};
    case DType::kU8:
      return DLPackDType{1, 8};
    case DType::kI8:
      return DLPackDType{0, 8};
    case DType::kI16:
      return DLPackDType{0, 16};
    case DType::kU16:
      return DLPackDType{1, 16};
    case DType::kF16:
      return DLPackDType{2, 16};
    case DType::kBF16:
      return DLPackDType{4, 16};
    case DType::kI32:
      return DLPackDType{0, 32};
    case DType::kU32:
      return DLPackDType{1, 32};
    case DType::kF32:
      return DLPackDType{2, 32};
    case DType::kF64:
      return DLPackDType{2, 64};
    case DType::kI64:
      return DLPackDType{0, 64};
    case DType::kU64:
      return DLPackDType{1, 64};
    case DType::kF8E5M2:
    case DType::kF8E4M3:
      break;
  }
  return std::nullopt;
}

// The bytes of a tensor as a flat uint8 array: for element types a consumer cannot take through
// DLPack (FP8; BOOL in older consumers), which the Python layer reinterprets with a view.
class RawBytes {
 public:
  explicit RawBytes(load::Tensor tensor) : tensor_(std::move(tensor)) {}
  py::capsule DLPack(const py::object& /*stream*/) const {
    return MakeDLPackCapsule(tensor_.memory, const_cast<uint8_t*>(tensor_.bytes.data()),
                             tensor_.memory->device(), DLPackDType{1, 8},
                             {static_cast<int64_t>(tensor_.bytes.size())});
  }
  py::tuple DLPackDeviceOf() const { return DLPackDevice(tensor_.memory->device()); }

 private:
  load::Tensor tensor_;
};

class TensorView {
 public:
  explicit TensorView(load::Tensor tensor) : tensor_(std::move(tensor)) {}
  const std::string& name() const { return tensor_.info->name; }
  std::string dtype() const { return std::string(load::DTypeName(tensor_.info->dtype)); }
  py::tuple shape() const {
    py::tuple out(tensor_.info->shape.size());
    for (size_t i = 0; i < tensor_.info->shape.size(); ++i) out[i] = tensor_.info->shape[i];
    return out;
  }
  size_t nbytes() const { return tensor_.bytes.size(); }
  std::string device() const { return tensor_.memory->device().ToString(); }
  py::capsule DLPack(const py::object& /*stream*/) const {
    // The loader has synchronised every copy before returning: the data is ready on any stream.
    std::optional<DLPackDType> dtype = DLPackTypeOf(tensor_.info->dtype);
    if (!dtype) {
      throw py::type_error(this->dtype() + " has no DLPack type; take raw() and view its bytes");
    }
    std::vector<int64_t> shape(tensor_.info->shape.begin(), tensor_.info->shape.end());
    return MakeDLPackCapsule(tensor_.memory, const_cast<uint8_t*>(tensor_.bytes.data()),
                             tensor_.memory->device(), *dtype, shape);
  }
  py::tuple DLPackDeviceOf() const { return DLPackDevice(tensor_.memory->device()); }
  RawBytes raw() const { return RawBytes(tensor_); }

 private:
  load::Tensor tensor_;
};

class FileView {
 public:
  explicit FileView(load::LoadedFile file) : file_(std::move(file)) {}
  const std::string& name() const { return file_.name(); }
  std::string device() const { return file_.device().ToString(); }
  // In file order (by offset).
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const auto& info : file_.header().tensors) out.push_back(info.name);
    return out;
  }
  const std::map<std::string, std::string>& metadata() const { return file_.header().metadata; }
  bool has_metadata() const { return !file_.header().metadata.empty(); }
  TensorView tensor(const std::string& name) const { return TensorView(Unwrap(file_.Get(name))); }
  std::vector<TensorView> tensors() const {
    std::vector<TensorView> out;
    for (auto& tensor : file_.tensors()) out.emplace_back(std::move(tensor));
    return out;
  }

 private:
  load::LoadedFile file_;
};

}  // namespace

load::Device ParseDevice(const std::string& device) { return Unwrap(load::Device::Parse(device)); }

py::list WrapFiles(std::vector<load::LoadedFile> files) {
  py::list out;
  for (auto& file : files) out.append(FileView(std::move(file)));
  return out;
}

void BindLoader(py::module_& m) {
  py::class_<RawBytes>(m, "RawBytes", "A tensor's bytes as a flat uint8 array (DLPack).")
      .def("__dlpack__", &RawBytes::DLPack, py::arg("stream") = py::none())
      .def("__dlpack_device__", &RawBytes::DLPackDeviceOf);

  py::class_<TensorView>(m, "TensorView",
                         "One loaded tensor: its description and its memory through DLPack.")
      .def_property_readonly("name", &TensorView::name)
      .def_property_readonly("dtype", &TensorView::dtype, "the safetensors dtype, e.g. 'BF16'")
      .def_property_readonly("shape", &TensorView::shape)
      .def_property_readonly("nbytes", &TensorView::nbytes)
      .def_property_readonly("device", &TensorView::device)
      .def("__dlpack__", &TensorView::DLPack, py::arg("stream") = py::none())
      .def("__dlpack_device__", &TensorView::DLPackDeviceOf)
      .def("raw", &TensorView::raw);

  py::class_<FileView>(m, "LoadedFile", "One safetensors file in memory.")
      .def_property_readonly("name", &FileView::name)
      .def_property_readonly("device", &FileView::device)
      .def("keys", &FileView::keys, "tensor names in file order")
      .def("metadata", &FileView::metadata, "the __metadata__ strings")
      .def("has_metadata", &FileView::has_metadata)
      .def("tensor", &FileView::tensor, py::arg("name"))
      .def("tensors", &FileView::tensors);

  py::class_<load::Loader>(m, "Loader",
                           "Reads safetensors files chunk-parallel into one buffer per file.")
      .def(py::init([](size_t threads, uint64_t read_bytes, bool pin_host_memory,
                       uint64_t pinned_bytes, size_t streams) {
             if (read_bytes == 0) throw py::value_error("read_bytes must be positive");
             return std::make_unique<load::Loader>(
                 load::LoaderOptions{threads, read_bytes, pin_host_memory, pinned_bytes, streams});
           }),
           py::arg("threads") = 0, py::arg("read_bytes") = 8ULL << 20,
           py::arg("pin_host_memory") = true, py::arg("pinned_bytes") = 256ULL << 20,
           py::arg("streams") = 4)
      .def(
          "load",
          [](load::Loader& loader, const std::string& path, const std::string& device) {
            load::Device where = ParseDevice(device);
            Result<std::vector<load::LoadedFile>> files = [&] {
              py::gil_scoped_release unlocked;
              return loader.LoadLocal(path, where);
            }();
            return WrapFiles(Unwrap(std::move(files)));
          },
          py::arg("path"), py::arg("device") = "cpu",
          "a .safetensors file, a model.safetensors.index.json, or a directory")
      .def(
          "load_files",
          [](load::Loader& loader, const std::vector<std::string>& paths,
             const std::string& device) {
            load::Device where = ParseDevice(device);
            Result<std::vector<load::LoadedFile>> files = [&] {
              py::gil_scoped_release unlocked;
              return loader.LoadLocalFiles(paths, where);
            }();
            return WrapFiles(Unwrap(std::move(files)));
          },
          py::arg("paths"), py::arg("device") = "cpu");

  m.def(
      "resolve_shards", [](const std::string& path) { return Unwrap(load::ResolveShards(path)); },
      py::arg("path"), "the shard files a path names (a file, an index, or a directory)");
  m.def("built_with_cuda", &load::gpu::BuiltWithCuda);
  m.def("cuda_available", &load::gpu::Available);
}

}  // namespace strata::python
