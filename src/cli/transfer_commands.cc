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

#include "base/posix.h"
#include "bucket/bucket_session.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/remote_put.h"
#include "core/byte_size.h"
#include "fs/get_job.h"
#include "fs/path.h"
#include "fs/prefetch_job.h"
#include "fs/put_job.h"
#include "fs/url_import.h"
#include "net/http_client.h"

namespace strata::cli {
namespace {

struct PrefetchOptions {
  std::string volume;
  std::vector<std::string> paths;
  bool check = false;
  size_t jobs = std::max<size_t>(16, 4 * ThreadPool::DefaultThreads());
  bool verbose = false;
  std::string bucket;
};

// strata prefetch --bucket URL PATH...: every piece of the objects under PATH into the cache.
Status PrefetchBucket(fs::Session& ctx, const PrefetchOptions& pre) {
  if (pre.check) return Status::InvalidArgument("--check is for volumes");
  std::vector<std::string> paths = pre.paths;
  if (!pre.volume.empty()) paths.insert(paths.begin(), pre.volume);  // the first positional
  if (paths.empty()) paths.push_back("/");
  RETURN_IF_ERROR(ctx.Open());
  cache::CacheOptions cache = ctx.remote_cache_options();
  ASSIGN_OR_RETURN(auto session, bucket::BucketSession::Open(pre.bucket, cache, ctx.pool()));
  bucket::BucketPrefetchReport total;
  RETURN_IF_ERROR(RunTransfer(
      "prefetch", "cached",
      [&](fs::TransferStats& stats) -> Status {
        for (const std::string& given : paths) {
          std::string path(given);
          while (!path.empty() && path.front() == '/') path.erase(0, 1);
          while (!path.empty() && path.back() == '/') path.pop_back();
          ASSIGN_OR_RETURN(bucket::BucketPrefetchReport report,
                           session->view().Prefetch(path, pre.jobs, stats));
          total.objects += report.objects;
          total.fetched_pieces += report.fetched_pieces;
          total.fetched_bytes += report.fetched_bytes;
          total.cached_pieces += report.cached_pieces;
        }
        return Status::OK();
      },
      [&](const fs::TransferStats&) {
        return fmt::format("; {} pieces ({}) fetched from the bucket, {} already cached",
                           total.fetched_pieces, FormatBytes(total.fetched_bytes),
                           total.cached_pieces);
      }));
  fmt::print("total: {} objects in {}\n", total.objects, cache.disk_dir);
  return Status::OK();
}

}  // namespace

void AddTransferCommands(CLI::App& app, fs::Session& ctx, Action& action) {
  struct PutOptions {
    std::string volume, local, path, token, part_size = "16M";
  };
  auto put = std::make_shared<PutOptions>();
  CLI::App* put_cmd = app.add_subcommand(
      "put", "Upload a local file or directory tree into a volume (chunks in parallel)");
  put_cmd->add_option("volume", put->volume, "Volume name")->required();
  put_cmd->add_option("local", put->local, "Local file or directory, or an http(s) URL to fetch")
      ->required();
  put_cmd
      ->add_option("path", put->path,
                   "Destination path in the volume (a file put onto an existing directory "
                   "goes inside it), or http(s)://SERVER/PATH of a `strata serve`")
      ->required();
  put_cmd->add_option("--token", put->token,
                      "The server's API token, for a http(s):// destination (env STRATA_TOKEN)");
  put_cmd->add_option("--part-size", put->part_size,
                      "Part size of uploads to a server (default 16M; rounded up to whole chunks)");
  put_cmd->footer(
      "A file appears only once all its chunks are stored. Chunks the store already has are\n"
      "not uploaded again, so re-putting an unchanged tree uploads nothing.\n"
      "To a server (strata put weights ./m.bin http://host:8080/models/m.bin): resumable upload\n"
      "sessions; run the same command again after an interruption and only the missing parts\n"
      "are sent. From a URL (strata put weights https://host/m.bin /models/m.bin): streamed into\n"
      "chunks as it downloads, following redirects; nothing appears unless it all arrived.");
  put_cmd->callback([&ctx, &action, put] {
    action = [&ctx, put]() -> Status {
      auto is_url = [](const std::string& s) {
        return s.starts_with("http://") || s.starts_with("https://");
      };
      if (is_url(put->path)) {
        RETURN_IF_ERROR(ctx.Open());
        RemotePut remote{ctx.options().home, put->volume, put->local, put->path, put->token};
        ASSIGN_OR_RETURN(remote.part_bytes, ParseByteSize(put->part_size));
        if (remote.part_bytes == 0) return Status::InvalidArgument("--part-size must be > 0");
        if (remote.token.empty()) {
          const char* env = std::getenv("STRATA_TOKEN");
          remote.token = env ? env : "";
        }
        uint64_t resumed = 0;
        return RunTransfer(
            "put", "sent",
            [&](fs::TransferStats& stats) {
              return PutToServer(remote, ctx.pool(), stats, resumed);
            },
            [&](const fs::TransferStats&) {
              return resumed
                         ? fmt::format("; resumed: {} parts were already on the server", resumed)
                         : std::string();
            });
      }
      if (is_url(put->local)) {
        ASSIGN_OR_RETURN(auto volume, ctx.OpenVolume(put->volume));
        net::HttpClient http(net::HttpClientOptions{});
        return RunTransfer(
            "put", "downloaded",
            [&](fs::TransferStats& stats) {
              RETURN_IF_ERROR(volume->Mkdir(fs::ParentPath(put->path), 0755, true).status());
              return fs::ImportUrl(*volume, ctx.pool(), http, put->local, put->path, stats)
                  .status();
            },
            {});
      }
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
    bool preserve_mode = false;
  };
  auto get = std::make_shared<GetOptions>();
  CLI::App* get_cmd = app.add_subcommand("get", "Download a file or directory tree from a volume");
  get_cmd->add_option("volume", get->volume, "Volume name")->required();
  get_cmd->add_option("path", get->path, "Path in the volume")->required();
  get_cmd
      ->add_option("local", get->local,
                   "Local destination; a file got onto an existing directory goes inside it")
      ->required();
  get_cmd->add_flag("--preserve-mode", get->preserve_mode,
                    "Keep modes whole: setuid, setgid and sticky bits, and ignore the umask (by "
                    "default they are dropped, as a volume writer chooses them)");
  get_cmd->callback([&ctx, &action, get] {
    action = [&ctx, get]() -> Status {
      ASSIGN_OR_RETURN(auto volume, ctx.OpenVolume(get->volume));
      return RunTransfer("get", "written",
                         [&](fs::TransferStats& stats) {
                           return fs::GetPath(*volume, ctx.pool(), get->path, get->local, stats,
                                              {.preserve_mode = get->preserve_mode});
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

  auto pre = std::make_shared<PrefetchOptions>();
  CLI::App* pre_cmd = app.add_subcommand(
      "prefetch", "Fill this node's cache with files and directory trees, chunks in parallel");
  pre_cmd->add_option("volume", pre->volume, "Volume name (none with --bucket)");
  pre_cmd->add_option("paths", pre->paths, "Files or directories in the volume (or the bucket)");
  pre_cmd->add_option("--bucket", pre->bucket,
                      "Warm this node's cache from a bucket of plain objects instead: "
                      "s3://BUCKET[/PREFIX]?endpoint=URL&region=R; paths are in the bucket");
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
      if (!pre->bucket.empty()) return PrefetchBucket(ctx, *pre);
      if (pre->volume.empty() || pre->paths.empty()) {
        return Status::InvalidArgument("strata prefetch VOLUME PATH...: give a volume and paths");
      }
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
