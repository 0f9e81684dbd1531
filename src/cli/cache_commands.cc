// strata cache stats | clear: this node's chunk cache.
#include <memory>

#include <fmt/core.h>

#include "cache/stats_file.h"
#include "cli/commands.h"
#include "core/byte_size.h"

namespace strata::cli {
namespace {

double Percent(uint64_t part, uint64_t whole) {
  return whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

}  // namespace

void AddCacheCommands(CLI::App& app, fs::Session& ctx, Action& action) {
  CLI::App* cache_cmd = app.add_subcommand("cache", "This node's chunk cache");
  cache_cmd->require_subcommand(1);

  CLI::App* stats_cmd = cache_cmd->add_subcommand(
      "stats", "Bytes held, and hits and bytes per tier, for every strata process of this node");
  stats_cmd->callback([&ctx, &action] {
    action = [&ctx]() -> Status {
      RETURN_IF_ERROR(ctx.Open());
      if (ctx.cache_dir().empty()) {
        fmt::print(
            "no cache directory in use (the store {} is local; set --cache-dir to use "
            "one)\n",
            ctx.options().store_url);
        return Status::OK();
      }
      ASSIGN_OR_RETURN(cache::Tiers * tiers, ctx.tiers());
      const cache::DiskCache& disk = *tiers->disk();
      std::vector<cache::TierStats> now = tiers->Stats();
      const cache::TierStats& held = now[1];
      fmt::print("cache {}: {} in {} chunks, {:.1f}% of {}\n", disk.dir(),
                 FormatBytes(held.held_bytes), held.held_entries,
                 Percent(held.held_bytes, held.capacity_bytes), FormatBytes(held.capacity_bytes));
      ASSIGN_OR_RETURN(std::vector<cache::TierStats> totals,
                       cache::LoadStatsFile(disk.dir() + "/stats"));
      fmt::print("since the last clear, all processes:\n");
      fmt::print("  {:<7} {:>10} {:>10} {:>8} {:>12} {:>12} {:>8} {:>7}\n", "tier", "hits",
                 "misses", "hit rate", "served", "from below", "dropped", "errors");
      for (const cache::TierStats& t : totals) {
        if (t.tier == "store") {
          fmt::print("  {:<7} {:>10} {:>10} {:>8} {:>12} {:>12} {:>8} {:>7}\n", t.tier, "-",
                     t.misses, "-", "-", FormatBytes(t.fetched_bytes), "-", t.errors);
          continue;
        }
        fmt::print("  {:<7} {:>10} {:>10} {:>7.1f}% {:>12} {:>12} {:>8} {:>7}\n", t.tier, t.hits,
                   t.misses, Percent(t.hits, t.hits + t.misses), FormatBytes(t.hit_bytes),
                   FormatBytes(t.fetched_bytes), t.dropped_corrupt, t.errors);
      }
      if (totals.empty()) fmt::print("  (nothing read through the cache yet)\n");
      return Status::OK();
    };
  });

  CLI::App* clear_cmd =
      cache_cmd->add_subcommand("clear", "Remove every cached chunk and reset the counters");
  clear_cmd->callback([&ctx, &action] {
    action = [&ctx]() -> Status {
      RETURN_IF_ERROR(ctx.Open());
      if (ctx.cache_dir().empty()) {
        fmt::print("no cache directory in use; nothing to clear\n");
        return Status::OK();
      }
      ASSIGN_OR_RETURN(cache::Tiers * tiers, ctx.tiers());
      ASSIGN_OR_RETURN(uint64_t freed, tiers->disk()->Clear());
      RETURN_IF_ERROR(cache::ClearStatsFile(tiers->disk()->dir() + "/stats"));
      fmt::print("cache {}: cleared, {} freed\n", tiers->disk()->dir(), FormatBytes(freed));
      return Status::OK();
    };
  });
}

}  // namespace strata::cli
