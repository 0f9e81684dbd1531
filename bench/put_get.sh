#!/usr/bin/env bash
# Benchmark (not a test): `strata put` and `strata get` against `cp` of the same bytes on the same
# disk, measured in one run, median of REPS repetitions; prints ratios (lower is better).
#   Data: one 1 GiB file, and a directory of 8 x 128 MiB files (generated, incompressible).
#   put: fresh volume each repetition, so every chunk is hashed and written (and fsynced: the
#        store's durability contract), vs `cp -r` (no fsync) and `cp -r && sync`.
#   get: volume -> fresh local directory, vs `cp -r` of the source.
#   The source files are in the page cache for every method alike (generated just before); with
#   DROP_CACHES=1 (root) caches are dropped before each timed command instead.
# Usage: bench/put_get.sh PATH/TO/strata [REPS]     (env BENCH_DIR: where to put the data)
set -euo pipefail

STRATA=$(realpath "${1:?usage: put_get.sh PATH/TO/strata [REPS]}")
REPS=${2:-3}
BUILD_DIR=$(dirname "$STRATA")
ROOT=$(mktemp -d "${BENCH_DIR:-/var/tmp}/strata-bench-XXXXXX")
trap 'rm -rf "$ROOT"' EXIT
export STRATA_HOME="$ROOT/home"

echo "== strata put/get vs cp: $(nproc) cores, $(df -h "$ROOT" | awk 'NR==2 {print $1}'), reps=$REPS"
[ -x "$BUILD_DIR/sha256_throughput" ] && "$BUILD_DIR/sha256_throughput" 1

mkdir -p "$ROOT/data/one" "$ROOT/data/dir"
head -c $((1 << 30)) /dev/urandom >"$ROOT/data/one/big.bin"
for i in $(seq 1 8); do head -c $((128 << 20)) /dev/urandom >"$ROOT/data/dir/shard-$i.bin"; done
sync

settle() {
  sync
  if [ "${DROP_CACHES:-0}" = 1 ]; then echo 3 >/proc/sys/vm/drop_caches; fi
}
# seconds COMMAND...: wall time of one run.
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }

results=()
for case in one dir; do
  src="$ROOT/data/$case"
  bytes=$(du -sb "$src" | awk '{print $1}')
  cp_t=(); cps_t=(); put_t=(); get_t=()
  for rep in $(seq 1 "$REPS"); do
    rm -rf "$ROOT/cp" "$STRATA_HOME" "$ROOT/got"; settle
    cp_t+=("$(seconds cp -r "$src" "$ROOT/cp")")
    rm -rf "$ROOT/cp"; settle
    cps_t+=("$(seconds bash -c "cp -r '$src' '$ROOT/cp' && sync")")
    rm -rf "$ROOT/cp"
    "$STRATA" volume create bench >/dev/null; settle
    put_t+=("$(seconds "$STRATA" put bench "$src" /data)")
    settle
    get_t+=("$(seconds "$STRATA" get bench /data "$ROOT/got")")
    cmp -s "$src/$(ls "$src" | head -1)" "$ROOT/got/$(ls "$src" | head -1)" || { echo "get: bytes differ" >&2; exit 1; }
  done
  cp_m=$(median "${cp_t[@]}"); cps_m=$(median "${cps_t[@]}")
  put_m=$(median "${put_t[@]}"); get_m=$(median "${get_t[@]}")
  mbs() { echo "scale=0; $bytes / $1 / 1000000" | bc -l; }
  name=$([ "$case" = one ] && echo "1 x 1 GiB" || echo "8 x 128 MiB")
  printf '\n%s (%s bytes), median of %s:\n' "$name" "$bytes" "$REPS"
  printf '  cp -r          %6.2fs  %5s MB/s\n' "$cp_m" "$(mbs "$cp_m")"
  printf '  cp -r && sync  %6.2fs  %5s MB/s\n' "$cps_m" "$(mbs "$cps_m")"
  printf '  strata put     %6.2fs  %5s MB/s   put/cp = %s   put/(cp+sync) = %s   (target <= 2)\n' \
    "$put_m" "$(mbs "$put_m")" "$(ratio "$put_m" "$cp_m")" "$(ratio "$put_m" "$cps_m")"
  printf '  strata get     %6.2fs  %5s MB/s   get/cp = %s   (target <= 1.5)\n' \
    "$get_m" "$(mbs "$get_m")" "$(ratio "$get_m" "$cp_m")"
done
