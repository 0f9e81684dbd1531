// Byte counts as people write them ("4M", "200G", "1.5GiB") and as Strata prints them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace strata {

// Parses "4194304", "4M", "4MiB", "200G", "1.5G". Suffixes are binary (K = 1024). No negatives.
Result<uint64_t> ParseByteSize(std::string_view text);
// "0 B", "512 B", "4.0 MiB", "1.2 GiB".
std::string FormatBytes(uint64_t bytes);

}  // namespace strata
