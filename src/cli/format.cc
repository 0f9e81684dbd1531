#include "cli/format.h"

#include <fmt/core.h>

#include "core/byte_size.h"
#include "core/clock.h"

namespace strata::cli {

std::string ModeString(const meta::Attr& attr) {
  std::string s = "?---------";
  s[0] = attr.type == meta::FileType::kDirectory ? 'd'
         : attr.type == meta::FileType::kSymlink ? 'l'
                                                 : '-';
  static constexpr char kRwx[] = "rwx";
  for (size_t i = 0; i < 9; ++i) {
    if (attr.mode & (0400u >> i)) s[i + 1] = kRwx[i % 3];
  }
  if (attr.mode & 04000) s[3] = (attr.mode & 0100) ? 's' : 'S';
  if (attr.mode & 02000) s[6] = (attr.mode & 0010) ? 's' : 'S';
  if (attr.mode & 01000) s[9] = (attr.mode & 0001) ? 't' : 'T';
  return s;
}

std::string LongListingLine(const meta::Attr& attr, const std::string& name,
                            const std::string& link_target, bool human_sizes) {
  std::string size = human_sizes ? FormatBytes(attr.size_bytes) : std::to_string(attr.size_bytes);
  std::string line = fmt::format("{} {:>3} {:>12} {} {}", ModeString(attr), attr.nlink, size,
                                 FormatTime(attr.mtime_ns), name);
  if (attr.type == meta::FileType::kSymlink) line += " -> " + link_target;
  return line;
}

}  // namespace strata::cli
