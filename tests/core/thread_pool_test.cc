#include "base/thread_pool.h"

#include <atomic>
#include <stdexcept>
#include <thread>

#include "support/test_util.h"

namespace strata {
namespace {

using testing::IsOk;
using testing::StatusIs;

TEST(ThreadPoolTest, RunsEverySubmittedTaskBeforeDestruction) {
  std::atomic<int> count{0};
  {
    ThreadPool pool(3);
    for (int i = 0; i < 1000; ++i) pool.Submit([&] { ++count; });
  }
  EXPECT_EQ(count.load(), 1000);
}

TEST(TaskGroupTest, WaitReturnsOkWhenAllSucceed) {
  ThreadPool pool(4);
  TaskGroup group(pool);
  std::atomic<int> count{0};
  for (int i = 0; i < 100; ++i) {
    group.Run([&] {
      ++count;
      return Status::OK();
    });
  }
  EXPECT_THAT(group.Wait(), IsOk());
  EXPECT_EQ(count.load(), 100);
}

TEST(TaskGroupTest, KeepsTheFirstErrorAndSkipsTasksNotStarted) {
  ThreadPool pool(1);  // one worker: tasks run in order
  TaskGroup group(pool);
  std::atomic<int> ran{0};
  group.Run([&] {
    ++ran;
    return Status::NoSpace("disk full");
  });
  for (int i = 0; i < 10; ++i) {
    group.Run([&] {
      ++ran;
      return Status::IOError("later");
    });
  }
  Status status = group.Wait();
  EXPECT_THAT(status, StatusIs(Code::kNoSpace));
  EXPECT_EQ(ran.load(), 1);
}

TEST(TaskGroupTest, ATaskThatThrowsBecomesAnInternalError) {
  ThreadPool pool(2);
  TaskGroup group(pool);
  group.Run([]() -> Status { throw std::runtime_error("boom"); });
  EXPECT_THAT(group.Wait(), StatusIs(Code::kInternal));
}

TEST(TaskGroupTest, ABoundedGroupNeverHasMoreInFlight) {
  ThreadPool pool(8);
  TaskGroup group(pool, 3);
  std::atomic<int> in_flight{0};
  std::atomic<int> most{0};
  std::atomic<int> ran{0};
  for (int i = 0; i < 200; ++i) {
    group.Run([&]() -> Status {
      int now = in_flight.fetch_add(1) + 1;
      int seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::yield();
      in_flight.fetch_sub(1);
      ran.fetch_add(1);
      return Status::OK();
    });
  }
  EXPECT_THAT(group.Wait(), IsOk());
  EXPECT_EQ(ran.load(), 200);
  EXPECT_LE(most.load(), 3);
  EXPECT_GE(most.load(), 1);
}

TEST(TaskGroupTest, SkippedTasksGiveTheirPlaceBack) {
  // One place: after the first task fails, every later one is skipped; if a skipped task kept
  // its place, the second Run would wait forever.
  ThreadPool pool(2);
  TaskGroup group(pool, 1);
  group.Run([] { return Status::IOError("first"); });
  std::atomic<int> ran{0};
  for (int i = 0; i < 50; ++i) {
    group.Run([&] {
      ran.fetch_add(1);
      return Status::OK();
    });
  }
  EXPECT_THAT(group.Wait(), StatusIs(Code::kIOError));
  EXPECT_EQ(ran.load(), 0);
}

}  // namespace
}  // namespace strata
