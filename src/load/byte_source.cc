#include "load/byte_source.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include <fmt/core.h>

#include "core/posix.h"

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
      return Status::Aborted(fmt::format("{} shrank while it was being loaded", path_));
    }
    return Status::OK();
  }

 private:
  const std::string path_;
  UniqueFd fd_;
  const uint64_t size_;
  const uint64_t unit_;
};

class VolumeSource final : public ByteSource {
 public:
  VolumeSource(fs::Volume& volume, std::string path, meta::FileContent content)
      : volume_(volume), path_(std::move(path)), content_(std::move(content)) {}
  uint64_t size() const override { return content_.size_bytes; }
  uint64_t read_unit() const override { return volume_.chunk_size_bytes(); }
  const std::string& name() const override { return path_; }
  Status ReadUnit(uint64_t offset, std::span<uint8_t> out) override {
    return volume_.ReadChunk(content_, static_cast<size_t>(offset / read_unit()), out, path_);
  }

 private:
  fs::Volume& volume_;
  const std::string path_;
  const meta::FileContent content_;  // one version, read whole: a concurrent commit cannot mix in
};

}  // namespace

Result<std::unique_ptr<ByteSource>> OpenLocalSource(const std::string& path, uint64_t read_unit) {
  ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(path, O_RDONLY));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return PosixError(fmt::format("stat {}", path), errno);
  if (S_ISDIR(st.st_mode)) return Status::IsDirectory(fmt::format("{}: is a directory", path));
  return std::unique_ptr<ByteSource>(
      new LocalSource(path, std::move(fd), static_cast<uint64_t>(st.st_size), read_unit));
}

Result<std::unique_ptr<ByteSource>> OpenVolumeSource(fs::Volume& volume, const std::string& path) {
  ASSIGN_OR_RETURN(meta::FileContent content, volume.Content(path));
  return std::unique_ptr<ByteSource>(new VolumeSource(volume, path, std::move(content)));
}

}  // namespace strata::load
