#!/usr/bin/env bash
# End-to-end test of the `strata` command as a user runs it: every verb of the foundation, the
# errors a user can cause, and the guarantees (dedup, atomic mv, corruption detection).
# Usage: cli_test.sh PATH/TO/strata
set -euo pipefail

STRATA=$(realpath "${1:?usage: cli_test.sh PATH/TO/strata}")
# shellcheck source=assertions.sh
source "$(dirname "$(realpath "$0")")/assertions.sh"
WORK=$(mktemp -d)
trap 'umount "$WORK/small" 2>/dev/null || true; rm -rf "$WORK"' EXIT
export STRATA_HOME="$WORK/home"
unset STRATA_META STRATA_STORE
cd "$WORK"

# --- a small model directory: shards, a config, a symlink, an empty file, a nested dir --------
mkdir -p model/sub
head -c 9000000 /dev/urandom >model/shard1.bin
cp model/shard1.bin model/shard2.bin          # identical bytes: stored once
echo '{"hidden_size": 64}' >model/config.json
: >model/empty
echo nested >model/sub/nested.txt
ln -s config.json model/link.json
chmod 600 model/config.json
touch -d '2020-01-02 03:04:05' model/shard1.bin

# --- volumes --------------------------------------------------------------------------------
check "volume create" "$STRATA" volume create weights
refuse "volume create twice" "exists" "$STRATA" volume create weights
check "volume create --if-missing" "$STRATA" volume create weights --if-missing
check "volume create with chunk size" "$STRATA" volume create small --chunk-size 1M
refuse "bad volume name" "invalid volume name" "$STRATA" volume create 'bad/name'
refuse "bad chunk size" "chunk size" "$STRATA" volume create tiny --chunk-size 1K
same "volume list" "small weights" "$("$STRATA" volume list | awk 'NR>1 {print $1}' | xargs)"
refuse "missing volume" "no volume named 'nope'" "$STRATA" ls nope /

# --- put, dedup, re-put -----------------------------------------------------------------------
out=$("$STRATA" put weights ./model /models/llama-tiny)
echo "$out" | grep -q "5 files" && pass || fail "put summary: $out"
# 2 x 9 MB at 4 MiB chunks = 3 chunks each, identical; + config + nested = 5 uploaded, 3 present.
echo "$out" | grep -q "5 chunks uploaded, 3 already present" && pass || fail "put dedup: $out"
out=$("$STRATA" put weights ./model /models/llama-tiny)
echo "$out" | grep -q " 0 chunks uploaded, 8 already present" && pass || fail "re-put: $out"
refuse "put of a missing local path" "no such file" "$STRATA" put weights ./missing /x
refuse "put with .." "escape" "$STRATA" put weights ./model/config.json /models/../x
check "put a file into a directory" "$STRATA" put weights ./model/config.json /models
same "file put into a directory" "20" "$("$STRATA" stat weights /models/config.json | awk '/size:/ {print $2}')"

# --- ls ---------------------------------------------------------------------------------------
same "ls" "config.json empty link.json shard1.bin shard2.bin sub/" \
  "$("$STRATA" ls weights /models/llama-tiny | xargs)"
"$STRATA" ls weights /models -l -R >ls.txt
grep -q '^/models/llama-tiny/sub:$' ls.txt && pass || fail "ls -R lacks the subdirectory header"
grep -q 'link.json -> config.json' ls.txt && pass || fail "ls -l lacks the symlink target"
grep -qE '^-rw------- .* 20 .* config.json$' ls.txt && pass || fail "ls -l mode/size: $(grep config ls.txt)"
refuse "ls of a missing path" "no such file" "$STRATA" ls weights /nope

# --- cat, get ---------------------------------------------------------------------------------
same "cat" '{"hidden_size": 64}' "$("$STRATA" cat weights /models/llama-tiny/config.json)"
same "cat through a symlink" '{"hidden_size": 64}' "$("$STRATA" cat weights /models/llama-tiny/link.json)"
"$STRATA" cat weights /models/llama-tiny/shard1.bin | cmp - model/shard1.bin && pass || fail "cat of a big file"
refuse "cat of a directory" "is a directory" "$STRATA" cat weights /models
check "get a tree" "$STRATA" get weights /models/llama-tiny ./copy
diff -r model copy && pass || fail "get: trees differ"
same "get keeps modes" "$(stat -c %a model/config.json)" "$(stat -c %a copy/config.json)"
same "get keeps mtimes" "$(stat -c %Y model/shard1.bin)" "$(stat -c %Y copy/shard1.bin)"
same "get keeps symlinks" "config.json" "$(readlink copy/link.json)"
check "get a file" "$STRATA" get weights /models/llama-tiny/shard2.bin ./one.bin
cmp one.bin model/shard2.bin && pass || fail "get of a file"
mkdir -p into
check "get a file into a directory" "$STRATA" get weights /models/llama-tiny/config.json ./into
cmp into/config.json model/config.json && pass || fail "get into a directory"

# --- mv, cp, rm, mkdir, ln ------------------------------------------------------------------
check "mkdir" "$STRATA" mkdir weights /models/new
refuse "mkdir existing" "exists" "$STRATA" mkdir weights /models/new
for mode in 8 ' 755' 755x 17777 ''; do
  refuse "mkdir -m '$mode'" "is not octal" "$STRATA" mkdir -m "$mode" weights /models/moded
done
check "mkdir -m 0700" "$STRATA" mkdir -m 0700 weights /models/moded
refuse "mkdir without parents" "no such file" "$STRATA" mkdir weights /a/b/c
check "mkdir -p" "$STRATA" mkdir weights /a/b/c -p
check "mkdir -p existing" "$STRATA" mkdir weights /a/b/c -p
refuse "mkdir under a file" "not a directory" "$STRATA" mkdir weights /models/config.json/x -p

check "cp a file" "$STRATA" cp weights /models/llama-tiny/shard1.bin /models/a
check "mv replaces" "$STRATA" mv weights /models/a /models/config.json
same "mv replaced the file" "9000000" "$("$STRATA" stat weights /models/config.json | awk '/size:/ {print $2}')"
refuse "mv of a missing path" "no such file" "$STRATA" mv weights /models/a /models/b
refuse "mv a directory into itself" "into itself" "$STRATA" mv weights /models /models/new/x
check "mv into a directory" "$STRATA" mv weights /models/config.json /models/new
"$STRATA" stat weights /models/new/config.json >/dev/null && pass || fail "mv into a directory"
check "cp -r" "$STRATA" cp weights /models/llama-tiny /models/copy -r
refuse "cp of a directory without -r" "use -r" "$STRATA" cp weights /models/llama-tiny /models/c2
check "ln -s" "$STRATA" ln weights -s llama-tiny/config.json /models/cfg
same "cat via ln -s" '{"hidden_size": 64}' "$("$STRATA" cat weights /models/cfg)"

refuse "rm of a non-empty directory" "not empty" "$STRATA" rm weights /models/copy
check "rm -r" "$STRATA" rm weights /models/copy -r
refuse "rm of a missing path" "no such file" "$STRATA" rm weights /models/copy
check "rm -f of a missing path" "$STRATA" rm weights /models/copy -f
refuse "rm of the root" "root" "$STRATA" rm weights / -r

# --- stat, du ---------------------------------------------------------------------------------
"$STRATA" stat weights /models/llama-tiny/shard1.bin -v >stat.txt
same "stat chunk count" "3" "$(awk '/chunks:/ {print $2}' stat.txt)"
same "stat -v lists chunk ids" "3" "$(grep -cE '[0-9a-f]{64}$' stat.txt)"
"$STRATA" du weights /models/llama-tiny >du.txt
grep -q "logical: .*(18000027 bytes)" du.txt && pass || fail "du logical: $(cat du.txt)"
grep -q "stored: .*(9000027 bytes) in 5 distinct chunks" du.txt && pass || fail "du stored: $(cat du.txt)"

# --- corruption is reported, never returned -----------------------------------------------------
chunk=$("$STRATA" stat weights /models/llama-tiny/shard1.bin -v | awk '$1 == "1" {print $4}')
file="$STRATA_HOME/chunks/chunks/${chunk:0:2}/$chunk"
chmod u+w "$file"
printf 'X' | dd of="$file" bs=1 seek=100 conv=notrunc status=none
refuse "corrupted chunk on cat" "corrupt|does not match" "$STRATA" cat weights /models/llama-tiny/shard1.bin
refuse "corrupted chunk on get" "shard1.bin.*$chunk|$chunk.*shard1.bin" "$STRATA" get weights /models/llama-tiny/shard1.bin ./bad.bin
[ ! -e bad.bin ] && pass || fail "a corrupted get left a file behind"
ls -a . | grep -q 'strata-tmp' && fail "a corrupted get left a temporary behind" || pass

# --- several writers at once share one metadata database -------------------------------------
mkdir -p par
for i in 1 2 3 4; do
  mkdir -p "par/d$i" && for j in 1 2 3; do head -c 300000 /dev/urandom >"par/d$i/f$j"; done
done
pids=()
for i in 1 2 3 4; do "$STRATA" put weights "par/d$i" "/par/d$i" >/dev/null 2>"par/err$i" & pids+=($!); done
ok=1; for p in "${pids[@]}"; do wait "$p" || ok=0; done
[ $ok = 1 ] && pass || fail "concurrent puts: $(cat par/err*)"
same "concurrent puts all landed" "12" "$("$STRATA" ls weights /par -R | grep -c '^f')"

# --- a full disk is a clear error and publishes nothing -----------------------------------------
if mkdir -p small && mount -t tmpfs -o size=2M tmpfs small 2>/dev/null; then
  head -c 5000000 /dev/urandom >big5.bin
  refuse "put onto a full disk" "no space" "$STRATA" --store "file://$WORK/small/chunks" put weights ./big5.bin /full.bin
  refuse "nothing published after a full disk" "no such file" "$STRATA" stat weights /full.bin
  same "no temporaries left on the full disk" "0" "$(find small/chunks/.tmp -type f | wc -l)"
  umount small
else
  echo "SKIP: full-disk checks need permission to mount a tmpfs"
fi

# --- gc, fsck, volume delete -------------------------------------------------------------------
rc=0; "$STRATA" fsck >fsck.txt || rc=$?
same "fsck without --deep does not read chunks" "0" "$rc"
rc=0; "$STRATA" fsck --deep >fsck.txt || rc=$?
same "fsck --deep of a damaged store exits 4" "4" "$rc"
grep -q "problem: .*$chunk" fsck.txt && pass || fail "fsck does not name the damaged chunk"
rc=0; "$STRATA" fsck --deep --repair >fsck.txt || rc=$?
same "fsck --repair reports what it found" "4" "$rc"
check "restore the damaged file by putting it again" "$STRATA" put weights ./model/shard1.bin /models/llama-tiny/shard1.bin
out=$("$STRATA" fsck --deep) && pass || fail "fsck --deep after the repair: $out"
check "volume delete" "$STRATA" volume create scratch
check "put into scratch" "$STRATA" put weights ./model/sub /scratch-src
check "volume delete" "$STRATA" volume delete scratch
refuse "deleted volume is gone" "no volume named 'scratch'" "$STRATA" ls scratch /
refuse "bad grace" "not a duration" "$STRATA" gc --grace 1x
"$STRATA" gc --dry-run --grace 0 | grep -q "would be deleted" && pass || fail "gc --dry-run"
check "gc" "$STRATA" gc --grace 0
"$STRATA" fsck --deep | grep -q "0 orphan chunks" && pass || fail "orphans remain after gc"
cmp <("$STRATA" cat weights /models/llama-tiny/shard2.bin) model/shard2.bin && pass || fail "gc broke a live file"

# --- flags win over the environment -----------------------------------------------------------
check "explicit --meta/--store" "$STRATA" --meta "sqlite://$WORK/other/meta.db" --store "file://$WORK/other/chunks" volume create elsewhere
same "--home isolates" "elsewhere" "$("$STRATA" --home "$WORK/other" volume list | awk 'NR>1 {print $1}' | xargs)"
same "STRATA_META wins over the home default" "elsewhere" \
  "$(STRATA_META="sqlite://$WORK/other/meta.db" "$STRATA" volume list | awk 'NR>1 {print $1}' | xargs)"
refuse "unsupported store URL" "unsupported store URL" "$STRATA" --store "s4://x" volume list
check "--help" "$STRATA" --help
check "put --help" "$STRATA" put --help

report cli_test
