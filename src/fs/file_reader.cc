#include "fs/file_reader.h"

#include <algorithm>
#include <cstring>
#include <memory>

namespace strata::fs {

FileReader::FileReader(std::shared_ptr<Volume> volume, ThreadPool& pool, meta::FileContent content,
                       std::string path, size_t max_ahead)
    : volume_(std::move(volume)),
      pool_(pool),
      content_(std::move(content)),
      path_(std::move(path)),
      chunk_size_(volume_->chunk_size_bytes()),
      max_slots_(max_ahead + 4),
      ahead_(std::min<size_t>(2, max_ahead), max_ahead) {}

FileReader::~FileReader() {
  MutexLock lock(mu_);
  while (in_flight_ != 0) lock.Wait(changed_);
}

Result<std::shared_ptr<FileReader::Slot>> FileReader::NewSlot(size_t index) {
  auto slot = std::make_shared<Slot>();
  if (!spare_.empty()) {
    slot->buffer = std::move(spare_.back());
    spare_.pop_back();
  } else {
    ASSIGN_OR_RETURN(slot->buffer, HostBuffer::Allocate(chunk_size_));
  }
  slots_[index] = slot;
  return slot;
}

void FileReader::Fetch(size_t index, const std::shared_ptr<Slot>& slot) {
  uint64_t length = meta::ChunkLength(content_.size_bytes, chunk_size_, index);
  Status status;
  try {
    status = volume_->ReadChunk(content_, index, {slot->buffer->data(), length}, path_);
  } catch (...) {
    status = Status::Internal("unexpected exception reading " + path_);
  }
  MutexLock lock(mu_);
  slot->ready = true;
  slot->status = status;
  if (!status.ok()) {  // the next read of this chunk tries again
    auto it = slots_.find(index);
    if (it != slots_.end() && it->second == slot) slots_.erase(it);
  }
  changed_.notify_all();
}

void FileReader::Evict(size_t position) {
  while (slots_.size() >= max_slots_) {
    // Chunks behind the reader go first, then the one farthest ahead; never one being fetched.
    auto victim = slots_.end();
    for (auto it = slots_.begin(); it != slots_.end(); ++it) {
      if (!it->second->ready) continue;
      if (it->first < position) {
        victim = it;
        break;
      }
      victim = it;  // the last ready one: the farthest ahead
    }
    if (victim == slots_.end()) return;  // all in flight: go over the bound for a moment
    if (victim->second.use_count() == 1) spare_.push_back(std::move(victim->second->buffer));
    slots_.erase(victim);
  }
}

void FileReader::StartReadAhead(uint64_t offset, uint64_t length) {
  cache::ChunkRange ahead = ahead_.OnRead(offset, length, chunk_size_, content_.chunks.size());
  for (size_t i = ahead.begin; i < ahead.end && slots_.size() < max_slots_; ++i) {
    if (slots_.contains(i)) continue;
    Result<std::shared_ptr<Slot>> slot = NewSlot(i);
    if (!slot.ok()) break;  // out of memory: read-ahead is only an optimisation
    ++in_flight_;
    pool_.Submit([this, i, slot = *slot] {
      Fetch(i, slot);
      MutexLock done(mu_);
      --in_flight_;
      changed_.notify_all();
    });
  }
}

Result<std::shared_ptr<FileReader::Slot>> FileReader::ReadySlot(size_t index) {
  std::shared_ptr<Slot> slot;
  auto it = slots_.find(index);
  if (it != slots_.end()) {
    slot = it->second;
  } else {
    Evict(index);
    ASSIGN_OR_RETURN(slot, NewSlot(index));
    mu_.Unlock();
    Fetch(index, slot);
    mu_.Lock();
  }
  while (!slot->ready) mu_.Wait(changed_);
  RETURN_IF_ERROR(slot->status);
  return slot;
}

Result<size_t> FileReader::ReadAt(uint64_t offset, std::span<uint8_t> out) {
  if (offset >= content_.size_bytes || out.empty()) return size_t{0};
  uint64_t length = std::min<uint64_t>(out.size(), content_.size_bytes - offset);
  MutexLock lock(mu_);
  Evict(static_cast<size_t>(offset / chunk_size_));
  StartReadAhead(offset, length);
  for (uint64_t done = 0; done < length;) {
    uint64_t at = offset + done;
    size_t index = static_cast<size_t>(at / chunk_size_);
    uint64_t in_chunk = at % chunk_size_;
    uint64_t chunk_length = meta::ChunkLength(content_.size_bytes, chunk_size_, index);
    uint64_t n = std::min(length - done, chunk_length - in_chunk);
    if (!slots_.contains(index) && in_chunk == 0 && n == chunk_length) {
      // A whole chunk nobody fetched: straight into the caller's buffer.
      lock.Unlock();
      Status status = volume_->ReadChunk(content_, index, out.subspan(done, n), path_);
      lock.Lock();
      RETURN_IF_ERROR(status);
      done += n;
      continue;
    }
    ASSIGN_OR_RETURN(std::shared_ptr<Slot> slot, ReadySlot(index));
    lock.Unlock();  // a ready slot's bytes never change; the shared_ptr keeps them alive
    std::memcpy(out.data() + done, slot->buffer->data() + in_chunk, n);
    lock.Lock();
    done += n;
  }
  return static_cast<size_t>(length);
}

Result<FileReader::View> FileReader::ViewAt(uint64_t offset, uint64_t max_bytes) {
  if (offset >= content_.size_bytes || max_bytes == 0) return View{};
  size_t index = static_cast<size_t>(offset / chunk_size_);
  uint64_t in_chunk = offset % chunk_size_;
  uint64_t n = std::min({max_bytes, content_.size_bytes - offset,
                         meta::ChunkLength(content_.size_bytes, chunk_size_, index) - in_chunk});
  MutexLock lock(mu_);
  Evict(index);
  StartReadAhead(offset, n);
  ASSIGN_OR_RETURN(std::shared_ptr<Slot> slot, ReadySlot(index));
  return View{slot->buffer, std::span<const uint8_t>(slot->buffer->data() + in_chunk, n)};
}

}  // namespace strata::fs
