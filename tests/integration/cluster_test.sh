#!/usr/bin/env bash
# Issue 5 as a cluster on one machine (tests/support/cluster_env.sh): three network namespaces
# ("nodes") each running `strata cache-node` and mounting the volume, with the metadata in
# PostgreSQL and the chunks in the S3 server behind a shaped, counted object-store link.
# Shows: a file written through node 1's mount read whole through nodes 2 and 3; a model
# prefetched on all three nodes at once crossing the object-store link once; a cache node killed
# mid-read costing no read; a client with a wrong secret refused by every node.
# Needs root, /dev/fuse, `ip`, and the S3 and PostgreSQL fixtures.
# Usage: cluster_test.sh PATH/TO/strata [MODEL_MIB]
set -euo pipefail

STRATA=$(realpath "${1:?usage: cluster_test.sh PATH/TO/strata [MODEL_MIB]}")
MODEL_MIB=${2:-512}
HERE=$(dirname "$(realpath "$0")")
# shellcheck source=assertions.sh
source "$HERE/assertions.sh"
# shellcheck source=../support/cluster_env.sh
source "$HERE/../support/cluster_env.sh"
: "${STRATA_TEST_S3_ENV:?needs the S3 fixture}" "${STRATA_TEST_PG_ENV:?needs the PostgreSQL fixture}"
WORK=$(mktemp -d)
trap 'cluster_down; rm -rf "$WORK"' EXIT
cd "$WORK"
unset STRATA_HOME STRATA_CACHE_DIR STRATA_PEERS STRATA_SECRET_FILE

cluster_up 3 5 100 400
export STRATA_META; STRATA_META=$(cluster_new_database "cluster_$$")
export STRATA_STORE="$STORE_URL_PREFIX/cluster-$$?endpoint=$STORE_ENDPOINT&region=us-east-1"
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
openssl rand -hex 32 >secret
echo "not-the-cluster-secret-at-all" >wrong
PEERS="${NODE_IP[1]}:7070,${NODE_IP[2]}:7070,${NODE_IP[3]}:7070"
NODE_PID=()
start_cache_node() {  # I
  on_node "$1" env STRATA_HOME="$WORK/home$1" "$STRATA" cache-node --listen "${NODE_IP[$1]}:7070" \
    --cache-dir "$WORK/cache$1" --secret-file secret >"node$1.log" 2>&1 &
  NODE_PID[$1]=$!
  for _ in $(seq 100); do grep -q serving "node$1.log" && return; sleep 0.1; done
  fail "cache node $1 did not start: $(cat "node$1.log")"
}
# node_sh I SCRIPT: SCRIPT in node I's namespace (and its own mount namespace: a mount made there
# is seen only by that script), with $S a strata client of that node (its cache is the node's,
# shared with its cache node) and $M a mount point.
node_sh() {
  mkdir -p "$WORK/mnt$1"
  on_node "$1" env S="$STRATA --peers $PEERS --secret-file $WORK/secret --cache-dir $WORK/cache$1" \
    STRATA_HOME="$WORK/home$1" M="$WORK/mnt$1" bash -c "$2"
}
for i in 1 2 3; do start_cache_node "$i"; done
check "volume create" on_node 1 "$STRATA" volume create w

# --- written on node 1, read whole on nodes 2 and 3 ------------------------------------------------
head -c 9000001 /dev/urandom >small.bin
check "write through node 1's mount" node_sh 1 '$S mount w "$M" && cp small.bin "$M/small.bin" && $S umount "$M"'
for i in 2 3; do
  check "read whole through node $i's mount" node_sh "$i" '$S mount w "$M" && cmp small.bin "$M/small.bin"; r=$?; $S umount "$M"; exit $r'
done

# --- a model prefetched on three nodes at once crosses the store link once ---------------------------
head -c $((MODEL_MIB << 20)) /dev/urandom >model.bin
check "put the model from node 1" node_sh 1 '$S put w model.bin /models/m/model.bin'
before=$(link_bytes)
prefetchers=()
for i in 1 2 3; do
  node_sh "$i" '$S prefetch w /models/m' >"prefetch$i.log" 2>&1 &
  prefetchers+=($!)
done
ok=1; for p in "${prefetchers[@]}"; do wait "$p" || ok=0; done
[ "$ok" = 1 ] && pass || fail "prefetch on every node: $(cat prefetch*.log)"
egress=$(( $(link_bytes) - before ))
size=$((MODEL_MIB << 20))
if [ "$egress" -ge "$size" ] && [ "$egress" -lt $((size + size / 50)) ]; then pass; else
  fail "store egress for 3 nodes was $egress bytes for a $size-byte model"
fi
echo "cluster: 3 nodes prefetched $size bytes at once; the store link carried $egress bytes ($(awk "BEGIN {printf \"%.3f\", $egress / $size}")x)"
for i in 2 3; do
  check "node $i reads the model through its mount" node_sh "$i" '$S mount w "$M" && cmp model.bin "$M/models/m/model.bin"; r=$?; $S umount "$M"; exit $r'
done

# --- a cache node killed mid-read -----------------------------------------------------------------------
rm -rf "$WORK/cache3"/chunks/*   # node 3 forgets its copy: it must read through its peers
node_sh 3 '$S mount w "$M" && cmp model.bin "$M/models/m/model.bin"; r=$?; $S umount "$M"; exit $r' >read3.log 2>&1 &
reader=$!
sleep 0.5
pkill -9 -f "cache-node --listen ${NODE_IP[2]}:7070"
if wait "$reader"; then pass; else fail "a read while cache node 2 died: $(cat read3.log)"; fi
out=$(node_sh 1 '$S cache-node status')
echo "$out" | grep -q "${NODE_IP[2]}:7070 *down" && pass || fail "status shows node 2 down: $out"
start_cache_node 2

# --- a wrong secret is refused ----------------------------------------------------------------------------
rm -rf "$WORK/cache-wrong"
check "a client with a wrong secret reads right (from the store)" on_node 3 env STRATA_HOME="$WORK/home3" \
  "$STRATA" --peers "$PEERS" --secret-file wrong --cache-dir "$WORK/cache-wrong" get w /small.bin "$WORK/small-wrong.bin"
check "bytes" cmp small.bin small-wrong.bin
refused=$(node_sh 1 '$S cache-node status --json' | /usr/bin/python3 -c \
  'import json,sys; print(sum((json.loads(l)["status"] or {}).get("refused", 0) for l in sys.stdin))')
[ "$refused" -gt 0 ] && pass || fail "no node refused the wrong secret"

# The chunks go back (the S3 server of the tests keeps everything in memory).
check "volume delete" on_node 1 "$STRATA" volume delete w
check "gc" on_node 1 env STRATA_HOME="$WORK/home1" "$STRATA" gc --grace 0

report cluster
