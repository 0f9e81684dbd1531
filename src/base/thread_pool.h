// A fixed-size pool of worker threads, and TaskGroup: a batch of fallible tasks run on a pool.
//
// Parallelism in Strata is at chunk granularity and bounded by the pool's size: a put of one 1 GiB
// file and a put of a thousand small files both keep every worker busy.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"

namespace strata {

// Thread-safe. The destructor runs every task already submitted, then joins the workers.
class ThreadPool {
 public:
  explicit ThreadPool(size_t threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // REQUIRES: `task` does not throw (TaskGroup wraps tasks that might).
  void Submit(std::function<void()> task);
  size_t size() const { return workers_.size(); }

  // A sensible default: the number of cores, at least 2 (I/O-bound tasks overlap on one core too).
  static size_t DefaultThreads();

 private:
  void WorkerLoop();

  Mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

// Runs Status-returning tasks on a pool; Wait() returns the first error. Once a task has failed,
// tasks that have not started yet are skipped, so a failing batch stops quickly. Thread-safe; the
// destructor waits for the tasks still running (they may reference the caller's stack).
// With `max_in_flight`, Run blocks while that many tasks are queued or running (a skipped task
// gives its place back like a finished one), so a producer never holds more than that many
// buffers; a bounded group must then be fed from outside its own tasks.
class TaskGroup {
 public:
  explicit TaskGroup(ThreadPool& pool, size_t max_in_flight = 0)
      : pool_(pool), max_in_flight_(max_in_flight) {}
  ~TaskGroup();
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  void Run(std::function<Status()> task);
  // Waits for every task run so far; returns OK or the first error.
  Status Wait();
  bool failed() const { return failed_.load(std::memory_order_relaxed); }

 private:
  void Finish(Status status);

  ThreadPool& pool_;
  const size_t max_in_flight_;  // 0: no bound
  Mutex mu_;
  std::condition_variable done_cv_;
  std::condition_variable slot_cv_;
  size_t pending_ GUARDED_BY(mu_) = 0;
  Status first_error_ GUARDED_BY(mu_);
  std::atomic<bool> failed_{false};
};

}  // namespace strata
