// Opens a MetaStore by URL, so callers never name an implementation.
//   sqlite:///abs/path/meta.db   SQLite in WAL mode (the embedded default)
//   sqlite::memory:              a private in-memory database (tests)
#pragma once

#include <memory>
#include <string_view>

#include "meta/meta_store.h"

namespace strata::meta {

// `clock`: the store's time (MetaStore::clock).
Result<std::unique_ptr<MetaStore>> OpenMetaStore(std::string_view url,
                                                 Clock& clock = Clock::System());

}  // namespace strata::meta
