#!/usr/bin/env bash
# Crash test (issues 6 and 7): `strata serve` killed with SIGKILL at random points while
# `strata put … http://server/…` sends a directory through resumable multipart uploads, over and
# over. After each kill the server restarts on the same port and fsck must be clean; every file
# visible must be exactly one of its versions (0 partial files) and read verified (0 corrupt
# reads); an interrupted put run again resumes its sessions. At the end a put completes, the
# sessions it abandoned expire, and gc reclaims every orphan.
# Usage: crash_server_test.sh PATH/TO/strata [ITERATIONS]      (seed: env STRATA_TEST_SEED)
set -euo pipefail

STRATA=$(realpath "${1:?usage: crash_server_test.sh PATH/TO/strata [ITERATIONS]}")
ITERATIONS=${2:-20}
SEED=${STRATA_TEST_SEED:-$$}
RANDOM=$SEED
echo "crash_server: seed $SEED (STRATA_TEST_SEED=$SEED replays it), $ITERATIONS iterations"
WORK=$(mktemp -d)
SERVER_PID=
trap '[ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
export STRATA_HOME="$WORK/home"
unset STRATA_META STRATA_STORE STRATA_PEERS
cd "$WORK"

# Long enough that no session of a put in progress expires under it on a slow machine (3 s did,
# under ASan on 2 cores), short enough that the abandoned ones expire by the end of the test.
UPLOAD_TTL_S=20
failures=0
fail() { failures=$((failures + 1)); echo "FAIL: $*" >&2; }

"$STRATA" volume create w --chunk-size 256K >/dev/null
export STRATA_TOKEN
STRATA_TOKEN=$("$STRATA" token create --volume w 2>/dev/null)
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_server() {
  "$STRATA" serve --listen "127.0.0.1:$PORT" --upload-ttl "${UPLOAD_TTL_S}s" >>serve.log 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return; sleep 0.05; done
  echo "the server did not start: $(tail -3 serve.log)" >&2; exit 1
}
# The client keeps its session ids apart from the server's home.
put() { STRATA_HOME="$WORK/client" "$STRATA" put w src "http://127.0.0.1:$PORT/m" --part-size 1M "$@"; }

mkdir -p src/nested
remember() { local h; h=$(sha256sum <"$1" | cut -c1-64); mkdir -p "versions/${1#src/}" && : >"versions/${1#src/}/$h"; }
known_version() { local h; h=$(sha256sum <"$1" | cut -c1-64); [ -e "versions/$2/$h" ]; }
write_random() { head -c $((RANDOM * 150 % 5000000)) /dev/urandom >"$1"; remember "$1"; }
for i in $(seq 1 6); do write_random "src/f$i.bin"; done
write_random src/nested/deep.bin

start_server
start=$(date +%s%N)
put >/dev/null
put_ms=$((($(date +%s%N) - start) / 1000000 + 1))
echo "crash_server: a full put takes ${put_ms} ms; kills land uniformly in it"

last_round_ns=$(date +%s%N)
kills=0 interrupted=0 partial=0 corrupt=0 resumed=0
for it in $(seq 1 "$ITERATIONS"); do
  # Half the rounds change files (new sessions); the others resume the last round's.
  if [ $((it % 2)) = 1 ]; then
    for _ in 1 2; do write_random "src/f$((RANDOM % 6 + 1)).bin"; done
  fi
  last_round_ns=$(date +%s%N)
  put >put.log 2>&1 &
  client=$!
  delay_ms=$((RANDOM % (put_ms + 1)))
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -9 "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  kills=$((kills + 1))
  if wait "$client"; then :; else interrupted=$((interrupted + 1)); fi
  grep -qE "resumed: [0-9]+ parts" put.log && resumed=$((resumed + 1))

  if ! "$STRATA" fsck >fsck.txt 2>&1; then
    fail "iteration $it: fsck is not clean: $(grep -v '^fsck: [0-9]' fsck.txt | head -3)"
  fi
  rm -rf out
  if ! "$STRATA" get w /m out >/dev/null 2>get.err; then
    if grep -qiE 'corrupt|does not match|missing' get.err; then corrupt=$((corrupt + 1)); fi
    fail "iteration $it: get failed: $(cat get.err)"
  fi
  for f in out/*.bin out/nested/*.bin; do
    [ -e "$f" ] || continue
    if ! known_version "$f" "${f#out/}"; then
      partial=$((partial + 1))
      fail "iteration $it: ${f#out/} is not any version the file ever had (partial or mixed)"
    fi
  done
  start_server
done

put >put.log 2>&1 || fail "the final put: $(cat put.log)"
"$STRATA" get w /m final >/dev/null
diff -r src final >/dev/null || fail "the final put does not read back identically"
# Every abandoned session expires: the last was made at the start of the last round, at most.
left_ms=$(((last_round_ns - $(date +%s%N)) / 1000000 + UPLOAD_TTL_S * 1000 + 300))
[ "$left_ms" -gt 0 ] && sleep "$(printf '%d.%03d' $((left_ms / 1000)) $((left_ms % 1000)))"
before=$("$STRATA" fsck | sed -n 's/^fsck: \([0-9]*\) orphan chunks.*/\1/p')
gc_out=$("$STRATA" gc --grace 0)
after=$("$STRATA" fsck | sed -n 's/^fsck: \([0-9]*\) orphan chunks.*/\1/p')
[ "$after" = 0 ] || fail "gc left $after orphans"
"$STRATA" fsck --deep >/dev/null || fail "the final deep fsck is not clean"
sessions=$(echo "$gc_out" | sed -n 's/.*removed \([0-9]*\) expired upload sessions.*/\1/p')

echo "crash_server: $kills server kills ($interrupted puts interrupted, $resumed resumed a session), $partial partial files, $corrupt corrupt reads, ${sessions:-0} abandoned sessions expired, $before orphans reclaimed by gc"
echo "crash_server: $((kills - failures > 0 ? kills - failures : 0)) passed, $failures failed"
[ "$failures" -eq 0 ]
