"""A reference safetensors writer for the tests, written from the format's description
(8-byte little-endian header length, a JSON header, the tensors' bytes back to back)."""

import json
import struct

import torch

DTYPE_NAMES = {
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.float64: "F64",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}


def tensor_bytes(t):
    return t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()


def write(path, tensors, metadata=None):
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    # Larger elements first keeps every tensor aligned to its element size, as the reference does.
    order = sorted(tensors, key=lambda n: (-tensors[n].element_size(), n))
    for name in order:
        data = tensor_bytes(tensors[name])
        header[name] = {
            "dtype": DTYPE_NAMES[tensors[name].dtype],
            "shape": list(tensors[name].shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def write_sharded(directory, shards):
    """shards: {file name: {tensor name: tensor}}; writes the shards and their index."""
    weight_map = {}
    for file_name, tensors in shards.items():
        write(directory / file_name, tensors)
        for name in tensors:
            weight_map[name] = file_name
    index = {"metadata": {"total_size": 0}, "weight_map": weight_map}
    (directory / "model.safetensors.index.json").write_text(json.dumps(index))
