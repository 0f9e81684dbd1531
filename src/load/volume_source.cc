#include "load/volume_source.h"

#include <algorithm>
#include <set>

#include <fmt/core.h>

#include "base/posix.h"
#include "fs/path.h"

namespace strata::load {
namespace {

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

Result<std::unique_ptr<ByteSource>> OpenVolumeSource(fs::Volume& volume, const std::string& path) {
  ASSIGN_OR_RETURN(meta::FileContent content, volume.Content(path));
  return std::unique_ptr<ByteSource>(new VolumeSource(volume, path, std::move(content)));
}

Result<std::vector<std::string>> ResolveVolumeShards(fs::Volume& volume, const std::string& path) {
  ASSIGN_OR_RETURN(meta::Attr attr, volume.Stat(path, /*follow=*/true));
  ASSIGN_OR_RETURN(std::vector<std::string> components, fs::SplitPath(path));
  const std::string normal = fs::JoinPath(components);
  std::string dir;  // where the index's shards are
  std::string index_path;
  if (attr.type == meta::FileType::kDirectory) {
    dir = normal;
    ASSIGN_OR_RETURN(std::vector<meta::DirEntry> entries, volume.List(dir));
    std::vector<std::string> files;
    for (const auto& entry : entries) {
      if (entry.name == kShardIndexName) index_path = fs::ChildPath(dir, entry.name);
      if (entry.name.ends_with(".safetensors")) files.push_back(fs::ChildPath(dir, entry.name));
    }
    if (index_path.empty()) {
      if (files.empty()) {
        return Status::NotFound(fmt::format("{}: no .safetensors files in this directory", path));
      }
      std::sort(files.begin(), files.end());
      return files;
    }
  } else if (normal.ends_with(".json")) {
    index_path = normal;
    dir = DirName(normal);
  } else {
    return std::vector<std::string>{normal};
  }
  ASSIGN_OR_RETURN(auto index, OpenVolumeSource(volume, index_path));
  if (index->size() > kMaxShardIndexBytes) {
    return Status::InvalidArgument(fmt::format("{}: larger than {} bytes: not a shard index",
                                               index_path, kMaxShardIndexBytes));
  }
  std::string text(index->size(), '\0');
  for (uint64_t offset = 0; offset < index->size(); offset += index->read_unit()) {
    uint64_t length = std::min(index->read_unit(), index->size() - offset);
    RETURN_IF_ERROR(index->ReadUnit(
        offset, {reinterpret_cast<uint8_t*>(text.data()) + offset, static_cast<size_t>(length)}));
  }
  ASSIGN_OR_RETURN(std::vector<std::string> names, ShardsOfIndex(text, index_path));
  std::vector<std::string> shards;
  shards.reserve(names.size());
  for (const auto& name : names) shards.push_back(fs::ChildPath(dir, name));
  return shards;
}

Result<std::vector<LoadedFile>> LoadFromVolume(Loader& loader, fs::Volume& volume,
                                               const std::vector<std::string>& paths,
                                               Device device) {
  std::vector<std::unique_ptr<ByteSource>> sources;
  for (const auto& path : paths) {
    ASSIGN_OR_RETURN(auto source, OpenVolumeSource(volume, path));
    sources.push_back(std::move(source));
  }
  return loader.Load(std::move(sources), device);
}
}  // namespace strata::load
