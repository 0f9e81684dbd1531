#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/core.h>

#include "core/byte_size.h"

namespace strata::cli {

Progress::Progress(const fs::TransferStats& stats, std::string verb)
    : stats_(stats), verb_(std::move(verb)), start_(std::chrono::steady_clock::now()) {
  if (!::isatty(STDERR_FILENO)) return;
  thread_ = std::thread([this] {
    MutexLock lock(mu_);
    while (!stopping_) {
      lock.WaitFor(cv_, std::chrono::milliseconds(250));
      if (!stopping_) Draw();
    }
  });
}

Progress::~Progress() { Stop(); }

void Progress::Stop() {
  {
    MutexLock lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }
}

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::Draw() {
  uint64_t done = stats_.bytes_done.load();
  uint64_t total = stats_.total_bytes.load();
  double seconds = elapsed_seconds();
  double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  double fraction = total ? static_cast<double>(done) / static_cast<double>(total) : 0;
  if (fraction > 1) fraction = 1;
  constexpr int kWidth = 30;
  int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar += '>';
  bar.resize(kWidth, ' ');
  std::string eta = "--";
  if (rate > 0 && total > done) {
    eta = fmt::format("{:.0f}s", static_cast<double>(total - done) / rate);
  }
  fmt::print(stderr, "\r\033[K{} [{}] {:3.0f}% {} / {}  {}/s  ETA {}", verb_, bar, fraction * 100,
             FormatBytes(done), FormatBytes(total), FormatBytes(static_cast<uint64_t>(rate)), eta);
  std::fflush(stderr);
}

namespace {

std::string Rate(uint64_t bytes, double seconds) {
  return seconds > 0
             ? FormatBytes(static_cast<uint64_t>(static_cast<double>(bytes) / seconds)) + "/s"
             : "-";
}

}  // namespace

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

}  // namespace strata::cli
