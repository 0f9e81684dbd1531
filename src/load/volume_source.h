// Files of a volume as loader sources: read chunk by chunk through the volume's chunk tiers, each
// chunk verified, straight into the loader's buffers (no mount, no page cache in between).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "fs/volume.h"
#include "load/byte_source.h"
#include "load/loader.h"

namespace strata::load {

// One version of the file at `path`, read whole: a concurrent commit cannot mix in.
Result<std::unique_ptr<ByteSource>> OpenVolumeSource(fs::Volume& volume, const std::string& path);

// The shard files of a model in a volume, as ResolveShards does for local paths: a file, a
// model.safetensors.index.json, or a directory (its index if it has one, else its *.safetensors).
Result<std::vector<std::string>> ResolveVolumeShards(fs::Volume& volume, const std::string& path);

// Loads files of `volume` onto `device`.
Result<std::vector<LoadedFile>> LoadFromVolume(Loader& loader, fs::Volume& volume,
                                               const std::vector<std::string>& paths,
                                               Device device = {});

}  // namespace strata::load
