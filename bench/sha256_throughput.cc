// Prints SHA-256 throughput of ChunkId::Of on one core, for 4 MiB chunks: the ceiling a put's
// hashing sets per core. Usage: sha256_throughput [seconds]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/chunk_id.h"

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  std::vector<uint8_t> chunk(4 << 20);
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<uint8_t>(i * 2654435761u >> 24);
  auto start = std::chrono::steady_clock::now();
  size_t bytes = 0;
  double elapsed = 0;
  uint8_t sink = 0;
  while (elapsed < seconds) {
    sink ^= strata::ChunkId::Of(chunk).bytes()[0];
    chunk[0] = sink;
    bytes += chunk.size();
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::printf("sha256: %.2f GB/s on one core (4 MiB chunks, %.1f s)\n", bytes / elapsed / 1e9,
              elapsed);
  return 0;
}
