#!/usr/bin/env bash
# Benchmark (not a test): loading a generated safetensors model into host memory, against `cat`
# of the same files, one numpy.fromfile per file (the simplest load that lands the bytes in new
# memory), a plain Python loader (f.read() + torch.frombuffer) and, where installed,
# safetensors.torch.load_file; Strata both as the C++ Loader (build/load_files) and as the Python
# strata.load_file. Warm page cache, then cold (caches dropped, root only). Median of REPS.
# With a CUDA GPU (torch.cuda.is_available()), also: strata.load_file(device="cuda") against
# safetensors.torch.load_file(device="cuda"), load to the host + .to("cuda"), and PyTorch's
# pinned host-to-device bandwidth.
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
export PYTHONPATH=$BUILD/python${PYTHONPATH:+:$PYTHONPATH}
HERE=$(dirname "$(realpath "$0")")
py_load() { $PY "$HERE/load_py.py" "$@" "$ROOT/model"; }  # prints its own seconds
drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }
rate() { echo "$bytes / $1 / 1000000" | bc -l; }
methods=(fromfile plain strata)
$PY -c 'import safetensors.torch' 2>/dev/null && methods+=(safetensors)

for mode in warm cold; do
  if [ "$mode" = cold ] && ! drop 2>/dev/null; then
    echo "(cold: cannot drop caches here, skipped)"; continue
  fi
  declare -A t=()
  for _ in $(seq 1 "$REPS"); do
    [ "$mode" = cold ] && drop
    t[cat]+=" $(seconds cat "${files[@]}")"
    [ "$mode" = cold ] && drop
    t[loader]+=" $(seconds "$BUILD/load_files" "$ROOT/model")"
    for m in "${methods[@]}"; do
      [ "$mode" = cold ] && drop
      t[$m]+=" $(py_load "$m")"
    done
  done
  c=$(median ${t[cat]}); n=$(median ${t[fromfile]})
  echo "$mode:"
  for m in cat fromfile plain safetensors loader strata; do
    [ -n "${t[$m]:-}" ] || continue
    v=$(median ${t[$m]})
    printf '  %-22s %6.2fs %6.0f MB/s   numpy.fromfile/this %.2f\n' \
      "$m" "$v" "$(rate "$v")" "$(echo "$n / $v" | bc -l)"
  done
  unset t
done
echo "(loader = the C++ load::Loader, build/load_files; strata = strata.load_file from Python;"
echo " numpy.fromfile/this > 1: faster than numpy.fromfile)"

# The GPU: page cache warm, against PyTorch's own pinned host-to-device bandwidth.
if $PY -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  gpu=$($PY -c 'import torch; print(torch.cuda.get_device_name(0))')
  h2d=$(py_load h2d cuda)
  echo "gpu: $gpu, pinned H2D $(printf '%.1f' "$(echo "$h2d / 1000000000" | bc -l)") GB/s (PyTorch)"
  gpu_methods=(strata to_cuda)
  $PY -c 'import safetensors.torch' 2>/dev/null && gpu_methods+=(safetensors)
  for m in "${gpu_methods[@]}"; do
    ts=(); for _ in $(seq 1 "$REPS"); do ts+=("$(py_load "$m" cuda)"); done
    v=$(median "${ts[@]}")
    printf '  %-22s %6.2fs %6.0f MB/s   of pinned H2D %.2f\n' "$m -> cuda" "$v" "$(rate "$v")" \
      "$(echo "$bytes / $v / $h2d" | bc -l)"
  done
else
  echo "gpu: none here (torch.cuda.is_available() is false); GPU rows skipped"
fi
