"""Loading a model from a file is all-or-nothing, and never runs code from the file.

Each refused file raises a documented error with a message that says what is wrong, and
the model's parameters (values, identity, dtypes) are exactly what they were before.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_lite as ag


def make_model() -> Any:
    return ag.nn.Sequential(ag.nn.Linear(3, 4), ag.nn.Tanh(), ag.nn.Linear(4, 2))


def snapshot(model: Any) -> dict[str, tuple[int, np.ndarray]]:
    return {name: (id(p), p.data.copy()) for name, p in model.named_parameters()}


def assert_unchanged(model: Any, before: dict[str, tuple[int, np.ndarray]]) -> None:
    after = dict(model.named_parameters())
    assert after.keys() == before.keys()
    for name, (ident, data) in before.items():
        assert id(after[name]) == ident, f"{name} was replaced"
        assert after[name].data.dtype == data.dtype, f"{name} changed dtype"
        np.testing.assert_array_equal(after[name].data, data, err_msg=f"{name} was modified")


def load_into(model: Any, path: Path) -> None:
    model.load_state_dict(ag.load(path))


class _Payload:
    """Unpickling this creates a file: proof that code from the file ran."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (self.marker, "w"))


def test_round_trip_is_exact(tmp_path: Path) -> None:
    source, target = make_model(), make_model()
    ag.save(source.state_dict(), tmp_path / "m.npz")
    load_into(target, tmp_path / "m.npz")
    for (_, p), (_, q) in zip(source.named_parameters(), target.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data)


@pytest.mark.parametrize("container", ["raw", "npz-member"])
def test_pickles_are_refused_and_never_run(tmp_path: Path, container: str) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "m.npz"
    if container == "raw":
        path.write_bytes(pickle.dumps({"0.weight": _Payload(str(marker))}))
    else:  # a well-formed archive whose member is an object array, i.e. a pickle
        payload = np.empty(1, dtype=object)
        payload[0] = _Payload(str(marker))
        np.savez(path, **{"0.weight": payload})
    model = make_model()
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"\S"):
        load_into(model, path)
    assert not marker.exists(), "code from the file was executed"
    assert_unchanged(model, before)


@pytest.mark.parametrize("keep", [0.0, 0.1, 0.5, 0.9, 0.99])
def test_truncated_files_are_refused(tmp_path: Path, keep: float) -> None:
    path = tmp_path / "m.npz"
    ag.save(make_model().state_dict(), path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    model = make_model()
    before = snapshot(model)
    with pytest.raises(ValueError, match="load"):
        load_into(model, path)
    assert_unchanged(model, before)


def _state_with(change: str) -> dict[str, np.ndarray]:
    state = {k: np.asarray(v).copy() for k, v in make_model().state_dict().items()}
    if change == "shape":  # the last parameter wrong: earlier ones would load fine
        state["2.bias"] = np.zeros(3)
    elif change == "transposed":
        state["0.weight"] = state["0.weight"].T.copy()
    elif change == "dtype":
        state["2.weight"] = state["2.weight"].astype(np.float32)
    elif change == "int-dtype":
        state["0.bias"] = np.zeros(4, dtype=np.int64)
    elif change == "missing":
        del state["2.bias"]
    elif change == "extra":
        state["3.weight"] = np.zeros((2, 2))
    return state


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ("shape", ["2.bias", "(3,)", "(2,)"]),
        ("transposed", ["0.weight", "(3, 4)", "(4, 3)"]),
        ("dtype", ["2.weight", "float32", "float64"]),
        ("int-dtype", ["0.bias", "int64"]),
        ("missing", ["2.bias"]),
        ("extra", ["3.weight"]),
    ],
)
def test_mismatched_arrays_are_refused_all_or_nothing(
    tmp_path: Path, change: str, words: list[str]
) -> None:
    path = tmp_path / "m.npz"
    ag.save(_state_with(change), path)
    model = make_model()
    before = snapshot(model)
    with pytest.raises(ValueError) as info:
        load_into(model, path)
    for word in words:
        assert word in str(info.value), f"{word!r} missing from: {info.value}"
    assert_unchanged(model, before)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    model = make_model()
    before = snapshot(model)
    with pytest.raises(FileNotFoundError, match="load"):
        load_into(model, tmp_path / "nowhere.npz")
    assert_unchanged(model, before)
    assert not os.path.exists(tmp_path / "nowhere.npz")
