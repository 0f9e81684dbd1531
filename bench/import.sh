#!/usr/bin/env bash
# Issue 8: importing a model snapshot from a hub across an emulated network.
#
#   bash bench/import.sh [PATH/TO/strata] [SIZE_MIB] [SHARDS]
#
# Repository (generated): SHARDS (2) safetensors-sized LFS files of SIZE_MIB/SHARDS (2048 MiB in
# all) plus a config, a tokenizer and an index, served by tests/support/hub_emulator.py (resolve
# URLs redirect LFS files to /cdn/, as the hub does) behind tests/support/shaping_proxy.py: LATENCY_MS
# (20) to first byte, PER_CONN_MBPS (40) MB/s per connection (a CDN connection across a WAN),
# TOTAL_MBPS (800) in all. Methods, each into an empty destination, median of RUNS (3):
#   curl-seq          curl -L of every file, one after another
#   curl-x16          16 curl -L at once, one per file (xargs -P 16)
#   curl-ranges-x16   16 ranged curl at once over 16 MiB ranges of every file (what hf_transfer
#                     does), then the pieces joined
#   strata import     hub://org/model into a fresh local volume (chunked, verified, published)
# Prints times, MB/s and strata's ratio to each; the target is >= 1.5x curl-x16.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STRATA=$(realpath "${1:-$ROOT/build/strata}")
SIZE_MIB=${2:-2048}
SHARDS=${3:-2}
RUNS=${RUNS:-3}
LATENCY_MS=${LATENCY_MS:-20}
PER_CONN_MBPS=${PER_CONN_MBPS:-40}
TOTAL_MBPS=${TOTAL_MBPS:-800}
PY=/usr/bin/python3

W=$(mktemp -d /var/tmp/strata-import-bench.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"' EXIT
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

mkdir -p "$W/repo"
shard_mib=$((SIZE_MIB / SHARDS))
for i in $(seq 1 "$SHARDS"); do
  name=$(printf "model-%05d-of-%05d.safetensors" "$i" "$SHARDS")
  head -c $((shard_mib * 1024 * 1024)) /dev/urandom >"$W/repo/$name"
done
echo '{"architectures": ["Bench"], "hidden_size": 4096}' >"$W/repo/config.json"
head -c 2000000 /dev/urandom | base64 >"$W/repo/tokenizer.json"
echo '{"weight_map": {}}' >"$W/repo/model.safetensors.index.json"
total_bytes=$(du -cb "$W/repo" | tail -1 | cut -f1)

hub_port_file="$W/hub.port"
$PY "$ROOT/tests/support/hub_emulator.py" --root "$W/repo" --repo org/model \
  --port-file "$hub_port_file" >"$W/hub.log" 2>&1 &
PIDS+=($!)
until [ -s "$hub_port_file" ]; do sleep 0.2; done
read -r hub_port commit <"$hub_port_file"
port=$(free_port)
$PY "$ROOT/tests/support/shaping_proxy.py" "$port" "127.0.0.1:$hub_port" --latency-ms "$LATENCY_MS" \
  --per-conn-mbps "$PER_CONN_MBPS" --total-mbps "$TOTAL_MBPS" >"$W/proxy.log" 2>&1 &
PIDS+=($!)
export HF_ENDPOINT="http://127.0.0.1:$port"
until curl -s -o /dev/null "$HF_ENDPOINT/_stats"; do sleep 0.1; done
files=$(cd "$W/repo" && find . -type f | sed 's|^\./||' | sort)

run_curl_seq() {
  local out=$1
  for f in $files; do curl -sfL -o "$out/$f" "$HF_ENDPOINT/org/model/resolve/$commit/$f"; done
}
run_curl_x16() {
  local out=$1
  printf '%s\n' $files | xargs -P 16 -I{} curl -sfL -o "$out/{}" "$HF_ENDPOINT/org/model/resolve/$commit/{}"
}
run_curl_ranges() {
  local out=$1 range=$((16 << 20))
  : >"$W/ranges"
  for f in $files; do
    size=$(stat -c %s "$W/repo/$f")
    for ((off = 0; off < size; off += range)); do
      end=$((off + range - 1 < size - 1 ? off + range - 1 : size - 1))
      echo "$f $off $end" >>"$W/ranges"
    done
  done
  xargs -P 16 -L 1 sh -c 'curl -sfL -r "$2-$3" -o "'"$out"'/$1@$2" "'"$HF_ENDPOINT/org/model/resolve/$commit"'/$1"' _ <"$W/ranges"
  for f in $files; do
    ls "$out/$f"@* | sort -t@ -k2 -n | xargs cat >"$out/$f" && rm -f "$out/$f"@*
  done
}
run_strata() {
  local out=$1
  STRATA_HOME="$out/home" "$STRATA" volume create w >/dev/null
  STRATA_HOME="$out/home" "$STRATA" import "hub://org/model@main" w /models/org/model >/dev/null
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A TIME
for method in curl-seq curl-x16 curl-ranges-x16 strata; do
  times=()
  for _ in $(seq 1 "$RUNS"); do
    out="$W/out" && rm -rf "$out" && mkdir -p "$out"
    sync
    t0=$(now)
    case $method in
      curl-seq) run_curl_seq "$out" ;;
      curl-x16) run_curl_x16 "$out" ;;
      curl-ranges-x16) run_curl_ranges "$out" ;;
      strata) run_strata "$out" ;;
    esac
    t1=$(now)
    if [ "$method" != strata ]; then
      diff -rq "$W/repo" "$out" >/dev/null || { echo "import bench: $method got wrong bytes" >&2; exit 1; }
    fi
    times+=("$(echo "$t1 - $t0" | bc -l)")
  done
  TIME[$method]=$(printf '%s\n' "${times[@]}" | median)
  printf '%-16s %7.2f s  %7.1f MB/s   (runs: %s)\n' "$method" "${TIME[$method]}" \
    "$(echo "$total_bytes / ${TIME[$method]} / 1000000" | bc -l)" "${times[*]}"
done
echo "repo: $((total_bytes / 1048576)) MiB in $SHARDS shards + 3 small files; network: ${LATENCY_MS} ms, ${PER_CONN_MBPS} MB/s per connection, ${TOTAL_MBPS} MB/s in all"
for base in curl-seq curl-x16 curl-ranges-x16; do
  printf 'strata import vs %-16s %5.2fx\n' "$base" "$(echo "${TIME[$base]} / ${TIME[strata]}" | bc -l)"
done
