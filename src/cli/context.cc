#include "cli/context.h"

#include <unistd.h>

#include <cstdlib>

#include <fmt/core.h>

#include "meta/open_meta_store.h"
#include "store/open_store.h"

namespace strata::cli {
namespace {

std::string EnvOr(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::string(value) : std::move(fallback);
}

}  // namespace

Status Context::Open() {
  if (meta_) return Status::OK();
  if (options_.home.empty()) {
    const char* user_home = std::getenv("HOME");
    options_.home = EnvOr("STRATA_HOME", fmt::format("{}/.strata", user_home ? user_home : "."));
  }
  if (options_.home.front() != '/') {
    char* cwd = ::getcwd(nullptr, 0);
    options_.home = fmt::format("{}/{}", cwd ? cwd : ".", options_.home);
    std::free(cwd);
  }
  if (options_.meta_url.empty()) {
    options_.meta_url = EnvOr("STRATA_META", fmt::format("sqlite://{}/meta.db", options_.home));
  }
  if (options_.store_url.empty()) {
    options_.store_url = EnvOr("STRATA_STORE", fmt::format("file://{}/chunks", options_.home));
  }
  ASSIGN_OR_RETURN(meta_, meta::OpenMetaStore(options_.meta_url));
  ASSIGN_OR_RETURN(objects_, store::OpenObjectStore(options_.store_url));
  return Status::OK();
}

ThreadPool& Context::pool() {
  if (!pool_) {
    // Chunk I/O overlaps with hashing, so a few more workers than cores keep the CPU busy.
    size_t threads = options_.threads ? options_.threads : ThreadPool::DefaultThreads() * 2;
    pool_ = std::make_unique<ThreadPool>(threads);
  }
  return *pool_;
}

Result<std::unique_ptr<fs::Volume>> Context::OpenVolume(const std::string& name) {
  RETURN_IF_ERROR(Open());
  Result<std::unique_ptr<fs::Volume>> volume = fs::Volume::Open(*meta_, *objects_, name);
  if (!volume.ok() && volume.status().code() == Code::kNotFound) {
    return Status::NotFound(
        fmt::format("no volume named '{}' (create it with: strata volume create {})", name, name));
  }
  return volume;
}

}  // namespace strata::cli
