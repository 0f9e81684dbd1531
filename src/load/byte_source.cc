#include "load/byte_source.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "base/posix.h"
#include "base/str_cat.h"

namespace strata::load {
namespace {

class LocalSource final : public ByteSource {
 public:
  LocalSource(std::string path, UniqueFd fd, uint64_t size, uint64_t unit)
      : path_(std::move(path)), fd_(std::move(fd)), size_(size), unit_(unit) {}
  uint64_t size() const override { return size_; }
  uint64_t read_unit() const override { return unit_; }
  const std::string& name() const override { return path_; }
  Status ReadUnit(uint64_t offset, std::span<uint8_t> out) override {
    ASSIGN_OR_RETURN(size_t n, PreadFull(fd_.get(), out, offset, path_));
    if (n != out.size()) {
      return Status::Aborted(StrCat(path_, " shrank while it was being loaded"));
    }
    return Status::OK();
  }

 private:
  const std::string path_;
  UniqueFd fd_;
  const uint64_t size_;
  const uint64_t unit_;
};

}  // namespace

Result<std::unique_ptr<ByteSource>> OpenLocalSource(const std::string& path, uint64_t read_unit) {
  ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(path, O_RDONLY));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return PosixError(StrCat("stat ", path), errno);
  if (S_ISDIR(st.st_mode)) return Status::IsDirectory(StrCat(path, ": is a directory"));
  return std::unique_ptr<ByteSource>(
      new LocalSource(path, std::move(fd), static_cast<uint64_t>(st.st_size), read_unit));
}

}  // namespace strata::load
