"""Strata from Python: load safetensors at the speed of the storage, and use volumes.

    import strata
    sd = strata.load_file("/data/models/m/model.safetensors", device="cpu")
    sd = strata.load_file("/data/models/m/", device="cuda:0")      # every shard of a model
    with strata.safe_open(path, framework="pt", device="cpu") as f:
        f.keys(); f.metadata(); f.get_tensor("lm_head.weight"); f.get_slice("emb")[0:10]

    vol = strata.Volume.from_name("weights", create_if_missing=True)
    with vol.batch_upload() as up:
        up.put_file("config.json", "/models/m/config.json")
        up.put_directory("./model", "/models/m")
    sd = vol.load_file("/models/m/model.safetensors", device="cuda:0")

Files are read chunk-parallel into one buffer per file (pinned host memory when CUDA is present,
or the GPU), and tensors are views of it handed over through DLPack: nothing is copied after the
read, and the memory lives as long as any tensor of the file does.
"""

from ._strata import built_with_cuda, cuda_available
from ._load import Loader, load_file, safe_open
from ._volume import FileEntry, Volume

__all__ = [
    "FileEntry",
    "Loader",
    "Volume",
    "built_with_cuda",
    "cuda_available",
    "load_file",
    "safe_open",
]
