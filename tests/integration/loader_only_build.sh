#!/usr/bin/env bash
# Builds the loader and the Python module alone (-DSTRATA_LOADER_ONLY=ON, no CUDA), then loads a
# file with the result: the build the GPU machine does, whose image has none of our Debian
# libraries. Usage: loader_only_build.sh SOURCE_DIR BUILD_DIR PYTHON
set -euo pipefail
src=$1 build=$2 python=$3
rm -rf "$build"
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTRATA_LOADER_ONLY=ON \
  -DSTRATA_CUDA=OFF -DPython_EXECUTABLE="$python" >"$build.log" 2>&1 ||
  { cat "$build.log"; exit 1; }
cmake --build "$build" -j "$(nproc)" >>"$build.log" 2>&1 || { tail -40 "$build.log"; exit 1; }
# The module and the benchmark's loader must not have pulled in a library of the full build.
test -x "$build/load_files" || { echo "FAIL: no load_files in the loader-only build" >&2; exit 1; }
if ldd "$build"/python/strata/_strata*.so "$build/load_files" | grep -E 'libsqlite3|libcurl|libfmt|libfuse|libcrypto'; then
  echo "FAIL: the loader-only module links a library of the full build" >&2
  exit 1
fi
cd "$build"
PYTHONPATH="$build/python" "$python" - <<'PYEOF'
import json, struct, tempfile, os
import strata
from strata import _strata
assert not _strata.has_volumes
header = json.dumps({"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "m.safetensors")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + struct.pack("<2f", 1.5, -2.0))
    with strata.safe_open(path, framework="numpy") as f:
        assert f.get_tensor("x").tolist() == [1.5, -2.0], f.get_tensor("x")
print("loader-only build: module built and loaded a file")
PYEOF
rm -rf "$build" "$build.log"
