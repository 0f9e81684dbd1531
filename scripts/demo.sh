#!/usr/bin/env bash
# The demo behind `make demo`: the foundation's user story on the embedded default (SQLite
# metadata + a local chunk directory, no server), on a generated model directory.
# Usage: demo.sh PATH/TO/strata   (STRATA_HOME is honoured; default: a fresh temporary home)
set -euo pipefail

STRATA=$(realpath "${1:?usage: demo.sh PATH/TO/strata}")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export STRATA_HOME=${STRATA_HOME:-$WORK/home}
run() { printf '\n$ strata %s\n' "$*"; "$STRATA" "$@"; }

echo "== generating a small model directory (2 x 24 MiB shards sharing 16 MiB, config, tokenizer)"
mkdir -p "$WORK/llama-tiny"
head -c $((16 << 20)) /dev/urandom >"$WORK/common"
for i in 1 2; do
  { cat "$WORK/common"; head -c $((8 << 20)) /dev/urandom; } >"$WORK/llama-tiny/model-0000$i-of-00002.safetensors"
done
echo '{"architectures": ["LlamaForCausalLM"], "hidden_size": 256}' >"$WORK/llama-tiny/config.json"
head -c 100000 /dev/urandom | base64 >"$WORK/llama-tiny/tokenizer.json"
echo "home: $STRATA_HOME"

run volume create weights --if-missing
run volume list
run put weights "$WORK/llama-tiny" /models/llama-tiny
run put weights "$WORK/llama-tiny" /models/llama-tiny     # unchanged: uploads nothing
run ls weights /models -l -R
run cat weights /models/llama-tiny/config.json
run cp weights /models/llama-tiny /models/llama-tiny-v2 -r  # chunk lists only
run mv weights /models/llama-tiny-v2 /models/llama-tiny-renamed
run stat weights /models/llama-tiny/model-00001-of-00002.safetensors -v
run du weights /models
run get weights /models/llama-tiny-renamed "$WORK/copy"
diff -r "$WORK/llama-tiny" "$WORK/copy" && echo "get: the copy is byte-identical to the original"
run rm weights /models/llama-tiny-renamed -r
run ls weights /models
run gc --grace 0          # the removed copy shared every chunk: nothing to delete

# From Python (the package build/python/strata): a real safetensors file into the volume, and its
# tensors loaded straight from the chunks, without a mount.
echo
echo "== Python: strata.Volume + strata.load_file"
PYTHONPATH="$(dirname "$STRATA")/python" /usr/bin/python3 - "$WORK" <<'PYEOF'
import json, os, struct, sys
import torch
import strata

work = sys.argv[1]
tensors = {"embed": torch.randn(1000, 64), "norm": torch.ones(64, dtype=torch.bfloat16)}
header, blobs, offset = {}, [], 0
for name, t in tensors.items():
    data = t.reshape(-1).view(torch.uint8).numpy().tobytes()
    dtype = {torch.float32: "F32", torch.bfloat16: "BF16"}[t.dtype]
    header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
    blobs.append(data)
    offset += len(data)
text = json.dumps(header).encode()
path = os.path.join(work, "tiny.safetensors")
with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))

vol = strata.Volume.from_name("weights")
with vol.batch_upload(force=True) as up:
    up.put_file(path, "/models/tiny/model.safetensors")
print("vol.listdir('/models/tiny'):", [e.path for e in vol.listdir("/models/tiny")])
loaded = vol.load_file("/models/tiny/model.safetensors", device="cpu")
assert all(torch.equal(loaded[k], tensors[k]) for k in tensors)
print("vol.load_file: every tensor equal to the one written:",
      {k: (str(v.dtype), tuple(v.shape)) for k, v in loaded.items()})
PYEOF

# The volume as a directory (FUSE; needs root, or a usable /dev/fuse).
mkdir -p "$WORK/data"
if "$STRATA" mount weights "$WORK/data" 2>/dev/null; then
  trap '"$STRATA" umount "$WORK/data" 2>/dev/null; rm -rf "$WORK"' EXIT
  printf '\n$ ls -l %s/models/llama-tiny\n' "$WORK/data"
  ls -l "$WORK/data/models/llama-tiny"
  cmp "$WORK/llama-tiny/model-00002-of-00002.safetensors" \
    "$WORK/data/models/llama-tiny/model-00002-of-00002.safetensors" &&
    echo "mount: the shard reads back byte-identical through the mount"
  echo '{"note": "written through the mount"}' >"$WORK/data/models/notes.json"
  run cat weights /models/notes.json   # closed on the mount: published to every reader
  run umount "$WORK/data"
  trap 'rm -rf "$WORK"' EXIT
else
  echo "(mount skipped: FUSE is not usable here; run as root)"
fi
# The HTTP API: a token, the server on loopback, an upload and a ranged download with curl.
TOKEN=$("$STRATA" token create --volume weights --note demo 2>/dev/null)
"$STRATA" serve --listen 127.0.0.1:0 >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 50); do grep -q "http://" "$WORK/serve.log" && break; sleep 0.1; done
URL=$(grep -o 'http://[0-9.:]*' "$WORK/serve.log")
printf '\n$ strata serve --listen 127.0.0.1:0   # %s; the Files page is at %s/\n' "$URL" "$URL"
printf '$ curl -T config.json …/v1/volumes/weights/files/api/config.json\n'
curl -sf -T "$WORK/llama-tiny/config.json" -H "Authorization: Bearer $TOKEN" \
  "$URL/v1/volumes/weights/files/api/config.json"
printf '$ curl -r 0-15 …/v1/volumes/weights/files/api/config.json\n'
curl -sf -r 0-15 -H "Authorization: Bearer $TOKEN" "$URL/v1/volumes/weights/files/api/config.json"
echo
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
run fsck --deep
echo
echo "demo: OK"
