#!/usr/bin/env bash
# Cache nodes on loopback (issue 5): three `strata cache-node`s and clients with --peers, over
# the S3 server and PostgreSQL when their fixtures are there (tests/integration/store_env.sh).
# Shows: three clients prefetching one file at once make each chunk leave the store once; bytes
# are right through the peers; a node killed mid-read costs nothing but time; a client with a
# wrong secret is refused by every node (and still reads right, from the store); unsigned
# requests get 401. (The network-namespace cluster with mounts on three "hosts" is
# the next step of issue 5.)
# Usage: cache_nodes_test.sh PATH/TO/strata
set -euo pipefail

STRATA=$(realpath "${1:?usage: cache_nodes_test.sh PATH/TO/strata}")
HERE=$(dirname "$(realpath "$0")")
# shellcheck source=assertions.sh
source "$HERE/assertions.sh"
# shellcheck source=store_env.sh
source "$HERE/store_env.sh"
WORK=$(mktemp -d)
NODE_PIDS=()
cleanup() {
  for p in "${NODE_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
export STRATA_HOME="$WORK/home"
cd "$WORK"
use_test_store cache_nodes

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
openssl rand -hex 32 >secret
echo "a-different-secret-of-enough-length" >wrong
PORTS=()
start_node() {  # INDEX
  "$STRATA" cache-node --listen "127.0.0.1:${PORTS[$1]}" --cache-dir "$WORK/node$1" \
    --secret-file secret >"node$1.log" 2>&1 &
  NODE_PIDS[$1]=$!
  for _ in $(seq 100); do grep -q "serving" "node$1.log" && return; sleep 0.1; done
  fail "node $1 did not start: $(cat "node$1.log")"
}
for i in 0 1 2; do PORTS[$i]=$(free_port); start_node "$i"; done
PEERS="127.0.0.1:${PORTS[0]},127.0.0.1:${PORTS[1]},127.0.0.1:${PORTS[2]}"
client() {  # NAME ARGS…: strata as a client node with its own cache
  local name=$1; shift
  "$STRATA" --peers "$PEERS" --secret-file secret --cache-dir "$WORK/client-$name" "$@"
}
from_store() {  # bytes all nodes fetched from the object store
  "$STRATA" cache-node status --json --peers "$PEERS" --secret-file secret | /usr/bin/python3 -c '
import json, sys
total = 0
for line in sys.stdin:
    peer = json.loads(line)
    for tier in (peer["status"] or {}).get("tiers", []):
        if tier["tier"] == "store":
            total += tier["fetched_bytes"]
print(total)'
}

# --- a model written once, prefetched by three clients at once -----------------------------------
head -c 50331651 /dev/urandom >model.bin   # 12 chunks + 3 bytes
head -c 100663296 /dev/urandom >big.bin
check "volume create" "$STRATA" volume create w
check "put" "$STRATA" put w model.bin /m/model.bin
check "put big" "$STRATA" put w big.bin /m/big.bin
for c in a b c; do client "$c" prefetch w /m/model.bin >"prefetch-$c.log" 2>&1 & done
wait %4 %5 %6 2>/dev/null || wait
same "the model left the store once" "50331651" "$(from_store)"
for c in a b c; do
  check "client $c reads the model right" cmp model.bin <(client "$c" cat w /m/model.bin)
done
same "reading it again fetched nothing more from the store" "50331651" "$(from_store)"

# --- a node killed mid-read ------------------------------------------------------------------------
client d get w /m/big.bin big-d.bin >get-d.log 2>&1 &
getter=$!
sleep 0.3
kill -9 "${NODE_PIDS[1]}"
if wait "$getter"; then pass; else fail "get with a node killed: $(cat get-d.log)"; fi
check "bytes right after a node died" cmp big.bin big-d.bin
out=$("$STRATA" cache-node status --peers "$PEERS" --secret-file secret)
echo "$out" | grep -q "127.0.0.1:${PORTS[1]} *down" && pass || fail "status shows the dead node: $out"
check "a read with a node down" cmp big.bin <(client e cat w /m/big.bin)
start_node 1

# --- authentication ---------------------------------------------------------------------------------
check "a client with a wrong secret still reads right (from the store)" \
  cmp model.bin <("$STRATA" --peers "$PEERS" --secret-file wrong --cache-dir "$WORK/client-w" cat w /m/model.bin)
refused=$("$STRATA" cache-node status --json --peers "$PEERS" --secret-file secret |
  /usr/bin/python3 -c 'import json,sys; print(sum((json.loads(l)["status"] or {}).get("refused", 0) for l in sys.stdin))')
[ "$refused" -gt 0 ] && pass || fail "the nodes refused the wrong secret ($refused refusals)"
same "unsigned request" "401" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORTS[0]}/v1/status")"
out=$("$STRATA" cache-node status --peers "$PEERS" --secret-file wrong)
[ "$(echo "$out" | grep -c "^127.0.0.1:.* refused$")" -eq 3 ] && pass || fail "status with a wrong secret: $out"
# M5, F4: a client without the secret holding many half-sent heads does not stop the peers;
# a second node on a port in use fails instead of sharing it.
/usr/bin/python3 - "${PORTS[0]}" <<'PY' &
import socket, sys, time
held = []
for _ in range(300):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"GET /v1/status HTTP/1.1\r\nX-Slow: ")
    held.append(s)
time.sleep(4)
PY
HOLDER=$!
sleep 1
check "the peers are served while 300 heads trickle" \
  cmp model.bin <(client held cat w /m/model.bin)
out=$("$STRATA" cache-node status --peers "$PEERS" --secret-file secret)
[ "$(echo "$out" | grep -c " up")" -eq 3 ] && pass || fail "status while heads are held: $out"
wait "$HOLDER" || true
refuse "a second node on a port in use" "in use" \
  "$STRATA" cache-node --listen "127.0.0.1:${PORTS[0]}" --cache-dir "$WORK/node-dup" --secret-file secret
refuse "peers without a secret" "needs --secret-file" "$STRATA" --peers "$PEERS" ls w /
refuse "a short secret" "shorter than 16" sh -c "echo short >short; '$STRATA' --peers '$PEERS' --secret-file short ls w /"
refuse "bad peers" "not host:port" "$STRATA" --peers "nohost" --secret-file secret ls w /

report cache_nodes
