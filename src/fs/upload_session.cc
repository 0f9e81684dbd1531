#include "fs/upload_session.h"

#include <fmt/core.h>

#include "base/round.h"
#include "core/random.h"
#include "fs/path.h"

namespace strata::fs {

Result<UploadSession> UploadSession::Create(Volume& volume, std::string_view path,
                                            uint64_t part_size, int64_t ttl_ns) {
  ASSIGN_OR_RETURN(std::vector<std::string> names, SplitPath(path));
  if (names.empty()) return Status::InvalidArgument("upload to a file path");
  if (part_size > kMaxUploadPartBytes) {
    return Status::InvalidArgument(
        fmt::format("part_size is a number of bytes up to {}", kMaxUploadPartBytes));
  }
  if (ttl_ns <= 0 || ttl_ns > kMaxUploadTtlNanos) {
    return Status::InvalidArgument("ttl is a duration up to 7d, like 24h");
  }
  meta::UploadInfo info;
  info.volume_id = volume.info().id;
  info.path = JoinPath(names);
  // Parts are whole chunks: a size asked for is rounded up to the volume's chunk size.
  info.part_size =
      RoundUpTo(part_size == 0 ? kDefaultUploadPartBytes : part_size, volume.chunk_size_bytes());
  ASSIGN_OR_RETURN(info.id, RandomHex(16));
  info.created_ns = volume.meta().clock().NowNanos();
  info.expires_ns = info.created_ns + ttl_ns;
  RETURN_IF_ERROR(volume.meta().CreateUpload(info));
  return UploadSession(volume, std::move(info));
}

Result<UploadSession> UploadSession::Open(Volume& volume, std::string_view id) {
  Result<meta::UploadInfo> info = volume.meta().GetUpload(id);
  // A session of another volume does not exist for this one.
  if (info.ok() && info->volume_id != volume.info().id) {
    info = Status::NotFound(fmt::format("no upload session '{}' in {}", id, volume.info().name));
  }
  if (!info.ok()) return info.status();
  return UploadSession(volume, *std::move(info));
}

Result<std::vector<meta::UploadPart>> UploadSession::Parts() {
  return volume_->meta().ListUploadParts(info_.id);
}

Result<meta::Attr> UploadSession::Complete(const Expected& expected) {
  // Parts are checked before any directory is made for the file (and again in the transaction).
  ASSIGN_OR_RETURN(std::vector<meta::UploadPart> parts, Parts());
  uint64_t size = 0;
  for (const auto& p : parts) size += p.size_bytes;
  if ((expected.size && *expected.size != size) ||
      (expected.parts && *expected.parts != parts.size())) {
    return Status::InvalidArgument(
        fmt::format("the server has {} parts, {} bytes; send what is missing", parts.size(), size));
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].number != i) return Status::InvalidArgument(fmt::format("part {} is missing", i));
  }
  RETURN_IF_ERROR(volume_->Mkdir(ParentPath(info_.path), 0755, true).status());
  ASSIGN_OR_RETURN(ParentRef where, volume_->ResolveParent(info_.path));
  return volume_->meta().CompleteUpload(info_.id, where.parent, where.name,
                                        meta::NewNode::File(0644));
}

Status UploadSession::Abort() { return volume_->meta().AbortUpload(info_.id); }

Result<UploadPartWriter> UploadPartWriter::Begin(UploadSession& session, uint32_t number,
                                                 ThreadPool& pool, size_t chunks_in_flight) {
  if (number >= kMaxUploadParts) {
    return Status::InvalidArgument(fmt::format("a part number is 0..{}", kMaxUploadParts - 1));
  }
  return UploadPartWriter(session, number, pool, chunks_in_flight);
}

UploadPartWriter::UploadPartWriter(UploadSession& session, uint32_t number, ThreadPool& pool,
                                   size_t in_flight)
    : session_(&session),
      number_(number),
      writer_(std::make_unique<StreamWriter>(*session.volume_, pool, in_flight)) {}

Status UploadPartWriter::Append(std::span<const uint8_t> bytes) {
  if (too_long_ || writer_->bytes() + bytes.size() > session_->info_.part_size) {
    too_long_ = true;
    return Status::InvalidArgument(
        fmt::format("a part is at most {} bytes", session_->info_.part_size));
  }
  digest_.Update(bytes);
  return writer_->Append(bytes);
}

Result<meta::UploadPart> UploadPartWriter::Finish(std::string_view expected_sha256) {
  std::string sha256 = digest_.FinalHex();
  if (!expected_sha256.empty() && expected_sha256 != sha256) {
    return Status::InvalidArgument(fmt::format("part {} hashes to {}, not {}; send it again",
                                               number_, sha256, expected_sha256));
  }
  ASSIGN_OR_RETURN(meta::FileContent content, writer_->Finish());
  meta::UploadPart part{number_, content.size_bytes, std::move(sha256), std::move(content.chunks)};
  RETURN_IF_ERROR(session_->volume_->meta().PutUploadPart(session_->info_.id, part));
  return part;
}

}  // namespace strata::fs
