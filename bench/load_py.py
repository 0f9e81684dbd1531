"""One timed load of a safetensors model directory by one method; prints the seconds it took
(imports not included). Used by bench/load.sh. Usage: load_py.py METHOD MODEL_DIR [DEVICE]

Methods: fromfile (numpy.fromfile of each file: the simplest load into new memory),
plain (f.read() + torch.frombuffer per tensor: a plain Python loader), safetensors
(safetensors.torch.load_file, where installed), strata (strata.load_file), to_cuda (strata to the
host, then .to(device)), h2d (pinned host-to-device bandwidth as PyTorch measures it: bytes/s)."""

import glob
import json
import os
import struct
import sys
import time

method, model = sys.argv[1], sys.argv[2]
device = sys.argv[3] if len(sys.argv) > 3 else "cpu"
files = sorted(glob.glob(os.path.join(model, "*.safetensors")))


def sync():
    if device.startswith("cuda"):
        import torch
        torch.cuda.synchronize()


def plain_load(path):
    import torch
    dtypes = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}
    with open(path, "rb") as f:
        data = bytearray(os.fstat(f.fileno()).st_size)
        f.readinto(data)
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        begin, end = t["data_offsets"]
        buf = memoryview(data)[8 + n + begin:8 + n + end]
        out[name] = torch.frombuffer(buf, dtype=dtypes[t["dtype"]]).reshape(t["shape"])
    return out


if method == "fromfile":
    import numpy
    start = time.perf_counter()
    [numpy.fromfile(p, dtype=numpy.uint8) for p in files]
elif method == "plain":
    import torch
    start = time.perf_counter()
    [plain_load(p) for p in files]
elif method == "safetensors":
    import torch
    from safetensors.torch import load_file
    if device != "cpu":
        torch.zeros(1, device=device)  # CUDA context made before the clock starts
    start = time.perf_counter()
    [load_file(p, device=device) for p in files]
    sync()
elif method == "strata":
    import torch
    import strata
    if device != "cpu":
        torch.zeros(1, device=device)
    start = time.perf_counter()
    strata.load_file(model, device=device)
    sync()
elif method == "to_cuda":
    import torch
    import strata
    torch.zeros(1, device=device)
    start = time.perf_counter()
    [t.to(device) for t in strata.load_file(model, device="cpu").values()]
    sync()
elif method == "h2d":
    import torch
    size = 1 << 30
    host = torch.empty(size, dtype=torch.uint8).pin_memory()
    dev = torch.empty(size, dtype=torch.uint8, device=device)
    dev.copy_(host, non_blocking=True)
    sync()
    start = time.perf_counter()
    for _ in range(5):
        dev.copy_(host, non_blocking=True)
    sync()
    print(5 * size / (time.perf_counter() - start))
    sys.exit(0)
else:
    sys.exit(f"unknown method {method}")
print(time.perf_counter() - start)
