// URL helpers shared by every HTTP client (S3 keys, hub paths and revisions).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace strata::net {

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters stay; with `keep_slash`, so
// does '/' (object keys in paths); every other byte becomes %XX with upper-case hex.
std::string UriEncode(std::string_view s, bool keep_slash);
// The inverse, for query parameter values in our own URLs.
Result<std::string> UriDecode(std::string_view s);

}  // namespace strata::net
