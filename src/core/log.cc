#include "core/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/core.h>

#include "base/mutex.h"
#include "base/posix.h"
#include "core/clock.h"
#include "core/env.h"

namespace strata {
namespace {

struct LogSink {
  Mutex mu;
  UniqueFd file GUARDED_BY(mu);
  std::string path GUARDED_BY(mu);
};

LogSink& Sink() {
  static LogSink* sink = new LogSink();  // never destroyed: threads may log during exit
  return *sink;
}

char LevelLetter(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return 'I';
    case LogLevel::kWarning:
      return 'W';
    case LogLevel::kError:
      return 'E';
  }
  return '?';
}

}  // namespace

Status OpenLogFile(const std::string& path) {
  RETURN_IF_ERROR(PosixEnv().CreateDirs(DirName(path)));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return PosixError(fmt::format("open the log file {}", path), errno);
  LogSink& sink = Sink();
  MutexLock lock(sink.mu);
  sink.file = UniqueFd(fd);
  sink.path = path;
  return Status::OK();
}

std::string LogFilePath() {
  LogSink& sink = Sink();
  MutexLock lock(sink.mu);
  return sink.path;
}

void Log(LogLevel level, std::string_view message) {
  int64_t now = NowNanos();
  std::string line =
      fmt::format("{}.{:03d} {} [{}] {}\n", FormatTime(now), static_cast<int>(now / 1000000 % 1000),
                  LevelLetter(level), ::getpid(), message);
  LogSink& sink = Sink();
  MutexLock lock(sink.mu);
  int fd = sink.file.get() >= 0 ? sink.file.get() : STDERR_FILENO;
  // One write: O_APPEND makes it land whole after every other process's lines.
  ssize_t n = ::write(fd, line.data(), line.size());
  (void)n;  // nowhere left to report a failure to log
}

}  // namespace strata
