#!/usr/bin/env bash
# Crash test of the mount (issues 4 and 7): a writer on a mount replaces files by "write a temp
# file, rename it over" and rewrites one file in place, while the FUSE daemon is killed with
# SIGKILL at a random moment. After each kill and a remount, every file must be exactly one of the
# versions it had (old or new, never torn), every read must verify, and fsck must be clean apart
# from orphans. Needs root and /dev/fuse.
# Usage: crash_mount_test.sh PATH/TO/strata [ITERATIONS]      (seed: env STRATA_TEST_SEED;
#        env STRATA_TEST_S3_ENV: run on that S3 server, see store_env.sh)
set -euo pipefail

STRATA=$(realpath "${1:?usage: crash_mount_test.sh PATH/TO/strata [ITERATIONS]}")
ITERATIONS=${2:-20}
SEED=${STRATA_TEST_SEED:-$$}
RANDOM=$SEED
echo "crash_mount: seed $SEED (STRATA_TEST_SEED=$SEED replays it), $ITERATIONS iterations"
WORK=$(mktemp -d)
M="$WORK/m"
WRITER=
cleanup() {
  [ -n "$WRITER" ] && kill "$WRITER" 2>/dev/null || true
  fusermount3 -uz "$M" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
export STRATA_HOME="$WORK/home"
# shellcheck source=store_env.sh
source "$(dirname "$(realpath "$0")")/store_env.sh"
use_test_store crash_mount
mkdir -p "$M"

failures=0
fail() { failures=$((failures + 1)); echo "FAIL: $*" >&2; }

"$STRATA" volume create w --chunk-size 64K >/dev/null

# A file's version k is the line "k" repeated to a size that depends on k (one to five chunks):
# whole iff every line is the same and the size is the one that number gives.
# One process, so that no child closes a copy of the file's descriptor early (a shell redirect
# would: every close publishes, so a crash could then show the truncated file a child's close
# published, which is right, but not what this test checks).
cat >"$WORK/writer.py" <<'EOF'
import os, sys
m, k = sys.argv[1], int(sys.argv[2])
def version(k):
    n = (k % 5 + 1) * 60000 + k % 7
    line = f"{k}\n".encode()
    return (line * (n // len(line) + 1))[:n]
while True:
    k += 1
    f = k % 4
    with open(f"{m}/.f{f}.tmp", "wb") as out:  # replace by rename
        out.write(version(k))
    os.rename(f"{m}/.f{f}.tmp", f"{m}/f{f}")
    with open(f"{m}/inplace", "wb") as out:    # rewrite in place (O_TRUNC)
        out.write(version(k))
EOF
is_whole() {  # FILE: exactly the version its first line names
  local first
  first=$(head -n1 "$1")
  [[ $first =~ ^[0-9]+$ ]] || return 1
  cmp -s "$1" <(yes "$first" | head -c $(( (first % 5 + 1) * 60000 + first % 7 )))
}

# Version 0 of every file, so that each has a whole version before the first kill.
"$STRATA" mount w "$M" >/dev/null
for f in f0 f1 f2 f3 inplace; do head -c 60000 <(yes 0) >"$M/$f"; done
"$STRATA" umount "$M"

kills=0 torn=0 checked=0
for it in $(seq 1 "$ITERATIONS"); do
  "$STRATA" mount w "$M" >/dev/null
  daemon=$(pgrep -f "strata mount w $M" | head -1)
  /usr/bin/python3 "$WORK/writer.py" "$M" $((it * 100000)) 2>/dev/null &
  WRITER=$!
  delay_ms=$((100 + RANDOM % 400))
  sleep "$(printf '0.%03d' "$delay_ms")"
  kill -9 "$daemon"
  kills=$((kills + 1))
  kill "$WRITER" 2>/dev/null || true
  wait "$WRITER" 2>/dev/null || true
  WRITER=
  fusermount3 -uz "$M"

  "$STRATA" mount w "$M" >/dev/null
  for f in "$M"/f0 "$M"/f1 "$M"/f2 "$M"/f3 "$M"/inplace; do
    checked=$((checked + 1))
    if ! is_whole "$f"; then
      torn=$((torn + 1))
      fail "iteration $it: $(basename "$f") is not one whole version ($(stat -c %s "$f") bytes, first line $(head -n1 "$f"))"
    fi
  done
  "$STRATA" umount "$M"
  if ! "$STRATA" fsck >"$WORK/fsck.txt" 2>&1; then
    fail "iteration $it: fsck is not clean: $(grep -v '^fsck: [0-9]' "$WORK/fsck.txt" | head -3)"
  fi
done

"$STRATA" gc --grace 0 >/dev/null
"$STRATA" fsck >"$WORK/fsck.txt" 2>&1 || fail "fsck after gc: $(cat "$WORK/fsck.txt")"
echo "crash_mount: $kills kills, $checked files checked after remounts, $torn torn, $failures failures"
[ "$failures" -eq 0 ] && [ "$checked" -gt 0 ]
