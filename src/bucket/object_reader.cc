#include "bucket/object_reader.h"

#include <algorithm>
#include <cstring>

namespace strata::bucket {

Result<size_t> ObjectReader::ReadAt(uint64_t offset, std::span<uint8_t> out) {
  if (offset >= object_.size_bytes) return size_t{0};
  size_t total = std::min<uint64_t>(out.size(), object_.size_bytes - offset);
  size_t done = 0;
  MutexLock lock(mu_);
  while (done < total) {
    uint64_t at = offset + done;
    size_t index = static_cast<size_t>(at / view_.piece_bytes());
    if (piece_index_ != index) {
      piece_.resize(view_.PieceLength(object_, index));
      piece_index_ = SIZE_MAX;
      RETURN_IF_ERROR(view_.ReadPiece(object_, index, piece_));
      piece_index_ = index;
      view_.ReadAhead(object_, index + 1, read_ahead_pieces_);
    }
    uint64_t in_piece = at - index * view_.piece_bytes();
    size_t n = std::min<uint64_t>(total - done, piece_.size() - in_piece);
    std::memcpy(out.data() + done, piece_.data() + in_piece, n);
    done += n;
  }
  return done;
}

}  // namespace strata::bucket
