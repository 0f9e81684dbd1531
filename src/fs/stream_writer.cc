#include "fs/stream_writer.h"

#include <algorithm>
#include <cstring>

#include "fs/path.h"

namespace strata::fs {

StreamWriter::StreamWriter(Volume& volume, ThreadPool& pool, size_t in_flight,
                           ChunkSinkOptions sink_options)
    : volume_(volume),
      sink_(volume, std::move(sink_options)),
      chunk_size_(volume.chunk_size_bytes()),
      stores_(pool, std::max<size_t>(1, in_flight)) {}

StreamWriter::~StreamWriter() {
  // Tasks reference this object: wait for them even when the upload is abandoned.
  (void)stores_.Wait();
}

std::unique_ptr<std::vector<uint8_t>> StreamWriter::TakeBuffer() {
  MutexLock lock(mu_);
  if (!spare_.empty()) {
    auto buffer = std::move(spare_.back());
    spare_.pop_back();
    return buffer;
  }
  return std::make_unique<std::vector<uint8_t>>(chunk_size_);
}

Status StreamWriter::Append(std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    if (!current_) {
      current_ = TakeBuffer();
      current_fill_ = 0;
    }
    size_t take = std::min<size_t>(bytes.size(), chunk_size_ - current_fill_);
    std::memcpy(current_->data() + current_fill_, bytes.data(), take);
    current_fill_ += take;
    size_ += take;
    bytes = bytes.subspan(take);
    if (current_fill_ == chunk_size_) RETURN_IF_ERROR(FlushChunk());
  }
  return stores_.failed() ? stores_.Wait() : Status::OK();
}

Status StreamWriter::FlushChunk() {
  if (stores_.failed()) return stores_.Wait();
  size_t index;
  {
    MutexLock lock(mu_);
    index = chunks_.size();
    chunks_.emplace_back();  // under mu_: running tasks write their slots
  }
  std::shared_ptr<std::vector<uint8_t>> buffer(current_.release());
  size_t length = current_fill_;
  current_fill_ = 0;
  // Blocks while `in_flight` stores run: a fast sender waits for the store.
  stores_.Run([this, buffer, length, index]() -> Status {
    Result<store::PutChunkResult> put = sink_.Put(std::span<const uint8_t>(buffer->data(), length));
    MutexLock lock(mu_);
    spare_.push_back(std::make_unique<std::vector<uint8_t>>(std::move(*buffer)));
    if (!put.ok()) return put.status();
    chunks_[index] = put->id;
    uploaded_ += put->uploaded ? 1 : 0;
    return Status::OK();
  });
  return Status::OK();
}

Result<meta::FileContent> StreamWriter::WaitForChunks() {
  if (current_ && current_fill_ > 0) RETURN_IF_ERROR(FlushChunk());
  RETURN_IF_ERROR(stores_.Wait());
  MutexLock lock(mu_);
  return meta::FileContent{size_, chunks_};
}

Result<meta::FileContent> StreamWriter::Finish() {
  ASSIGN_OR_RETURN(meta::FileContent content, WaitForChunks());
  // An upload slower than a gc's grace period may have lost its first chunks: the bytes are gone
  // from here, so that is an error (the client sends the part again).
  RETURN_IF_ERROR(sink_.Seal(content.chunks, "this upload"));
  return content;
}

Result<meta::Attr> StreamWriter::Commit(std::string_view path, uint32_t mode, bool make_parents) {
  ASSIGN_OR_RETURN(meta::FileContent content, WaitForChunks());
  if (make_parents) {
    ASSIGN_OR_RETURN(std::vector<std::string> names, SplitPath(path));
    if (names.size() > 1) {
      names.pop_back();
      RETURN_IF_ERROR(volume_.Mkdir(JoinPath(names), 0755, /*parents=*/true).status());
    }
  }
  return sink_.Commit(path, meta::NewNode::File(mode), content, "this upload");
}

}  // namespace strata::fs
