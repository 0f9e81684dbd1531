// A progress line for long transfers: a bar with bytes, rate and ETA, redrawn on a terminal;
// on anything else (a pipe, CI logs) nothing until the one-line summary.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "base/mutex.h"
#include "base/status.h"
#include "fs/transfer_stats.h"

namespace strata::cli {

class Progress {
 public:
  // Draws to stderr every few hundred milliseconds while alive, if stderr is a terminal.
  Progress(const fs::TransferStats& stats, std::string verb);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Stops drawing and clears the line. Idempotent.
  void Stop();
  double elapsed_seconds() const;

 private:
  void Draw() REQUIRES(mu_);

  const fs::TransferStats& stats_;
  const std::string verb_;
  const std::chrono::steady_clock::time_point start_;
  Mutex mu_;
  std::condition_variable cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// Runs a transfer under a progress display and prints its one-line summary ("put: 3 files, …;
// 1.0 GiB read in 1.20s (850 MiB/s)" + `extra`), also after a failure that moved something.
Status RunTransfer(std::string_view verb, std::string_view bytes_verb,
                   const std::function<Status(fs::TransferStats&)>& transfer,
                   const std::function<std::string(const fs::TransferStats&)>& extra);

}  // namespace strata::cli
