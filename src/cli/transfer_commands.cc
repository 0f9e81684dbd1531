// strata put | get | cat | prefetch: moving bytes between the local file system, a volume and
// this node's cache.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include "cli/commands.h"
#include "cli/progress.h"
#include "core/byte_size.h"
#include "core/posix.h"
#include "fs/get_job.h"
#include "fs/prefetch_job.h"
#include "fs/put_job.h"

namespace strata::cli {
namespace {

std::string Rate(uint64_t bytes, double seconds) {
  return seconds > 0
             ? FormatBytes(static_cast<uint64_t>(static_cast<double>(bytes) / seconds)) + "/s"
             : "-";
}

// Runs a transfer under a progress display and prints its one-line summary ("put: 3 files, …;
// 1.0 GiB read in 1.20s (850 MiB/s)" + `extra`), also after a failure that moved something.
Status RunTransfer(std::string_view verb, std::string_view bytes_verb,
                   const std::function<Status(fs::TransferStats&)>& transfer,
                   const std::function<std::string(const fs::TransferStats&)>& extra) {
  fs::TransferStats stats;
  Progress progress(stats, std::string(verb));
  Status status = transfer(stats);
  progress.Stop();
  if (!status.ok() && stats.bytes_done == 0 && stats.files_done == 0) return status;
  double seconds = progress.elapsed_seconds();
  fmt::print("{}: {} files, {} dirs, {} symlinks; {} {} in {:.2f}s ({}){}\n", verb,
             stats.files_done.load(), stats.dirs_done.load(), stats.symlinks_done.load(),
             FormatBytes(stats.bytes_done), bytes_verb, seconds, Rate(stats.bytes_done, seconds),
             extra ? extra(stats) : "");
  return status;
}

}  // namespace

void AddTransferCommands(CLI::App& app, fs::Session& ctx, Action& action) {
  struct PutOptions {
    std::string volume, local, path;
  };
  auto put = std::make_shared<PutOptions>();
  CLI::App* put_cmd = app.add_subcommand(
      "put", "Upload a local file or directory tree into a volume (chunks in parallel)");
  put_cmd->add_option("volume", put->volume, "Volume name")->required();
  put_cmd->add_option("local", put->local, "Local file or directory")->required();
  put_cmd
      ->add_option("path", put->path,
                   "Destination path in the volume; a file put onto an existing directory "
                   "goes inside it")
      ->required();
  put_cmd->footer(
      "A file appears only once all its chunks are stored. Chunks the store already has are "
      "not uploaded again, so re-putting an unchanged tree uploads nothing.");
  put_cmd->callback([&ctx, &action, put] {
    action = [&ctx, put]() -> Status {
      ASSIGN_OR_RETURN(auto volume, ctx.OpenVolume(put->volume));
      return RunTransfer(
          "put", "read",
          [&](fs::TransferStats& stats) {
            return fs::PutPath(*volume, ctx.pool(), put->local, put->path, stats);
          },
          [](const fs::TransferStats& stats) {
            std::string extra =
                fmt::format("; {} chunks uploaded, {} already present",
                            stats.chunks_uploaded.load(), stats.chunks_present.load());
            if (stats.skipped_special) {
              extra += fmt::format("; {} special files skipped", stats.skipped_special.load());
            }
            return extra;
          });
    };
  });

  struct GetOptions {
    std::string volume, path, local;
  };
  auto get = std::make_shared<GetOptions>();
  CLI::App* get_cmd = app.add_subcommand("get", "Download a file or directory tree from a volume");
  get_cmd->add_option("volume", get->volume, "Volume name")->required();
  get_cmd->add_option("path", get->path, "Path in the volume")->required();
  get_cmd
      ->add_option("local", get->local,
                   "Local destination; a file got onto an existing directory goes inside it")
      ->required();
  get_cmd->callback([&ctx, &action, get] {
    action = [&ctx, get]() -> Status {
      ASSIGN_OR_RETURN(auto volume, ctx.OpenVolume(get->volume));
      return RunTransfer("get", "written",
                         [&](fs::TransferStats& stats) {
                           return fs::GetPath(*volume, ctx.pool(), get->path, get->local, stats);
                         },
                         {});
    };
  });

  struct CatOptions {
    std::string volume, path;
  };
  auto cat = std::make_shared<CatOptions>();
  CLI::App* cat_cmd = app.add_subcommand("cat", "Write a file's bytes to standard output");
  cat_cmd->add_option("volume", cat->volume, "Volume name")->required();
  cat_cmd->add_option("path", cat->path, "Path of a file in the volume")->required();
  cat_cmd->callback([&ctx, &action, cat] {
    action = [&ctx, cat]() -> Status {
      ASSIGN_OR_RETURN(auto volume, ctx.OpenVolume(cat->volume));
      return fs::StreamFile(*volume, ctx.pool(), cat->path, [](std::span<const uint8_t> data) {
        return WriteAll(STDOUT_FILENO, data, "standard output");
      });
    };
  });

  struct PrefetchOptions {
    std::string volume;
    std::vector<std::string> paths;
    bool check = false;
    size_t jobs = std::max<size_t>(16, 4 * ThreadPool::DefaultThreads());
    bool verbose = false;
  };
  auto pre = std::make_shared<PrefetchOptions>();
  CLI::App* pre_cmd = app.add_subcommand(
      "prefetch", "Fill this node's cache with files and directory trees, chunks in parallel");
  pre_cmd->add_option("volume", pre->volume, "Volume name")->required();
  pre_cmd->add_option("paths", pre->paths, "Files or directories in the volume")->required();
  pre_cmd->add_flag("--check", pre->check,
                    "Only report how much is cached here, per file and in total; fetch nothing");
  pre_cmd
      ->add_option("--jobs,-j", pre->jobs,
                   "Chunk requests in flight (default 4 per core, at least 16)")
      ->check(CLI::Range(1, 4096));
  pre_cmd->add_flag("--verbose,-v", pre->verbose, "After a prefetch, list every file too");
  pre_cmd->footer(
      "Every chunk of every named file is fetched with --jobs requests in flight across all of "
      "them (one large file is fetched as many parallel chunk reads). Chunks already cached are "
      "skipped; a chunk shared by several files is fetched once.");
  pre_cmd->callback([&ctx, &action, pre] {
    action = [&ctx, pre]() -> Status {
      ASSIGN_OR_RETURN(auto volume, ctx.OpenVolume(pre->volume));
      ASSIGN_OR_RETURN(cache::Tiers * tiers, ctx.tiers());
      if (!tiers->disk()) {
        fmt::print(
            "prefetch: the store ({}) is a local directory and no --cache-dir is set: its chunks "
            "are already on this node's disk\n",
            ctx.options().store_url);
        return Status::OK();
      }
      ThreadPool fetchers(pre->jobs);
      fs::PrefetchReport report;
      auto print_files = [&] {
        uint64_t size = 0, cached = 0;
        for (const fs::PrefetchFile& f : report.files) {
          size += f.size_bytes;
          cached += f.cached_bytes;
          if (pre->check || pre->verbose) {
            fmt::print("{:>5.1f}%  {:>10} of {:>10}  {}\n",
                       f.size_bytes ? 100.0 * static_cast<double>(f.cached_bytes) /
                                          static_cast<double>(f.size_bytes)
                                    : 100.0,
                       FormatBytes(f.cached_bytes), FormatBytes(f.size_bytes), f.path);
          }
        }
        fmt::print("{}: {} files, {} of {} cached ({:.1f}%) in {}\n",
                   pre->check ? "cached" : "total", report.files.size(), FormatBytes(cached),
                   FormatBytes(size),
                   size ? 100.0 * static_cast<double>(cached) / static_cast<double>(size) : 100.0,
                   tiers->disk()->dir());
      };
      if (pre->check) {
        fs::TransferStats stats;
        ASSIGN_OR_RETURN(report, fs::Prefetch(*volume, tiers->top(), fetchers, pre->paths,
                                              /*check_only=*/true, stats));
        print_files();
        return Status::OK();
      }
      RETURN_IF_ERROR(RunTransfer(
          "prefetch", "cached",
          [&](fs::TransferStats& stats) -> Status {
            ASSIGN_OR_RETURN(report, fs::Prefetch(*volume, tiers->top(), fetchers, pre->paths,
                                                  /*check_only=*/false, stats));
            return Status::OK();
          },
          [&](const fs::TransferStats&) {
            return fmt::format("; {} chunks ({}) fetched from the store", report.fetched_chunks,
                               FormatBytes(report.fetched_bytes));
          }));
      print_files();
      return Status::OK();
    };
  });
}

}  // namespace strata::cli
