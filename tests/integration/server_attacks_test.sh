#!/usr/bin/env bash
# Issue 16: `strata serve` against what a hostile or broken client sends, with the findings of
# the security review each walked: ranged and abandoned downloads of a multi-chunk file, many
# times (H1; run under ASan by the sanitizer build); heads that never end or trickle in, while a
# normal client is served and the server's memory stays bounded (H3, M5); bodies nobody reads
# (M6); uploads from URLs that reach this machine or its private networks (H4); a second server
# on a port in use (F4). With STRATA_TEST_S3_ENV set, the chunks live on that S3 server and the
# downloads go through the disk cache.
# Usage: server_attacks_test.sh PATH/TO/strata
set -euo pipefail

STRATA=$(realpath "${1:?usage: server_attacks_test.sh PATH/TO/strata}")
HERE=$(dirname "$(realpath "$0")")
# shellcheck source=assertions.sh
source "$HERE/assertions.sh"
# shellcheck source=store_env.sh
source "$HERE/store_env.sh"
WORK=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$WORK"' EXIT
export STRATA_HOME="$WORK/home"
unset STRATA_PEERS
use_test_store server-attacks
[ -n "${STRATA_TEST_S3_ENV:-}" ] && export STRATA_CACHE_DIR="$WORK/cache"
cd "$WORK"

"$STRATA" volume create weights >/dev/null
TOKEN=$("$STRATA" token create --volume weights 2>/dev/null)
AUTH=(-H "Authorization: Bearer $TOKEN")
head -c $((3 * 4194304 + 12345)) /dev/urandom >three-chunks.bin
"$STRATA" put weights three-chunks.bin /three-chunks.bin >/dev/null
mkdir site
echo "internal only" >site/secret.txt

"$STRATA" serve --listen 127.0.0.1:0 >serve.log 2>&1 &
SERVE=$!
PIDS+=("$SERVE")
/usr/bin/python3 -m http.server 0 --bind 127.0.0.1 --directory site >site.log 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do grep -q "http://" serve.log && grep -q "port" site.log && break; sleep 0.1; done
URL=$(grep -o 'http://[0-9.:]*' serve.log)
PORT=${URL##*:}
SITE_PORT=$(grep -o 'port [0-9]*' site.log | cut -d' ' -f2)
FILE="$URL/v1/volumes/weights/files/three-chunks.bin"
alive() { [ "$(curl -s -m 10 "$URL/healthz")" == "ok" ]; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$SERVE/status"; }

# --- H1: a download ending inside the read-ahead, or abandoned part-way ---------------------
ranged_ok=0
for i in $(seq 40); do
  end=$(((i % 4) * 1048576 + 1048575))
  if curl -sf -m 30 -r "0-$end" "${AUTH[@]}" "$FILE" | cmp -s - <(head -c $((end + 1)) three-chunks.bin); then
    ranged_ok=$((ranged_ok + 1))
  fi
  # Abandoned: the client reads a little and hangs up mid-body.
  curl -s -m 30 "${AUTH[@]}" "$FILE" 2>/dev/null | head -c $((i * 100000)) >/dev/null || true
done
same "ranged downloads inside the first chunks" 40 "$ranged_ok"
check "the server is alive after the abandoned downloads" alive
check "a whole download after them" cmp three-chunks.bin <(curl -sf "${AUTH[@]}" "$FILE")
same "a range past the end is clamped (L1)" $((3 * 4194304 + 12345 - 100)) \
  "$(curl -sf -r 100-999999999 "${AUTH[@]}" "$FILE" | wc -c)"
same "several ranges are answered whole" "200 $((3 * 4194304 + 12345))" \
  "$(curl -s -o whole.bin -w '%{http_code}' -r 0-1,5-9 "${AUTH[@]}" "$FILE") $(wc -c <whole.bin)"

# --- H3, M5: heads that never end, or trickle, while another client is served -----------------
cat >attack.py <<'EOF'
import re, socket, sys, time
host, port, mode, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
def conn():
    s = socket.create_connection((host, port))
    s.settimeout(20)
    return s
def answer(s):
    data = b""
    try:
        while b"\r\n" not in data:
            piece = s.recv(4096)
            if not piece: break
            data += piece
    except OSError:
        pass
    return data.split(b"\r\n")[0].decode(errors="replace")
if mode == "endless-line":      # one header line that never ends
    s = conn(); s.sendall(b"GET /healthz HTTP/1.1\r\nX-Endless: ")
    try:
        for _ in range(1024): s.sendall(b"v" * 16384)
    except OSError:
        pass
    print(answer(s))
elif mode == "endless-headers":  # short header lines, forever
    s = conn(); s.sendall(b"GET /healthz HTTP/1.1\r\n")
    try:
        for i in range(200000): s.sendall(b"X-%d: y\r\n" % i)
    except OSError:
        pass
    print(answer(s))
elif mode == "held-heads":       # COUNT connections, each up to 1 MiB of a head that never ends
    held = []
    for _ in range(count):
        s = conn()
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\n")
            for _ in range(146): s.sendall(b"X-Pad: " + b"p" * 7000 + b"\r\n")
        except OSError:
            pass  # refused past the head's bound
        held.append(s)
    print("held", len(held), flush=True)
    time.sleep(float(sys.argv[5]))
elif mode == "unread-body":      # a request hidden in the body of an upload refused (no token)
    s = conn()
    hidden = b"DELETE /v1/volumes/weights/files/three-chunks.bin HTTP/1.1\r\nAuthorization: Bearer " + sys.argv[5].encode() + b"\r\n\r\n"
    s.sendall(b"PUT /v1/volumes/weights/files/x HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(hidden) + hidden)
    s.sendall(b"GET /healthz HTTP/1.1\r\n\r\n")
    data = b""
    try:
        while data.count(b"HTTP/1.1") < 2:
            piece = s.recv(65536)
            if not piece: break
            data += piece
    except OSError:
        pass
    print(" ".join(code.decode() for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", data)))
EOF
ATTACK=(/usr/bin/python3 attack.py 127.0.0.1 "$PORT")
same "an endless header line" "HTTP/1.1 431 Request Header Fields Too Large" "$("${ATTACK[@]}" endless-line 1)"
same "endless headers" "HTTP/1.1 431 Request Header Fields Too Large" "$("${ATTACK[@]}" endless-headers 1)"
before=$(rss_kib)
"${ATTACK[@]}" held-heads 300 6 >held.log 2>&1 &
HELD=$!
PIDS+=("$HELD")
for _ in $(seq 600); do grep -q held held.log && break; sleep 0.1; done
same "300 endless heads sent" "held 300" "$(cat held.log)"
check "a normal client is served meanwhile" alive
check "and downloads meanwhile" cmp three-chunks.bin <(curl -sf -m 60 "${AUTH[@]}" "$FILE")
grown=$(($(rss_kib) - before))
# 300 heads of 1 MiB are 300 MiB if each is buffered whole; bounded, each costs at most its 64 KiB.
[ "$grown" -lt 131072 ] && pass || fail "memory grew by $grown KiB while heads were held"
wait "$HELD" || true
same "a request in a body nobody read is not served" "401 200" "$("${ATTACK[@]}" unread-body 1 "$TOKEN")"
check "the file that request named is still there" cmp three-chunks.bin <(curl -sf "${AUTH[@]}" "$FILE")

# --- H4: uploads from a URL reach only public addresses ---------------------------------------
fetch() {  # URL PATH: the status of POST …/fetch
  curl -s -o fetch.out -w '%{http_code}' -X POST "${AUTH[@]}" "$URL/v1/volumes/weights/fetch" \
    -d "{\"url\": \"$1\", \"path\": \"$2\"}"
}
for target in "http://127.0.0.1:$SITE_PORT/secret.txt" "http://localhost:$SITE_PORT/secret.txt" \
  "http://169.254.169.254/latest/meta-data/" "http://10.0.0.1/" "http://[::1]:$SITE_PORT/secret.txt" \
  "http://0.0.0.0:$SITE_PORT/secret.txt" "http://[::ffff:127.0.0.1]:$SITE_PORT/secret.txt"; do
  same "a fetch of $target is refused" 403 "$(fetch "$target" /fetched/x)"
  grep -q "internal only" fetch.out && fail "the refusal of $target repeats the source's body" || pass
done
same "nothing was written for them" 404 \
  "$(curl -s -o /dev/null -w '%{http_code}' "${AUTH[@]}" "$URL/v1/volumes/weights/stat?path=/fetched")"

# --- F4: a second server on a port in use ---------------------------------------------------
refuse "a second serve on the same port" "in use" "$STRATA" serve --listen "127.0.0.1:$PORT"
check "the first server still answers" alive

report server_attacks
