// Python bindings of load::Loader: Loader, LoadedFile and tensor views exported through DLPack.
#pragma once

#include <memory>
#include <vector>

#include <pybind11/pybind11.h>

#include "load/loader.h"

namespace strata::python {

void BindLoader(pybind11::module_& m);

// Wraps loaded files for Python (shared with the volume bindings).
pybind11::list WrapFiles(std::vector<load::LoadedFile> files);
// Parses a device string; ValueError for a bad one.
load::Device ParseDevice(const std::string& device);

}  // namespace strata::python
