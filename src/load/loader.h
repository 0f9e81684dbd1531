// Loader: reads safetensors files into host memory at the speed of the storage.
//
// All files are planned at once: each lands in ONE page-aligned buffer of its size, read in
// read_unit-aligned ranges by a pool of workers (never through mmap page faults), headers first
// (they are validated before any data is read), then every remaining range of every file in
// parallel. Tensors are views into the buffers that keep them alive. Files of a volume are read
// through the chunk store, chunk by chunk, each verified, straight into the buffers.
// Thread-safety: a Loader may be used from one thread at a time; what it returns is immutable.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/host_buffer.h"
#include "core/thread_pool.h"
#include "fs/volume.h"
#include "load/byte_source.h"
#include "load/safetensors.h"

namespace strata::load {

struct LoaderOptions {
  size_t threads = 0;                // 0: 2 per core
  uint64_t read_bytes = 8ULL << 20;  // range size for local files (volume files: the chunk)
};

// A view of one tensor's bytes; holds its file's buffer alive.
struct Tensor {
  const TensorInfo* info = nullptr;  // owned by the LoadedFile's header, kept alive with it
  std::shared_ptr<HostBuffer> buffer;
  std::shared_ptr<const SafetensorsHeader> header;
  std::span<const uint8_t> bytes;
};

class LoadedFile {
 public:
  LoadedFile(std::string name, std::shared_ptr<const SafetensorsHeader> header,
             std::shared_ptr<HostBuffer> buffer)
      : name_(std::move(name)), header_(std::move(header)), buffer_(std::move(buffer)) {}

  const std::string& name() const { return name_; }
  const SafetensorsHeader& header() const { return *header_; }
  // NotFound naming the tensor and the file.
  Result<Tensor> Get(std::string_view tensor_name) const;
  std::vector<Tensor> tensors() const;

 private:
  Tensor View(const TensorInfo& info) const;
  std::string name_;
  std::shared_ptr<const SafetensorsHeader> header_;
  std::shared_ptr<HostBuffer> buffer_;
};

// The shard files of a model: a .safetensors file itself; a model.safetensors.index.json (its
// weight_map's files); or a directory (its index if it has one, else its *.safetensors, sorted).
Result<std::vector<std::string>> ResolveShards(const std::string& local_path);

class Loader {
 public:
  explicit Loader(LoaderOptions options = {});

  // Local files: a file, an index, or a directory (see ResolveShards).
  Result<std::vector<LoadedFile>> LoadLocal(const std::string& path);
  Result<std::vector<LoadedFile>> LoadLocalFiles(const std::vector<std::string>& paths);
  // Files of a volume, through its chunk store.
  Result<std::vector<LoadedFile>> LoadFromVolume(fs::Volume& volume,
                                                 const std::vector<std::string>& paths);

 private:
  Result<std::vector<LoadedFile>> Load(std::vector<std::unique_ptr<ByteSource>> sources);
  LoaderOptions options_;
  ThreadPool pool_;
};

}  // namespace strata::load
