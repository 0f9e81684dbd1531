#!/usr/bin/env bash
# Crash test (issue 7): `strata put` of a directory killed with SIGKILL at random points, over and
# over, each kill followed by `strata fsck` and a full read-back. Every file visible in the volume
# must be exactly its old or its new version (0 partial files), every read must verify (0 corrupt
# reads), and fsck must be clean apart from orphans, which a final `gc` reclaims.
# Usage: crash_put_test.sh PATH/TO/strata [ITERATIONS]      (seed: env STRATA_TEST_SEED;
#        env STRATA_TEST_S3_ENV: run on that S3 server, see store_env.sh)
set -euo pipefail

STRATA=$(realpath "${1:?usage: crash_put_test.sh PATH/TO/strata [ITERATIONS]}")
ITERATIONS=${2:-100}
SEED=${STRATA_TEST_SEED:-$$}
RANDOM=$SEED
echo "crash_put: seed $SEED (STRATA_TEST_SEED=$SEED replays it), $ITERATIONS iterations"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export STRATA_HOME="$WORK/home"
# shellcheck source=store_env.sh
source "$(dirname "$(realpath "$0")")/store_env.sh"
use_test_store crash_put
cd "$WORK"

failures=0
fail() { failures=$((failures + 1)); echo "FAIL: $*" >&2; }

"$STRATA" volume create w --chunk-size 256K >/dev/null
mkdir -p src/nested
# Every version a file ever had in src/ is remembered (by hash): after a kill, a file in the
# volume must be one of them, whole: the last one committed, whichever round that was.
remember() { local h; h=$(sha256sum <"$1" | cut -c1-64); mkdir -p "versions/${1#src/}" && : >"versions/${1#src/}/$h"; }
known_version() { local h; h=$(sha256sum <"$1" | cut -c1-64); [ -e "versions/$2/$h" ]; }
write_random() { head -c $((RANDOM * 100 % 3000000)) /dev/urandom >"$1"; remember "$1"; }
for i in $(seq 1 10); do write_random "src/f$i.bin"; done
write_random src/nested/deep.bin
echo '{"v": 0}' >src/config.json
remember src/config.json
ln -s config.json src/link.json

# Kill points are spread over the length of a whole put, measured here.
start=$(date +%s%N)
"$STRATA" put w src /m >/dev/null
put_ms=$((($(date +%s%N) - start) / 1000000 + 1))
echo "crash_put: a full put takes ${put_ms} ms; kills land uniformly in its first three quarters"

kills=0 interrupted=0 partial=0 corrupt=0
for it in $(seq 1 "$ITERATIONS"); do
  for _ in 1 2 3; do write_random "src/f$((RANDOM % 10 + 1)).bin"; done
  echo "{\"v\": $it}" >src/config.json
  remember src/config.json

  "$STRATA" --threads 4 put w src /m >/dev/null 2>&1 &
  pid=$!
  delay_ms=$((RANDOM % (put_ms * 3 / 4 + 1)))  # most kills land while the put runs
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  if kill -9 "$pid" 2>/dev/null; then interrupted=$((interrupted + 1)); fi
  wait "$pid" 2>/dev/null || true
  kills=$((kills + 1))

  if ! "$STRATA" fsck >fsck.txt 2>&1; then
    fail "iteration $it: fsck is not clean: $(grep -v '^fsck: [0-9]' fsck.txt | head -3)"
  fi
  rm -rf out
  if ! "$STRATA" get w /m out >/dev/null 2>get.err; then
    if grep -qiE 'corrupt|does not match|missing' get.err; then corrupt=$((corrupt + 1)); fi
    # Nothing visible yet is fine on the first round; anything else is a failed read.
    grep -q 'no such file' get.err || fail "iteration $it: get failed: $(cat get.err)"
    continue
  fi
  for f in out/*.bin out/nested/*.bin out/config.json; do
    [ -e "$f" ] || continue
    rel=${f#out/}
    if ! known_version "$f" "$rel"; then
      partial=$((partial + 1))
      fail "iteration $it: $rel is not any version the file ever had (partial or mixed)"
    fi
  done
  if [ -L out/link.json ] && [ "$(readlink out/link.json)" != config.json ]; then
    fail "iteration $it: link.json has a wrong target"
  fi
done

# A put that finishes, then gc reclaims what the interrupted ones left.
"$STRATA" put w src /m >/dev/null
"$STRATA" get w /m final >/dev/null
diff -r src final >/dev/null || fail "the final put does not read back identically"
before=$("$STRATA" fsck | sed -n 's/^fsck: \([0-9]*\) orphan chunks.*/\1/p')
"$STRATA" gc --grace 0 >/dev/null
after=$("$STRATA" fsck | sed -n 's/^fsck: \([0-9]*\) orphan chunks.*/\1/p')
[ "$after" = 0 ] || fail "gc left $after orphans"
"$STRATA" fsck --deep >/dev/null || fail "the final deep fsck is not clean"
grep -q ' 0 leftover temporaries' <("$STRATA" fsck) || fail "temporaries remain after gc"

echo "crash_put: $kills kills ($interrupted mid-put), $partial partial files, $corrupt corrupt reads, $before orphans reclaimed by gc"
echo "crash_put: $((kills - failures > 0 ? kills - failures : 0)) passed, $failures failed"
[ "$failures" -eq 0 ]
