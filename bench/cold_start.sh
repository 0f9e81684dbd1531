#!/usr/bin/env bash
# The cold start of issue 3: a fresh node reads a model from an object store across an emulated
# datacenter network, cache empty and page cache dropped before each run.
#
#   bash bench/cold_start.sh [PATH/TO/strata] [SCALE]
#
# Model: one 2 GiB file + 16 × 128 MiB shards (SCALE=0.25 for a quick look: a quarter of each).
# Network: radosgw (tests/support/s3_server.sh) behind tests/support/shaping_proxy.py: LATENCY_MS (15) to
# first byte per request, PER_CONN_MBPS (80) MB/s per connection, TOTAL_MBPS (400) MB/s in all.
# Methods, each timed until every byte has been read once:
#   strata      strata prefetch, then every file read (strata cat, 4 at once)
#   rclone-x32  rclone mount --vfs-cache-mode full + find | xargs -P 32 cat  (what users are told)
#   s3fs-x32    s3fs + the same xargs recipe
#   rclone-seq  rclone mount, one cat after another
# and the 2 GiB file alone for the first three. Prints times, ratios and fractions of the link,
# writes bench/out/cold_start.csv (bytes ready over time) and, with matplotlib, docs/cold_start.png.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STRATA=$(realpath "${1:-$ROOT/build/strata}")
SCALE=${2:-1}
LATENCY_MS=${LATENCY_MS:-15}
PER_CONN_MBPS=${PER_CONN_MBPS:-80}
TOTAL_MBPS=${TOTAL_MBPS:-400}
PY=/usr/bin/python3

for tool in rclone s3fs fusermount3 $PY; do
  command -v "$tool" >/dev/null || { echo "cold_start: needs $tool (apt-get install rclone s3fs fuse3)" >&2; exit 1; }
done

W=$(mktemp -d /var/tmp/strata-cold.XXXXXX)
OUT="$ROOT/bench/out"
mkdir -p "$OUT" "$W/mnt"
PROXY_PID=
cleanup() {
  fusermount3 -u "$W/mnt" 2>/dev/null || true
  [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null || true
  bash "$ROOT/tests/support/s3_server.sh" stop "$W/s3" || true
  rm -rf "$W"
}
trap cleanup EXIT

big_mib=$($PY -c "print(int(2048*$SCALE))")
shard_mib=$($PY -c "print(int(128*$SCALE))")
model_bytes=$(( (big_mib + 16 * shard_mib) * 1024 * 1024 ))
memstore=$(( model_bytes * 2 + 2 * 1024 * 1024 * 1024 ))

echo "cold_start: model = 1 x ${big_mib} MiB + 16 x ${shard_mib} MiB; network: ${LATENCY_MS} ms," \
  "${PER_CONN_MBPS} MB/s per connection, ${TOTAL_MBPS} MB/s in all"
bash "$ROOT/tests/support/s3_server.sh" start "$W/s3" "$memstore" >/dev/null
# shellcheck disable=SC1091
source "$W/s3/env"
# shellcheck source=common.sh
source "$ROOT/bench/common.sh"
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$PY "$ROOT/tests/support/shaping_proxy.py" "$port" "${S3_ENDPOINT#http://}" --latency-ms "$LATENCY_MS" \
  --per-conn-mbps "$PER_CONN_MBPS" --total-mbps "$TOTAL_MBPS" >"$W/proxy.log" 2>&1 &
PROXY_PID=$!
SHAPED="http://127.0.0.1:$port"
until curl -s -o /dev/null "$SHAPED/"; do sleep 0.1; done

mkdir -p "$W/model"
head -c $((big_mib * 1024 * 1024)) /dev/urandom >"$W/model/big.bin"
for i in $(seq -w 1 16); do head -c $((shard_mib * 1024 * 1024)) /dev/urandom >"$W/model/shard-$i.bin"; done

# The same bytes twice in the bucket: as Strata chunks, and as plain objects for rclone and s3fs.
export STRATA_HOME="$W/home"
export STRATA_STORE="s3://$S3_BUCKET/strata?endpoint=$S3_ENDPOINT&region=us-east-1"
"$STRATA" volume create weights >/dev/null
"$STRATA" put weights "$W/model" /m >/dev/null
{ rclone_remote direct "$S3_ENDPOINT"; rclone_remote shaped "$SHAPED"; } >"$W/rclone.conf"
RCLONE=(env -u AWS_CA_BUNDLE rclone --config "$W/rclone.conf")
"${RCLONE[@]}" copy --transfers 8 "$W/model" "direct:$S3_BUCKET/plain"
echo "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" >"$W/s3fs.passwd"
chmod 600 "$W/s3fs.passwd"

# From here on every read goes through the shaped link.
export STRATA_STORE="s3://$S3_BUCKET/strata?endpoint=$SHAPED&region=us-east-1"

# Logs "TIME SIZE" for each file as its last byte is read.
read_logged() {  # PARALLEL FILE...
  local parallel=$1; shift
  printf '%s\n' "$@" | xargs -P "$parallel" -I{} sh -c 'cat "$1" >/dev/null && echo "$(date +%s.%N) $(stat -c %s "$1")"' _ {}
}
mount_rclone() {
  rm -rf "$W/rclone-cache"
  "${RCLONE[@]}" mount "shaped:$S3_BUCKET/plain" "$W/mnt" --vfs-cache-mode full \
    --cache-dir "$W/rclone-cache" --read-only --daemon
  until mountpoint -q "$W/mnt"; do sleep 0.1; done
}
mount_s3fs() {
  s3fs "$S3_BUCKET:/plain" "$W/mnt" -o passwd_file="$W/s3fs.passwd" -o url="$SHAPED" \
    -o use_path_request_style -o endpoint=us-east-1 -o ro
  until mountpoint -q "$W/mnt"; do sleep 0.1; done
}
unmount() { fusermount3 -u "$W/mnt"; sleep 0.5; }

declare -A RESULT
run() {  # NAME SET(all|big) → RESULT[NAME/SET]=seconds; appends to the CSV
  local name=$1 set=$2 start log files=()
  log="$W/$name-$set.log"
  if [ "$set" = big ]; then files=(big.bin); else files=(big.bin $(cd "$W/model" && ls shard-*.bin)); fi
  drop_caches
  case $name in
    strata)
      "$STRATA" cache clear >/dev/null
      start=$(now)
      local paths=()
      for f in "${files[@]}"; do paths+=("/m/$f"); done
      "$STRATA" prefetch weights "${paths[@]}" >/dev/null
      printf '%s\n' "${paths[@]}" | xargs -P 4 -I{} sh -c \
        '"$0" cat weights "$1" >/dev/null && echo "$(date +%s.%N) $("$0" ls -l weights "$1" | awk "{print \$3}")"' \
        "$STRATA" {} >"$log"
      ;;
    rclone-x32 | rclone-seq)
      mount_rclone
      start=$(now)
      read_logged "$([ "$name" = rclone-seq ] && echo 1 || echo 32)" "${files[@]/#/$W/mnt/}" >"$log"
      unmount
      ;;
    s3fs-x32)
      mount_s3fs
      start=$(now)
      read_logged 32 "${files[@]/#/$W/mnt/}" >"$log"
      unmount
      ;;
  esac
  local end
  end=$(sort -n "$log" | tail -1 | cut -d' ' -f1)
  RESULT[$name/$set]=$($PY -c "print(round($end - $start, 2))")
  awk -v s="$start" -v m="$name" -v set="$set" '{ printf "%s,%s,%.3f,%s\n", m, set, $1 - s, $2 }' \
    <(sort -n "$log") >>"$OUT/cold_start.csv"
  echo "  $name ($set): ${RESULT[$name/$set]} s"
}

echo "method,set,seconds,file_bytes" >"$OUT/cold_start.csv"
for set in all big; do
  for name in strata rclone-x32 s3fs-x32; do run "$name" "$set"; done
done
run rclone-seq all

big_bytes=$((big_mib * 1024 * 1024))
$PY - "$OUT/cold_start.csv" "$model_bytes" "$big_bytes" "$TOTAL_MBPS" <<PYEOF
import sys
csv, model, big, cap = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]) * 1e6
r = {}
for k, v in {$(for k in "${!RESULT[@]}"; do printf '"%s": %s, ' "$k" "${RESULT[$k]}"; done)}.items():
    r[k] = v
print()
print(f"{'method':<12} {'whole model':>12} {'of link':>8} {'vs strata':>10} {'2 GiB file':>11} {'of link':>8} {'vs strata':>10}")
print(f"{'ideal':<12} {model/cap:>11.1f}s {1:>8.2f} {'':>10} {big/cap:>10.1f}s {1:>8.2f}")
for m in ["strata", "rclone-x32", "s3fs-x32", "rclone-seq"]:
    a = r.get(m + "/all"); b = r.get(m + "/big")
    row = f"{m:<12} {a:>11.1f}s {model/a/cap:>8.2f} {a/r['strata/all']:>9.2f}x"
    if b:
        row += f" {b:>10.1f}s {big/b/cap:>8.2f} {b/r['strata/big']:>9.2f}x"
    print(row)
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    series = {}
    for line in open(csv).read().splitlines()[1:]:
        m, s, t, n = line.split(",")
        if s == "all":
            series.setdefault(m, []).append((float(t), int(n)))
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for m, pts in series.items():
        pts.sort(); xs, ys, total = [0], [0], 0
        for t, n in pts:
            total += n; xs += [t, t]; ys += [ys[-1], total / 1e9]
        ax.plot(xs, ys, label=m, drawstyle="default")
    ax.plot([0, model / cap], [0, model / 1e9], "k:", label=f"link cap ({cap/1e6:.0f} MB/s)")
    ax.set_xlabel("seconds since start (cache and page cache empty)")
    ax.set_ylabel("GB of whole files read")
    ax.set_title("Cold start: 2 GiB + 16 x 128 MiB over an emulated S3 link")
    ax.legend(); ax.grid(alpha=0.3)
    fig.tight_layout(); fig.savefig("$ROOT/docs/cold_start.png", dpi=110)
    print("plot: docs/cold_start.png")
except ImportError:
    print("(no matplotlib: no plot)")
PYEOF
