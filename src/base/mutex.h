// Mutex and MutexLock: std::mutex with clang's thread-safety annotations, so that a member marked
// GUARDED_BY(mu_) touched without mu_ held is a compile-time error under clang (-Wthread-safety,
// which `make test` runs through clang-tidy) instead of a race found later by ThreadSanitizer, if
// at all. With other compilers the annotations vanish and these are std::mutex and
// std::unique_lock.
//
// Waiting on a condition is written as a loop in the caller (`while (!ready_) lock.Wait(cv_);`)
// rather than with a predicate lambda: the analysis sees the lambda as another function that
// holds no lock, and the loop keeps the guarded reads where the lock is visibly held.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "base/thread_annotations.h"

namespace strata {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  // Releases the mutex until `cv` is notified (or wakes spuriously: call it in a loop over the
  // condition), then holds it again. A function that REQUIRES the mutex can wait without the
  // caller's lock object.
  void Wait(std::condition_variable& cv) REQUIRES(this) {
    std::unique_lock<std::mutex> lock(mu_, std::adopt_lock);
    cv.wait(lock);
    lock.release();  // still held: ours again, not the unique_lock's
  }
  // Wait, for at most `timeout`.
  template <typename Rep, typename Period>
  void WaitFor(std::condition_variable& cv, std::chrono::duration<Rep, Period> timeout)
      REQUIRES(this) {
    std::unique_lock<std::mutex> lock(mu_, std::adopt_lock);
    cv.wait_for(lock, timeout);
    lock.release();
  }

 private:
  std::mutex mu_;
};

// Holds a Mutex for its scope; Unlock/Lock let a caller step out of it in between (e.g. to run
// work without the lock).
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() RELEASE() {
    if (held_) mu_.Unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() RELEASE() {
    mu_.Unlock();
    held_ = false;
  }
  void Lock() ACQUIRE() {
    mu_.Lock();
    held_ = true;
  }
  // REQUIRES: held (the analysis cannot name the mutex a lock holds).
  void Wait(std::condition_variable& cv) NO_THREAD_SAFETY_ANALYSIS { mu_.Wait(cv); }
  template <typename Rep, typename Period>
  void WaitFor(std::condition_variable& cv,
               std::chrono::duration<Rep, Period> timeout) NO_THREAD_SAFETY_ANALYSIS {
    mu_.WaitFor(cv, timeout);
  }

 private:
  Mutex& mu_;
  bool held_ = true;
};

}  // namespace strata
