// WalkTree: every entry of a directory tree of a volume, visited without recursion.
//
// Trees come from volume writers: a rename moves a whole subtree under a deep path, and the
// mount makes any depth through relative paths, so a walk on the C++ stack could overflow it
// (review M2). This walk keeps its own stack on the heap, refuses trees deeper than
// kMaxTreeDepth with a clear error, and refuses entry names no path may hold ("..", "a/b": a
// shared metadata database may contain any bytes). Every recursive operation of `fs` (rm -r,
// cp -r, get, du, prefetch) and the listings of the server and the Python API go through it.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "base/status.h"
#include "meta/meta_store.h"
#include "meta/types.h"

namespace strata::fs {

inline constexpr size_t kMaxTreeDepth = meta::kMaxDirectoryDepth;

struct TreeEntry {
  std::string path;      // "/a/b"
  meta::InodeId parent;  // the directory holding it (for the root: the root itself)
  std::string name;      // "b"; empty for the root
  meta::Attr attr;
  size_t depth = 0;  // 0 for the root
};

struct TreeVisitor {
  // Each entry, a directory before its entries, entries in name order.
  std::function<Status(const TreeEntry&)> enter;
  // Each directory after its entries (optional).
  std::function<Status(const TreeEntry&)> leave;
  // Whether to read a directory's entries (optional: all).
  std::function<bool(const TreeEntry&)> descend;
};

// Walks the tree at `root` (found at `root_path`); the first error of a visitor ends it.
Status WalkTree(meta::MetaStore& meta, const meta::Attr& root, const std::string& root_path,
                const TreeVisitor& visitor);

}  // namespace strata::fs
