// strata gc | fsck: keeping the store and the metadata in agreement.
#include <memory>

#include <fmt/core.h>

#include "cli/commands.h"
#include "core/byte_size.h"
#include "core/duration.h"
#include "fs/fsck.h"
#include "fs/gc.h"

namespace strata::cli {

void AddMaintenanceCommands(CLI::App& app, fs::Session& ctx, Action& action, int& exit_code) {
  struct GcOptions {
    std::string grace = "1h";
    bool dry_run = false;
  };
  auto gc = std::make_shared<GcOptions>();
  CLI::App* gc_cmd = app.add_subcommand(
      "gc", "Delete chunks that no file references and no writer claimed within the grace period");
  gc_cmd
      ->add_option("--grace", gc->grace,
                   "Keep chunks written or claimed more recently than this (0, 90s, 15m, 1h)")
      ->capture_default_str();
  gc_cmd->add_flag("--dry-run", gc->dry_run, "Report what would be deleted; delete nothing");
  gc_cmd->footer(
      "Safe to run while puts and copies are in progress, as long as none of them takes longer "
      "than the grace period (they claim every chunk they use; --grace 0 ignores fresh claims).");
  gc_cmd->callback([&ctx, &action, gc] {
    action = [&ctx, gc]() -> Status {
      ASSIGN_OR_RETURN(int64_t grace_ns, ParseDuration(gc->grace));
      RETURN_IF_ERROR(ctx.Open());
      fs::GcOptions options;
      options.grace_ns = grace_ns;
      options.dry_run = gc->dry_run;
      options.clock = &ctx.meta().clock();
      ASSIGN_OR_RETURN(fs::GcReport r, fs::RunGc(ctx.meta(), ctx.objects(), ctx.pool(), options));
      fmt::print("gc{}: {} chunk objects; {} younger than {}, {} in use, {} {} ({})\n",
                 gc->dry_run ? " (dry run)" : "", r.chunk_objects, r.young,
                 FormatDuration(grace_ns), r.kept, gc->dry_run ? "would be deleted" : "deleted",
                 r.deleted, FormatBytes(r.deleted_bytes));
      if (r.unlinked_purged) {
        fmt::print("gc: {} {} removed files (kept until now for readers that had them open)\n",
                   gc->dry_run ? "would forget" : "forgot", r.unlinked_purged);
      }
      if (r.expired_uploads || r.expired_kv) {
        fmt::print("gc: removed {} expired upload sessions and {} expired KV keys\n",
                   r.expired_uploads, r.expired_kv);
      }
      if (r.leftover_marks) {
        fmt::print("gc: finished {} deletions an interrupted gc had started\n", r.leftover_marks);
      }
      if (r.temporaries) {
        fmt::print("gc: {} {} leftover temporaries of interrupted writes\n",
                   gc->dry_run ? "would remove" : "removed", r.temporaries);
      }
      if (r.other_objects) {
        fmt::print("gc: {} objects under chunks/ are not chunks and were left alone\n",
                   r.other_objects);
      }
      return Status::OK();
    };
  });

  struct FsckOptions {
    bool repair = false;
    bool deep = false;
  };
  auto fsck = std::make_shared<FsckOptions>();
  CLI::App* fsck_cmd =
      app.add_subcommand("fsck", "Check metadata against the store and the store against metadata");
  fsck_cmd->add_flag("--repair", fsck->repair,
                     "Fix what can be fixed without guessing: remove leftover temporaries, and "
                     "chunk objects proven wrong so that a new put of their files restores them");
  fsck_cmd->add_flag("--deep", fsck->deep, "Also read every referenced chunk and check its hash");
  fsck_cmd->footer(
      "Exit status (as fsck(8)): 0 clean, 4 problems found, 8 could not check. Orphan chunks "
      "(stored but unreferenced, e.g. after an interrupted put) are not problems: gc reclaims "
      "them.");
  fsck_cmd->callback([&ctx, &action, &exit_code, fsck] {
    action = [&ctx, &exit_code, fsck]() -> Status {
      RETURN_IF_ERROR(ctx.Open());
      fs::FsckOptions options;
      options.repair = fsck->repair;
      options.deep = fsck->deep;
      ASSIGN_OR_RETURN(fs::FsckReport r,
                       fs::RunFsck(ctx.meta(), ctx.objects(), ctx.pool(), options));
      for (const auto& problem : r.problems) fmt::print("problem: {}\n", problem);
      fmt::print("fsck: {} referenced chunks checked{}: {} missing, {} wrong size{}\n",
                 r.files_checked_chunks, fsck->deep ? " and read" : "", r.missing, r.wrong_size,
                 fsck->deep ? fmt::format(", {} corrupt", r.corrupt) : "");
      fmt::print("fsck: {} orphan chunks ({}) for gc; {} leftover temporaries{}\n", r.orphans,
                 FormatBytes(r.orphan_bytes), r.temporaries,
                 fsck->repair ? fmt::format(" ({} removed)", r.temporaries_removed) : "");
      fmt::print("fsck: {}\n", r.clean() ? "clean" : fmt::format("{} problems", r.problems.size()));
      exit_code = r.clean() ? 0 : kFsckProblemsFound;
      return Status::OK();
    };
  });
}

}  // namespace strata::cli
