"""load_file and safe_open: the safetensors API, served by Strata's parallel loader."""

import os

from . import _strata

# Element types a consumer takes as raw bytes and reinterprets: DLPack has no FP8 type, and
# older consumers (torch < 2) do not know DLPack's bool.
_RAW_DTYPES = {"BOOL", "F8_E4M3", "F8_E5M2"}

_TORCH_DTYPES = {
    "BOOL": "bool",
    "F8_E4M3": "float8_e4m3fn",
    "F8_E5M2": "float8_e5m2",
}

_NUMPY_DTYPES = {"BOOL": "bool_"}


def _framework(name):
    if name in ("pt", "torch", "pytorch"):
        return "pt"
    if name in ("np", "numpy"):
        return "np"
    raise ValueError(f"unknown framework {name!r} (expected 'pt' or 'numpy')")


def _to_torch(view):
    import torch

    if view.dtype not in _RAW_DTYPES:
        return torch.from_dlpack(view)
    dtype = getattr(torch, _TORCH_DTYPES[view.dtype], None)
    if dtype is None:
        raise ValueError(f"{view.name}: {view.dtype} needs a newer torch (torch {torch.__version__})")
    return torch.from_dlpack(view.raw()).view(dtype).reshape(view.shape)


def _to_numpy(view):
    import numpy

    if view.device != "cpu":
        raise ValueError("numpy arrays live on the host: load with device='cpu'")
    if view.dtype == "BF16" or view.dtype.startswith("F8"):
        raise ValueError(f"{view.name}: numpy has no {view.dtype} type; use framework='pt'")
    if view.dtype in _RAW_DTYPES:
        raw = numpy.from_dlpack(view.raw())
        return raw.view(getattr(numpy, _NUMPY_DTYPES[view.dtype])).reshape(view.shape)
    return numpy.from_dlpack(view)


def _convert(view, framework):
    return _to_torch(view) if framework == "pt" else _to_numpy(view)


class Loader:
    """The loader with its options (threads, read_bytes, pin_host_memory, pinned_bytes, streams).

    One Loader keeps its worker pool: reuse it for many loads.
    """

    def __init__(self, threads=0, read_bytes=8 << 20, pin_host_memory=True,
                 pinned_bytes=256 << 20, streams=4):
        self._loader = _strata.Loader(threads=threads, read_bytes=read_bytes,
                                      pin_host_memory=pin_host_memory,
                                      pinned_bytes=pinned_bytes, streams=streams)

    def load_file(self, path, device="cpu", framework="pt"):
        """All tensors of a file, an index (model.safetensors.index.json) or a model directory."""
        files = self._loader.load(os.fspath(path), str(device))
        return _state_dict(files, _framework(framework))


_default_loader = None


def _loader():
    global _default_loader
    if _default_loader is None:
        _default_loader = Loader()
    return _default_loader


def _state_dict(files, framework):
    out = {}
    for file in files:
        for view in file.tensors():
            if view.name in out:
                raise ValueError(f"tensor {view.name!r} is in more than one shard ({file.name})")
            out[view.name] = _convert(view, framework)
    return out


def load_file(filename, device="cpu"):
    """Like safetensors.torch.load_file; also takes an index file or a model directory."""
    return _loader().load_file(filename, device=device)


class _Slice:
    """get_slice's answer: shape and dtype without conversion, indexing gives a tensor."""

    def __init__(self, view, framework):
        self._view = view
        self._framework = framework

    def get_shape(self):
        return list(self._view.shape)

    def get_dtype(self):
        return self._view.dtype

    def __getitem__(self, index):
        return _convert(self._view, self._framework)[index]


class safe_open:
    """Same shape as safetensors.safe_open: a context manager over one file, loaded whole."""

    def __init__(self, filename, framework="pt", device="cpu"):
        self._framework = _framework(framework)
        files = _loader()._loader.load_files([os.fspath(filename)], str(device))
        self._file = files[0]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._file = None
        return False

    def keys(self):
        return sorted(self._file.keys())

    def offset_keys(self):
        return self._file.keys()

    def metadata(self):
        return dict(self._file.metadata()) if self._file.has_metadata() else None

    def get_tensor(self, name):
        return _convert(self._view(name), self._framework)

    def get_slice(self, name):
        return _Slice(self._view(name), self._framework)

    def _view(self, name):
        try:
            return self._file.tensor(name)
        except FileNotFoundError as e:
            raise KeyError(name) from e
