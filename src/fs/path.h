// Volume paths: '/'-separated, rooted at the volume's root, never escaping it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace strata::fs {

// Splits a user-supplied path into validated names. "", "/" and "." are the root (no names);
// empty and "." components are dropped. A ".." component is refused (InvalidArgument: a volume path
// may not climb out of the root), as are NUL bytes and names over 255 bytes (NameTooLong).
Result<std::vector<std::string>> SplitPath(std::string_view path);

// "/a/b" for {"a", "b"}; "/" for {}.
std::string JoinPath(const std::vector<std::string>& names);

// "/a/b" + "c" → "/a/b/c"; "/" + "c" → "/c".
std::string ChildPath(std::string_view parent, std::string_view name);

// Of a normalised path (JoinPath's form): "/a/b" → "/a", "/a" → "/", "/" → "/".
std::string ParentPath(std::string_view path);

// Of a normalised path: "/a/b" → "b", "/" → "".
std::string BaseName(std::string_view path);

}  // namespace strata::fs
