"""In-place edits of arrays a graph saved can never produce a silently wrong gradient."""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag

EDITS = {
    "setitem": lambda a: a.__setitem__(..., 0.0),
    "augmented": lambda a: a.__iadd__(1.0),
    "ufunc out=": lambda a: np.multiply(a, 2.0, out=a),
    "fill": lambda a: a.fill(3.0),
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_editing_a_saved_input_fails_loudly(edit) -> None:  # type: ignore[no-untyped-def]
    x = ag.Tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = ag.tanh(x) * x  # multiply saves x (and tanh's output)
    before = x.data.copy()
    with pytest.raises(ValueError, match="read-only"):
        edit(x.data)
    np.testing.assert_array_equal(x.data, before)
    y.sum().backward()
    t = np.tanh(before)
    np.testing.assert_allclose(x.grad, (1 - t**2) * before + t)


def test_editing_a_saved_output_edits_a_copy_the_graph_does_not_use() -> None:
    x = ag.Tensor([0.5, 1.0], requires_grad=True)
    y = ag.exp(x)  # exp's VJP reads its output
    y.data[0] = 0.0  # y's data is handed out as a copy: the graph keeps what it computed
    assert y.data[0] == 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.exp([0.5, 1.0]))


def test_an_unsaved_result_is_handed_out_without_a_copy() -> None:
    x = ag.Tensor([0.5, 1.0], requires_grad=True)
    y = x + 1.0  # add saves nothing
    data = y.data
    assert y.data is data
    data[0] = 7.0
    z = y * y  # multiply saves y's data, now in the user's hands: guarded
    with pytest.raises(ValueError, match="read-only"):
        data[1] = 0.0
    z.sum().backward()
    np.testing.assert_allclose(x.grad, [14.0, 4.0])


def test_a_view_of_a_saved_result_is_handed_out_as_a_copy() -> None:
    x = ag.Tensor([0.5, 1.0, 2.0], requires_grad=True)
    y = ag.exp(x)
    first = y[:2]  # a view of y's data, which exp saved
    first.data[...] = 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.exp([0.5, 1.0, 2.0]))


HAND_OUTS = {
    ".data": lambda t: t.data,
    ".numpy()": lambda t: t.numpy(),
    ".detach().data": lambda t: t.detach().data,
    "Tensor(t).data": lambda t: ag.Tensor(t).data,
    "a view's .data": lambda t: t[:2].data,
}


@pytest.mark.parametrize("hand_out", HAND_OUTS.values(), ids=HAND_OUTS.keys())
def test_no_hand_out_of_a_saved_result_reaches_what_the_graph_saved(hand_out) -> None:  # type: ignore[no-untyped-def]
    x = ag.Tensor([0.5, 1.0, 2.0], requires_grad=True)
    y = ag.exp(x)  # exp's VJP reads its output
    hand_out(y)[...] = -7.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.exp([0.5, 1.0, 2.0]))


def test_editing_the_base_of_a_saved_view_fails_loudly() -> None:
    x = ag.Tensor(np.arange(6.0), requires_grad=True)
    part = x[:3]  # a view of x's data
    y = ag.exp(part) * part
    with pytest.raises(ValueError, match="read-only"):
        x.data[0] = 10.0
    y.sum().backward()
    expected = np.zeros(6)
    expected[:3] = np.exp(np.arange(3.0)) * (np.arange(3.0) + 1)
    np.testing.assert_allclose(x.grad, expected)


# Views whose own creation saves nothing of w (``w[:1]`` would: its graph keeps w guarded).
@pytest.mark.parametrize("make_view", [lambda w: w.T, lambda w: ag.Tensor(w.data[:1])])
def test_a_view_handed_out_after_its_base_was_saved_is_read_only_until_backward(
    make_view,  # type: ignore[no-untyped-def]
) -> None:
    w = ag.Tensor(np.ones((2, 3)), requires_grad=True)
    view = make_view(w)  # a Tensor whose data is a view of w's
    loss = (w * w).sum()  # saves w's data
    with pytest.raises(ValueError, match="read-only"):
        view.data[...] = 5.0
    loss.backward()
    np.testing.assert_array_equal(w.grad, np.full((2, 3), 2.0))
    view.data[...] = 5.0  # the graph is freed: the view is writeable again
    assert w.data[0, 0] == 5.0  # and writes through to w


def test_optimizer_style_updates_are_allowed_after_backward() -> None:
    w = ag.Tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        loss = ((w * w) * 0.5).sum()
        loss.backward()
        w.data -= 0.1 * w.grad  # in place: the graph that saved w is gone
        w.grad = None
    np.testing.assert_allclose(w.data, np.array([1.0, 2.0]) * 0.9**3)


def test_protection_ends_when_a_graph_is_dropped_without_backward() -> None:
    w = ag.Tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    assert not w.data.flags.writeable
    del loss
    assert w.data.flags.writeable
    w.data[0] = 5.0  # allowed again


def test_protection_lasts_while_any_graph_holds_the_array() -> None:
    w = ag.Tensor([1.0, 2.0], requires_grad=True)
    first = (w * w).sum()
    second = (w * 3 * w).sum()
    first.backward()
    assert not w.data.flags.writeable  # ``second`` still needs w
    second.backward()
    assert w.data.flags.writeable


def test_retain_graph_keeps_protection_until_released() -> None:
    w = ag.Tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    with pytest.raises(ValueError, match="read-only"):
        w.data += 1.0
    del loss
    gc.collect()
    w.data += 1.0
    np.testing.assert_array_equal(w.data, [2.0, 3.0])


def test_arrays_that_were_read_only_stay_read_only() -> None:
    frozen = np.ones(3)
    frozen.flags.writeable = False
    w = ag.Tensor(np.ones(3), requires_grad=True)
    (w * frozen).sum().backward()
    assert not frozen.flags.writeable


def test_switching_protection_off_is_caught_by_backward_naming_the_op() -> None:
    x = ag.Tensor([0.5, -1.0], requires_grad=True)
    y = ag.exp(x) * x
    x._data.flags.writeable = True  # deliberately around the guard (.data refuses it)
    x.data[0] = 3.0
    with pytest.raises(RuntimeError, match=r"op 'multiply'.*input 1.*shape \(2,\)"):
        y.sum().backward()


@pytest.mark.parametrize("shape", [(3,), (1, 3), (2, 1), ()])
def test_a_sum_to_result_is_owned_like_any_op_result(shape: tuple[int, ...]) -> None:
    # Its .data is handed out as a copy while a graph holds it, and edits to that copy
    # change neither the graph nor the gradient.
    w = ag.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    s = ag.sum_to(w, shape)
    loss = (s * s).sum()
    expected = 2 * np.broadcast_to(s.data.copy(), (2, 3))
    d = s.data
    assert d.flags.writeable
    d[...] = 100.0
    loss.backward()
    np.testing.assert_array_equal(w.grad, expected)


def test_switching_protection_off_is_caught_along_a_chain_sharing_one_guard() -> None:
    # Every node of the chain saves c's data under one guard, checked once per pass (at
    # the first node the pass reaches): switched off before the pass, it is caught.
    x = ag.Tensor([0.5, -1.0], requires_grad=True)
    c = ag.Tensor([2.0, 3.0])
    z = x
    for _ in range(5):
        z = z * c
    c._data.flags.writeable = True  # around the guard
    c.data[0] = 7.0
    with pytest.raises(RuntimeError, match=r"op 'multiply'.*input 1.*shape \(2,\)"):
        z.sum().backward()
    assert x.grad is None


def test_in_place_update_of_a_parameter_under_no_grad() -> None:
    w = ag.Tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    before = w.data
    with ag.no_grad():
        w -= 0.1 * w.grad
        w *= 2.0
        w += ag.Tensor([1.0, 1.0])
        w /= 2.0
    assert w.data is before and w.requires_grad and w.is_leaf
    np.testing.assert_allclose(w.data, ((np.array([1.0, 2.0]) * 0.8) * 2 + 1) / 2)


def test_in_place_ops_refuse_what_would_corrupt_a_gradient() -> None:
    w = ag.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w += 1.0  # would change a leaf while recording
    loss = (w * w).sum()
    with ag.no_grad(), pytest.raises(ValueError, match="has not run backward"):
        w -= 1.0  # w is saved by ``loss``'s graph
    np.testing.assert_array_equal(w.data, [1.0, 2.0])
    loss.backward()
    np.testing.assert_array_equal(w.grad, [2.0, 4.0])
    with pytest.raises(TypeError, match="in-place"):
        ints = ag.Tensor([1, 2])
        ints += 0.5  # would silently truncate


# Graphs that save a user's array, or views of it, in any mix, dropped in any order.
_SAVERS = {
    "whole": lambda x, base: ag.exp(x) * x,  # multiply saves x's data (the base itself)
    "view": lambda x, base: ag.Tensor(base[1:3], requires_grad=True) * x[:2],
    "raw view": lambda x, base: x[:2] * base[::2],  # saves a NumPy view of the base
    "transposed": lambda x, base: x.reshape(2, 2).T * 2.0,  # saves nothing of base
}


@given(
    kinds=st.lists(st.sampled_from(sorted(_SAVERS)), min_size=1, max_size=5),
    order=st.randoms(use_true_random=False),
    backward_some=st.lists(st.booleans(), min_size=5, max_size=5),
)
def test_guards_hold_while_any_graph_needs_the_array_and_end_with_the_last(
    kinds: list[str], order: Any, backward_some: list[bool]
) -> None:
    base = np.array([0.5, -1.0, 2.0, 1.5])
    x = ag.Tensor(base, requires_grad=True)
    graphs = [_SAVERS[k](x, base) for k in kinds]
    saves_base = [k != "transposed" for k in kinds]
    order.shuffle(indices := list(range(len(graphs))))
    for step, i in enumerate(indices):
        if any(saves_base[j] for j in indices[step:]):
            with pytest.raises(ValueError, match="read-only"):
                base[0] = 9.0
        if backward_some[step]:
            graphs[i].sum().backward()
        graphs[i] = None  # freed by reference counting: graphs hold no cycles
    base[0] = 9.0  # every guard is gone: the array and its views are writeable again
    assert x.data.flags.writeable
    view = base[1:3]
    view[0] = 3.0
    assert base[1] == 3.0


def test_class_labels_stay_writable_and_the_graph_keeps_their_values() -> None:
    logits = ag.Tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]], requires_grad=True)
    labels = np.array([0, 2])
    loss = ag.cross_entropy(logits, labels, reduction="sum")
    labels[:] = [1, 1]  # the caller's array is not the graph's
    loss.backward()
    e = np.exp(logits.data - logits.data.max(axis=1, keepdims=True))
    expected = e / e.sum(axis=1, keepdims=True)
    expected[[0, 1], [0, 2]] -= 1
    np.testing.assert_allclose(logits.grad, expected, rtol=1e-12)


def test_a_read_only_view_of_a_writable_array_guards_the_array() -> None:
    base = np.array([2.0])
    stretched = np.broadcast_to(base, (2,))  # read-only, but base is not
    x = ag.Tensor([1.0, 1.0], requires_grad=True)
    y = (x * stretched).sum()
    with pytest.raises(ValueError, match="read-only"):
        base[0] = 100.0
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])
    base[0] = 100.0  # writable again once the graph is freed


def _saved_graphs():
    """(name, the Tensor whose data a graph saved, the op named, a function running backward)."""
    x = ag.Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    leaf = (x, x * x, "multiply")
    W = ag.Tensor(np.ones((2, 3)), requires_grad=True)
    X = ag.Tensor(np.arange(6.0).reshape(3, 2))  # a constant: W's gradient needs it
    constant = (X, W @ X, "matmul")
    z = ag.Tensor(np.array([0.5, 1.5]), requires_grad=True)
    logged = (z, ag.log(z), "log")
    return {"leaf": leaf, "constant": constant, "log": logged}


_EDITS = {
    "one element": lambda a: a.__setitem__((0,) * a.ndim, 7.0),
    "+=": lambda a: a.__iadd__(1.0),
    "[...] =": lambda a: a.__setitem__(Ellipsis, 0.0),
    "np.add out=": lambda a: np.add(a, 1.0, out=a),
    "fill": lambda a: a.fill(3.0),
    "np.copyto": lambda a: np.copyto(a, 2.0),
}


@pytest.mark.parametrize("graph", ["leaf", "constant", "log"])
@pytest.mark.parametrize("edit", sorted(_EDITS))
def test_an_edit_of_a_saved_array_names_the_op_and_what_to_do(graph, edit) -> None:  # type: ignore[no-untyped-def]
    tensor, out, op = _saved_graphs()[graph]
    before = tensor.data.copy()
    with pytest.raises(ValueError, match="read-only") as info:
        _EDITS[edit](tensor.data)
    message = str(info.value)
    assert f"saved by op '{op}'" in message
    assert f"shape {before.shape}" in message
    assert "backward" in message and "copy" in message
    np.testing.assert_array_equal(tensor.data, before)  # nothing changed
    out.sum().backward()
    _EDITS[edit](tensor.data)  # free again once backward has run
    assert not np.array_equal(tensor.data, before) or edit == "np.copyto"


def test_an_edit_between_two_backward_passes_with_retain_graph_is_refused() -> None:
    x = ag.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (ag.exp(x) * x).sum()
    y.backward(retain_graph=True)
    with pytest.raises(ValueError, match="saved by op 'multiply'"):
        x.data[1] = 0.0
    first = x.grad.copy()
    x.grad = None
    y.backward()
    np.testing.assert_array_equal(x.grad, first)  # the second pass saw the same values
    x.data[1] = 0.0  # and now the graph is freed
    assert x.data[1] == 0.0


def test_reading_a_saved_array_is_unchanged() -> None:
    x = ag.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * x
    data = x.data
    assert type(data + 1.0) is np.ndarray and type(np.exp(data)) is np.ndarray
    assert type(data.copy()) is np.ndarray and data.copy().flags.writeable
    assert repr(data) == "array([1., 2.])"
    np.testing.assert_array_equal(np.concatenate([data, data]), [1.0, 2.0, 1.0, 2.0])
    assert type(x.detach().data) in (np.ndarray, type(data))
    del y
    assert type(x.data) is np.ndarray  # the graph is gone: the plain array again
