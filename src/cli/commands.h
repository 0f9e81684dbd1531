// The `strata` verbs, one file per group. Each Add…Commands registers its subcommands on the app;
// when one is parsed, its callback stores in `action` the work to run (main runs it, so that
// parse errors and run errors are reported the same way).
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "fs/session.h"

namespace strata::cli {

using Action = std::function<Status()>;

void AddVolumeCommands(CLI::App& app, fs::Session& ctx, Action& action);
void AddTransferCommands(CLI::App& app, fs::Session& ctx, Action& action);
void AddNamespaceCommands(CLI::App& app, fs::Session& ctx, Action& action);
void AddCacheCommands(CLI::App& app, fs::Session& ctx, Action& action);
void AddMountCommands(CLI::App& app, fs::Session& ctx, Action& action);
void AddImportCommands(CLI::App& app, fs::Session& ctx, Action& action);
void AddCacheNodeCommands(CLI::App& app, fs::Session& ctx, Action& action);
void AddServerCommands(CLI::App& app, fs::Session& ctx, Action& action);
// Sets `exit_code` for fsck's verdict (0 clean, kFsckProblemsFound).
void AddMaintenanceCommands(CLI::App& app, fs::Session& ctx, Action& action, int& exit_code);

// Exit codes beyond 0 and 1, as fsck(8) uses them.
inline constexpr int kFsckProblemsFound = 4;
inline constexpr int kFsckOperationalError = 8;

}  // namespace strata::cli
