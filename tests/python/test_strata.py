"""The Python package end to end: every tensor compared with what a reference writer wrote."""

import gc
import json
import os
import subprocess

import numpy
import pytest
import torch

import safetensors_writer
import strata

STRATA_BINARY = os.environ.get("STRATA_BINARY", "")


def reference_model(seed=7):
    g = torch.Generator().manual_seed(seed)
    tensors = {
        "f32": torch.randn(3, 5, generator=g),
        "f16": torch.randn(7, 2, generator=g).half(),
        "bf16": torch.randn(4, 4, generator=g).to(torch.bfloat16),
        "i64": torch.randint(-(2**40), 2**40, (6,), generator=g, dtype=torch.int64),
        "i8": torch.randint(-128, 127, (2, 3, 4), generator=g, dtype=torch.int8),
        "u8": torch.randint(0, 255, (9,), generator=g, dtype=torch.uint8),
        "bool": torch.randint(0, 2, (3, 3), generator=g).bool(),
        "scalar": torch.tensor(3.25),
        "empty": torch.zeros(0, 4),
        # Larger than a chunk (4 MiB) and than the loader's read unit (8 MiB).
        "big": torch.randn(10 * 1024 * 1024 // 4 + 13, generator=g),
    }
    for i in range(300):
        tensors[f"layers.{i}.w"] = torch.randn(3, generator=g)
    return tensors


def assert_same(expected, loaded):
    assert sorted(loaded) == sorted(expected)
    for name, want in expected.items():
        got = loaded[name]
        assert got.dtype == want.dtype, name
        assert tuple(got.shape) == tuple(want.shape), name
        assert torch.equal(got, want), name


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "model.safetensors"
    tensors = reference_model()
    safetensors_writer.write(path, tensors, metadata={"format": "pt", "note": "reference"})
    return path, tensors


@pytest.fixture(scope="module")
def sharded_model(tmp_path_factory):
    directory = tmp_path_factory.mktemp("sharded")
    model = reference_model(seed=11)
    names = sorted(model)
    shards = {
        "model-00001-of-00002.safetensors": {n: model[n] for n in names[::2]},
        "model-00002-of-00002.safetensors": {n: model[n] for n in names[1::2]},
    }
    safetensors_writer.write_sharded(directory, shards)
    return directory, model


def test_load_file_every_dtype_and_shape(model_file):
    path, tensors = model_file
    assert_same(tensors, strata.load_file(path))
    assert_same(tensors, strata.load_file(str(path), device="cpu"))


def test_tensors_keep_their_file_alive(model_file):
    path, tensors = model_file
    loaded = strata.load_file(path)
    big = loaded["big"]
    del loaded
    gc.collect()
    junk = [bytearray(1 << 20) for _ in range(64)]  # reuse freed memory, if any was freed
    assert torch.equal(big, tensors["big"])
    del junk


def test_loaded_tensors_are_writable_and_independent(model_file):
    path, tensors = model_file
    a = strata.load_file(path)
    b = strata.load_file(path)
    a["f32"].add_(1)
    assert torch.equal(b["f32"], tensors["f32"])


def test_sharded_model_by_index_and_by_directory(sharded_model):
    directory, model = sharded_model
    assert_same(model, strata.load_file(directory / "model.safetensors.index.json"))
    assert_same(model, strata.load_file(directory))
    assert_same(model, strata.load_file(str(directory) + "/"))


def test_safe_open(model_file):
    path, tensors = model_file
    with strata.safe_open(path, framework="pt", device="cpu") as f:
        assert f.keys() == sorted(tensors)
        assert f.metadata() == {"format": "pt", "note": "reference"}
        assert torch.equal(f.get_tensor("bf16"), tensors["bf16"])
        emb = f.get_slice("big")
        assert emb.get_shape() == list(tensors["big"].shape)
        assert emb.get_dtype() == "F32"
        assert torch.equal(emb[0:10], tensors["big"][0:10])
        assert torch.equal(f.get_slice("i8")[1, :, 2:], tensors["i8"][1, :, 2:])
        with pytest.raises(KeyError):
            f.get_tensor("no.such.tensor")


def test_safe_open_without_metadata(tmp_path):
    path = tmp_path / "plain.safetensors"
    safetensors_writer.write(path, {"x": torch.arange(4)})
    with strata.safe_open(path, framework="pt") as f:
        assert f.metadata() is None
        assert torch.equal(f.get_tensor("x"), torch.arange(4))


def test_numpy_framework(model_file):
    path, tensors = model_file
    with strata.safe_open(path, framework="numpy") as f:
        assert numpy.array_equal(f.get_tensor("f32"), tensors["f32"].numpy())
        assert numpy.array_equal(f.get_tensor("bool"), tensors["bool"].numpy())
        assert f.get_tensor("scalar").shape == ()
        with pytest.raises(ValueError, match="BF16"):
            f.get_tensor("bf16")


def test_errors_are_python_exceptions(tmp_path, model_file):
    with pytest.raises(FileNotFoundError):
        strata.load_file(tmp_path / "missing.safetensors")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    with pytest.raises(ValueError, match="bad.safetensors"):
        strata.load_file(bad)
    with pytest.raises(ValueError, match="no weight_map"):
        (tmp_path / "index.json").write_text(json.dumps({"metadata": {}}))
        strata.load_file(tmp_path / "index.json")
    with pytest.raises(ValueError, match="unknown device"):
        strata.load_file(model_file[0], device="tpu")
    with pytest.raises(ValueError, match="framework"):
        strata.safe_open(model_file[0], framework="jax")


@pytest.mark.skipif(strata.cuda_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_a_clear_error(model_file):
    with pytest.raises(RuntimeError, match="CUDA"):
        strata.load_file(model_file[0], device="cuda:0")


@pytest.mark.skipif(not strata.cuda_available(), reason="no CUDA GPU")
def test_cuda_load_matches(model_file, sharded_model):
    path, tensors = model_file
    loaded = strata.load_file(path, device="cuda:0")
    assert all(t.device.type == "cuda" for t in loaded.values())
    assert_same(tensors, {k: v.cpu() for k, v in loaded.items()})
    directory, model = sharded_model
    small_ring = strata.Loader(pinned_bytes=1, streams=2, read_bytes=1 << 20)
    loaded = small_ring.load_file(directory, device="cuda")
    assert_same(model, {k: v.cpu() for k, v in loaded.items()})


@pytest.fixture()
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    for name in ("STRATA_META", "STRATA_STORE", "STRATA_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STRATA_HOME", str(home))
    return home


def test_volume_upload_list_read_load_remove(home, tmp_path, model_file, sharded_model):
    with pytest.raises(FileNotFoundError, match="strata volume create"):
        strata.Volume.from_name("weights")
    vol = strata.Volume.from_name("weights", create_if_missing=True)
    assert vol.name == "weights"
    config = tmp_path / "config.json"
    config.write_text('{"hidden": 64}')
    directory, model = sharded_model
    with vol.batch_upload() as up:
        up.put_file(config, "/models/m/config.json")
        up.put_file(model_file[0], "/models/one/model.safetensors")
        up.put_directory(directory, "/models/m")
    names = sorted(e.path for e in vol.listdir("/models/m"))
    assert names == sorted(
        ["/models/m/config.json", "/models/m/model.safetensors.index.json"]
        + [f"/models/m/{n}" for n in os.listdir(directory) if n.endswith(".safetensors")])
    entry = vol.stat("/models/m/config.json")
    assert entry.size == len('{"hidden": 64}') and entry.type == "file"
    assert vol.stat("/models/m").type == "directory"
    assert b"".join(vol.read_file("/models/m/config.json")) == b'{"hidden": 64}'
    big = vol.read_bytes("/models/one/model.safetensors")
    assert big == model_file[0].read_bytes()
    assert len(list(vol.read_file("/models/one/model.safetensors"))) > 1  # streamed in pieces
    recursive = {e.path for e in vol.listdir("/", recursive=True)}
    assert "/models/one/model.safetensors" in recursive

    # Straight from the chunk tiers: a file, a directory with an index, the index itself.
    assert_same(model_file[1], vol.load_file("/models/one/model.safetensors"))
    assert_same(model, vol.load_file("/models/m"))
    assert_same(model, vol.load_file("/models/m/model.safetensors.index.json"))

    # Without force, an existing file is refused and nothing is written.
    other = tmp_path / "other.json"
    other.write_text("{}")
    with pytest.raises(FileExistsError):
        with vol.batch_upload() as up:
            up.put_file(other, "/models/m/config.json")
    assert vol.read_bytes("/models/m/config.json") == b'{"hidden": 64}'
    with vol.batch_upload(force=True) as up:
        up.put_file(other, "/models/m/config.json")
    assert vol.read_bytes("/models/m/config.json") == b"{}"

    with pytest.raises(OSError):
        vol.remove_file("/models/m")  # not empty
    vol.remove_file("/models/m", recursive=True)
    assert not vol.exists("/models/m")
    with pytest.raises(FileNotFoundError):
        vol.load_file("/models/m")


@pytest.mark.skipif(not STRATA_BINARY, reason="STRATA_BINARY not set")
def test_volume_is_shared_with_the_cli(home, tmp_path, model_file):
    vol = strata.Volume.from_name("shared", create_if_missing=True)
    with vol.batch_upload() as up:
        up.put_file(model_file[0], "/m.safetensors")
    listing = subprocess.run([STRATA_BINARY, "ls", "shared", "/"], check=True,
                             capture_output=True, text=True).stdout
    assert "m.safetensors" in listing
    out = tmp_path / "back.safetensors"
    subprocess.run([STRATA_BINARY, "get", "shared", "/m.safetensors", str(out)], check=True)
    assert_same(model_file[1], strata.load_file(out))
