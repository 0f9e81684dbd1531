// strata mount VOLUME DIR | strata umount DIR: the volume as a directory (FUSE).
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "base/posix.h"
#include "base/split.h"
#include "bucket/bucket_session.h"
#include "cli/commands.h"
#include "core/env.h"
#include "fuse/bucket_fs.h"
#include "fuse/fuse_mount.h"
#include "fuse/volume_fs.h"

namespace strata::cli {
namespace {

struct MountArgs {
  std::string volume;
  std::string mountpoint;
  bool foreground = false;
  std::vector<std::string> options;
  double ttl_seconds = 1.0;
  size_t max_threads = 64;
  bool debug = false;
  std::string bucket;  // --bucket URL: plain objects instead of a volume
  bool read_write = false;
  double listing_ttl_seconds = 5.0;
};

// "-o a,b -o c" → {a, b, c}.
std::vector<std::string> SplitOptions(const std::vector<std::string>& given) {
  std::vector<std::string> out;
  for (const auto& group : given) {
    for (std::string& option : SplitNonEmpty(group, ',')) out.push_back(std::move(option));
  }
  return out;
}

bool IsMounted(const std::string& mountpoint) {
  std::ifstream mounts("/proc/self/mounts");
  std::string device, dir, rest;
  while (mounts >> device >> dir && std::getline(mounts, rest)) {
    if (dir == mountpoint) return true;
  }
  return false;
}

// Checks the mount point and fills in the mount options every mount shares.
Result<fuse::MountOptions> MountOptionsOf(const MountArgs& args, std::string fs_name) {
  fuse::MountOptions options;
  options.mountpoint = AbsolutePath(args.mountpoint);
  struct stat st {};
  if (::stat(options.mountpoint.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(
        fmt::format("mount point {} is not an existing directory", options.mountpoint));
  }
  options.fs_name = std::move(fs_name);
  options.fuse_options = SplitOptions(args.options);
  options.ttl_seconds = args.ttl_seconds;
  options.max_threads = args.max_threads;
  options.debug = args.debug;
  return options;
}

Status MountBucket(fs::Session& ctx, MountArgs args) {
  if (args.mountpoint.empty()) args.mountpoint = args.volume;  // the one positional is DIR
  if (args.mountpoint.empty()) {
    return Status::InvalidArgument("strata mount --bucket URL DIR: give the mount point");
  }
  RETURN_IF_ERROR(ctx.Open());
  cache::CacheOptions cache = ctx.remote_cache_options();
  std::string spill_dir = AbsolutePath(cache.disk_dir) + "/spill";
  RETURN_IF_ERROR(PosixEnv().CreateDirs(spill_dir));
  bucket::BucketOptions bucket_options;
  bucket_options.listing_ttl =
      std::chrono::milliseconds(static_cast<int64_t>(args.listing_ttl_seconds * 1000));
  {
    // Say "no such bucket" or "access denied" before mounting.
    ThreadPool probe_pool(1);
    RETURN_IF_ERROR(bucket::BucketSession::Open(args.bucket, cache, probe_pool).status());
  }
  if (!args.read_write) args.options.push_back("ro");
  ASSIGN_OR_RETURN(fuse::MountOptions options, MountOptionsOf(args, "strata-bucket"));
  ASSIGN_OR_RETURN(std::unique_ptr<fuse::FuseMount> mount, fuse::FuseMount::Create(options));
  if (!args.foreground) {
    fmt::print("mounted bucket {} at {} ({})\n", args.bucket, options.mountpoint,
               args.read_write ? "read-write" : "read-only");
    std::fflush(stdout);
    ctx.Close();
    RETURN_IF_ERROR(mount->Daemonize());
  }
  ASSIGN_OR_RETURN(auto session,
                   bucket::BucketSession::Open(args.bucket, cache, ctx.pool(), bucket_options));
  fuse::BucketFsOptions fs_options;
  fs_options.writable = args.read_write;
  fs_options.spill_dir = spill_dir;
  fs_options.uid = ::getuid();
  fs_options.gid = ::getgid();
  fuse::BucketFs fs(session->view(), fs_options);
  return mount->Serve(fs);
}

Status Mount(fs::Session& ctx, const MountArgs& args) {
  if (!args.bucket.empty()) return MountBucket(ctx, args);
  if (args.read_write) return Status::InvalidArgument("--read-write is for --bucket mounts");
  if (args.mountpoint.empty()) return Status::InvalidArgument("strata mount VOLUME DIR: give DIR");
  // No memory tier by default: each open file keeps the chunks around its reader (FileReader),
  // and the kernel's page cache keeps what was read. A memory tier would copy every chunk into
  // fresh memory once more (measured: 256 MiB from the disk cache in 1.09 s with a 1 GiB memory
  // tier, 0.20 s without).
  RETURN_IF_ERROR(ctx.Open());
  RETURN_IF_ERROR(ctx.OpenVolume(args.volume).status());  // say "no volume" before mounting
  std::string spill_dir = ctx.cache_dir().empty() ? ctx.options().home + "/spill"
                                                  : AbsolutePath(ctx.cache_dir()) + "/spill";
  RETURN_IF_ERROR(PosixEnv().CreateDirs(spill_dir));

  ASSIGN_OR_RETURN(fuse::MountOptions options,
                   MountOptionsOf(args, fmt::format("strata:{}", args.volume)));
  ASSIGN_OR_RETURN(std::unique_ptr<fuse::FuseMount> mount, fuse::FuseMount::Create(options));
  if (!args.foreground) {
    fmt::print("mounted volume '{}' at {}\n", args.volume, options.mountpoint);
    std::fflush(stdout);
    ctx.Close();
    RETURN_IF_ERROR(mount->Daemonize());
  }
  // The stores and the threads of the process that serves the mount, opened after the fork.
  ASSIGN_OR_RETURN(std::shared_ptr<fs::Volume> volume, ctx.OpenVolume(args.volume));
  fuse::VolumeFs fs(volume, ctx.pool(), spill_dir);
  return mount->Serve(fs);
}

Status Unmount(const std::string& mountpoint) {
  std::string dir = AbsolutePath(mountpoint);
  if (!IsMounted(dir)) return Status::InvalidArgument(fmt::format("{} is not mounted", dir));
  // Every closed file is already published; fusermount3 refuses (EBUSY) while files are open.
  pid_t pid = ::fork();
  if (pid < 0) return Status::Internal("fork failed");
  if (pid == 0) {
    ::execlp("fusermount3", "fusermount3", "-u", dir.c_str(), static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return Status::IOError(fmt::format(
        "fusermount3 -u {} failed (files still open there? `fuser -vm {}` lists them)", dir, dir));
  }
  return Status::OK();
}

}  // namespace

void AddMountCommands(CLI::App& app, fs::Session& ctx, Action& action) {
  auto args = std::make_shared<MountArgs>();
  CLI::App* mount_cmd = app.add_subcommand(
      "mount",
      "Mount a volume at a directory (FUSE). Files closed on one mount are seen whole by the next "
      "open on any other; writes are published on close and fsync");
  mount_cmd->add_option("volume", args->volume, "Volume name (none with --bucket)");
  mount_cmd->add_option("dir", args->mountpoint, "Mount point (an existing directory)");
  mount_cmd->add_option("--bucket", args->bucket,
                        "Mount an existing bucket of plain objects instead of a volume: "
                        "s3://BUCKET[/PREFIX]?endpoint=URL&region=R (read-only unless "
                        "--read-write)");
  mount_cmd->add_flag("--read-write", args->read_write,
                      "With --bucket: files written through the mount are uploaded whole when "
                      "closed (multipart above 64 MiB); mkdir, unlink and rmdir work; renames "
                      "are refused");
  mount_cmd
      ->add_option("--listing-ttl", args->listing_ttl_seconds,
                   "With --bucket: seconds a directory listing is reused (default 5)")
      ->check(CLI::Range(0.0, 3600.0));
  mount_cmd->add_flag("-f,--foreground", args->foreground,
                      "Stay attached to the terminal instead of running in the background");
  mount_cmd->add_option("-o", args->options,
                        "FUSE mount options, comma-separated: allow_other, ro, … "
                        "(default_permissions is always on)");
  mount_cmd
      ->add_option("--ttl", args->ttl_seconds,
                   "Seconds the kernel may trust names and attributes before asking again; "
                   "how stale another mount's changes can look (default 1)")
      ->check(CLI::Range(0.0, 3600.0));
  mount_cmd
      ->add_option("--fuse-threads", args->max_threads,
                   "Most FUSE requests served at once (default 64)")
      ->check(CLI::Range(1, 1024));
  mount_cmd->add_flag("--debug", args->debug, "Log every FUSE request to stderr (with -f)");
  mount_cmd->footer(
      "strata mount VOLUME DIR mounts a volume; strata mount --bucket URL DIR mounts a bucket's\n"
      "objects as files ('/' in keys makes directories). A bucket's objects are read in 4 MiB\n"
      "ranges through this node's cache (--cache-dir), named by bucket, key, ETag and range,\n"
      "so an object changed in the bucket is read anew, never from the old version's pieces.");
  mount_cmd->callback(
      [&ctx, &action, args] { action = [&ctx, args] { return Mount(ctx, *args); }; });

  auto unmount_dir = std::make_shared<std::string>();
  CLI::App* umount_cmd = app.add_subcommand(
      "umount", "Unmount a volume mounted with strata mount (as fusermount3 -u)");
  umount_cmd->add_option("dir", *unmount_dir, "Mount point")->required();
  umount_cmd->callback(
      [&action, unmount_dir] { action = [unmount_dir] { return Unmount(*unmount_dir); }; });
}

}  // namespace strata::cli
