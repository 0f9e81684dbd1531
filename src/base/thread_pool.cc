#include "base/thread_pool.h"

#include <exception>

namespace strata {

ThreadPool::ThreadPool(size_t threads) {
  if (threads == 0) threads = 1;
  workers_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& w : workers_) w.join();
}

size_t ThreadPool::DefaultThreads() {
  size_t cores = std::thread::hardware_concurrency();
  return cores < 2 ? 2 : cores;
}

void ThreadPool::Submit(std::function<void()> task) {
  {
    MutexLock lock(mu_);
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void ThreadPool::WorkerLoop() {
  for (;;) {
    std::function<void()> task;
    {
      MutexLock lock(mu_);
      while (!stopping_ && queue_.empty()) lock.Wait(cv_);
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

TaskGroup::~TaskGroup() { (void)Wait(); }

void TaskGroup::Run(std::function<Status()> task) {
  {
    MutexLock lock(mu_);
    while (max_in_flight_ != 0 && pending_ >= max_in_flight_) lock.Wait(slot_cv_);
    ++pending_;
  }
  pool_.Submit([this, task = std::move(task)] {
    if (failed()) {
      Finish(Status::OK());
      return;
    }
    Status status;
    try {
      status = task();
    } catch (const std::exception& e) {
      status = Status::Internal(std::string("task threw: ") + e.what());
    } catch (...) {
      status = Status::Internal("task threw a non-standard exception");
    }
    Finish(std::move(status));
  });
}

void TaskGroup::Finish(Status status) {
  MutexLock lock(mu_);
  if (!status.ok() && first_error_.ok()) {
    first_error_ = std::move(status);
    failed_.store(true, std::memory_order_relaxed);
  }
  if (max_in_flight_ != 0) slot_cv_.notify_one();
  if (--pending_ == 0) done_cv_.notify_all();
}

Status TaskGroup::Wait() {
  MutexLock lock(mu_);
  while (pending_ != 0) lock.Wait(done_cv_);
  return first_error_;
}

}  // namespace strata
