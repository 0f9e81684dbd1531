// The log of a long-running process (the mount daemon): warnings and errors for a person to read
// after the fact, one timestamped line each, appended to a file (`strata mount --log FILE`).
// Before a file is opened, and if none is, lines go to stderr. Thread-safe; each line is one
// write(2) to an O_APPEND file, so lines of processes sharing the file never interleave.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace strata {

enum class LogLevel { kInfo, kWarning, kError };

// Sends every later line to `path` (created 0600 if missing, its directory too); the file stays
// open across fork and daemonizing.
Status OpenLogFile(const std::string& path);
// The file lines go to; empty for stderr.
std::string LogFilePath();

void Log(LogLevel level, std::string_view message);

}  // namespace strata
