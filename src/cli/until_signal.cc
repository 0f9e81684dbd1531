#include "cli/until_signal.h"

#include <pthread.h>
#include <signal.h>

#include <thread>

namespace strata::cli {
namespace {
sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}
}  // namespace

void BlockStopSignals() {
  sigset_t set = StopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

Status ServeUntilSignal(const std::function<Status()>& serve, const std::function<void()>& stop) {
  BlockStopSignals();
  std::thread waiter([&] {
    sigset_t set = StopSignals();
    int signal = 0;
    sigwait(&set, &signal);
    stop();
  });
  Status served = serve();
  // If no signal came, end the waiter: it sigwait()s for SIGTERM, so this wakes it, not kills it.
  pthread_kill(waiter.native_handle(), SIGTERM);  // NOLINT(bugprone-bad-signal-to-kill-thread)
  waiter.join();
  return served;
}

}  // namespace strata::cli
