#!/usr/bin/env bash
# `strata import hub://…` against the hub emulator of tests/support on loopback: a snapshot at a
# branch, a tag and a commit, bytes checked, the commit recorded, a second import transferring
# nothing, --include, a new revision replacing the old one atomically with unchanged files
# reused, and every failure (bad token, unknown revision, damaged or failing download, bad URL)
# leaving the target as it was.
# Usage: hub_import_test.sh PATH/TO/strata
set -euo pipefail

STRATA=$(realpath "${1:?usage: hub_import_test.sh PATH/TO/strata}")
HERE=$(dirname "$(realpath "$0")")
EMULATOR="$HERE/../support/hub_emulator.py"
# shellcheck source=assertions.sh
source "$HERE/assertions.sh"
WORK=$(mktemp -d)
EMULATOR_PID=
stop_hub() { if [ -n "$EMULATOR_PID" ]; then kill "$EMULATOR_PID" 2>/dev/null || true; wait "$EMULATOR_PID" 2>/dev/null || true; EMULATOR_PID=; fi; }
trap 'stop_hub; rm -rf "$WORK"' EXIT
export STRATA_HOME="$WORK/home"
unset STRATA_META STRATA_STORE HF_TOKEN
cd "$WORK"

# start_hub [emulator options…]: serves ./repo as org/model; sets HF_ENDPOINT, PORT and COMMIT.
start_hub() {
  stop_hub
  rm -f port
  python3 "$EMULATOR" --root repo --repo org/model --tag v1 --token sekrit \
    --lfs-threshold 1000000 --port-file port "$@" 2>hub.log &
  EMULATOR_PID=$!
  for _ in $(seq 100); do [ -s port ] && break; sleep 0.1; done
  read -r PORT COMMIT <port
  export HF_ENDPOINT="http://127.0.0.1:$PORT"
}
served() { python3 -c "import json,sys,urllib.request; print(json.load(urllib.request.urlopen('$HF_ENDPOINT/_stats'))['body_bytes'])"; }
no_staging_left() { "$STRATA" ls w /models/org 2>/dev/null | grep -c 'import-' || true; }

# --- a generated repository: LFS shards (several ranges each), plain files, nested, empty ------
mkdir -p repo/tokenizer repo/onnx
head -c 41000000 /dev/urandom >repo/model-00001-of-00002.safetensors
head -c 9437187 /dev/urandom >repo/model-00002-of-00002.safetensors
head -c 1500000 /dev/urandom >repo/onnx/model.onnx
echo '{"hidden_size": 64}' >repo/config.json
echo '{"weight_map": {}}' >repo/model.safetensors.index.json
echo 'vocab' >"repo/tokenizer/vocab with space.txt"
: >repo/empty.txt
start_hub

check "volume create" "$STRATA" volume create w
export HF_TOKEN=sekrit
out=$("$STRATA" import "hub://org/model" w /models/org/model --range-size 8M 2>&1)
echo "$out" | grep -q "at commit $COMMIT (7 files downloaded" && pass || fail "import summary: $out"
check "get the snapshot" "$STRATA" get w /models/org/model got
check "snapshot bytes equal the repository" diff -r --exclude=.strata-hub.json repo got
same "the record names the commit" "$COMMIT" \
  "$(python3 -c 'import json,sys; print(json.load(open("got/.strata-hub.json"))["commit"])')"
same "the record names the revision asked" "main" \
  "$(python3 -c 'import json,sys; print(json.load(open("got/.strata-hub.json"))["revision"])')"
same "no staging directory left" "0" "$(no_staging_left)"
bytes=$(served)

# --- the same commit again, by branch, tag and id: nothing transferred --------------------------
for rev in main v1 "$COMMIT"; do
  out=$("$STRATA" import "hub://org/model@$rev" w /models/org/model 2>&1)
  echo "$out" | grep -q "nothing transferred" && pass || fail "re-import @$rev: $out"
done
same "re-imports downloaded no bytes" "$bytes" "$(served)"

# --- M3: a file changed in the volume (same size) is not carried into a "verified" snapshot ---
printf '{"hidden_size": 99}\n' >tampered.json   # the size of repo/config.json
check "tamper with a file in place" "$STRATA" put w tampered.json /models/org/model/config.json
out=$("$STRATA" import "hub://org/model@$COMMIT" w /models/org/model 2>&1)
echo "$out" | grep -q "1 files downloaded" && pass || fail "re-import after tampering: $out"
check "the hub's bytes are back" cmp repo/config.json <("$STRATA" cat w /models/org/model/config.json)
bytes=$(served)

# --- --include ---------------------------------------------------------------------------------
check "import with --include" "$STRATA" import hub://org/model@v1 w /models/org/json-only \
  --include '*.json' --include 'tokenizer/*'
same "only matching files" ".strata-hub.json config.json model.safetensors.index.json tokenizer/" \
  "$("$STRATA" ls w /models/org/json-only | xargs)"
refuse "an include matching nothing" "no file matching" \
  "$STRATA" import hub://org/model w /models/org/none --include '*.bin'

# --- failures leave the target as it was ------------------------------------------------------
before=$("$STRATA" ls w /models/org/model -l)
refuse "no token" "needs a token" env -u HF_TOKEN "$STRATA" import hub://org/model w /models/org/other
refuse "wrong token" "needs a token" env HF_TOKEN=wrong "$STRATA" import hub://org/model w /models/org/other
refuse "unknown revision" "no repository org/model with a revision 'nope'" \
  "$STRATA" import hub://org/model@nope w /models/org/other
refuse "unknown repository" "no repository org/absent" "$STRATA" import hub://org/absent w /x
refuse "not a hub URL" "not a hub URL" "$STRATA" import hf://org/model w /x
refuse "a bad repository name" "repository must be" "$STRATA" import 'hub://../etc@main' w /x
refuse "the volume root" "volume root" "$STRATA" import hub://org/model w /
refuse "onto a file" "not a directory" "$STRATA" import hub://org/model w /models/org/model/config.json
refuse "nothing at the other target" "no such" "$STRATA" stat w /models/org/other
check "a directory of other files" "$STRATA" mkdir -p w /models/mine/sub
refuse "never replaces what is not a snapshot of the repo" "is not a snapshot of hub://org/model" \
  "$STRATA" import hub://org/model w /models/mine
check "the directory is still there" "$STRATA" stat w /models/mine/sub

# A new revision whose second shard the hub damages on the way, then fails outright.
head -c 9437187 /dev/urandom >repo/model-00002-of-00002.safetensors
start_hub --corrupt model-00002-of-00002.safetensors
refuse "damaged download" "hash to .* the hub says" "$STRATA" import hub://org/model w /models/org/model
same "target unchanged after a damaged download" "$before" "$("$STRATA" ls w /models/org/model -l)"
same "no staging directory after a failure" "0" "$(no_staging_left)"
start_hub --fail model-00002-of-00002.safetensors
refuse "failing download" "HTTP 500" "$STRATA" import hub://org/model w /models/org/model
same "target unchanged after a failing download" "$before" "$("$STRATA" ls w /models/org/model -l)"

# --- the new revision, served whole: replaces the old one, unchanged files are not downloaded ---
start_hub
out=$("$STRATA" import hub://org/model w /models/org/model 2>&1)
echo "$out" | grep -q "at commit $COMMIT (1 files downloaded, 6 unchanged)" && pass || fail "update: $out"
same "only the changed shard was downloaded" "9437187" "$(served)"
rm -rf got && check "get the new snapshot" "$STRATA" get w /models/org/model got
check "new snapshot bytes equal the repository" diff -r --exclude=.strata-hub.json repo got
same "no staging directory after the update" "0" "$(no_staging_left)"

# --- the volume is consistent; the old shard's chunks are garbage -----------------------------
check "fsck clean" "$STRATA" fsck
out=$("$STRATA" gc --grace 0 2>&1)
echo "$out" | grep -qE "deleted [1-9]" && pass || fail "gc reclaims the replaced shard: $out"
check "fsck clean after gc" "$STRATA" fsck
rm -rf got && check "get after gc" "$STRATA" get w /models/org/model got
check "bytes after gc" diff -r --exclude=.strata-hub.json repo got

report hub_import
