#!/usr/bin/env bash
# Issue 6: `strata serve` end to end with a real HTTP client (curl): tokens and their scopes,
# volumes, files (list with paging, stat, upload streamed, download with Range and ETag, move,
# copy, mkdir, delete), KV with expiry, /metrics, /healthz; every bad input answered with its
# 4xx and nothing changed; concurrent uploads of one path (the last complete one wins, never a
# torn file).
# Usage: server_test.sh PATH/TO/strata
set -euo pipefail

STRATA=$(realpath "${1:?usage: server_test.sh PATH/TO/strata}")
# shellcheck source=assertions.sh
source "$(dirname "$(realpath "$0")")/assertions.sh"
WORK=$(mktemp -d)
SERVER_PID=
# Every child ends with the script (a child left running would keep `wait` and ctest waiting).
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
# No request may hang the script: every curl has a deadline (ctest's timeout says nothing of where).
curl() { command curl -m 120 "$@"; }
watchdog 540 "$WORK/serve.log"
export STRATA_HOME="$WORK/home"
unset STRATA_META STRATA_STORE STRATA_PEERS
cd "$WORK"

"$STRATA" volume create weights >/dev/null
"$STRATA" volume create other >/dev/null
ADMIN=$("$STRATA" token create --note admin 2>/dev/null)
RW=$("$STRATA" token create --volume weights 2>/dev/null)
RO=$("$STRATA" token create --volume weights --read-only 2>/dev/null)
REVOKED=$("$STRATA" token create --volume weights 2>/dev/null)
[[ "$ADMIN" =~ ^strata_[0-9a-f]{64}$ ]] && pass || fail "token format: $ADMIN"
"$STRATA" token list | grep -q "weights *read-only" && pass || fail "token list: $("$STRATA" token list)"
"$STRATA" token list | grep -q "${RW:7:10}" && fail "token list shows a secret" || pass
check "token revoke" "$STRATA" token revoke 4

start_server() {  # [PORT]
  "$STRATA" serve --listen "127.0.0.1:${1:-0}" --allow-private-fetch >serve.log 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do grep -q "http://" serve.log && break; sleep 0.1; done
  URL=$(grep -o 'http://[0-9.:]*' serve.log)
  [ -n "$URL" ] || { cat serve.log; exit 1; }
}
start_server

# code METHOD PATH [curl args…]: the HTTP status; the body goes to $WORK/body.
code() {
  local method=$1 path=$2; shift 2
  curl -s -o "$WORK/body" -w '%{http_code}' -X "$method" "$@" "$URL$path"
}
as() { echo "-H" "Authorization: Bearer $1"; }  # as TOKEN: the header
A=(-H "Authorization: Bearer $ADMIN")
W=(-H "Authorization: Bearer $RW")
R=(-H "Authorization: Bearer $RO")

# --- authentication --------------------------------------------------------------------------
same "healthz needs no token" 200 "$(code GET /healthz)"
same "no token" 401 "$(code GET /v1/volumes)"
same "a malformed token" 401 "$(code GET /v1/volumes -H 'Authorization: Bearer nope')"
same "a revoked token" 401 "$(code GET /v1/volumes -H "Authorization: Bearer $REVOKED")"
same "a wrong token of the right shape" 401 \
  "$(code GET /v1/volumes -H "Authorization: Bearer strata_$(printf 'a%.0s' $(seq 64))")"
same "list volumes" 200 "$(code GET /v1/volumes "${A[@]}")"
same "both volumes" "other weights" "$(/usr/bin/python3 -c 'import json;print(" ".join(v["name"] for v in json.load(open("body"))["volumes"]))')"
code GET /v1/volumes "${W[@]}" >/dev/null
same "a scoped token sees its volume" "weights" "$(/usr/bin/python3 -c 'import json;print(" ".join(v["name"] for v in json.load(open("body"))["volumes"]))')"
same "a scoped token cannot touch another volume" 403 "$(code GET '/v1/volumes/other/files?path=/' "${W[@]}")"
same "a scoped token cannot create volumes" 403 "$(code POST /v1/volumes "${W[@]}" -d '{"name":"x"}')"

# --- volumes -------------------------------------------------------------------------------------
same "create a volume" 201 "$(code POST /v1/volumes "${A[@]}" -d '{"name":"scratch"}')"
same "create it again" 409 "$(code POST /v1/volumes "${A[@]}" -d '{"name":"scratch"}')"
same "a bad volume name" 400 "$(code POST /v1/volumes "${A[@]}" -d '{"name":"../x"}')"
same "not JSON" 400 "$(code POST /v1/volumes "${A[@]}" -d '{"name":')"
same "JSON too large" 413 "$(code POST /v1/volumes "${A[@]}" --data-binary @<(head -c 200000 /dev/zero))"
same "delete a volume" 204 "$(code DELETE /v1/volumes/scratch "${A[@]}")"
same "delete it again" 404 "$(code DELETE /v1/volumes/scratch "${A[@]}")"

# --- upload, download --------------------------------------------------------------------------------
head -c 10000001 /dev/urandom >big.bin
same "upload (parents made)" 201 "$(code PUT /v1/volumes/weights/files/models/m/model.bin "${W[@]}" -T big.bin)"
same "read-only token cannot upload" 403 "$(code PUT /v1/volumes/weights/files/x.bin "${R[@]}" -T big.bin)"
same "download" 200 "$(code GET /v1/volumes/weights/files/models/m/model.bin "${R[@]}")"
check "downloaded bytes" cmp big.bin body
check "the CLI sees the upload" cmp big.bin <("$STRATA" cat weights /models/m/model.bin)
same "a range" 206 "$(code GET /v1/volumes/weights/files/models/m/model.bin "${R[@]}" -r 4194300-4194399)"
check "range bytes" cmp <(tail -c +4194301 big.bin | head -c 100) body
same "a suffix range" 206 "$(code GET /v1/volumes/weights/files/models/m/model.bin "${R[@]}" -r -1000)"
check "suffix bytes" cmp <(tail -c 1000 big.bin) body
same "a range past the end" 416 "$(code GET /v1/volumes/weights/files/models/m/model.bin "${R[@]}" -r 20000000-20000010)"
etag=$(curl -sI "${R[@]}" "$URL/v1/volumes/weights/files/models/m/model.bin" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
[ -n "$etag" ] && pass || fail "no ETag"
same "If-None-Match with the ETag" 304 "$(code GET /v1/volumes/weights/files/models/m/model.bin "${R[@]}" -H "If-None-Match: $etag")"
same "HEAD" 200 "$(code HEAD /v1/volumes/weights/files/models/m/model.bin "${R[@]}" -I)"
echo small >small.txt
same "upload with its sha256" 201 "$(code PUT /v1/volumes/weights/files/small.txt "${W[@]}" -T small.txt -H "X-Strata-Sha256: $(sha256sum small.txt | cut -d' ' -f1)")"
same "upload with a wrong sha256" 400 "$(code PUT /v1/volumes/weights/files/wrong.txt "${W[@]}" -T small.txt -H "X-Strata-Sha256: $(printf '0%.0s' $(seq 64))")"
same "nothing written for it" 404 "$(code GET '/v1/volumes/weights/stat?path=/wrong.txt' "${R[@]}")"
same "a refused upload into a new directory" 400 "$(code PUT /v1/volumes/weights/files/newdir/w.txt "${W[@]}" -T small.txt -H "X-Strata-Sha256: $(printf '0%.0s' $(seq 64))")"
same "makes no directory" 404 "$(code GET '/v1/volumes/weights/stat?path=/newdir' "${R[@]}")"
same "without parents=0 a missing parent" 404 "$(code PUT '/v1/volumes/weights/files/nodir/w.txt?parents=0' "${W[@]}" -T small.txt)"
same "a changed file has a new ETag" 200 "$(code GET /v1/volumes/weights/files/small.txt "${R[@]}" -H "If-None-Match: $etag")"
same "upload over a directory" 409 "$(code PUT /v1/volumes/weights/files/models "${W[@]}" -T small.txt)"
same "download a directory" 409 "$(code GET /v1/volumes/weights/files/models "${R[@]}")"
same "an empty file" 201 "$(code PUT /v1/volumes/weights/files/empty "${W[@]}" --data-binary '')"
same "its size" 0 "$(code GET /v1/volumes/weights/files/empty "${R[@]}" >/dev/null; stat -c %s body)"

# --- bad paths change nothing --------------------------------------------------------------------------
before=$("$STRATA" ls weights / -R | md5sum)
for bad in '/v1/volumes/weights/files/../etc/passwd' '/v1/volumes/weights/files/%2e%2e/x' \
           '/v1/volumes/weights/files/a/%2E%2E/%2e%2e/x' '/v1/volumes/weights/files/a%00b' \
           "/v1/volumes/weights/files/$(printf 'n%.0s' $(seq 300))"; do
  got=$(curl -s -o body -w '%{http_code}' --path-as-is -X PUT "${W[@]}" --data-binary x "$URL$bad")
  case "$got" in 400|404) pass ;; *) fail "PUT $bad: $got $(cat body)" ;; esac
done
same "a NUL in a path parameter" 400 "$(code GET '/v1/volumes/weights/stat?path=/a%00b' "${R[@]}")"
same "a dotdot in a path parameter" 400 "$(code GET '/v1/volumes/weights/files?path=/models/../..' "${R[@]}")"
big=$(head -c 20000 /dev/zero | tr '\0' a)
same "an overlong header" 431 "$(code GET /v1/volumes "${R[@]}" -H "X-Big: $big")"
same "an overlong URL" 414 "$(code GET "/v1/volumes/weights/stat?path=/$big$big" "${R[@]}")"
many=(); for i in $(seq 150); do many+=(-H "X-H$i: v"); done
same "too many headers" 431 "$(code GET /v1/volumes "${R[@]}" "${many[@]}")"
same "nothing changed" "$before" "$("$STRATA" ls weights / -R | md5sum)"

# --- listing, stat, move, copy, mkdir, delete ----------------------------------------------------------------
same "list recursively" 200 "$(code GET '/v1/volumes/weights/files?path=/&recursive=1' "${R[@]}")"
same "every path" "/empty /models /models/m /models/m/model.bin /small.txt" \
  "$(/usr/bin/python3 -c 'import json;print(" ".join(e["path"] for e in json.load(open("body"))["entries"]))')"
same "the size" 10000001 "$(/usr/bin/python3 -c 'import json;print([e["size"] for e in json.load(open("body"))["entries"] if e["name"]=="model.bin"][0])')"
# A limit is all digits (std::stoul took a prefix, a sign and spaces).
for bad in 2abc -1 '%202' 99999999999999999999999; do
  same "limit=$bad is refused" 400 "$(code GET "/v1/volumes/weights/files?path=/&limit=$bad" "${R[@]}")"
done
code GET '/v1/volumes/weights/files?path=/&recursive=1&limit=2' "${R[@]}" >/dev/null
cursor=$(/usr/bin/python3 -c 'import json;print(json.load(open("body"))["next_cursor"])')
code GET "/v1/volumes/weights/files?path=/&recursive=1&limit=2&cursor=$cursor" "${R[@]}" >/dev/null
same "the second page" "/models/m /models/m/model.bin" "$(/usr/bin/python3 -c 'import json;print(" ".join(e["path"] for e in json.load(open("body"))["entries"]))')"
# Every page in turn, one entry each, gives the whole listing once, in its order; names that
# sort around '/' ("a-b" before "a/x" in bytes, after it in a walk) included (M11: a keyset
# cursor, not an offset into a tree rebuilt per page).
for d in /pg/a /pg/a-b /pg/a/x /pg/a.c; do "$STRATA" mkdir -p weights "$d" >/dev/null; done
code GET '/v1/volumes/weights/files?path=/pg&recursive=1' "${R[@]}" >/dev/null
whole=$(/usr/bin/python3 -c 'import json;print(" ".join(e["path"] for e in json.load(open("body"))["entries"]))')
paged=""; cursor=""
for _ in $(seq 10); do
  code GET "/v1/volumes/weights/files?path=/pg&recursive=1&limit=1&cursor=$cursor" "${R[@]}" >/dev/null
  paged="$paged $(/usr/bin/python3 -c 'import json;print(" ".join(e["path"] for e in json.load(open("body"))["entries"]))')"
  cursor=$(/usr/bin/python3 -c 'import json;print(json.load(open("body")).get("next_cursor",""))')
  [ -z "$cursor" ] && break
done
same "the walk's order" "/pg/a /pg/a/x /pg/a-b /pg/a.c" "$whole"
same "pages of one make the whole listing" " $whole" "$paged"
same "a cursor that is not one" 400 "$(code GET '/v1/volumes/weights/files?path=/pg&cursor=zz' "${R[@]}")"
same "stat" 200 "$(code GET '/v1/volumes/weights/stat?path=/models/m/model.bin' "${R[@]}")"
same "stat a missing file" 404 "$(code GET '/v1/volumes/weights/stat?path=/nope' "${R[@]}")"
same "mkdir" 201 "$(code POST /v1/volumes/weights/mkdir "${W[@]}" -d '{"path":"/new/deep","parents":true}')"
same "copy" 200 "$(code POST /v1/volumes/weights/copy "${W[@]}" -d '{"from":"/models/m/model.bin","to":"/new/copy.bin"}')"
same "move" 200 "$(code POST /v1/volumes/weights/move "${W[@]}" -d '{"from":"/new/copy.bin","to":"/new/deep/moved.bin"}')"
check "moved bytes" cmp big.bin <("$STRATA" cat weights /new/deep/moved.bin)
same "move a missing file" 404 "$(code POST /v1/volumes/weights/move "${W[@]}" -d '{"from":"/nope","to":"/x"}')"
same "move without to" 400 "$(code POST /v1/volumes/weights/move "${W[@]}" -d '{"from":"/small.txt"}')"
same "read-only token cannot move" 403 "$(code POST /v1/volumes/weights/move "${R[@]}" -d '{"from":"/small.txt","to":"/s"}')"
same "delete a non-empty dir" 409 "$(code DELETE /v1/volumes/weights/files/new "${W[@]}")"
same "delete recursively" 204 "$(code DELETE '/v1/volumes/weights/files/new?recursive=1' "${W[@]}")"
same "gone" 404 "$(code GET '/v1/volumes/weights/stat?path=/new' "${R[@]}")"
same "an unknown route" 404 "$(code GET /v1/nothing "${R[@]}")"

# --- concurrent uploads of one path: the last complete one wins, nothing torn ----------------------------------
for i in 1 2 3 4; do head -c 6000000 /dev/urandom >"c$i.bin"; done
pids=()
for i in 1 2 3 4; do
  curl -s -o /dev/null -X PUT "${W[@]}" -T "c$i.bin" "$URL/v1/volumes/weights/files/race.bin" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
code GET /v1/volumes/weights/files/race.bin "${R[@]}" >/dev/null
whole=0; for i in 1 2 3 4; do cmp -s body "c$i.bin" && whole=1; done
same "the file is one of the uploads, whole" 1 "$whole"

# --- an interrupted upload leaves nothing ---------------------------------------------------------------------
head -c 50000000 /dev/urandom >slow.bin
# `command`: the job must be curl itself, so that killing it cuts the upload (a function would run in a subshell).
command curl -m 120 -s -o /dev/null -X PUT "${W[@]}" -T slow.bin --limit-rate 5M "$URL/v1/volumes/weights/files/cut.bin" &
cutter=$!
sleep 1; kill "$cutter"; wait "$cutter" 2>/dev/null || true
sleep 0.5
same "a cut upload is not visible" 404 "$(code GET '/v1/volumes/weights/stat?path=/cut.bin' "${R[@]}")"

# --- KV ----------------------------------------------------------------------------------------------------------
same "kv set" 200 "$(code PUT /v1/kv/weights/greeting "${W[@]}" --data-binary hello)"
same "kv get" 200 "$(code GET /v1/kv/weights/greeting "${R[@]}")"
same "kv value" hello "$(cat body)"
same "the CLI reads it" hello "$("$STRATA" kv get weights greeting)"
check "the CLI sets one with a ttl" "$STRATA" kv set weights short "bye" --ttl 1s
same "kv list" 200 "$(code GET /v1/kv/weights "${R[@]}")"
same "two keys" "greeting short" "$(/usr/bin/python3 -c 'import json;print(" ".join(k["key"] for k in json.load(open("body"))["keys"]))')"
same "a kv limit is a number" 400 "$(code GET '/v1/kv/weights?limit=5x' "${R[@]}")"
# Expiry itself is checked in process on a fake clock (server_test's ApiServerTest).
same "read-only cannot set" 403 "$(code PUT /v1/kv/weights/x "${R[@]}" --data-binary x)"
same "another store" 403 "$(code PUT /v1/kv/other/x "${W[@]}" --data-binary x)"
same "a bad ttl" 400 "$(code PUT '/v1/kv/weights/x?ttl=soon' "${W[@]}" --data-binary x)"
# L2: a ttl near 292 years overflowed now + ttl, and the key expired at once.
same "a ttl too long" 400 "$(code PUT '/v1/kv/weights/x?ttl=106751d' "${W[@]}" --data-binary x)"
refuse "the CLI refuses it too" "longer than" "$STRATA" kv set weights x y --ttl 106751d
same "a ttl of ten years" 200 "$(code PUT '/v1/kv/weights/long?ttl=3650d' "${W[@]}" --data-binary x)"
same "is kept" x "$(curl -s "${W[@]}" "$URL/v1/kv/weights/long")"
head -c $((25 * 1024 * 1024)) /dev/urandom >value25
same "a 25 MiB value" 200 "$(code PUT /v1/kv/weights/big "${W[@]}" --data-binary @value25)"
same "read back" 200 "$(code GET /v1/kv/weights/big "${R[@]}")"
check "its bytes" cmp value25 body
head -c $((25 * 1024 * 1024 + 1)) /dev/urandom >value26
same "a value over 25 MiB" 413 "$(code PUT /v1/kv/weights/big "${W[@]}" --data-binary @value26)"
same "the old value stays" 200 "$(code GET /v1/kv/weights/big "${R[@]}")"
check "unchanged" cmp value25 body
same "kv delete" 204 "$(code DELETE /v1/kv/weights/greeting "${W[@]}")"
same "deleted" 404 "$(code GET /v1/kv/weights/greeting "${R[@]}")"

# --- metrics -------------------------------------------------------------------------------------------------------
same "metrics need a token" 401 "$(code GET /metrics)"
same "metrics are not for a volume's token" 403 "$(code GET /metrics "${R[@]}")"
same "metrics" 200 "$(code GET /metrics "${A[@]}")"
grep -q '^strata_http_requests_total [1-9]' body && pass || fail "requests counter: $(head -5 body)"
grep -q '^strata_uploads_total [1-9]' body && pass || fail "uploads counter"
grep -q '^strata_cache_hits_total{tier="' body && pass || fail "tier counters: $(cat body)"

# --- resumable uploads through the API ----------------------------------------------------------------------------
head -c 10485760 /dev/urandom >parts.bin   # 2.5 parts of 4 MiB
split -b 4194304 -d -a 1 parts.bin part.
same "create a session" 201 "$(code POST /v1/volumes/weights/uploads "${W[@]}" -d '{"path":"/up/parts.bin","part_size":4194304}')"
ID=$(/usr/bin/python3 -c 'import json;print(json.load(open("body"))["id"])')
same "a read-only token cannot send parts" 403 "$(code PUT "/v1/volumes/weights/uploads/$ID/parts/0" "${R[@]}" --data-binary @part.0)"
same "another volume does not know it" 404 "$(code GET "/v1/volumes/other/uploads/$ID" "${A[@]}")"
same "part 2 first" 200 "$(code PUT "/v1/volumes/weights/uploads/$ID/parts/2" "${W[@]}" --data-binary @part.2)"
same "part 0" 200 "$(code PUT "/v1/volumes/weights/uploads/$ID/parts/0" "${W[@]}" --data-binary @part.0 -H "X-Strata-Sha256: $(sha256sum part.0 | cut -d' ' -f1)")"
same "a part with a wrong checksum" 400 "$(code PUT "/v1/volumes/weights/uploads/$ID/parts/1" "${W[@]}" --data-binary @part.1 -H "X-Strata-Sha256: $(sha256sum part.0 | cut -d' ' -f1)")"
same "a part over the part size" 413 "$(code PUT "/v1/volumes/weights/uploads/$ID/parts/1" "${W[@]}" --data-binary @parts.bin)"
same "the server has parts 0 and 2" 200 "$(code GET "/v1/volumes/weights/uploads/$ID" "${R[@]}")"
same "parts listed" "0 2" "$(/usr/bin/python3 -c 'import json;print(" ".join(str(p["number"]) for p in json.load(open("body"))["parts"]))')"
same "a POST without a length" 411 "$(code POST "/v1/volumes/weights/uploads/$ID/complete" "${W[@]}")"
same "complete with a part missing" 400 "$(code POST "/v1/volumes/weights/uploads/$ID/complete" "${W[@]}" -d '')"
same "not visible yet" 404 "$(code GET '/v1/volumes/weights/stat?path=/up/parts.bin' "${R[@]}")"
check "gc keeps the parts of a live session" "$STRATA" gc --grace 0
same "part 1" 200 "$(code PUT "/v1/volumes/weights/uploads/$ID/parts/1" "${W[@]}" --data-binary @part.1)"
same "complete with the wrong size" 400 "$(code POST "/v1/volumes/weights/uploads/$ID/complete" "${W[@]}" -d '{"size": 5}')"
same "complete" 201 "$(code POST "/v1/volumes/weights/uploads/$ID/complete" "${W[@]}" -d "{\"size\": 10485760, \"parts\": 3}")"
check "the completed file" cmp parts.bin <("$STRATA" cat weights /up/parts.bin)
same "the session is gone" 404 "$(code GET "/v1/volumes/weights/uploads/$ID" "${R[@]}")"
# An abandoned session's expiry and its gc: in process, on a fake clock (server_test).
same "abort" 201 "$(code POST /v1/volumes/weights/uploads "${W[@]}" -d '{"path":"/up/aborted.bin"}')"
ID3=$(/usr/bin/python3 -c 'import json;print(json.load(open("body"))["id"])')
same "aborted" 204 "$(code DELETE "/v1/volumes/weights/uploads/$ID3" "${W[@]}")"

# --- strata put to the server, interrupted by the server's death, resumed ----------------------------------------------
head -c 400000000 /dev/urandom >huge.bin
export STRATA_TOKEN=$RW
PUT_HOME="$WORK/client"
STRATA_HOME="$PUT_HOME" "$STRATA" put weights huge.bin "$URL/models/huge.bin" >put1.log 2>&1 &
putter=$!
parts=0
for _ in $(seq 400); do
  sid=$(cat "$PUT_HOME"/uploads/* 2>/dev/null || true)
  if [ -n "$sid" ] && [ "$(code GET "/v1/volumes/weights/uploads/$sid" "${R[@]}")" = 200 ]; then
    parts=$(/usr/bin/python3 -c 'import json;print(len(json.load(open("body"))["parts"]))')
    [ "$parts" -ge 2 ] && break
  fi
  sleep 0.05
done
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
if wait "$putter"; then fail "the put survived its server's death: $(cat put1.log)"; else pass; fi
[ "$parts" -ge 2 ] && pass || fail "no parts arrived before the kill"
start_server "${URL##*:}"
out=$(STRATA_HOME="$PUT_HOME" "$STRATA" put weights huge.bin "$URL/models/huge.bin" 2>&1) && pass || fail "resumed put: $out"
echo "$out" | grep -qE "resumed: [0-9]+ parts" && pass || fail "the second put did not resume: $out"
check "the resumed upload is whole" cmp huge.bin <("$STRATA" cat weights /models/huge.bin)
same "no session state left" "" "$(ls "$PUT_HOME/uploads")"
unset STRATA_TOKEN
same "a put without a token" 1 "$(STRATA_HOME="$PUT_HOME" "$STRATA" put weights small.txt "$URL/x.txt" >/dev/null 2>&1; echo $?)"

# --- upload from a URL: by the server and by the CLI ------------------------------------------------------------------
mkdir -p site; cp big.bin site/model.safetensors
/usr/bin/python3 -m http.server 0 --bind 127.0.0.1 --directory site >site.log 2>&1 &
SITE_PID=$!
for _ in $(seq 100); do grep -q "port" site.log && break; sleep 0.1; done
SITE="http://127.0.0.1:$(grep -o 'port [0-9]*' site.log | cut -d' ' -f2)"
same "the server fetches a URL" 201 "$(code POST /v1/volumes/weights/fetch "${W[@]}" -d "{\"url\": \"$SITE/model.safetensors\", \"path\": \"/fetched/m.safetensors\"}")"
check "fetched bytes" cmp big.bin <("$STRATA" cat weights /fetched/m.safetensors)
same "a URL that is not there" 502 "$(code POST /v1/volumes/weights/fetch "${W[@]}" -d "{\"url\": \"$SITE/nope\", \"path\": \"/fetched/nope\"}")"
same "nothing for it" 404 "$(code GET '/v1/volumes/weights/stat?path=/fetched/nope' "${R[@]}")"
same "no directory for it either" 404 "$(code POST /v1/volumes/weights/fetch "${W[@]}" -d "{\"url\": \"$SITE/nope\", \"path\": \"/nodir2/nope\"}" >/dev/null; code GET '/v1/volumes/weights/stat?path=/nodir2' "${R[@]}")"
same "not http" 400 "$(code POST /v1/volumes/weights/fetch "${W[@]}" -d '{"url": "file:///etc/passwd", "path": "/x"}')"
check "the CLI puts from a URL" "$STRATA" put weights "$SITE/model.safetensors" /cli/m.safetensors
check "its bytes" cmp big.bin <("$STRATA" cat weights /cli/m.safetensors)
refuse "the CLI from a missing URL" "404" "$STRATA" put weights "$SITE/nope" /cli/nope
kill "$SITE_PID"

kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
check "fsck after all that" "$STRATA" fsck
report server
