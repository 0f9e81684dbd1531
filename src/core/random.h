// Unguessable identifiers (tokens, upload sessions) from the OS's randomness through OpenSSL.
#pragma once

#include <cstddef>
#include <string>

#include "base/status.h"

namespace strata {

// `bytes` random bytes as lowercase hex (2 × bytes characters). Internal if the OS gives none.
Result<std::string> RandomHex(size_t bytes);

}  // namespace strata
