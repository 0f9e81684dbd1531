#!/usr/bin/env bash
# `strata` on an S3 store (the radosgw of the ctest fixture), as issue 3's user runs it: put,
# prefetch and --check, reads served from the cache, cache stats and clear, and a store that goes
# away (cached files still read; others fail naming the chunk and the file).
# Usage: s3_cli_test.sh PATH/TO/strata S3_ENV_FILE
set -euo pipefail

STRATA=$(realpath "${1:?usage: s3_cli_test.sh PATH/TO/strata S3_ENV_FILE}")
# shellcheck source=assertions.sh
source "$(dirname "$(realpath "$0")")/assertions.sh"
# shellcheck disable=SC1090
source "${2:?usage: s3_cli_test.sh PATH/TO/strata S3_ENV_FILE}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export STRATA_HOME="$WORK/home"
unset STRATA_META STRATA_CACHE_DIR STRATA_CACHE_SIZE
PREFIX="cli-$$-$RANDOM"
export STRATA_STORE="s3://$S3_BUCKET/$PREFIX?endpoint=$S3_ENDPOINT&region=us-east-1"

mkdir -p model
head -c 9000000 /dev/urandom >model/big.safetensors
head -c 3000000 /dev/urandom >model/shard2.bin
echo '{"a": 1}' >model/config.json

check "volume create" "$STRATA" volume create weights --if-missing
check "put to S3" "$STRATA" put weights ./model /models/m
same "chunks are in the bucket" 5 \
  "$(curl -s --aws-sigv4 aws:amz:us-east-1:s3 --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
       -H 'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' \
       "$S3_ENDPOINT/$S3_BUCKET?list-type=2&prefix=$PREFIX%2Fchunks%2F" | grep -o '<Key>' | wc -l)"

"$STRATA" prefetch weights /models/m --check >check.out
same "--check before: nothing cached" "cached: 3 files, 0 B of 11.4 MiB cached (0.0%) in $STRATA_HOME/cache" \
  "$(tail -1 check.out)"
check "prefetch" "$STRATA" prefetch weights /models/m
"$STRATA" prefetch weights /models/m --check >check.out
same "--check after: all cached" "cached: 3 files, 11.4 MiB of 11.4 MiB cached (100.0%) in $STRATA_HOME/cache" \
  "$(tail -1 check.out)"
grep -q "100.0%.*/models/m/big.safetensors" check.out && pass || fail "--check lists each file"
"$STRATA" prefetch weights /models/m >again.out
grep -q "0 chunks (0 B) fetched from the store" again.out && pass || fail "a second prefetch fetches nothing: $(cat again.out)"

# Reads come from the cache: the store's fetch count does not move.
store_fetches() { "$STRATA" cache stats | awk '$1 == "store" { print $3 }'; }
before=$(store_fetches)
"$STRATA" cat weights /models/m/big.safetensors | cmp -s - model/big.safetensors && pass || fail "cat returns the bytes"
same "cat was served from the cache" "$before" "$(store_fetches)"
"$STRATA" cache stats | grep -qE '^  disk +[1-9]' && pass || fail "cache stats counts disk hits"

# The store goes away: what is cached still reads, the rest fails clearly.
DOWN="s3://$S3_BUCKET/$PREFIX?endpoint=http://127.0.0.1:1&region=us-east-1&retries=1"
"$STRATA" --store "$DOWN" cat weights /models/m/big.safetensors | cmp -s - model/big.safetensors \
  && pass || fail "a cached file reads with the store down"
check "cache clear" "$STRATA" cache clear
refuse "an uncached file with the store down" "models/m/big.safetensors \(chunk 0 of 3\).*chunks/.*connect" \
  "$STRATA" --store "$DOWN" cat weights /models/m/big.safetensors
check "reads work again once the store is back" "$STRATA" get weights /models/m/config.json got.json
same "get after clear" "$(cat model/config.json)" "$(cat got.json)"

# Several processes filling one cache at once all read the right bytes.
check "cache clear before concurrent readers" "$STRATA" cache clear
for i in 1 2 3 4; do
  ("$STRATA" cat weights /models/m/big.safetensors >"cat$i.out" 2>"cat$i.err"; echo $? >"cat$i.rc") &
done
wait
for i in 1 2 3 4; do
  same "concurrent reader $i exit" 0 "$(cat "cat$i.rc")"
  cmp -s "cat$i.out" model/big.safetensors && pass || fail "concurrent reader $i bytes"
done
"$STRATA" prefetch weights /models/m/big.safetensors --check | tail -1 | grep -q "(100.0%)" \
  && pass || fail "the concurrent readers left the file cached"

# A bounded cache stays in its bound.
check "prefetch into a small cache" "$STRATA" --cache-size 5M prefetch weights /models/m
used=$(du -sb "$STRATA_HOME/cache/chunks" | cut -f1)
[ "$used" -le $((5 * 1024 * 1024)) ] && pass || fail "cache holds $used bytes, more than 5M"

refuse "a bad --cache-size" "cache-size" "$STRATA" --cache-size lots cache stats
refuse "bad credentials" "AWS_SECRET_ACCESS_KEY" env AWS_SECRET_ACCESS_KEY=wrong "$STRATA" --cache-dir "$WORK/c2" cat weights /models/m/config.json

report s3_cli_test
