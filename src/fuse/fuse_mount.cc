#include "fuse/fuse_mount.h"

#include <fmt/format.h>

#include "fuse/fuse_ops.h"

namespace strata::fuse {
namespace {

// libfuse parses its options from an argv.
class FuseArgs {
 public:
  explicit FuseArgs(const std::vector<std::string>& args) {
    for (const auto& a : args) strings_.push_back(a);
    for (auto& s : strings_) argv_.push_back(s.data());
    args_ = FUSE_ARGS_INIT(static_cast<int>(argv_.size()), argv_.data());
  }
  ~FuseArgs() { fuse_opt_free_args(&args_); }
  fuse_args* get() { return &args_; }

 private:
  std::vector<std::string> strings_;
  std::vector<char*> argv_;
  fuse_args args_{};
};

}  // namespace

FuseMount::FuseMount(const MountOptions& options)
    : options_(options), state_(std::make_unique<MountState>()) {
  state_->ttl_seconds = options.ttl_seconds;
}

Result<std::unique_ptr<FuseMount>> FuseMount::Create(const MountOptions& options) {
  std::unique_ptr<FuseMount> mount(new FuseMount(options));
  std::vector<std::string> args = {"strata"};
  if (options.debug) args.push_back("-d");
  // The kernel checks permissions against the modes and owners we report, as on a local disk.
  std::vector<std::string> opts = {"default_permissions",
                                   fmt::format("max_read={}", mount->state_->max_io_bytes),
                                   "subtype=strata", fmt::format("fsname={}", options.fs_name)};
  opts.insert(opts.end(), options.fuse_options.begin(), options.fuse_options.end());
  for (const auto& o : opts) {
    args.push_back("-o");
    args.push_back(o);
  }
  FuseArgs fuse_args(args);
  mount->session_ = fuse_session_new(fuse_args.get(), &LowLevelOps(), sizeof(fuse_lowlevel_ops),
                                     mount->state_.get());
  if (mount->session_ == nullptr) {
    return Status::InvalidArgument(
        fmt::format("cannot start a FUSE session (options: {})", fmt::join(opts, ",")));
  }
  if (fuse_session_mount(mount->session_, options.mountpoint.c_str()) != 0) {
    return Status::IOError(
        fmt::format("cannot mount at {} (does the directory exist? is /dev/fuse usable? see above)",
                    options.mountpoint));
  }
  mount->mounted_ = true;
  mount->state_->session = mount->session_;
  return mount;
}

FuseMount::~FuseMount() {
  if (session_ == nullptr) return;
  if (mounted_) fuse_session_unmount(session_);
  fuse_session_destroy(session_);
}

Status FuseMount::Daemonize() {
  if (fuse_daemonize(0) != 0) return Status::IOError("cannot detach into the background");
  return Status::OK();
}

Status FuseMount::Serve(FileSystem& fs) {
  state_->fs = &fs;
  if (fuse_set_signal_handlers(session_) != 0) {
    return Status::Internal("cannot install signal handlers");
  }
  fuse_loop_config* config = fuse_loop_cfg_create();
  fuse_loop_cfg_set_max_threads(config, static_cast<unsigned>(options_.max_threads));
  fuse_loop_cfg_set_idle_threads(config, 8);
  int rc = fuse_session_loop_mt(session_, config);
  fuse_loop_cfg_destroy(config);
  fuse_remove_signal_handlers(session_);
  Status flushed = fs.FlushAll();
  fuse_session_unmount(session_);
  mounted_ = false;
  // A positive result is the signal that ended the loop: a requested stop, not a failure.
  if (rc < 0) return Status::IOError(fmt::format("the FUSE session ended with error {}", rc));
  return flushed;
}

}  // namespace strata::fuse
