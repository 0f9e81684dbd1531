#!/usr/bin/env bash
# Benchmark (not a test): loading a generated safetensors model into host memory, against `cat`
# of the same files and, where Debian's numpy is installed, one numpy.fromfile per file (the
# simplest load that lands the bytes in new memory). Warm page cache, then cold (caches dropped,
# root only). Median of REPS.
#   Model: SIZE_MIB (default 4096) in 4 shards plus one large tensor per shard.
# Usage: bench/load.sh BUILD_DIR [REPS] [SIZE_MIB]     (env BENCH_DIR: where to put the data)
set -euo pipefail

BUILD=$(realpath "${1:?usage: load.sh BUILD_DIR [REPS] [SIZE_MIB]}")
REPS=${2:-3}
SIZE_MIB=${3:-4096}
ROOT=$(mktemp -d "${BENCH_DIR:-/var/tmp}/strata-load-bench-XXXXXX")
trap 'rm -rf "$ROOT"' EXIT
PY=/usr/bin/python3

# The reference layout, written by a few lines of Python (no numpy needed).
$PY - "$ROOT/model" "$SIZE_MIB" <<'PYEOF'
import json, os, struct, sys
out, size_mib = sys.argv[1], int(sys.argv[2])
os.makedirs(out)
shards, shard_bytes = 4, size_mib * 2**20 // 4
weight_map = {}
for s in range(shards):
    big = shard_bytes // 2 // 4 * 4
    tensors, offset = {}, 0
    tensors[f"layer{s}.big"] = {"dtype": "F32", "shape": [big // 4], "data_offsets": [0, big]}
    offset = big
    small = 1 << 20
    i = 0
    while offset + small <= shard_bytes:
        tensors[f"layer{s}.w{i}"] = {"dtype": "BF16", "shape": [small // 2], "data_offsets": [offset, offset + small]}
        offset += small; i += 1
    header = json.dumps(tensors).encode()
    header += b" " * (-(8 + len(header)) % 8)
    name = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
    with open(os.path.join(out, name), "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header)
        left = offset
        while left:
            n = min(left, 64 << 20); f.write(os.urandom(n)); left -= n
    for t in tensors: weight_map[t] = name
json.dump({"metadata": {}, "weight_map": weight_map}, open(os.path.join(out, "model.safetensors.index.json"), "w"))
PYEOF
sync
files=("$ROOT"/model/*.safetensors)
bytes=$(cat "${files[@]}" | wc -c)
echo "== load: $((bytes / 1048576)) MiB in ${#files[@]} shards, reps=$REPS, $(nproc) cores"

seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
fromfile() { $PY -c 'import sys, numpy; [numpy.fromfile(p, dtype=numpy.uint8) for p in sys.argv[1:]]' "${files[@]}"; }
have_numpy=0; $PY -c 'import numpy' 2>/dev/null && have_numpy=1

for mode in warm cold; do
  if [ "$mode" = cold ] && ! { sync && echo 3 >/proc/sys/vm/drop_caches; } 2>/dev/null; then
    echo "(cold: cannot drop caches here, skipped)"; continue
  fi
  cat_t=(); np_t=(); st_t=()
  for _ in $(seq 1 "$REPS"); do
    [ "$mode" = cold ] && { sync; echo 3 >/proc/sys/vm/drop_caches; }
    cat_t+=("$(seconds cat "${files[@]}")")
    [ "$mode" = cold ] && { sync; echo 3 >/proc/sys/vm/drop_caches; }
    [ $have_numpy = 1 ] && np_t+=("$(seconds fromfile)")
    [ "$mode" = cold ] && { sync; echo 3 >/proc/sys/vm/drop_caches; }
    st_t+=("$(seconds "$BUILD/load_files" "$ROOT/model")")
  done
  c=$(median "${cat_t[@]}"); s=$(median "${st_t[@]}")
  printf '%s:\n  cat               %6.2fs  %5.0f MB/s\n' "$mode" "$c" "$(echo "$bytes / $c / 1000000" | bc -l)"
  if [ $have_numpy = 1 ]; then
    n=$(median "${np_t[@]}")
    printf '  numpy.fromfile    %6.2fs  %5.0f MB/s\n' "$n" "$(echo "$bytes / $n / 1000000" | bc -l)"
  fi
  printf '  strata Loader     %6.2fs  %5.0f MB/s   vs cat %.2fx' "$s" "$(echo "$bytes / $s / 1000000" | bc -l)" "$(echo "$c / $s" | bc -l)"
  [ $have_numpy = 1 ] && printf '   vs numpy.fromfile %.2fx' "$(echo "$n / $s" | bc -l)"
  printf '  (>1: faster)\n'
done
