#!/usr/bin/env bash
# Real tools on a real mount (issue 4): cp -a, rsync -a, tar, git, sqlite3 with a journal, Python,
# torch.save/torch.load, and a Hugging Face cache layout. What they write through the mount must
# read back identical through the mount, through a second mount, and through `strata get`.
# Needs root and /dev/fuse. Usage: mount_tools_test.sh PATH/TO/strata
set -euo pipefail

STRATA=$(realpath "${1:?usage: mount_tools_test.sh PATH/TO/strata}")
# shellcheck source=assertions.sh
source "$(dirname "$(realpath "$0")")/assertions.sh"
WORK=$(mktemp -d)
M="$WORK/m"
M2="$WORK/m2"
cleanup() {
  "$STRATA" umount "$M" 2>/dev/null || fusermount3 -uz "$M" 2>/dev/null || true
  "$STRATA" umount "$M2" 2>/dev/null || fusermount3 -uz "$M2" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
export STRATA_HOME="$WORK/home"
unset STRATA_META STRATA_STORE
# Debian's interpreter, where python3-torch lives (not a user's pyenv or venv).
PY=/usr/bin/python3
cd "$WORK"
mkdir -p "$M" "$M2"

# A tree with what tools care about: modes, mtimes, symlinks, hard links, an empty file, depth.
mkdir -p src/a/b/c src/empty-dir
head -c 5000000 /dev/urandom >src/a/big.bin
echo config >src/a/config.json
: >src/a/empty
echo deep >src/a/b/c/deep.txt
ln -s ../config.json src/a/b/link.json
ln src/a/config.json src/a/hardlink.json
chmod 751 src/a/b
chmod 600 src/a/config.json
touch -h -d '2021-03-04 05:06:07' src/a/big.bin src/a/b/link.json

check "volume create" "$STRATA" volume create tools
check "mount" "$STRATA" mount tools "$M"
check "second mount" "$STRATA" mount tools "$M2"
same "mount listed" "fuse.strata" "$(findmnt -n -o FSTYPE "$M")"
refuse "mount of a missing volume" "no volume" "$STRATA" mount nope "$WORK/src"
refuse "mount on a missing directory" "not an existing directory" "$STRATA" mount tools "$WORK/no-such-dir"
refuse "umount of what is not mounted" "not mounted" "$STRATA" umount "$WORK/src"

# --- cp -a ------------------------------------------------------------------------------------
check "cp -a into the mount" cp -a src "$M/cp"
check "cp -a tree identical (diff)" diff -r src "$M/cp"
# What the first mount wrote, the second reads whole.
check "second mount sees the same tree" diff -r src "$M2/cp"
same "modes kept" "$(stat -c %a src/a/b)" "$(stat -c %a "$M/cp/a/b")"
same "mtime kept" "$(stat -c %Y src/a/big.bin)" "$(stat -c %Y "$M/cp/a/big.bin")"
same "symlink mtime kept" "$(stat -c %Y src/a/b/link.json)" "$(stat -c %Y "$M/cp/a/b/link.json")"
same "symlink kept" "../config.json" "$(readlink "$M/cp/a/b/link.json")"
same "hard link kept" "$(stat -c %i "$M/cp/a/config.json")" "$(stat -c %i "$M/cp/a/hardlink.json")"
check "strata get of what cp wrote" "$STRATA" get tools /cp "$WORK/got"
check "strata get identical" diff -r src "$WORK/got"

# --- rsync -a, and an incremental rsync that changes one file -------------------------------
check "rsync -a" rsync -a src/ "$M/rsync/"
check "rsync tree identical" diff -r src "$M/rsync"
echo changed >>src/a/b/c/deep.txt
check "rsync -a again (one change)" rsync -a src/ "$M/rsync/"
same "rsync updated the file" "$(cat src/a/b/c/deep.txt)" "$(cat "$M2/rsync/a/b/c/deep.txt")"
check "rsync --checksum finds nothing to do" \
  bash -c "[ -z \"\$(rsync -a --checksum --itemize-changes src/ '$M/rsync/')\" ]"

# --- tar: extract onto the mount, create from it ---------------------------------------------
tar -C src -cf src.tar .
mkdir "$M/tarx"
check "tar extract onto the mount" tar -C "$M/tarx" -xf src.tar
check "tar extract identical" diff -r src "$M/tarx"
check "tar create from the mount" tar -C "$M/tarx" -cf from-mount.tar .
mkdir -p untar && tar -C untar -xf from-mount.tar
check "tar created from the mount extracts identical" diff -r src untar

# --- git: init, add, commit, log, fsck --------------------------------------------------------
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
check "git init" git init -q "$M/repo"
cp -r src/a "$M/repo/"
check "git add" git -C "$M/repo" add -A
check "git commit" git -C "$M/repo" commit -qm first
echo more >>"$M/repo/a/config.json"
check "git commit -a" git -C "$M/repo" commit -qam second
same "git log" "2" "$(git -C "$M/repo" rev-list --count HEAD)"
check "git fsck" git -C "$M/repo" fsck --strict
check "git status clean" bash -c "[ -z \"\$(git -C '$M/repo' status --porcelain)\" ]"
check "git clone from the mount" git clone -q "$M/repo" "$WORK/clone"

# --- sqlite3 with a rollback journal and with WAL ---------------------------------------------
sqlite_work() {
  local db=$1 mode=$2
  sqlite3 "$db" "PRAGMA journal_mode=$mode; CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT);" >/dev/null
  for i in $(seq 1 20); do
    sqlite3 "$db" "BEGIN; INSERT INTO t(v) VALUES (hex(randomblob(2000))); COMMIT;"
  done
  sqlite3 "$db" "UPDATE t SET v = 'x' WHERE k % 2 = 0; DELETE FROM t WHERE k > 15; VACUUM;"
}
check "sqlite3 (journal)" sqlite_work "$M/journal.db" DELETE
same "sqlite3 (journal) rows" "15" "$(sqlite3 "$M/journal.db" 'SELECT count(*) FROM t')"
same "sqlite3 integrity" "ok" "$(sqlite3 "$M/journal.db" 'PRAGMA integrity_check')"
same "sqlite3 read by the other mount" "15" "$(sqlite3 "$M2/journal.db" 'SELECT count(*) FROM t')"
check "sqlite3 (wal)" sqlite_work "$M/wal.db" WAL
same "sqlite3 (wal) integrity" "ok" "$(sqlite3 "$M/wal.db" 'PRAGMA integrity_check')"

# --- Python: write, append, seek, read --------------------------------------------------------
check "python file I/O" "$PY" - "$M/py" <<'EOF'
import os, sys, hashlib
root = sys.argv[1]
os.makedirs(root + "/x/y", exist_ok=True)
data = os.urandom(3 * 1024 * 1024 + 5)
with open(root + "/x/y/blob", "wb") as f:
    f.write(data)
with open(root + "/x/y/blob", "ab") as f:
    f.write(b"tail")
with open(root + "/x/y/blob", "r+b") as f:
    f.seek(1000)
    f.write(b"patch")
want = bytearray(data + b"tail"); want[1000:1005] = b"patch"
assert open(root + "/x/y/blob", "rb").read() == bytes(want)
os.replace(root + "/x/y/blob", root + "/x/final")
assert sorted(os.listdir(root + "/x")) == ["final", "y"]
assert os.stat(root + "/x/final").st_size == len(want)
EOF

# --- torch.save / torch.load ------------------------------------------------------------------
if "$PY" -c 'import torch' 2>/dev/null; then
  check "torch.save and torch.load through the mount" "$PY" - "$M" "$M2" <<'EOF'
import sys, torch
a, b = sys.argv[1], sys.argv[2]
torch.manual_seed(0)
state = {"w": torch.randn(512, 1024), "b": torch.arange(1000), "nested": {"x": torch.ones(3)}}
torch.save(state, a + "/model.pt")
for root in (a, b):
    back = torch.load(root + "/model.pt")
    assert torch.equal(back["w"], state["w"]) and torch.equal(back["b"], state["b"])
    assert torch.equal(back["nested"]["x"], state["nested"]["x"])
EOF
else
  fail "python3-torch is not installed (scripts/install_deps.sh installs it)"
fi

# --- a Hugging Face cache: blobs named by hash, snapshot symlinks, refs -----------------------
check "HF cache layout written through the mount" "$PY" - "$M/hf" <<'EOF'
import hashlib, os, sys
root = sys.argv[1] + "/hub/models--org--tiny"
rev = "0123456789abcdef0123456789abcdef01234567"
files = {"config.json": b'{"hidden": 8}', "model.safetensors": os.urandom(2_000_000)}
os.makedirs(root + "/blobs"); os.makedirs(root + "/refs"); os.makedirs(root + "/snapshots/" + rev)
for name, data in files.items():
    blob = hashlib.sha256(data).hexdigest()
    tmp = root + "/blobs/" + blob + ".incomplete"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, root + "/blobs/" + blob)
    os.symlink("../../blobs/" + blob, root + "/snapshots/" + rev + "/" + name)
with open(root + "/refs/main", "w") as f:
    f.write(rev)
EOF
check "HF cache read back through the second mount" "$PY" - "$M2/hf" <<'EOF'
import hashlib, os, sys
root = sys.argv[1] + "/hub/models--org--tiny"
rev = open(root + "/refs/main").read()
snap = root + "/snapshots/" + rev
assert sorted(os.listdir(snap)) == ["config.json", "model.safetensors"]
for name in os.listdir(snap):
    target = os.readlink(snap + "/" + name)
    assert target.startswith("../../blobs/")
    data = open(snap + "/" + name, "rb").read()
    assert hashlib.sha256(data).hexdigest() == os.path.basename(target), name
# A lookup of a file that is not there (the hub client probes many) is a clean miss.
assert not os.path.exists(snap + "/tokenizer.json")
EOF

# --- unmount: everything written is there afterwards ------------------------------------------
check "umount" "$STRATA" umount "$M"
check "umount second" "$STRATA" umount "$M2"
check "fsck after all tools" "$STRATA" fsck
check "remount" "$STRATA" mount tools "$M"
check "tree identical after remount" diff -r src "$M/rsync"
same "sqlite3 after remount" "ok" "$(sqlite3 "$M/journal.db" 'PRAGMA integrity_check')"
check "umount again" "$STRATA" umount "$M"

report mount_tools
