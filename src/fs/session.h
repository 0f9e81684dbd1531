// Session: what one process opens to work on volumes: the home directory, the metadata and object
// stores named by flags or the environment, the cache tiers and the worker pool. The CLI and the
// Python module open volumes the same way through it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "base/thread_pool.h"
#include "cache/tiers.h"
#include "fs/volume.h"
#include "meta/meta_store.h"
#include "peer/peer_source.h"
#include "store/object_store.h"

namespace strata::fs {

struct SessionOptions {
  std::string home;                 // --home / STRATA_HOME / ~/.strata
  std::string meta_url;             // --meta / STRATA_META / sqlite://HOME/meta.db
  std::string store_url;            // --store / STRATA_STORE / file://HOME/chunks
  size_t threads = 0;               // --threads; 0: 2 per core, 16 for a remote store
  std::string cache_dir;            // --cache-dir / STRATA_CACHE_DIR / HOME/cache (remote stores)
  std::string cache_size;           // --cache-size / STRATA_CACHE_SIZE / 20G
  std::string memory_cache_size;    // --memory-cache-size / STRATA_MEMORY_CACHE_SIZE / 0
  std::string peers;                // --peers / STRATA_PEERS: cache nodes, host:port,…
  std::string secret_file;          // --secret-file / STRATA_SECRET_FILE: their shared secret
  Clock* clock = &Clock::System();  // the metadata store's time (a FakeClock in tests)
};

class Session {
 public:
  Session() = default;

  // Resolves the home directory and URLs (flag, then environment, then home defaults) and opens
  // the metadata and object stores. Idempotent.
  Status Open();

  // Closes the stores (the next Open reopens them): nothing open may cross a fork, as SQLite's
  // locks belong to the process that took them.
  void Close();

  meta::MetaStore& meta() { return *meta_; }
  store::ObjectStore& objects() { return *objects_; }
  ThreadPool& pool();
  // The cache tiers every read goes through (opened on first use).
  Result<cache::Tiers*> tiers();
  // The cache directory in use, or "" when reads go straight to the store (a local store with
  // no --cache-dir: it is its own cache). Valid after Open().
  const std::string& cache_dir() const { return cache_options_.disk_dir; }
  // The cache for data from outside the volumes (a bucket's objects, which are always remote):
  // the cache directory in use, else HOME/cache. Valid after Open().
  cache::CacheOptions remote_cache_options() const;
  bool remote_store() const;
  // The peers' options (empty without --peers). Valid after Open().
  const peer::PeerOptions& peer_options() const { return peer_options_; }
  // Opens the tiers without the peer tier (a cache node serves from its own caches and the
  // store, never from its peers). Before the first tiers().
  void DisablePeerTier() { peers_disabled_ = true; }
  Result<std::unique_ptr<Volume>> OpenVolume(const std::string& name);
  // Set (e.g. bound to the command line) before Open(), which reads them.
  SessionOptions& options() { return options_; }

 private:
  SessionOptions options_;
  std::unique_ptr<meta::MetaStore> meta_;
  std::unique_ptr<store::ObjectStore> objects_;
  std::unique_ptr<ThreadPool> pool_;
  cache::CacheOptions cache_options_;  // no datacenter tier: tiers() adds the peers'
  peer::PeerOptions peer_options_;
  std::unique_ptr<cache::Tiers> tiers_;
  bool peers_disabled_ = false;
};

}  // namespace strata::fs
