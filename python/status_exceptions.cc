#include "status_exceptions.h"

#include <cerrno>

#include <pybind11/pybind11.h>

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

// The errno whose OSError subclass a Python user expects (FileNotFoundError for ENOENT, …); 0 for
// codes that are not about files.
int ErrnoOf(Code code) {
  switch (code) {
    case Code::kNotFound:
      return ENOENT;
    case Code::kAlreadyExists:
      return EEXIST;
    case Code::kNotDirectory:
      return ENOTDIR;
    case Code::kIsDirectory:
      return EISDIR;
    case Code::kNotEmpty:
      return ENOTEMPTY;
    case Code::kNameTooLong:
      return ENAMETOOLONG;
    case Code::kPermissionDenied:
      return EACCES;
    case Code::kNoSpace:
      return ENOSPC;
    case Code::kReadOnly:
      return EROFS;
    case Code::kIOError:
      return EIO;
    default:
      return 0;
  }
}

void SetPythonError(const Status& status) {
  const std::string& message = status.message();
  if (int err = ErrnoOf(status.code())) {
    // OSError(errno, message) picks its subclass from errno.
    PyObject* args = Py_BuildValue("(is)", err, message.c_str());
    PyErr_SetObject(PyExc_OSError, args);
    Py_XDECREF(args);
  } else if (status.code() == Code::kInvalidArgument || status.code() == Code::kCorruption) {
    PyErr_SetString(PyExc_ValueError, message.c_str());
  } else {
    PyErr_SetString(PyExc_RuntimeError, status.ToString().c_str());
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
