"""ag.save / ag.load of nested state (optimizers, schedulers, checkpoints), still without pickle."""

from __future__ import annotations

import json
import math
import pickle
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import nn
from autograd_lite.optim import Adam, RMSprop, lr_scheduler
from autograd_lite.serialization import STRUCTURE


def assert_identical(got, want, where="value"):
    """Equal values of the same types all the way down (arrays: dtype, shape, bits)."""
    if isinstance(want, ag.Tensor):
        want = want.data
    assert type(got) is type(want), f"{where}: {type(got).__name__} != {type(want).__name__}"
    if isinstance(want, dict):
        assert list(got) == list(want), where
        for k in want:
            assert type(k) is type(next(x for x in got if x == k)), f"{where}: key {k!r}"
            assert_identical(got[k], want[k], f"{where}[{k!r}]")
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want), where
        for i, (a, b) in enumerate(zip(got, want)):
            assert_identical(a, b, f"{where}[{i}]")
    elif isinstance(want, (np.ndarray, np.generic)):
        assert got.dtype == want.dtype and got.shape == want.shape, where
        np.testing.assert_array_equal(got, want, err_msg=where)
    elif isinstance(want, float) and math.isnan(want):
        assert math.isnan(got), where
    else:
        assert got == want, where


def _round_trip(obj, tmp_path, name="state.npz"):
    path = tmp_path / name
    ag.save(obj, path)
    return ag.load(path)


def _trained_adam(steps=3, amsgrad=True):
    params = [nn.Parameter(np.ones((2, 3))), nn.Parameter(np.arange(4.0, dtype=np.float32))]
    opt = Adam(
        [{"params": params[:1]}, {"params": params[1:], "lr": 0.01}], lr=0.1, amsgrad=amsgrad
    )
    for _ in range(steps):
        for p in params:
            p.grad = np.full_like(p.data, 0.5)
        opt.step()
    return opt


def test_optimizer_state_dict_round_trips_exactly(tmp_path):
    sd = _trained_adam().state_dict()
    loaded = _round_trip(sd, tmp_path)
    assert_identical(loaded, sd)
    assert list(loaded["state"]) == [0, 1]  # int keys come back as ints
    assert loaded["param_groups"][0]["betas"] == (0.9, 0.999)  # tuples as tuples
    assert loaded["state"][1]["exp_avg"].dtype == np.float32


def test_scheduler_state_dicts_round_trip_exactly(tmp_path):
    opt = RMSprop([nn.Parameter(np.ones(2))], lr=0.1, momentum=0.9)
    scheds = [
        lr_scheduler.MultiStepLR(opt, milestones=[2, 2, 5]),
        lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=20, three_phase=True),
        lr_scheduler.LambdaLR(opt, lambda e: 0.5**e),
    ]
    for _ in range(4):
        for s in scheds:
            s.step()
    states = {type(s).__name__: s.state_dict() for s in scheds}
    assert_identical(_round_trip(states, tmp_path), states)


def test_every_kind_of_leaf_round_trips(tmp_path):
    obj = {
        "none": None,
        "bools": [True, False],
        "ints": [0, -3, 2**70],
        "floats": [0.1, -0.0, 1e300, 5e-324, math.inf, -math.inf, math.nan, 1.0],
        "strings": ["", "ünïcødé ✓", '{"dict": []}', "a0"],
        "numpy scalars": (np.float32(1.5), np.int8(-3), np.bool_(True), np.complex128(1 - 2j)),
        "arrays": [
            np.zeros((0, 3)),
            np.array(7, dtype=np.int16),
            np.arange(6, dtype=np.uint8).reshape(2, 3),
            np.asfortranarray(np.arange(6.0).reshape(2, 3)),
            np.array([1 + 2j], dtype=np.complex64),
            np.array([True, False]),
        ],
        "tensor": ag.Tensor(np.array([1.0, 2.0], dtype=np.float32)),
        "empty": [{}, [], ()],
        "nested": {0: {1: ({"deep": [[[np.ones(1)]]]},)}, -5: "int key", "0": "str key"},
    }
    assert_identical(_round_trip(obj, tmp_path), obj)


def test_several_state_dicts_in_one_checkpoint(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.Tanh(), nn.Linear(4, 1, rng=1))
    opt = _trained_adam()
    checkpoint = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 7}
    loaded = _round_trip(checkpoint, tmp_path)
    assert_identical(loaded, checkpoint)
    fresh = nn.Sequential(nn.Linear(3, 4, rng=5), nn.Tanh(), nn.Linear(4, 1, rng=6))
    fresh.load_state_dict(loaded["model"])
    x = np.ones((2, 3))
    np.testing.assert_array_equal(fresh(x).data, model(x).data)


def test_a_dict_of_arrays_is_stored_as_before(tmp_path):
    sd = {
        "w": np.arange(3.0),
        "b": ag.Tensor([1.0]),
        "file": np.ones(1),
        "allow_pickle": np.ones(2),
    }
    path = tmp_path / "flat.npz"
    ag.save(sd, path)
    with np.load(path, allow_pickle=False) as archive:
        assert archive.files == ["w", "b", "file", "allow_pickle"]
    loaded = ag.load(path)
    assert list(loaded) == list(sd) and all(type(v) is np.ndarray for v in loaded.values())
    np.testing.assert_array_equal(loaded["b"], [1.0])


def test_files_written_by_np_savez_still_load(tmp_path):
    path = tmp_path / "old.npz"
    np.savez(path, **{"0.weight": np.ones((2, 2)), "0.bias": np.zeros(2, dtype=np.float32)})
    loaded = ag.load(path)
    assert list(loaded) == ["0.weight", "0.bias"] and loaded["0.bias"].dtype == np.float32


def test_the_structure_is_json_in_a_uint8_member(tmp_path):
    path = tmp_path / "s.npz"
    ag.save({"step": 3, "avg": np.ones(2)}, path)
    with np.load(path, allow_pickle=False) as archive:
        raw = archive[STRUCTURE]
        assert raw.dtype == np.uint8 and raw.ndim == 1
        document = json.loads(raw.tobytes())
        arrays = [name for name in archive.files if name != STRUCTURE]
    assert document["format"] == "autograd_lite.nested" and document["version"] == 1
    assert len(arrays) == 1


# Saving, loading and continuing training gives what never stopping gives.


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 3))
    return X, X @ np.array([[1.0], [-2.0], [0.5]]) + 0.1


def _setup():
    model = nn.Sequential(nn.Linear(3, 5, rng=0), nn.Tanh(), nn.Linear(5, 1, rng=1))
    opt = Adam(model.parameters(), lr=0.05, weight_decay=0.01)
    sched = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    return model, opt, sched


def _train(model, opt, sched, steps):
    X, Y = _data()
    for _ in range(steps):
        opt.zero_grad()
        ((model(X) - Y) ** 2).mean().backward()
        opt.step()
        sched.step()


def test_checkpoint_mid_training_resumes_identically(tmp_path):
    never_saved = _setup()
    _train(*never_saved, 10)

    saved = _setup()
    _train(*saved, 4)
    model, opt, sched = saved
    path = tmp_path / "checkpoint.npz"
    ag.save(
        {
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "scheduler": sched.state_dict(),
        },
        path,
    )
    _train(*saved, 6)

    resumed = _setup()
    model2, opt2, sched2 = resumed
    checkpoint = ag.load(path)
    model2.load_state_dict(checkpoint["model"])
    opt2.load_state_dict(checkpoint["optimizer"])
    sched2.load_state_dict(checkpoint["scheduler"])
    assert sched2.last_epoch == 4 and opt2.param_groups[0]["lr"] == 0.025
    _train(*resumed, 6)

    for other in (saved, resumed):
        for (name, p), (_, q) in zip(
            never_saved[0].named_parameters(), other[0].named_parameters()
        ):
            np.testing.assert_array_equal(q.data, p.data, err_msg=name)
        assert other[2].get_last_lr() == never_saved[2].get_last_lr()
        assert other[1].param_groups[0]["lr"] == never_saved[1].param_groups[0]["lr"]


# Refusals: what cannot be saved, and malformed files.


@pytest.mark.parametrize(
    ("obj", "error", "words"),
    [
        ({"a": {1.5: 2}}, TypeError, ["['a']", "1.5", "keys"]),
        ({"a": {True: 2}}, TypeError, ["True", "keys"]),
        ({"a": [{1, 2}]}, TypeError, ["['a'][0]", "set"]),
        ({"a": 1j}, TypeError, ["complex"]),
        ({"a": [np.array(["x"])]}, TypeError, ["['a'][0]", "dtype"]),
        ({"a": object()}, TypeError, ["object"]),
        ({2: "x"}, TypeError, ["keys", "strings"]),
        ([np.ones(1)], TypeError, ["dict"]),
    ],
)
def test_save_refuses_what_it_cannot_store(tmp_path, obj, error, words):
    with pytest.raises(error) as info:
        ag.save(obj, tmp_path / "x.npz")
    for word in words:
        assert word in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_save_refuses_a_structure_that_contains_itself(tmp_path):
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        ag.save({"loop": loop}, tmp_path / "x.npz")
    shared = [1]  # shared, not cyclic: saved twice
    assert_identical(_round_trip({"a": shared, "b": shared}, tmp_path), {"a": [1], "b": [1]})


def _archive(path, structure, **arrays):
    """A .npz whose structure member holds ``structure`` (bytes, text, or a JSON value)."""
    if isinstance(structure, (bytes, str)):
        raw = structure.encode() if isinstance(structure, str) else structure
        member = np.frombuffer(raw, dtype=np.uint8)
    elif isinstance(structure, np.ndarray):
        member = structure
    else:
        member = np.frombuffer(json.dumps(structure).encode(), dtype=np.uint8)
    np.savez(path, **{STRUCTURE: member}, **arrays)


def _doc(root):
    return {"format": "autograd_lite.nested", "version": 1, "root": root}


@pytest.mark.parametrize(
    ("structure", "arrays", "words"),
    [
        (np.zeros(3), {}, ["uint8"]),
        (np.zeros((2, 2), dtype=np.uint8), {}, ["uint8"]),
        (b"\xff\xfe not utf-8", {}, ["JSON"]),
        ("{not json", {}, ["JSON"]),
        ("[" * 100_000 + "]" * 100_000, {}, ["malformed"]),
        ({"format": "other", "version": 1, "root": {"dict": []}}, {}, ["format"]),
        ({"format": "autograd_lite.nested", "version": 2, "root": {}}, {}, ["version"]),
        ({"format": "autograd_lite.nested", "version": 1}, {}, ["root"]),
        (_doc([1, 2]), {}, ["list", "not a dict"]),
        (_doc({"dict": [["w", {"array": "a7"}]]}), {}, ["a7"]),
        (_doc({"dict": [["w", {"array": STRUCTURE}]]}), {}, [STRUCTURE]),
        (_doc({"dict": [["w", {"scalar": "a0"}]]}), {"a0": np.ones(2)}, ["scalar", "(2,)"]),
        (_doc({"dict": [["w", {"pickle": "x"}]]}), {}, ["pickle"]),
        (_doc({"dict": [["w", {"array": "a0", "x": 1}]]}), {"a0": np.ones(1)}, ["unexpected"]),
        (_doc({"dict": [["w"]]}), {}, ["pair"]),
        (_doc({"dict": [[True, 1]]}), {}, ["key"]),
        (_doc({"dict": [[1.5, 1]]}), {}, ["key"]),
        (_doc({"dict": [["w", 1], ["w", 2]]}), {}, ["twice"]),
        (_doc({"dict": [["w", {"float": "big"}]]}), {}, ["unexpected"]),
        (_doc({"dict": "w"}), {}, ["unexpected"]),
    ],
)
def test_malformed_structures_are_refused_naming_the_file(tmp_path, structure, arrays, words):
    path = tmp_path / "bad.npz"
    _archive(path, structure, **arrays)
    with pytest.raises(ValueError) as info:
        ag.load(path)
    message = str(info.value)
    assert "bad.npz" in message
    for word in words:
        assert word in message, f"{word!r} not in {message}"


def test_a_pickled_array_in_a_nested_file_is_never_unpickled(tmp_path):
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    evil = np.empty(1, dtype=object)
    evil[0] = Payload()
    path = tmp_path / "evil.npz"
    _archive(path, _doc({"dict": [["w", {"array": "a0"}]]}), a0=evil)
    with pytest.raises(ValueError, match=r"evil\.npz"):
        ag.load(path)
    assert not marker.exists()
    path.write_bytes(pickle.dumps({"w": Payload()}))
    with pytest.raises(ValueError, match="pickled"):
        ag.load(path)
    assert not marker.exists()


def test_truncated_nested_files_are_refused(tmp_path):
    path = tmp_path / "s.npz"
    ag.save(_trained_adam().state_dict(), path)
    raw = path.read_bytes()
    for cut in (10, len(raw) // 3, len(raw) - 5):
        path.write_bytes(raw[:cut])
        with pytest.raises(ValueError, match="cannot read"):
            ag.load(path)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(STRUCTURE + ".npy", b"\x93NUMPY garbage header")
    with pytest.raises(ValueError, match=r"s\.npz"):
        ag.load(path)


# Random structures round-trip.

_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.builds(
        lambda shape, dtype: np.arange(int(np.prod(shape))).astype(dtype).reshape(shape),
        st.lists(st.integers(0, 3), max_size=3).map(tuple),
        st.sampled_from([np.float64, np.float32, np.int64, np.uint8, np.bool_]),
    ),
)
_structures = st.recursive(
    _leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(st.one_of(st.text(max_size=3), st.integers()), children, max_size=3),
    ),
    max_leaves=12,
)


@settings(max_examples=20)
@given(st.dictionaries(st.text(max_size=4), _structures, max_size=4))
def test_random_structures_round_trip(tmp_path_factory, obj):
    loaded = _round_trip(obj, tmp_path_factory.mktemp("h"))
    if obj and all(isinstance(v, np.ndarray) for v in obj.values()):
        obj = {k: np.asarray(v) for k, v in obj.items()}
    assert_identical(loaded, obj)
