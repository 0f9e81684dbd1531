// Status → Python exception: the one place where a C++ error becomes what a Python user expects
// (FileNotFoundError for a missing path, ValueError for a bad file, OSError with its errno, …).
#pragma once

#include <utility>

#include "base/status.h"

namespace strata::python {

// Throws a C++ exception that reaches Python as the matching exception: safe with the GIL
// released.
[[noreturn]] void ThrowStatus(const Status& status);
// Installs the translation; once, at module import.
void RegisterStatusTranslator();

inline void Check(const Status& status) {
  if (!status.ok()) ThrowStatus(status);
}

template <typename T>
T Unwrap(Result<T> result) {
  if (!result.ok()) ThrowStatus(result.status());
  return std::move(*result);
}

}  // namespace strata::python
