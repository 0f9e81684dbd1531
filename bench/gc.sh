#!/usr/bin/env bash
# Benchmark (not a test): gc and fsck over a store of CHUNKS chunks (default 100,000) of which 10 %
# are orphans. Prints wall time and peak RSS of each command.
#   Data: volume chunk size 64 KiB; one file of 90 % of the chunks stays, one of 10 % is removed
#   (its chunks become orphans). Content is generated (AES-CTR keystream, incompressible).
# Usage: bench/gc.sh PATH/TO/strata [CHUNKS]       (env BENCH_DIR: where to put the data)
set -euo pipefail

STRATA=$(realpath "${1:?usage: gc.sh PATH/TO/strata [CHUNKS]}")
CHUNKS=${2:-100000}
ROOT=$(mktemp -d "${BENCH_DIR:-/var/tmp}/strata-gc-bench-XXXXXX")
trap 'rm -rf "$ROOT"' EXIT
export STRATA_HOME="$ROOT/home"
CHUNK=$((64 << 10))
keep=$((CHUNKS * 9 / 10))
orphan=$((CHUNKS - keep))

gen() {  # gen FILE CHUNKS SEED   (head closing the pipe ends openssl with SIGPIPE: expected)
  { openssl enc -aes-128-ctr -nosalt -pass "pass:$3" -pbkdf2 </dev/zero 2>/dev/null || true; } |
    head -c $(($2 * CHUNK)) >"$1"
}
echo "== gc/fsck: $CHUNKS chunks of 64 KiB ($((CHUNKS * CHUNK / 1048576)) MiB), $orphan orphans"
gen "$ROOT/keep.bin" "$keep" keep
gen "$ROOT/orphan.bin" "$orphan" orphan
"$STRATA" volume create bench --chunk-size 64K >/dev/null
"$STRATA" put bench "$ROOT/keep.bin" /keep.bin
"$STRATA" put bench "$ROOT/orphan.bin" /orphan.bin
rm -f "$ROOT"/*.bin
"$STRATA" rm bench /orphan.bin
sync

measure() {  # measure LABEL COMMAND...
  local label=$1 out
  shift
  out=$({ /usr/bin/time -f '%e %M' "$@" >/dev/null; } 2>&1 | tail -1)
  printf '  %-28s %7.2f s   peak RSS %6d MiB\n' "$label" "${out% *}" $((${out#* } / 1024))
}
measure "fsck" "$STRATA" fsck
measure "gc --dry-run --grace 0" "$STRATA" gc --dry-run --grace 0
measure "gc --grace 0 (deletes)" "$STRATA" gc --grace 0
measure "gc --grace 0 (nothing to do)" "$STRATA" gc --grace 0
measure "fsck --deep" "$STRATA" fsck --deep
"$STRATA" fsck | tail -2
