"""Exact gradients of the shape and join functions, where the answer is known in closed form."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_lite as ag

# The lead exports these as ag.<name>; until then, the module's own functions.
A: Any = ag


def _grad_of(f: Any, x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The gradient of ``sum(f(x) * g)`` with respect to ``x``."""
    t = ag.Tensor(x, requires_grad=True)
    f(t).backward(g)
    assert t.grad is not None
    return t.grad


def test_array_of_tensors_and_numbers_sends_each_tensor_its_own_entry() -> None:
    x = ag.Tensor(3.0, requires_grad=True)
    y = ag.Tensor(-4.0, requires_grad=True)
    m = A.array([[x, 1.0], [2.0, y]])
    np.testing.assert_array_equal(m.data, [[3.0, 1.0], [2.0, -4.0]])
    m.backward(np.array([[10.0, 20.0], [30.0, 40.0]]))
    assert x.grad == 10.0 and y.grad == 40.0


def test_array_keeps_float32_among_python_numbers() -> None:
    x = ag.Tensor(np.float32(1.5), requires_grad=True)
    m = A.array([[x, 1.0], [2, x * 2]])
    assert m.dtype == np.float32
    m.sum().backward()
    assert x.grad is not None and x.grad.dtype == np.float32 and x.grad == 3.0


def test_array_of_equal_shaped_tensors_is_a_stack() -> None:
    x = ag.Tensor(np.arange(3.0), requires_grad=True)
    m = A.array([[x, x * 2], (np.ones(3), x)])
    assert m.shape == (2, 2, 3)
    m.backward(np.ones((2, 2, 3)))
    np.testing.assert_array_equal(x.grad, np.full(3, 4.0))


def test_array_copies_and_converts() -> None:
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    c = A.array(x, dtype=np.float32)
    assert c is not x and c.dtype == np.float32 and c.requires_grad
    plain = A.array([[1, 2], [3, 4]])
    assert isinstance(plain, ag.Tensor) and plain.dtype == np.int64


def test_array_refuses_ragged_nesting() -> None:
    x = ag.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="equal shapes"):
        A.array([x, 1.0])


def test_pad_gradient_is_the_inner_slice() -> None:
    x = np.arange(6.0).reshape(2, 3)
    g = np.random.default_rng(0).normal(size=(5, 4))
    grad = _grad_of(lambda t: A.pad(t, ((1, 2), (0, 1)), constant_values=7.0), x, g)
    np.testing.assert_array_equal(grad, g[1:3, 0:3])


def test_pad_edge_gradient_collects_the_copies_of_the_edge() -> None:
    grad = _grad_of(lambda t: A.pad(t, (2, 1), mode="edge"), np.arange(3.0), np.arange(6.0))
    np.testing.assert_array_equal(grad, [0 + 1 + 2, 3, 4 + 5])


def test_repeat_gradient_sums_the_repeats() -> None:
    g = np.arange(6.0) + 1
    grad = _grad_of(lambda t: A.repeat(t, 2), np.zeros(3), g)
    np.testing.assert_array_equal(grad, g[0::2] + g[1::2])
    grad = _grad_of(lambda t: A.repeat(t, [0, 2, 1]), np.zeros(3), g[:3])
    np.testing.assert_array_equal(grad, [0.0, g[0] + g[1], g[2]])
    g2 = np.arange(12.0).reshape(2, 6)
    grad = _grad_of(lambda t: A.repeat(t, 3, axis=-1), np.zeros((2, 2)), g2)
    np.testing.assert_array_equal(grad, g2.reshape(2, 2, 3).sum(-1))


def test_tile_gradient_sums_the_tiles() -> None:
    g = np.arange(12.0).reshape(2, 6)
    grad = _grad_of(lambda t: A.tile(t, (2, 3)), np.zeros(2), g)
    np.testing.assert_array_equal(grad, g.reshape(2, 3, 2).sum((0, 1)))


def test_trace_gradient_is_the_identity() -> None:
    np.testing.assert_array_equal(_grad_of(A.trace, np.ones((3, 3)), np.array(1.0)), np.eye(3))
    grad = _grad_of(lambda t: A.trace(t, 1), np.ones((3, 4)), np.array(2.0))
    np.testing.assert_array_equal(grad, 2 * np.eye(3, 4, k=1))


def test_trace_hessian_is_zero() -> None:
    np.testing.assert_array_equal(ag.hessian(A.trace)(np.ones((2, 2))), np.zeros((2, 2, 2, 2)))


def test_diag_of_a_vector_gradient_is_the_diagonal_of_g() -> None:
    g = np.arange(16.0).reshape(4, 4)
    np.testing.assert_array_equal(_grad_of(lambda t: A.diag(t, 1), np.ones(3), g), np.diag(g, 1))


def test_split_returns_a_list_and_each_piece_gets_its_gradient() -> None:
    x = ag.Tensor(np.arange(6.0), requires_grad=True)
    pieces = np.split(x, [1, 4])
    assert type(pieces) is list and [p.shape for p in pieces] == [(1,), (3,), (2,)]
    (pieces[0] * 1 + pieces[2].sum() * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0, 0, 0, 3, 3])


def test_atleast_of_several_inputs_is_a_tuple() -> None:
    a, b = A.atleast_2d(ag.Tensor(1.0), ag.Tensor([1.0, 2.0]))
    assert a.shape == (1, 1) and b.shape == (1, 2)
    assert isinstance(A.atleast_1d(ag.Tensor(1.0)), ag.Tensor)


def test_tril_keeps_nan_above_the_diagonal_out_of_the_gradient() -> None:
    x = np.array([[1.0, np.nan], [2.0, 3.0]])
    t = ag.Tensor(x, requires_grad=True)
    out = A.tril(t)
    np.testing.assert_array_equal(out.data, [[1.0, 0.0], [2.0, 3.0]])
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, [[1.0, 0.0], [1.0, 1.0]])


def test_roll_gradient_rolls_back() -> None:
    g = np.arange(5.0)
    np.testing.assert_array_equal(_grad_of(lambda t: A.roll(t, 2), np.zeros(5), g), np.roll(g, -2))


def test_numpy_functions_reach_the_tensor_functions() -> None:
    x = ag.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    for out in (np.hstack([x, x]), np.trace(x), np.pad(x, 1), np.flip(x), np.diag(x)):
        assert isinstance(out, ag.Tensor) and out.requires_grad
    with pytest.raises(TypeError, match="dtype"):
        np.trace(x, dtype=np.float32)
