// DLPack export: hands a tensor's memory to any DLPack consumer (torch.from_dlpack,
// numpy.from_dlpack, …) without copying and without linking the consumer. The structures are
// the DLPack ABI (dlpack.h v0.8, https://dmlc.github.io/dlpack/latest/c_api.html), written out
// here so the module needs no extra header on machines that lack it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <pybind11/pybind11.h>

#include "load/device.h"

namespace strata::python {

struct DLPackDType {
  uint8_t code;  // kDLInt 0, kDLUInt 1, kDLFloat 2, kDLBfloat 4, kDLBool 6
  uint8_t bits;
};

// A "dltensor" capsule over `data` (a host or device address) that keeps `owner` alive until
// the consumer is done with it. The shape is copied.
pybind11::capsule MakeDLPackCapsule(std::shared_ptr<const void> owner, void* data,
                                    const load::Device& device, DLPackDType dtype,
                                    const std::vector<int64_t>& shape);

// __dlpack_device__(): (device type, ordinal) as DLPack numbers them.
pybind11::tuple DLPackDevice(const load::Device& device);

}  // namespace strata::python
