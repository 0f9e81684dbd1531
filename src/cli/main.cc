// strata: the command-line interface to Strata volumes.
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "cli/commands.h"
#include "fs/session.h"

namespace {

// The exit code for a failed command: 1 for every runtime error (the message says which);
// CLI11 uses other codes for usage errors.
constexpr int kExitFailure = 1;

}  // namespace

// An exception escaping here is a defect in the CLI's own definition: terminating is right.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  using namespace strata;
  fs::Session ctx;
  fs::SessionOptions& options = ctx.options();
  CLI::App app{
      "strata: a shared, persistent volume for model weights and data sets.\n"
      "Files are cut into chunks named by their SHA-256, stored once in an object store; a\n"
      "metadata store maps paths to chunk lists. The embedded default keeps both under the home\n"
      "directory: a SQLite database (meta.db) and a local chunk directory (chunks/).",
      "strata"};
  app.set_version_flag("--version", "strata 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();  // global options may come after the verb too
  app.add_option("--home", options.home,
                 "Home directory for the embedded default (env STRATA_HOME; default ~/.strata)");
  app.add_option("--meta", options.meta_url,
                 "Metadata store URL: sqlite:///ABS/meta.db (env STRATA_META; default "
                 "sqlite://HOME/meta.db)");
  app.add_option("--store", options.store_url,
                 "Object store URL: file:///ABS/DIR or s3://BUCKET[/PREFIX]?endpoint=URL&region=R "
                 "(env STRATA_STORE; default "
                 "file://HOME/chunks)");
  app.add_option("--threads", options.threads,
                 "Worker threads for chunk I/O and hashing (default: 2 per core; 16 with a "
                 "remote store)");
  app.add_option("--cache-dir", options.cache_dir,
                 "This node's chunk cache, shared by every strata process (env "
                 "STRATA_CACHE_DIR; default HOME/cache with a remote store, none with a local "
                 "one)");
  app.add_option("--cache-size", options.cache_size,
                 "Bound of the cache directory, e.g. 200G (env STRATA_CACHE_SIZE; default 20G)");
  app.add_option("--memory-cache-size", options.memory_cache_size,
                 "Bound of the in-memory chunk cache of one process (env "
                 "STRATA_MEMORY_CACHE_SIZE; default 0: a one-shot command reads each chunk once)");

  app.add_option("--peers", options.peers,
                 "Cache nodes of this datacenter, host:port,… (env STRATA_PEERS): chunks not in "
                 "this node's cache are asked of their owner among them before the store");
  app.add_option("--secret-file", options.secret_file,
                 "The cache nodes' shared secret (env STRATA_SECRET_FILE)");

  cli::Action action;
  cli::AddVolumeCommands(app, ctx, action);
  cli::AddTransferCommands(app, ctx, action);
  cli::AddNamespaceCommands(app, ctx, action);
  cli::AddCacheCommands(app, ctx, action);
  cli::AddMountCommands(app, ctx, action);
  cli::AddImportCommands(app, ctx, action);
  cli::AddCacheNodeCommands(app, ctx, action);
  cli::AddServerCommands(app, ctx, action);
  int exit_code = 0;  // a command's verdict when it ran fine (fsck)
  cli::AddMaintenanceCommands(app, ctx, action, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (!action) return kExitFailure;
  Status status;
  try {
    status = action();
  } catch (const std::exception& e) {
    status = Status::Internal(e.what());
  }
  std::fflush(stdout);
  if (!status.ok()) {
    fmt::print(stderr, "strata: error: {}\n", status.message());
    return app.got_subcommand("fsck") ? cli::kFsckOperationalError : kExitFailure;
  }
  return exit_code;
}
