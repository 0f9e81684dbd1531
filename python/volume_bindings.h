// Python bindings of volumes: open (or create) a volume as the CLI does (same --home/--meta/
// --store defaults and environment), put files and directories, list, read, remove, and load
// safetensors straight from the chunk tiers (no mount).
#pragma once

#include <pybind11/pybind11.h>

namespace strata::python {

void BindVolumes(pybind11::module_& m);

}  // namespace strata::python
