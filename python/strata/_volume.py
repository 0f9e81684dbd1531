"""Volume: a Strata volume from Python, in the shape of Modal's Volume API."""

import contextlib
import dataclasses
import os

from . import _strata
from ._load import _framework, _loader, _state_dict

_READ_PIECE = 4 << 20


@dataclasses.dataclass(frozen=True)
class FileEntry:
    path: str
    type: str  # "file", "directory" or "symlink"
    mtime: float
    size: int


def _entry(d):
    return FileEntry(path=d["path"], type=d["type"], mtime=d["mtime"], size=d["size"])


def _absolute(path):
    path = os.fspath(path)
    return path if path.startswith("/") else "/" + path


class Volume:
    """A named volume opened with the CLI's settings (STRATA_HOME, STRATA_META, STRATA_STORE,
    STRATA_CACHE_DIR, or the keyword arguments). Every write is committed when it returns."""

    def __init__(self, handle):
        self._handle = handle

    @classmethod
    def from_name(cls, name, create_if_missing=False, *, home=None, meta=None, store=None,
                  cache_dir=None):
        handle = _strata.open_volume(name, create_if_missing=create_if_missing,
                                     home=os.fspath(home or ""), meta=meta or "",
                                     store=store or "", cache_dir=os.fspath(cache_dir or ""))
        return cls(handle)

    @property
    def name(self):
        return self._handle.name

    def listdir(self, path, recursive=False):
        return [_entry(d) for d in self._handle.listdir(_absolute(path), recursive)]

    def iterdir(self, path, recursive=True):
        yield from self.listdir(path, recursive=recursive)

    def stat(self, path):
        return _entry(self._handle.stat(_absolute(path)))

    def exists(self, path):
        try:
            self._handle.stat(_absolute(path))
            return True
        except FileNotFoundError:
            return False

    def read_file(self, path):
        """The file's bytes in pieces (an iterator, as Modal's); b"".join() for the whole."""
        reader = self._handle.open_reader(_absolute(path))
        offset = 0
        while offset < reader.size:
            piece = reader.read(offset, min(_READ_PIECE, reader.size - offset))
            if not piece:
                raise OSError(f"{path}: shorter than its recorded size")
            offset += len(piece)
            yield piece

    def read_bytes(self, path):
        return b"".join(self.read_file(path))

    def remove_file(self, path, recursive=False):
        self._handle.remove(_absolute(path), recursive)

    def rename(self, src, dst):
        self._handle.rename(_absolute(src), _absolute(dst))

    def mkdir(self, path, parents=True):
        self._handle.mkdir(_absolute(path), parents)

    def batch_upload(self, force=False):
        """A context manager collecting put_file/put_directory; all run when it closes without
        an error (nothing runs if the block raised). Without force, an existing file is an
        error (FileExistsError), as in Modal."""
        return _BatchUpload(self, force)

    def commit(self):
        """Kept for code written for Modal: every write here is already committed."""

    def reload(self):
        """Kept for code written for Modal: reads here always see the latest commit."""

    def load_file(self, path, device="cpu", framework="pt", loader=None):
        """Tensors of a file, an index or a model directory in this volume, read through the
        chunk tiers (memory, disk cache, store), every chunk verified, without a mount."""
        paths = self._handle.resolve_shards(_absolute(path))
        files = self._handle.load((loader or _loader())._loader, paths, str(device))
        return _state_dict(files, _framework(framework))


class _BatchUpload(contextlib.AbstractContextManager):
    def __init__(self, volume, force):
        self._volume = volume
        self._force = force
        self._puts = []

    def put_file(self, local_file, remote_path):
        local_file = os.fspath(local_file)
        if not os.path.isfile(local_file):
            raise FileNotFoundError(f"{local_file}: not a file")
        self._puts.append((local_file, _absolute(remote_path)))

    def put_directory(self, local_path, remote_path):
        local_path = os.fspath(local_path)
        if not os.path.isdir(local_path):
            raise NotADirectoryError(f"{local_path}: not a directory")
        self._puts.append((local_path, _absolute(remote_path)))

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            return False
        if not self._force:
            for local, remote in self._puts:
                for target in _targets(local, remote):
                    if self._volume.exists(target):
                        raise FileExistsError(f"{target} exists in volume "
                                              f"'{self._volume.name}' (use force=True)")
        for local, remote in self._puts:
            self._volume._handle.put(local, remote)
        return False


def _targets(local, remote):
    """The volume files a put of `local` at `remote` writes."""
    if os.path.isfile(local):
        yield remote
        return
    for root, _, files in os.walk(local):
        rel = os.path.relpath(root, local)
        base = remote if rel == "." else f"{remote.rstrip('/')}/{rel}"
        for name in files:
            yield f"{base.rstrip('/')}/{name}"
