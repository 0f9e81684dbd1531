// How the CLI prints metadata: modes, listing lines.
#pragma once

#include <string>

#include "meta/types.h"

namespace strata::cli {

// "drwxr-xr-x", "-rw-r--r--", "lrwxrwxrwx".
std::string ModeString(const meta::Attr& attr);
// One `ls -l` line: mode, links, size, mtime, name (and " -> target" for symlinks).
std::string LongListingLine(const meta::Attr& attr, const std::string& name,
                            const std::string& link_target, bool human_sizes);

}  // namespace strata::cli
