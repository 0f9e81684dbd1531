#include "status_exceptions.h"

#include <pybind11/pybind11.h>

#include "base/status_errno.h"

namespace py = pybind11;

namespace strata::python {
namespace {

// A failed Status on its way to Python. Thrown as a plain C++ exception, so that it may be thrown
// where the GIL is released; the translator turns it into the Python exception, GIL held.
class StatusError : public std::exception {
 public:
  explicit StatusError(Status status) : status_(std::move(status)) {}
  const char* what() const noexcept override { return status_.message().c_str(); }
  const Status& status() const { return status_; }

 private:
  Status status_;
};

void SetPythonError(const Status& status) {
  const std::string& message = status.message();
  switch (status.code()) {
    case Code::kInvalidArgument:
    case Code::kCorruption:  // a malformed file
      PyErr_SetString(PyExc_ValueError, message.c_str());
      return;
    case Code::kNotSupported:
    case Code::kUnavailable:  // e.g. no GPU
    case Code::kAborted:
    case Code::kInternal:
      PyErr_SetString(PyExc_RuntimeError, status.ToString().c_str());
      return;
    default: {
      // OSError(errno, message) picks its subclass from errno (FileNotFoundError for ENOENT, …).
      PyObject* args = Py_BuildValue("(is)", StatusErrno(status), message.c_str());
      PyErr_SetObject(PyExc_OSError, args);
      Py_XDECREF(args);
    }
  }
}

}  // namespace

void ThrowStatus(const Status& status) { throw StatusError(status); }

void RegisterStatusTranslator() {
  py::register_exception_translator([](std::exception_ptr error) {
    try {
      if (error) std::rethrow_exception(error);
    } catch (const StatusError& e) {
      SetPythonError(e.status());
    }
  });
}

}  // namespace strata::python
