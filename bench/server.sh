#!/usr/bin/env bash
# Issue 6's benchmark: `strata serve` on loopback against nginx, the same bytes.
#   - upload of one SIZE_MIB file: `curl -T` to Strata (streamed into chunks, hashed, stored,
#     published) and `strata put … http://…` (a resumable session, 4 parts in flight), against
#     `curl -T` to nginx's WebDAV PUT (bytes to a file, nothing else);
#   - download of it: `curl` from Strata (chunks read and verified) against `curl` from nginx
#     (sendfile), both from the page cache;
#   - 1,000 concurrent clients reading 1,000 small files (wrk, 1,000 connections): requests per
#     second, and every error counted.
# Prints the median of RUNS for each and the ratio to nginx. Needs root (nginx's user), nginx,
# wrk, curl (`apt-get install nginx wrk`).
# Usage: bash bench/server.sh PATH/TO/strata [SIZE_MIB] [RUNS]
set -euo pipefail

STRATA=$(realpath "${1:?usage: server.sh PATH/TO/strata [SIZE_MIB] [RUNS]}")
SIZE_MIB=${2:-2048}
RUNS=${3:-3}
HERE=$(dirname "$(realpath "$0")")
# shellcheck source=common.sh
source "$HERE/common.sh"
WORK=$(mktemp -d /var/tmp/strata-bench-server.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"
export STRATA_HOME="$WORK/home"
unset STRATA_META STRATA_STORE STRATA_PEERS
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "server bench: $SIZE_MIB MiB, median of $RUNS; $(nproc) cores"
head -c $((SIZE_MIB << 20)) /dev/urandom >model.bin
sync  # the file's own writeback must not land in anyone's timing

# --- nginx: sendfile for GET, WebDAV PUT into a directory ---------------------------------------
NGINX_PORT=$(free_port)
mkdir -p nginx/logs nginx/tmp www/up
ln model.bin www/model.bin
cat >nginx/nginx.conf <<CONF
user root;
worker_processes auto;
error_log $WORK/nginx/logs/error.log;
pid $WORK/nginx/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  client_body_temp_path $WORK/nginx/tmp;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/www;
    location /up/ { dav_methods PUT; client_max_body_size 0; create_full_put_path on; }
  }
}
CONF
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -g 'daemon off;' &
PIDS+=($!)

# --- strata serve, one thread per connection: enough for the 1,000 clients below -----------------
"$STRATA" volume create b >/dev/null
TOKEN=$("$STRATA" token create --volume b 2>/dev/null)
STRATA_PORT=$(free_port)
"$STRATA" serve --listen "127.0.0.1:$STRATA_PORT" --threads 1100 >serve.log 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$STRATA_PORT/healthz" >/dev/null &&
    curl -sf "http://127.0.0.1:$NGINX_PORT/model.bin" -r 0-0 -o /dev/null && break
  sleep 0.1
done
AUTH="Authorization: Bearer $TOKEN"
S="http://127.0.0.1:$STRATA_PORT/v1/volumes/b/files"

seconds() { local t0 t1; sync; t0=$(now); "$@" >/dev/null; t1=$(now); echo "$t1 - $t0" | bc -l; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
rate() { echo "$SIZE_MIB / $1" | bc -l; }  # MiB/s
# A fresh volume for each upload: dedup would otherwise make every later upload free.
forget() { "$STRATA" rm b /model.bin -f >/dev/null 2>&1 || true; "$STRATA" gc --grace 0 >/dev/null; }

declare -A T
# One untimed round first: the chunk files and nginx's copy reach the page cache, and the
# server's memory cache holds the file as a server that is being used would.
curl -sf -T model.bin -H "$AUTH" "$S/model.bin" -o /dev/null
curl -sf -o /dev/null -H "$AUTH" "$S/model.bin"
curl -sf -o /dev/null "http://127.0.0.1:$NGINX_PORT/model.bin"
for run in $(seq "$RUNS"); do
  rm -f www/up/model.bin
  T[nginx_up]+="$(seconds curl -sf -T model.bin "http://127.0.0.1:$NGINX_PORT/up/model.bin")"$'\n'
  forget
  T[strata_up]+="$(seconds curl -sf -T model.bin -H "$AUTH" "$S/model.bin")"$'\n'
  forget
  T[strata_put]+="$(seconds env STRATA_HOME="$WORK/client" STRATA_TOKEN="$TOKEN" "$STRATA" put b model.bin "http://127.0.0.1:$STRATA_PORT/model.bin")"$'\n'
  T[nginx_down]+="$(seconds curl -sf -o /dev/null "http://127.0.0.1:$NGINX_PORT/model.bin")"$'\n'
  T[strata_down]+="$(seconds curl -sf -o /dev/null -H "$AUTH" "$S/model.bin")"$'\n'
  echo "run $run: done"
done
"$STRATA" cat b /model.bin | cmp - model.bin || { echo "bench: the uploaded file differs" >&2; exit 1; }

declare -A M
for k in "${!T[@]}"; do
  M[$k]=$(printf '%s' "${T[$k]}" | median)
  echo "$k: $(printf '%s' "${T[$k]}" | xargs printf '%.2f ')s"
done
row() { printf '| %-44s | %7.2f s | %7.0f MiB/s | %5.2f |\n' "$1" "$2" "$(rate "$2")" "$(echo "$3 / $2" | bc -l)"; }
echo
echo "| $SIZE_MIB MiB over loopback | time | rate | vs nginx |"
echo "|---|---|---|---|"
row "upload: curl -T to nginx (WebDAV PUT)" "${M[nginx_up]}" "${M[nginx_up]}"
row "upload: curl -T to strata serve" "${M[strata_up]}" "${M[nginx_up]}"
row "upload: strata put http:// (resumable, 4 parts)" "${M[strata_put]}" "${M[nginx_up]}"
row "download: curl from nginx (sendfile)" "${M[nginx_down]}" "${M[nginx_down]}"
row "download: curl from strata serve" "${M[strata_down]}" "${M[nginx_down]}"

# --- 1,000 concurrent small-file reads ----------------------------------------------------------------
mkdir small
for i in $(seq 0 999); do head -c 4096 /dev/urandom >"small/f$i.bin"; done
"$STRATA" put b small /small >/dev/null
cat >reads.lua <<LUA
request = function()
  return wrk.format("GET", "/v1/volumes/b/files/small/f" .. math.random(0, 999) .. ".bin",
                    {["Authorization"] = "Bearer $TOKEN"})
end
LUA
echo
for target in strata nginx; do
  if [ "$target" = strata ]; then
    out=$(wrk -t 2 -c 1000 -d 10s --timeout 10s -s reads.lua "http://127.0.0.1:$STRATA_PORT")
  else
    cp -r small www/small
    out=$(wrk -t 2 -c 1000 -d 10s --timeout 10s "http://127.0.0.1:$NGINX_PORT/small/f1.bin")
  fi
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  errors=$(echo "$out" | awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}')
  echo "1,000 concurrent readers, $target: $rps requests/s, $errors errors"
done
