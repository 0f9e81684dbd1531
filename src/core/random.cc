#include "core/random.h"

#include <climits>
#include <vector>

#include <openssl/rand.h>

#include "base/hex.h"

namespace strata {

Result<std::string> RandomHex(size_t bytes) {
  if (bytes > INT_MAX) return Status::InvalidArgument("too many random bytes asked for");
  std::vector<uint8_t> random(bytes);
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return Status::Internal("the OS gave no randomness (RAND_bytes failed)");
  }
  return LowerHex(random);
}

}  // namespace strata
