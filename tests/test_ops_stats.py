"""Exact cases of the statistics family: zeros in products, ties, known values, dispatch."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import _ops_stats as stats


def _grad(f: Callable[[ag.Tensor], ag.Tensor], x: Any) -> np.ndarray:
    t = ag.Tensor(np.asarray(x), requires_grad=True)
    f(t).backward()
    assert t.grad is not None
    return t.grad


def _cumprod_jacobian_by_polynomial(x: np.ndarray, w: np.ndarray, axis: int | None) -> np.ndarray:
    """The gradient of sum(w * cumprod(x)): each output is linear in each element."""
    grad = np.zeros_like(x)
    base = (np.cumprod(x, axis=axis) * w).sum()
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = 1.0
        grad.flat[i] = (np.cumprod(x + step.reshape(x.shape), axis=axis) * w).sum() - base
    return grad


# ---------------------------------------------------------------- prod
def test_prod_gradient_with_one_zero_is_the_product_of_the_others() -> None:
    np.testing.assert_array_equal(
        _grad(stats.prod, np.array([2.0, 0.0, 3.0, 4.0])), [0.0, 24.0, 0.0, 0.0]
    )


def test_prod_gradient_with_two_zeros_is_zero() -> None:
    np.testing.assert_array_equal(_grad(stats.prod, np.array([2.0, 0.0, 3.0, 0.0])), np.zeros(4))


def test_prod_gradient_along_an_axis_with_zeros() -> None:
    x = np.array([[2.0, 0.0, 5.0], [0.0, 0.0, 7.0], [1.0, 2.0, 3.0]])
    expected = np.array([[0.0, 10.0, 0.0], [0.0, 0.0, 0.0], [6.0, 3.0, 2.0]])
    np.testing.assert_array_equal(_grad(lambda t: stats.prod(t, axis=1).sum(), x), expected)
    np.testing.assert_array_equal(_grad(lambda t: stats.prod(t.T, axis=0).sum(), x), expected)


def test_prod_hessian_with_a_zero_is_the_product_of_the_remaining_others() -> None:
    # d2 prod / dx_i dx_j = product of all elements but i and j (0 on the diagonal).
    x = np.array([2.0, 0.0, 3.0])
    expected = np.array([[0.0, 3.0, 0.0], [3.0, 0.0, 2.0], [0.0, 2.0, 0.0]])
    np.testing.assert_array_equal(ag.hessian(stats.prod)(x), expected)
    two_zeros = np.array([2.0, 0.0, 0.0])  # only the pair of zeros has a non-zero entry
    expected = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 2.0], [0.0, 2.0, 0.0]])
    np.testing.assert_array_equal(ag.hessian(stats.prod)(two_zeros), expected)


def test_prod_of_empty_and_zero_dimensional_inputs() -> None:
    np.testing.assert_array_equal(_grad(lambda t: stats.prod(t), np.array(3.0)), 1.0)
    empty = ag.Tensor(np.zeros((0, 2)), requires_grad=True)
    out = stats.prod(empty, axis=0)
    np.testing.assert_array_equal(out.data, [1.0, 1.0])
    out.sum().backward()
    assert empty.grad is not None and empty.grad.shape == (0, 2)


# ---------------------------------------------------------------- cumprod
@pytest.mark.parametrize(
    ("x", "axis"),
    [
        (np.array([2.0, 0.0, 3.0, 0.5]), None),
        (np.array([0.0, 0.0, 3.0, 0.5, 0.0]), 0),
        (np.array([[2.0, 0.0, 3.0], [0.0, 1.5, 0.0], [0.5, -1.0, 2.0]]), 1),
        (np.array([[2.0, 0.0, 3.0], [0.0, 1.5, 0.0], [0.5, -1.0, 2.0]]), 0),
        (np.array([[1e-200, 1e-200, 3.0]]), 1),  # products that underflow to 0
    ],
)
def test_cumprod_gradient_is_exact_with_zeros(x: np.ndarray, axis: int | None) -> None:
    w = np.linspace(-1.0, 1.5, np.cumprod(x, axis=axis).size).reshape(
        np.cumprod(x, axis=axis).shape
    )
    got = _grad(lambda t: (stats.cumprod(t, axis=axis) * w).sum(), x)
    np.testing.assert_allclose(got, _cumprod_jacobian_by_polynomial(x, w, axis), rtol=1e-14)


def test_cumprod_hessian_with_zeros() -> None:
    # f = sum(cumprod(x)) = x0 + x0 x1 + x0 x1 x2; the Hessian, at x = (0, 0, 2).
    x = np.array([0.0, 0.0, 2.0])
    expected = np.array([[0.0, 1.0 + 2.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(ag.hessian(lambda t: stats.cumprod(t).sum())(x), expected)


def test_cumprod_second_derivative_of_a_tiny_value() -> None:
    # f = (cumprod(x)[0])**2 = x**2: f'' = 2 even where x**2 underflows.
    d2 = ag.grad(ag.grad(lambda t: (stats.cumprod(t) ** 2).sum()))(np.array(1e-200))
    np.testing.assert_allclose(d2, 2.0, rtol=1e-14)


# ---------------------------------------------------------------- var, std
def test_var_of_a_known_vector_and_its_gradient() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert stats.var(ag.Tensor(x)).item() == 1.25
    np.testing.assert_allclose(stats.var(ag.Tensor(x), ddof=1).item(), 5.0 / 3.0, rtol=1e-15)
    for ddof in (0, 1, 2):
        expected = 2 * (x - 2.5) / (4 - ddof)
        np.testing.assert_allclose(
            _grad(lambda t, ddof=ddof: stats.var(t, ddof=ddof), x), expected, rtol=1e-15
        )


def test_std_of_a_known_vector_and_its_gradient() -> None:
    x = np.array([1.0, 3.0])
    assert stats.std(ag.Tensor(x)).item() == 1.0
    np.testing.assert_allclose(_grad(stats.std, x), [-0.5, 0.5], rtol=1e-15)


def test_std_gradient_where_std_is_zero_is_zero() -> None:
    np.testing.assert_array_equal(_grad(stats.std, np.full(3, 2.0)), np.zeros(3))
    lanes = np.array([[1.0, 1.0], [1.0, 3.0]])  # one constant lane, one not
    got = _grad(lambda t: stats.std(t, axis=1).sum(), lanes)
    np.testing.assert_allclose(got, [[0.0, 0.0], [-0.5, 0.5]], rtol=1e-15)
    assert np.all(np.isfinite(ag.hessian(stats.std)(np.full(3, 2.0))))


# ---------------------------------------------------------------- logsumexp
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_logsumexp_of_large_inputs_is_finite_and_its_gradient_is_the_softmax(dtype: type) -> None:
    x = ag.Tensor(np.array([1000.0, 1000.0], dtype=dtype), requires_grad=True)
    out = stats.logsumexp(x)
    assert out.dtype == dtype
    np.testing.assert_allclose(out.item(), 1000.0 + np.log(2.0), rtol=1e-7)
    out.backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad, [0.5, 0.5])


def test_logsumexp_along_an_axis_and_of_minus_infinity() -> None:
    x = np.array([[0.0, np.log(3.0)], [-1000.0, -1000.0]])
    out = stats.logsumexp(ag.Tensor(x), axis=1, keepdims=True)
    np.testing.assert_allclose(out.data, [[np.log(4.0)], [-1000.0 + np.log(2.0)]], rtol=1e-15)
    assert stats.logsumexp(ag.Tensor(np.full(2, -np.inf))).item() == -np.inf


# ---------------------------------------------------------------- cumsum
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_cumsum_gradient_is_the_reversed_cumsum_of_g(axis: int | None) -> None:
    x = np.arange(6.0).reshape(2, 3)
    g = np.array([1.0, -2.0, 0.5, 3.0, 4.0, -1.0])
    g = g if axis is None else g.reshape(2, 3)
    t = ag.Tensor(x, requires_grad=True)
    stats.cumsum(t, axis=axis).backward(g)
    along = 0 if axis is None else axis
    expected = np.flip(np.cumsum(np.flip(g, along), along), along).reshape(x.shape)
    np.testing.assert_array_equal(t.grad, expected)


def test_cumsum_of_a_scalar_is_flat() -> None:
    out = stats.cumsum(ag.Tensor(2.0))
    assert out.shape == (1,)


# ---------------------------------------------------------------- amax, amin, ptp
def test_amax_amin_ties_share_the_gradient_evenly() -> None:
    x = np.array([1.0, 3.0, 3.0, -2.0])
    np.testing.assert_array_equal(_grad(stats.amax, x), [0.0, 0.5, 0.5, 0.0])
    np.testing.assert_array_equal(_grad(stats.amin, x), [0.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(_grad(stats.ptp, x), [0.0, 0.5, 0.5, -1.0])
    assert stats.amax is ag.max and stats.amin is ag.min


def test_ptp_of_equal_values_has_zero_gradient() -> None:
    np.testing.assert_array_equal(_grad(stats.ptp, np.full(3, 1.5)), np.zeros(3))


# ---------------------------------------------------------------- average
def test_average_gradients_for_values_and_weights() -> None:
    a = ag.Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    w = ag.Tensor(np.array([0.25, 0.75]), requires_grad=True)
    avg, total = stats.average(a, axis=1, weights=w, returned=True)
    np.testing.assert_array_equal(avg.data, [0.75, 2.75, 4.75])
    np.testing.assert_array_equal(total.data, [1.0, 1.0, 1.0])
    avg.sum().backward()
    np.testing.assert_array_equal(a.grad, [[0.25, 0.75]] * 3)
    # d avg_i / d w_j = (a_ij - avg_i) / sum(w)
    np.testing.assert_allclose(w.grad, [-2.25, 0.75], rtol=1e-15)


def test_average_without_weights_is_the_mean() -> None:
    x = np.arange(6.0).reshape(2, 3)
    avg, count = stats.average(ag.Tensor(x), axis=0, returned=True)
    np.testing.assert_array_equal(avg.data, [1.5, 2.5, 3.5])
    np.testing.assert_array_equal(count.data, [2.0, 2.0, 2.0])


def test_average_refuses_what_numpy_refuses() -> None:
    a = ag.Tensor(np.ones((2, 3)))
    with pytest.raises(ZeroDivisionError):
        stats.average(a, weights=np.zeros((2, 3)))
    with pytest.raises(TypeError, match="Axis must be specified"):
        stats.average(a, weights=np.ones(3))
    with pytest.raises(ValueError, match="consistent"):
        stats.average(a, axis=0, weights=np.ones(3))


# ---------------------------------------------------------------- NumPy's functions on Tensors
def test_numpy_functions_dispatch_with_their_arguments() -> None:
    x = np.array([[1.0, 2.0, 4.0], [3.0, 0.5, 2.0]])
    t = ag.Tensor(x, requires_grad=True)
    cases = [
        (np.prod(t, axis=1, keepdims=True), np.prod(x, axis=1, keepdims=True)),
        (np.var(t, 0, None, None, 1), np.var(x, 0, None, None, 1)),
        (np.std(t, axis=1, correction=1), np.std(x, axis=1, correction=1)),
        (np.cumsum(t), np.cumsum(x)),
        (np.cumprod(t, axis=0), np.cumprod(x, axis=0)),
        (np.amax(t, axis=0), np.amax(x, axis=0)),
        (np.amin(t), np.amin(x)),
        (np.ptp(t, axis=1), np.ptp(x, axis=1)),
        (np.average(t, axis=1, weights=[1.0, 2.0, 3.0]), np.average(x, 1, [1.0, 2.0, 3.0])),
        (np.multiply.reduce(t), np.multiply.reduce(x)),
        (np.multiply.reduce(t, axis=None), np.multiply.reduce(x, axis=None)),
        (np.add.accumulate(t, axis=1), np.add.accumulate(x, axis=1)),
        (np.multiply.accumulate(t), np.multiply.accumulate(x)),
    ]
    for got, expected in cases:
        assert isinstance(got, ag.Tensor) and got.requires_grad
        np.testing.assert_allclose(got.data, expected, rtol=1e-15)


def test_numpy_functions_refuse_what_a_tensor_cannot_take() -> None:
    t = ag.Tensor(np.ones(3), requires_grad=True)
    for call in (
        lambda: np.prod(t, out=np.empty(())),
        lambda: np.var(t, dtype=np.float32),
        lambda: np.cumsum(t, out=np.empty(3)),
        lambda: np.ptp(t, out=np.empty(())),
    ):
        with pytest.raises(TypeError, match="does not take"):
            call()
    with pytest.raises(ValueError, match="ddof and correction"):
        np.var(t, ddof=1, correction=1)


@pytest.mark.parametrize(
    "f",
    [stats.prod, stats.var, stats.std, stats.cumsum, stats.cumprod, stats.logsumexp, stats.ptp],
    ids=lambda f: f.__name__,
)
def test_float32_stays_float32_with_zeros(f) -> None:  # type: ignore[no-untyped-def]
    t = ag.Tensor(np.array([[0.0, 2.0], [3.0, 0.0]], dtype=np.float32), requires_grad=True)
    out = f(t)
    assert out.dtype == np.float32
    out.sum().backward()
    assert t.grad is not None and t.grad.dtype == np.float32


def test_prod_matches_the_product_of_others_on_every_zero_pattern() -> None:
    base = np.array([1.5, -2.0, 0.5, 3.0])
    for pattern in itertools.product([False, True], repeat=4):
        x = np.where(pattern, 0.0, base)
        others = np.array([np.prod(np.delete(x, i)) for i in range(4)])
        np.testing.assert_array_equal(_grad(stats.prod, x), others)
