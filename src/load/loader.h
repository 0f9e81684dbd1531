// Loader: reads safetensors files into memory at the speed of the storage.
//
// All files are planned at once: each lands in ONE buffer of its size (aligned host memory; pinned
// host memory when CUDA is present; or memory on a GPU), read in read_unit-aligned ranges by a
// pool of workers (never through mmap page faults), headers first (read on the host and validated
// before any data is read), then every remaining range of every file in parallel. For a GPU, the
// workers read ranges into a ring of pinned slots whose copies to the device run on several
// streams while the next ranges are read. Tensors are views into the buffers that keep them alive.
// Thread-safety: a Loader may be used from one thread at a time; what it returns is immutable.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "load/byte_source.h"
#include "load/device.h"
#include "load/file_memory.h"
#include "load/safetensors.h"

namespace strata::load {

struct LoaderOptions {
  size_t threads = 0;                    // 0: 2 per core
  uint64_t read_bytes = 8ULL << 20;      // range size for local files (volume files: the chunk)
  bool pin_host_memory = true;           // host loads land in pinned memory when a GPU is usable
  uint64_t pinned_bytes = 256ULL << 20;  // GPU loads: the pinned ring (at least a slot per worker)
  size_t streams = 4;                    // GPU loads: CUDA streams the copies are spread over
};

// A view of one tensor's bytes; holds its file's buffer alive.
struct Tensor {
  const TensorInfo* info = nullptr;  // owned by the LoadedFile's header, kept alive with it
  std::shared_ptr<FileMemory> memory;
  std::shared_ptr<const SafetensorsHeader> header;
  std::span<const uint8_t> bytes;  // device addresses when memory->device() is a GPU
};

class LoadedFile {
 public:
  LoadedFile(std::string name, std::shared_ptr<const SafetensorsHeader> header,
             std::shared_ptr<FileMemory> memory)
      : name_(std::move(name)), header_(std::move(header)), memory_(std::move(memory)) {}

  const std::string& name() const { return name_; }
  const SafetensorsHeader& header() const { return *header_; }
  const Device& device() const { return memory_->device(); }
  // NotFound naming the tensor and the file.
  Result<Tensor> Get(std::string_view tensor_name) const;
  std::vector<Tensor> tensors() const;

 private:
  Tensor View(const TensorInfo& info) const;
  std::string name_;
  std::shared_ptr<const SafetensorsHeader> header_;
  std::shared_ptr<FileMemory> memory_;
};

// The shard files of a model: a .safetensors file itself; a model.safetensors.index.json (its
// weight_map's files); or a directory (its index if it has one, else its *.safetensors, sorted).
Result<std::vector<std::string>> ResolveShards(const std::string& local_path);
// The shard file names (sorted, each once) an index's weight_map names; `index_name` names it in
// errors. A name with a '/' is refused: shards live beside their index.
Result<std::vector<std::string>> ShardsOfIndex(std::string_view index_json,
                                               std::string_view index_name);
// A model's index file, as Hugging Face names it.
inline constexpr std::string_view kShardIndexName = "model.safetensors.index.json";
// Indexes are a few MiB at most; this bounds what a bad one makes us allocate.
inline constexpr uint64_t kMaxShardIndexBytes = 64ULL << 20;

class Loader {
 public:
  explicit Loader(LoaderOptions options = {});

  const LoaderOptions& options() const { return options_; }

  // Local files: a file, an index, or a directory (see ResolveShards).
  Result<std::vector<LoadedFile>> LoadLocal(const std::string& path, Device device = {});
  Result<std::vector<LoadedFile>> LoadLocalFiles(const std::vector<std::string>& paths,
                                                 Device device = {});
  // Any sources (files of a volume: load/volume_source.h), onto `device`.
  Result<std::vector<LoadedFile>> Load(std::vector<std::unique_ptr<ByteSource>> sources,
                                       Device device = {});

 private:
  LoaderOptions options_;
  ThreadPool pool_;
};

}  // namespace strata::load
