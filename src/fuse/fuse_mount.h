// FuseMount: one kernel mount of a volume, from mount(2) to unmount.
//
// Mounting is split from serving so that the caller can daemonize in between: the parent learns
// whether the mount worked (and exits 0 only if it did), and the threads that serve it are
// started after the fork, in the daemon.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "fuse/file_system.h"

struct fuse_session;

namespace strata::fuse {

struct MountOptions {
  std::string mountpoint;
  std::string fs_name;                    // shown by mount(8) and df(1)
  std::vector<std::string> fuse_options;  // each as given to -o (allow_other, ro, …)
  double ttl_seconds = 1.0;               // how long the kernel trusts names and attributes
  size_t max_threads = 64;                // FUSE worker threads at most
  bool debug = false;                     // libfuse logs every request to stderr
};

struct MountState;

class FuseMount {
 public:
  // Mounts at options.mountpoint; requests wait in the kernel until Serve runs.
  static Result<std::unique_ptr<FuseMount>> Create(const MountOptions& options);
  ~FuseMount();

  // Detaches into the background (the calling process exits once the daemon is running).
  // stdin/stdout/stderr become /dev/null, the working directory "/".
  Status Daemonize();
  // Serves `fs` until the file system is unmounted or SIGINT/SIGTERM/SIGHUP; then publishes
  // every file still open for writing and unmounts.
  Status Serve(FileSystem& fs);

 private:
  explicit FuseMount(const MountOptions& options);

  MountOptions options_;
  std::unique_ptr<MountState> state_;
  fuse_session* session_ = nullptr;
  bool mounted_ = false;
};

}  // namespace strata::fuse
