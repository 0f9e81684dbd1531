// strata._strata: the C++ core of the Python package (the pure-Python layer is strata/*.py).
#include <pybind11/pybind11.h>

#include "loader_bindings.h"
#include "status_exceptions.h"
#if STRATA_PYTHON_VOLUMES
#include "volume_bindings.h"
#endif

PYBIND11_MODULE(_strata, m) {
  m.doc() = "Strata's loader and volumes (use the `strata` package, not this module)";
  strata::python::RegisterStatusTranslator();
  strata::python::BindLoader(m);
#if STRATA_PYTHON_VOLUMES
  strata::python::BindVolumes(m);
  m.attr("has_volumes") = true;
#else
  m.attr("has_volumes") = false;
#endif
}
