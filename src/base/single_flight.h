// SingleFlight: concurrent calls for one key share one execution. The first caller (the leader)
// runs the work; callers that arrive while it runs wait and receive a copy of its value. Chunk
// stores, cache tiers and the bucket view use it so that N readers or writers of one chunk cost
// one fetch or one upload.
//
// A flight ends when its leader returns: a caller arriving after that starts a new one, so the
// value is never cached here (that is the caller's tier's business). If the leader throws, its
// flight is abandoned and one of the waiters leads a new attempt.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>

#include "base/mutex.h"

namespace strata {

template <typename Key, typename Value, typename Hash = std::hash<Key>>
class SingleFlight {
 public:
  struct Outcome {
    Value value;
    bool led;  // true: this caller ran the work; false: it shared another caller's run
  };

  // Runs `work()` (returning Value) unless a call for `key` is running; then waits for that call
  // and returns a copy of its value. Thread-safe; `work` runs without any lock held.
  template <typename Work>
  Outcome Do(const Key& key, Work&& work) {
    std::shared_ptr<Flight> flight;
    {
      MutexLock lock(mu_);
      for (;;) {
        auto [it, inserted] = flights_.try_emplace(key);
        if (inserted) {
          it->second = flight = std::make_shared<Flight>();
          break;
        }
        std::shared_ptr<Flight> theirs = it->second;
        ++theirs->waiters;
        while (!theirs->value && !theirs->abandoned) lock.Wait(done_);
        if (theirs->value) return Outcome{*theirs->value, false};
      }
    }
    try {
      Value value = work();
      Finish(key, *flight, &value);
      return Outcome{std::move(value), true};
    } catch (...) {
      Finish(key, *flight, nullptr);
      throw;
    }
  }

  // How many callers wait for the flight of `key` now (0 if none runs). A leader uses it to skip
  // building a shareable value nobody waits for; one that arrives after the answer must cope
  // with what the leader chose (e.g. by calling Do again).
  size_t Waiting(const Key& key) const {
    MutexLock lock(mu_);
    auto it = flights_.find(key);
    return it == flights_.end() ? 0 : it->second->waiters;
  }

  bool InFlight(const Key& key) const {
    MutexLock lock(mu_);
    return flights_.contains(key);
  }

 private:
  // Reached only through flights_ or a copy of its pointer taken under mu_: guarded by mu_.
  struct Flight {
    std::optional<Value> value;  // set when the leader returned
    bool abandoned = false;      // the leader threw
    size_t waiters = 0;
  };

  void Finish(const Key& key, Flight& flight, const Value* value) {
    {
      MutexLock lock(mu_);
      if (value) {
        if (flight.waiters > 0) flight.value = *value;  // erased below: nobody else can join
      } else {
        flight.abandoned = true;
      }
      flights_.erase(key);
    }
    done_.notify_all();
  }

  mutable Mutex mu_;
  std::condition_variable done_;
  std::unordered_map<Key, std::shared_ptr<Flight>, Hash> flights_ GUARDED_BY(mu_);
};

}  // namespace strata
