// The state every command shares: global options, the stores they name, the worker pool.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/thread_pool.h"
#include "fs/volume.h"
#include "meta/meta_store.h"
#include "store/object_store.h"

namespace strata::cli {

struct GlobalOptions {
  std::string home;       // --home / STRATA_HOME / ~/.strata
  std::string meta_url;   // --meta / STRATA_META / sqlite://HOME/meta.db
  std::string store_url;  // --store / STRATA_STORE / file://HOME/chunks
  size_t threads = 0;     // --threads; 0: one per core (at least 2)
};

class Context {
 public:
  Context() = default;

  // Resolves the home directory and URLs (flag, then environment, then home defaults) and opens
  // the metadata and object stores. Idempotent.
  Status Open();

  meta::MetaStore& meta() { return *meta_; }
  store::ObjectStore& objects() { return *objects_; }
  ThreadPool& pool();
  Result<std::unique_ptr<fs::Volume>> OpenVolume(const std::string& name);
  // Bound to the command line before parsing; read by Open().
  GlobalOptions& options() { return options_; }

 private:
  GlobalOptions options_;
  std::unique_ptr<meta::MetaStore> meta_;
  std::unique_ptr<store::ObjectStore> objects_;
  std::unique_ptr<ThreadPool> pool_;
};

}  // namespace strata::cli
