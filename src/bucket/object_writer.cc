#include "bucket/object_writer.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <fmt/core.h>

#include "core/clock.h"

namespace strata::bucket {

std::string ParentOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

ObjectWriter::ObjectWriter(BucketView& view, std::string path, UniqueFd spill,
                           uint64_t multipart_above)
    : view_(view),
      path_(std::move(path)),
      spill_(std::move(spill)),
      multipart_above_(multipart_above),
      mtime_ns_(NowNanos()) {}

Result<std::unique_ptr<ObjectWriter>> ObjectWriter::Open(BucketView& view, std::string path,
                                                         bool truncate,
                                                         const ObjectWriterOptions& options) {
  int fd = ::open(options.spill_dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) return PosixError(fmt::format("spill file in {}", options.spill_dir), errno);
  std::unique_ptr<ObjectWriter> writer(
      new ObjectWriter(view, std::move(path), UniqueFd(fd), options.multipart_above));
  if (truncate) {
    writer->dirty_ = true;  // the object becomes empty even if nothing is written
    return writer;
  }
  // Writing into an existing object: its bytes first, since the upload replaces it whole.
  Result<ObjectVersion> object = view.Head(writer->path_);
  if (object.status().code() == Code::kNotFound) return writer;
  RETURN_IF_ERROR(object.status());
  std::vector<uint8_t> piece(view.piece_bytes());
  for (size_t i = 0; i < view.PieceCount(*object); ++i) {
    std::span<uint8_t> out(piece.data(), view.PieceLength(*object, i));
    RETURN_IF_ERROR(view.ReadPiece(*object, i, out));
    RETURN_IF_ERROR(PwriteAll(fd, out, i * view.piece_bytes(), writer->path_));
  }
  writer->size_ = object->size_bytes;
  return writer;
}

Status ObjectWriter::Write(uint64_t offset, std::span<const uint8_t> data) {
  uint64_t end = offset + data.size();
  if (end < offset) return Status::InvalidArgument(fmt::format("{}: write past 2^64", path_));
  RETURN_IF_ERROR(PwriteAll(spill_.get(), data, offset, path_));
  uint64_t size = size_.load();
  while (end > size && !size_.compare_exchange_weak(size, end)) {
  }
  mtime_ns_ = NowNanos();
  dirty_ = true;
  return Status::OK();
}

Result<size_t> ObjectWriter::ReadAt(uint64_t offset, std::span<uint8_t> out) {
  uint64_t size = size_.load();
  if (offset >= size) return size_t{0};
  out = out.subspan(0, std::min<uint64_t>(out.size(), size - offset));
  return PreadFull(spill_.get(), out, offset, path_);
}

Status ObjectWriter::Truncate(uint64_t size) {
  if (::ftruncate(spill_.get(), static_cast<off_t>(size)) != 0) {
    return PosixError(fmt::format("truncate {}", path_), errno);
  }
  size_ = size;
  dirty_ = true;
  mtime_ns_ = NowNanos();
  return Status::OK();
}

Status ObjectWriter::Upload() {
  if (!dirty_.exchange(false)) return Status::OK();
  uint64_t size = size_.load();
  void* mapped = nullptr;
  if (size > 0) {
    mapped = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, spill_.get(), 0);
    if (mapped == MAP_FAILED) {
      dirty_ = true;
      return PosixError(fmt::format("map {} for upload", path_), errno);
    }
  }
  std::span<const uint8_t> bytes(static_cast<const uint8_t*>(mapped), size);
  Status status = size > multipart_above_
                      ? view_.bucket().PutMultipart(path_, bytes, multipart_above_)
                      : view_.bucket().Put(path_, bytes);
  if (mapped) ::munmap(mapped, size);
  if (!status.ok()) {
    dirty_ = true;
    return status;
  }
  view_.Invalidate(ParentOf(path_));
  return Status::OK();
}

}  // namespace strata::bucket
