"""ag.save / ag.load: .npz round trips and refusal of anything else."""

from __future__ import annotations

import pickle
import zipfile

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import nn


def test_round_trip_keeps_values_and_dtypes(tmp_path):
    sd = {
        "w": np.arange(6.0).reshape(2, 3),
        "h": np.array([1.5, 2.5], dtype=np.float32),
        "n": np.array([1, 2], dtype=np.int64),
        "mask": np.array([True, False]),
        "t": ag.Tensor([4.0, 5.0]),
    }
    path = tmp_path / "state.npz"
    ag.save(sd, path)
    loaded = ag.load(path)
    assert list(loaded) == list(sd)
    for key, value in sd.items():
        expected = value.data if isinstance(value, ag.Tensor) else value
        np.testing.assert_array_equal(loaded[key], expected)
        assert loaded[key].dtype == expected.dtype


def test_model_round_trip_into_the_existing_parameters(tmp_path):
    source = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh(), nn.Linear(4, 2, rng=1))
    target = nn.Sequential(nn.Linear(3, 4, rng=2), nn.Tanh(), nn.Linear(4, 2, rng=3))
    params = list(target.parameters())
    path = tmp_path / "weights.npz"
    ag.save(source.state_dict(), str(path))
    target.load_state_dict(ag.load(path))
    assert all(a is b for a, b in zip(params, target.parameters()))
    x = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_array_equal(target(x).data, source(x).data)


def test_path_is_used_exactly_and_overwritten(tmp_path):
    path = tmp_path / "weights.bin"
    ag.save({"a": np.zeros(2)}, path)
    ag.save({"b": np.ones(1)}, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weights.bin"]
    assert list(ag.load(path)) == ["b"]


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.npz"):
        ag.load(tmp_path / "nope.npz")


def test_save_into_a_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError):
        ag.save({"a": np.zeros(1)}, tmp_path / "missing" / "w.npz")


def test_truncated_file_is_refused(tmp_path):
    path = tmp_path / "w.npz"
    ag.save({"w": np.arange(1000.0)}, path)
    raw = path.read_bytes()
    for cut in (len(raw) // 2, len(raw) - 10, 10):
        path.write_bytes(raw[:cut])
        with pytest.raises(ValueError, match="cannot read"):
            ag.load(path)


def test_empty_and_garbage_files_are_refused(tmp_path):
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not an archive" * 10)
    for path in (empty, garbage):
        with pytest.raises(ValueError):
            ag.load(path)


def test_archive_with_pickled_objects_is_refused(tmp_path):
    path = tmp_path / "objects.npz"
    np.savez(path, w=np.zeros(2), evil=np.array([{"x": 1}], dtype=object))
    with pytest.raises(ValueError, match="allow_pickle"):
        ag.load(path)


def test_a_pickle_is_never_unpickled(tmp_path):
    path = tmp_path / "weights.npz"
    path.write_bytes(pickle.dumps({"w": np.zeros(2)}))
    with pytest.raises(ValueError, match="pickled"):
        ag.load(path)


def test_a_plain_npy_file_is_refused(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(ValueError, match="single array"):
        ag.load(path)


def test_corrupt_member_is_refused(tmp_path):
    path = tmp_path / "w.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("w.npy", b"\x93NUMPY garbage header")
    with pytest.raises(ValueError):
        ag.load(path)


def test_save_refuses_what_load_could_not_read(tmp_path):
    with pytest.raises(TypeError, match="dtype"):
        ag.save({"w": np.array([{"x": 1}], dtype=object)}, tmp_path / "w.npz")
    with pytest.raises(TypeError, match="keys"):
        ag.save({1: np.zeros(1)}, tmp_path / "w.npz")
    assert list(tmp_path.iterdir()) == []  # nothing half-written
