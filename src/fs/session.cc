#include "fs/session.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <fmt/core.h>

#include "base/posix.h"
#include "core/byte_size.h"
#include "meta/open_meta_store.h"
#include "peer/peer_protocol.h"
#include "peer/peer_source.h"
#include "store/open_store.h"

namespace strata::fs {
namespace {

std::string EnvOr(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::string(value) : std::move(fallback);
}

}  // namespace

Status Session::Open() {
  if (meta_) return Status::OK();
  if (options_.home.empty()) {
    const char* user_home = std::getenv("HOME");
    options_.home = EnvOr("STRATA_HOME", fmt::format("{}/.strata", user_home ? user_home : "."));
  }
  options_.home = AbsolutePath(options_.home);
  if (options_.meta_url.empty()) {
    options_.meta_url = EnvOr("STRATA_META", fmt::format("sqlite://{}/meta.db", options_.home));
  }
  if (options_.store_url.empty()) {
    options_.store_url = EnvOr("STRATA_STORE", fmt::format("file://{}/chunks", options_.home));
  }
  // The cache: always for a remote store; for a local one only when asked for, since a local
  // chunk directory is already on the node's disk.
  std::string explicit_dir =
      options_.cache_dir.empty() ? EnvOr("STRATA_CACHE_DIR", "") : options_.cache_dir;
  if (!explicit_dir.empty()) {
    cache_options_.disk_dir = explicit_dir;
  } else if (remote_store()) {
    cache_options_.disk_dir = fmt::format("{}/cache", options_.home);
  }
  std::string disk_size =
      options_.cache_size.empty() ? EnvOr("STRATA_CACHE_SIZE", "20G") : options_.cache_size;
  std::string memory_size = options_.memory_cache_size.empty()
                                ? EnvOr("STRATA_MEMORY_CACHE_SIZE", "0")
                                : options_.memory_cache_size;
  Result<uint64_t> disk_bytes = ParseByteSize(disk_size);
  if (!disk_bytes.ok()) return disk_bytes.status().WithContext("--cache-size");
  Result<uint64_t> memory_bytes = ParseByteSize(memory_size);
  if (!memory_bytes.ok()) return memory_bytes.status().WithContext("--memory-cache-size");
  cache_options_.disk_bytes = *disk_bytes;
  cache_options_.memory_bytes = *memory_bytes;
  std::string peers = options_.peers.empty() ? EnvOr("STRATA_PEERS", "") : options_.peers;
  if (!peers.empty()) {
    ASSIGN_OR_RETURN(peer_options_.peers, peer::ParsePeers(peers));
    std::string secret_file =
        options_.secret_file.empty() ? EnvOr("STRATA_SECRET_FILE", "") : options_.secret_file;
    if (secret_file.empty()) {
      return Status::InvalidArgument(
          "--peers needs --secret-file (env STRATA_SECRET_FILE): the cluster's shared secret");
    }
    ASSIGN_OR_RETURN(peer_options_.secret, peer::ReadSecretFile(secret_file));
  }
  ASSIGN_OR_RETURN(meta_, meta::OpenMetaStore(options_.meta_url, *options_.clock));
  ASSIGN_OR_RETURN(objects_, store::OpenObjectStore(options_.store_url));
  return Status::OK();
}

void Session::Close() {
  tiers_.reset();
  pool_.reset();
  objects_.reset();
  meta_.reset();
}

cache::CacheOptions Session::remote_cache_options() const {
  cache::CacheOptions options = cache_options_;
  if (options.disk_dir.empty()) options.disk_dir = fmt::format("{}/cache", options_.home);
  return options;  // no peers: they serve volume chunks; bucket pieces stay on this node
}

bool Session::remote_store() const {
  return !options_.store_url.starts_with("file:") && !options_.store_url.starts_with("/") &&
         !options_.store_url.starts_with("memory:");
}

Result<cache::Tiers*> Session::tiers() {
  RETURN_IF_ERROR(Open());
  if (!tiers_) {
    cache::CacheOptions options = cache_options_;
    if (!peers_disabled_ && !peer_options_.peers.empty()) {
      options.datacenter_tier = [peers = peer_options_](cache::ChunkSource& below) {
        return std::make_unique<peer::PeerSource>(below, peers);
      };
    }
    ASSIGN_OR_RETURN(tiers_, cache::Tiers::Open(*objects_, options));
  }
  return tiers_.get();
}

ThreadPool& Session::pool() {
  if (!pool_) {
    // Chunk I/O overlaps with hashing, so a few more workers than cores keep the CPU busy.
    // A remote store answers each request after a round trip: many requests in flight hide it.
    size_t threads = options_.threads ? options_.threads
                     : remote_store() ? std::max<size_t>(32, ThreadPool::DefaultThreads() * 2)
                                      : ThreadPool::DefaultThreads() * 2;
    pool_ = std::make_unique<ThreadPool>(threads);
  }
  return *pool_;
}

Result<std::unique_ptr<Volume>> Session::OpenVolume(const std::string& name) {
  RETURN_IF_ERROR(Open());
  ASSIGN_OR_RETURN(cache::Tiers * tiers, this->tiers());
  Result<std::unique_ptr<Volume>> volume = Volume::Open(*meta_, *objects_, name, &tiers->top());
  if (!volume.ok() && volume.status().code() == Code::kNotFound) {
    return Status::NotFound(
        fmt::format("no volume named '{}' (create it with: strata volume create {})", name, name));
  }
  return volume;
}

}  // namespace strata::fs
