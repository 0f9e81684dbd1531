// MemoryStore: an ObjectStore in process memory, the in-memory twin used by tests.
#pragma once

#include <memory>

#include "store/object_store.h"

namespace strata::store {

std::unique_ptr<ObjectStore> NewMemoryStore();

}  // namespace strata::store
