// Opens an ObjectStore by URL, so callers never name an implementation.
//   file:///abs/path   a local directory (a bare absolute path works too)
//   memory://          process memory (tests)
#pragma once

#include <memory>
#include <string_view>

#include "store/object_store.h"

namespace strata::store {

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view url);

}  // namespace strata::store
