#!/usr/bin/env bash
# Issue 5: N = 1, 2, 3 nodes cold-starting the same model at once, with and without peers.
#
#   bash bench/cluster.sh [PATH/TO/strata] [MODEL_MIB]
#
# A datacenter on one machine (tests/support/cluster_env.sh): N network-namespace nodes; the
# chunks in radosgw behind a shaped object-store link of LATENCY_MS (15) to first byte,
# PER_CONN_MBPS (80) per connection, TOTAL_MBPS (400) in all, which counts the bytes it carries;
# the metadata in PostgreSQL. A model of MODEL_MIB (2048) in one file, put once. For each N:
#   peers     every node runs `strata cache-node`; all N run `strata prefetch --peers` at once
#   alone     the same without peers: each node fetches everything from the store
# Each run starts with every cache empty. Prints store egress (in model sizes) and the time until
# every node holds the whole model; targets: egress 1x for any N with peers, time to ready for N
# nodes <= 1.3x the time for one.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STRATA=$(realpath "${1:-$ROOT/build/strata}")
MODEL_MIB=${2:-2048}
LATENCY_MS=${LATENCY_MS:-15}
PER_CONN_MBPS=${PER_CONN_MBPS:-80}
TOTAL_MBPS=${TOTAL_MBPS:-400}

W=$(mktemp -d /var/tmp/strata-cluster.XXXXXX)

trap 'cluster_down 2>/dev/null || true; bash "$ROOT/tests/support/s3_server.sh" stop "$W/s3" >/dev/null 2>&1 || true;
      bash "$ROOT/tests/support/pg_server.sh" stop "$W/pg" >/dev/null 2>&1 || true; rm -rf "$W"' EXIT
bash "$ROOT/tests/support/s3_server.sh" start "$W/s3" $(( (MODEL_MIB + 2048) << 20 )) >/dev/null
bash "$ROOT/tests/support/pg_server.sh" start "$W/pg" >/dev/null
export STRATA_TEST_S3_ENV="$W/s3/env" STRATA_TEST_PG_ENV="$W/pg/env"
# shellcheck source=../tests/support/cluster_env.sh
source "$ROOT/tests/support/cluster_env.sh"
cluster_up 3 "$LATENCY_MS" "$PER_CONN_MBPS" "$TOTAL_MBPS"
export STRATA_META; STRATA_META=$(cluster_new_database bench)
export STRATA_STORE="$STORE_URL_PREFIX/bench?endpoint=$STORE_ENDPOINT&region=us-east-1"
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
openssl rand -hex 32 >"$W/secret"
head -c $((MODEL_MIB << 20)) /dev/urandom >"$W/model.bin"
on_node 1 env STRATA_HOME="$W/home" "$STRATA" volume create w >/dev/null
on_node 1 env STRATA_HOME="$W/home" "$STRATA" --cache-dir "$W/put-cache" put w "$W/model.bin" /m/model.bin >/dev/null
size=$((MODEL_MIB << 20))
now() { date +%s.%N; }

run() {  # N MODE → "seconds egress_bytes"
  local n=$1 mode=$2 peers="" args=() pids=()
  for i in $(seq 1 "$n"); do rm -rf "$W/cache$i"; peers+="${peers:+,}${NODE_IP[$i]}:7070"; done
  if [ "$mode" = peers ]; then
    for i in $(seq 1 "$n"); do
      on_node "$i" env STRATA_HOME="$W/home$i" "$STRATA" cache-node --listen "${NODE_IP[$i]}:7070" \
        --cache-dir "$W/cache$i" --secret-file "$W/secret" >"$W/node$i.log" 2>&1 &
    done
    for i in $(seq 1 "$n"); do until grep -q serving "$W/node$i.log" 2>/dev/null; do sleep 0.1; done; done
    args=(--peers "$peers" --secret-file "$W/secret")
  fi
  local before t0 t1
  before=$(link_bytes)
  t0=$(now)
  for i in $(seq 1 "$n"); do
    on_node "$i" env STRATA_HOME="$W/home$i" "$STRATA" "${args[@]}" --cache-dir "$W/cache$i" \
      prefetch w /m >/dev/null &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  t1=$(now)
  sleep 0.3  # the link's counter is written every 0.1 s
  echo "$(awk "BEGIN {print $t1 - $t0}") $(( $(link_bytes) - before ))"
  pkill -9 -f "strata cache-node --listen 10.77.$CLUSTER_ID" 2>/dev/null || true
  while pgrep -f "strata cache-node --listen 10.77.$CLUSTER_ID" >/dev/null; do sleep 0.1; done
}

printf 'model %d MiB; link: %s ms, %s MB/s per connection, %s MB/s in all\n' "$MODEL_MIB" \
  "$LATENCY_MS" "$PER_CONN_MBPS" "$TOTAL_MBPS"
printf '%-3s %-6s %9s %14s %16s\n' N mode seconds "store egress" "vs N=1 (time)"
declare -A T
for mode in peers alone; do
  for n in 1 2 3; do
    read -r seconds egress < <(run "$n" "$mode")
    T[$mode$n]=$seconds
    printf '%-3s %-6s %9.2f %12.2fx %15.2fx\n' "$n" "$mode" "$seconds" \
      "$(awk "BEGIN {print $egress / $size}")" "$(awk "BEGIN {print $seconds / ${T[${mode}1]}}")"
  done
done
