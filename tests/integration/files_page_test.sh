#!/usr/bin/env bash
# Issue 6: the Files page of `strata serve` in headless Chromium (tests/browser/files_page_test.mjs),
# then the volume checked with the CLI: what the page did is what the volume holds.
# Needs Debian's chromium and tests/browser/node_modules (scripts/install_deps.sh).
# Usage: files_page_test.sh PATH/TO/strata [SCREENSHOT_DIR]
set -euo pipefail

STRATA=$(realpath "${1:?usage: files_page_test.sh PATH/TO/strata [SCREENSHOT_DIR]}")
HERE=$(dirname "$(realpath "$0")")
# shellcheck source=assertions.sh
source "$HERE/assertions.sh"
WORK=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$WORK"' EXIT
export STRATA_HOME="$WORK/home"
unset STRATA_META STRATA_STORE STRATA_PEERS
cd "$WORK"

"$STRATA" volume create weights >/dev/null
TOKEN=$("$STRATA" token create --volume weights 2>/dev/null)
mkdir files site
head -c 3000000 /dev/urandom >files/small.bin
head -c 40000000 /dev/urandom >files/large.bin   # over the page's 16 MiB: a resumable session
head -c 5000000 /dev/urandom >files/model.bin
cp files/model.bin site/model.bin

"$STRATA" serve --listen 127.0.0.1:0 --allow-private-fetch >serve.log 2>&1 &
PIDS+=($!)
/usr/bin/python3 -m http.server 0 --bind 127.0.0.1 --directory site >site.log 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do grep -q "http://" serve.log && grep -q "port" site.log && break; sleep 0.1; done
URL=$(grep -o 'http://[0-9.:]*' serve.log)
SITE="http://127.0.0.1:$(grep -o 'port [0-9]*' site.log | cut -d' ' -f2)"

if STRATA_URL="$URL" STRATA_TOKEN="$TOKEN" SITE_URL="$SITE" FILES_DIR="$WORK/files" \
   SCREENSHOT_DIR="${2:-}" NODE_PATH="$HERE/../browser/node_modules" \
   node "$HERE/../browser/files_page_test.mjs"; then pass; else fail "the browser test"; fi

# What the page did, as the volume now holds it.
check "the large upload" cmp files/large.bin <("$STRATA" cat weights /models/large.bin)
check "the URL upload" cmp files/model.bin <("$STRATA" cat weights /models/from-url.bin)
same "the renamed file was deleted" "from-url.bin large.bin" "$("$STRATA" ls weights /models | xargs)"
check "fsck" "$STRATA" fsck
report files_page
