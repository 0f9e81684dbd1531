#!/usr/bin/env bash
# `strata mount --bucket` and `strata prefetch --bucket` against the real S3 server of
# tests/support/s3_server.sh (radosgw): plain objects (written with curl, as any S3 tool would)
# seen as files and directories; bytes read in ranges through the cache; an object changed while
# mounted read anew (also when its size stays the same: pieces are named by ETag); prefetch
# warming the cache once; read-only refusing writes; --read-write uploading whole objects (a
# multipart one included), mkdir/rmdir/unlink, renames refused; bad buckets refused clearly.
# Needs root, /dev/fuse and STRATA_TEST_S3_ENV. Usage: bucket_mount_test.sh PATH/TO/strata
set -euo pipefail

STRATA=$(realpath "${1:?usage: bucket_mount_test.sh PATH/TO/strata}")
# shellcheck source=assertions.sh
source "$(dirname "$(realpath "$0")")/assertions.sh"
: "${STRATA_TEST_S3_ENV:?needs the S3 server fixture (STRATA_TEST_S3_ENV)}"
# shellcheck disable=SC1090
source "$STRATA_TEST_S3_ENV"
WORK=$(mktemp -d)
M="$WORK/mnt"
cleanup() {
  "$STRATA" umount "$M" 2>/dev/null || fusermount3 -uz "$M" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
export STRATA_HOME="$WORK/home"
unset STRATA_META STRATA_STORE
export STRATA_CACHE_DIR="$WORK/cache"
cd "$WORK"
mkdir -p "$M" src/sub/deeper

PREFIX="bucket-mount-$$-$RANDOM"
BUCKET_URL="s3://$S3_BUCKET/$PREFIX?endpoint=$S3_ENDPOINT&region=us-east-1"
# s3 VERB KEY [FILE|-empty]: a plain S3 request for KEY under the prefix, signed by curl itself.
s3() {
  local verb=$1 key=$2 file=${3:-}
  local args=(-sf --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -X "$verb")
  if [ "$file" == "-empty" ]; then args+=(--data-binary ""); elif [ -n "$file" ]; then args+=(-T "$file"); fi
  curl "${args[@]}" "$S3_ENDPOINT/$S3_BUCKET/$PREFIX/$key"
}
mount_bucket() { "$STRATA" mount --bucket "$BUCKET_URL" "$M" --listing-ttl 0.2 --ttl 0.2 "$@" >/dev/null; }
umount_bucket() { "$STRATA" umount "$M"; }

# --- plain objects, written by another tool ------------------------------------------------------
head -c 10485763 /dev/urandom >src/model.bin   # 3 pieces of 4 MiB, the last one short
echo '{"a": 1}' >src/config.json
echo nested >src/sub/deeper/n.txt
: >src/empty
echo spaced >"src/sub/with space.txt"
for f in model.bin config.json sub/deeper/n.txt empty "sub/with space.txt"; do
  s3 PUT "$(printf %s "$f" | sed 's/ /%20/g')" "src/$f"
done
s3 PUT "emptydir/" -empty   # the marker S3 consoles make for an empty folder

# --- read-only mount -------------------------------------------------------------------------------
check "mount the bucket" mount_bucket
same "top level" "config.json empty emptydir model.bin sub" "$(ls "$M" | xargs)"
same "nested" "deeper with space.txt" "$(ls "$M/sub" | xargs)"
same "empty directory" "" "$(ls "$M/emptydir")"
same "size from the listing" "10485763" "$(stat -c %s "$M/model.bin")"
same "directory type" "directory" "$(stat -c %F "$M/sub/deeper")"
check "bytes of a 3-piece object" cmp src/model.bin "$M/model.bin"
check "bytes of nested objects" cmp src/sub/deeper/n.txt "$M/sub/deeper/n.txt"
check "bytes of a key with a space" cmp "src/sub/with space.txt" "$M/sub/with space.txt"
check "an empty object" cmp src/empty "$M/empty"
check "a read in the middle" cmp <(tail -c +4194000 src/model.bin | head -c 300000) \
  <(tail -c +4194000 "$M/model.bin" | head -c 300000)
refuse "no writes when read-only" "read-only" touch "$M/new"
refuse "no deletes when read-only" "read-only" rm "$M/config.json"
refuse "a missing object" "no such file" cat "$M/absent"

# --- a key changed while mounted: read anew, also at the same size --------------------------------
head -c 10485763 /dev/urandom >src/model2.bin
s3 PUT model.bin src/model2.bin
sleep 0.5
check "same-size change read anew" cmp src/model2.bin "$M/model.bin"
echo '{"a": 2, "longer": true}' >src/config.json
s3 PUT config.json src/config.json
sleep 0.5
check "changed size read anew" cmp src/config.json "$M/config.json"
s3 DELETE sub/deeper/n.txt
sleep 0.5
refuse "a deleted key disappears" "no such file" stat "$M/sub/deeper/n.txt"
check "unmount" umount_bucket

# --- prefetch warms the cache once -----------------------------------------------------------------
check "clear the cache" "$STRATA" cache clear
out=$("$STRATA" prefetch --bucket "$BUCKET_URL" / 2>&1)
echo "$out" | grep -q "[1-9][0-9]* pieces .* fetched from the bucket, 0 already cached" && pass ||
  fail "first prefetch fetches: $out"
out=$("$STRATA" prefetch --bucket "$BUCKET_URL" / 2>&1)
echo "$out" | grep -q " 0 pieces (0 B) fetched from the bucket" && pass || fail "second prefetch: $out"
out=$("$STRATA" prefetch --bucket "$BUCKET_URL" sub 2>&1)
echo "$out" | grep -q "1 files" && pass || fail "prefetch of a directory: $out"

# --- read-write mount ---------------------------------------------------------------------------
check "mount read-write" mount_bucket --read-write
head -c 70000000 /dev/urandom >src/large.bin   # above 64 MiB: a multipart upload
check "copy a large file in" cp src/large.bin "$M/large.bin"
check "large file reads back" cmp src/large.bin "$M/large.bin"
check "mkdir" mkdir "$M/made"
check "write into it" sh -c "echo made >'$M/made/f.txt'"
check "append to an existing object" sh -c "echo more >>'$M/sub/with space.txt'"
refuse "rename refused" "not supported" mv "$M/made/f.txt" "$M/made/g.txt"
refuse "rmdir of a non-empty dir" "not empty" rmdir "$M/made"
check "unlink" rm "$M/made/f.txt"
check "rmdir" rmdir "$M/made"
check "unmount" umount_bucket
check "remount read-only" mount_bucket
check "large object in the bucket" cmp src/large.bin "$M/large.bin"
same "appended object" "spaced more" "$(cat "$M/sub/with space.txt" | xargs)"
refuse "removed dir gone" "no such file" stat "$M/made"
check "unmount" umount_bucket
check "the object as S3 has it" cmp src/large.bin <(s3 GET large.bin)

# --- bad buckets ------------------------------------------------------------------------------------
refuse "a missing bucket" "does not exist" "$STRATA" mount --bucket \
  "s3://no-such-bucket-$$?endpoint=$S3_ENDPOINT&region=us-east-1" "$M"
refuse "not an s3 URL" "s3://BUCKET" "$STRATA" mount --bucket "file:///tmp" "$M"
refuse "read-write is for buckets" "for --bucket" "$STRATA" mount vol "$M" --read-write

report bucket_mount
