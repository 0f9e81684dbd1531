// Loads safetensors files (a file, a directory of shards, or an index) with load::Loader and
// prints the time and rate. Usage: load_files PATH [threads] [read_bytes]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "load/loader.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: load_files PATH [threads] [read_bytes]\n");
    return 2;
  }
  strata::load::LoaderOptions options;
  if (argc > 2) options.threads = std::strtoull(argv[2], nullptr, 10);
  if (argc > 3) options.read_bytes = std::strtoull(argv[3], nullptr, 10);
  strata::load::Loader loader(options);
  auto start = std::chrono::steady_clock::now();
  auto files = loader.LoadLocal(argv[1]);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!files.ok()) {
    std::fprintf(stderr, "load_files: %s\n", files.status().ToString().c_str());
    return 1;
  }
  uint64_t bytes = 0;
  size_t tensors = 0;
  for (const auto& f : *files) {
    bytes += f.header().data_offset + f.header().data_bytes;
    tensors += f.header().tensors.size();
  }
  std::printf("%.3f s  %.0f MB/s  %zu files  %zu tensors  %llu bytes\n", seconds,
              static_cast<double>(bytes) / seconds / 1e6, files->size(), tensors,
              static_cast<unsigned long long>(bytes));
  return 0;
}
