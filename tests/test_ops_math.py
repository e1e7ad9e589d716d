"""Exact values of the elementwise math ops' derivatives at their conventions and edges.

The table rows (tests/op_table_math.py) check the ops against finite differences away
from kinks; these check the chosen values at the kinks, ties and domain edges, and the
derivatives of ``x ** p`` at ``x = 0``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_lite as ag

DTYPES = [np.float64, np.float32]


def _grads(f: Callable[..., ag.Tensor], *values: Any, dtype: Any = np.float64) -> list[Any]:
    """The gradients of ``f(*tensors).sum()`` for inputs of ``dtype``."""
    tensors = [ag.Tensor(np.asarray(v, dtype=dtype), requires_grad=True) for v in values]
    f(*tensors).sum().backward()
    return [t.grad for t in tensors]


# ---------------------------------------------------------------- x ** p at x = 0
# (p, first derivative at 0, second derivative at 0)
POWERS_AT_ZERO = [(0, 0.0, 0.0), (1, 1.0, 0.0), (2, 0.0, 2.0), (3, 0.0, 0.0)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("p", "d1", "d2"), POWERS_AT_ZERO)
@pytest.mark.parametrize("kind", ["python", "array", "operator"])
def test_power_derivatives_at_zero_are_exact(
    p: int, d1: float, d2: float, dtype: type, kind: str
) -> None:
    exponent = np.asarray(p, dtype=dtype) if kind == "array" else p

    def f(x):  # type: ignore[no-untyped-def]
        return x**exponent if kind == "operator" else ag.power(x, exponent)

    x = np.asarray(0.0, dtype=dtype)
    first = ag.grad(f)(x)
    second = ag.grad(ag.grad(f))(x)
    assert first.dtype == dtype and second.dtype == dtype
    assert first == d1 and second == d2  # exact: no NaN, no rounding


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("p", "d1", "d2"), POWERS_AT_ZERO)
def test_power_at_zero_with_an_exponent_that_requires_grad(
    p: int, d1: float, d2: float, dtype: type
) -> None:
    """Both inputs differentiated: d/dx as above, and d/dp = 0 at x = 0 (x <= 0 convention)."""
    x0, p0 = np.asarray(0.0, dtype=dtype), np.asarray(float(p), dtype=dtype)
    gx, gp = ag.grad(lambda x, q: x**q, argnums=(0, 1))(x0, p0)
    assert gx == d1 and gp == 0.0
    assert gx.dtype == dtype and gp.dtype == dtype
    d2x = ag.grad(lambda x, q: ag.grad(lambda y: y**q)(x))(x0, p0)
    assert d2x == d2
    # d/dp of d/dx (p x^(p-1) -> x^(p-1) + p x^(p-1) log x) and d2/dp2 at x = 0: no NaN.
    dxdp = ag.grad(lambda q, x: ag.grad(lambda y: y**q)(x))(p0, x0)
    d2p = ag.grad(ag.grad(lambda q, x: x**q))(p0, x0)
    assert d2p == 0.0
    assert np.isfinite(dxdp)
    assert dxdp == (1.0 if p == 1 else 0.0)  # d/dp x^(p-1) at x = 0: 1 only for p = 1


def test_power_exponent_gradient_is_zero_where_the_base_is_not_positive() -> None:
    x = np.array([0.0, -2.0, 0.0])
    p = np.array([-1.0, 2.5, 0.5])
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 ** -1 and (-2) ** 2.5
        gp = ag.grad(lambda q: (x**q).sum())(p)
    np.testing.assert_array_equal(gp, [0.0, 0.0, 0.0])  # not inf * 0 = NaN


def test_power_still_matches_the_analytic_derivatives_away_from_zero() -> None:
    x, p = 1.7, 2.5
    assert ag.grad(lambda t: t**p)(x) == pytest.approx(p * x ** (p - 1), rel=1e-14)
    assert ag.grad(ag.grad(lambda t: t**p))(x) == pytest.approx(
        p * (p - 1) * x ** (p - 2), rel=1e-14
    )
    assert ag.grad(lambda q: x**q)(p) == pytest.approx(x**p * np.log(x), rel=1e-14)


# ---------------------------------------------------------------- clip
@pytest.mark.parametrize("dtype", DTYPES)
def test_clip_gives_the_gradient_to_a_on_the_bounds(dtype: type) -> None:
    x = ag.Tensor(np.array([-2.0, -1.0, 0.5, 1.0, 3.0], dtype=dtype), requires_grad=True)
    out = ag.clip(x, -1.0, 1.0)
    np.testing.assert_array_equal(out.data, [-1.0, -1.0, 0.5, 1.0, 1.0])
    out.sum().backward()
    assert x.grad is not None and x.grad.dtype == dtype
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0, 1.0, 0.0])


def test_clip_gradients_to_tensor_bounds_where_they_are_selected() -> None:
    a = [-2.0, -1.0, 0.0, 1.0, 2.0, 0.0, 0.5]
    lo = [-1.0, -1.0, -1.0, -1.0, -1.0, 2.0, 0.5]  # last two: a_min > a_max, a_min == a_max
    hi = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5]
    ga, glo, ghi = _grads(ag.clip, a, lo, hi)
    np.testing.assert_array_equal(ga, [0, 1, 1, 1, 0, 0, 1])
    np.testing.assert_array_equal(glo, [1, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(ghi, [0, 0, 0, 0, 1, 1, 0])  # a_min > a_max: a_max's
    np.testing.assert_array_equal(ga + glo + ghi, np.ones(7))  # exactly one receives it


def test_clip_with_one_bound_broadcast_bounds_and_the_keywords() -> None:
    ga, ghi = _grads(lambda a, hi: ag.clip(a, None, hi), [[-5.0, 0.0, 2.0]], [[1.0], [-1.0]])
    np.testing.assert_array_equal(ga, [[2.0, 1.0, 0.0]])  # summed over the two rows of hi
    np.testing.assert_array_equal(ghi, [[1.0], [2.0]])
    (gx,) = _grads(lambda x: ag.clip(x, min=0.0), [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(gx, [0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="not both"):
        ag.clip(ag.Tensor([1.0]), 0.0, None, max=1.0)


def test_np_clip_on_tensors_records_clip() -> None:
    x = ag.Tensor([-2.0, 0.5, 3.0], requires_grad=True)
    hi = ag.Tensor([1.0, 1.0, 2.0], requires_grad=True)
    out = np.clip(x, -1.0, hi)
    assert isinstance(out, ag.Tensor)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(hi.grad, [0.0, 0.0, 1.0])
    y = ag.Tensor([-2.0, 0.5], requires_grad=True)
    np.clip(y, max=0.0).sum().backward()
    np.testing.assert_array_equal(y.grad, [1.0, 0.0])
    with pytest.raises(ValueError, match="forbidden"):
        np.clip(y, -1.0, 1.0, min=0.0)
    with pytest.raises(TypeError, match="out"):
        np.clip(y, -1.0, 1.0, out=np.empty(2))


# ---------------------------------------------------------------- rounding
ROUNDING = {
    "floor": ag.floor,
    "ceil": ag.ceil,
    "trunc": ag.trunc,
    "rint": ag.rint,
    "round": ag.round,
    "round_decimals": lambda x: ag.round(x, 1),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(ROUNDING))
def test_rounding_has_derivative_zero_even_at_its_jumps(name: str, dtype: type) -> None:
    f = ROUNDING[name]
    values = np.array([-1.5, -1.0, -0.25, 0.0, 0.05, 0.5, 2.0, 2.5], dtype=dtype)
    x = ag.Tensor(values, requires_grad=True)
    f(x).backward(np.full(values.shape, np.inf, dtype=dtype))  # exactly 0, not inf * 0
    assert x.grad is not None and x.grad.dtype == dtype
    np.testing.assert_array_equal(x.grad, np.zeros(values.shape))
    second = ag.grad(lambda t: ag.grad(lambda u: f(u).sum())(t).sum())(values)
    np.testing.assert_array_equal(second, np.zeros(values.shape))


def test_round_and_around_dispatch_with_decimals() -> None:
    x = ag.Tensor([1.234, -5.678], requires_grad=True)
    for out in (np.round(x, 2), np.around(x, decimals=2), ag.round(x, decimals=2)):
        assert isinstance(out, ag.Tensor)
        np.testing.assert_array_equal(out.data, np.round([1.234, -5.678], 2))
    assert isinstance(np.rint(x), ag.Tensor) and isinstance(np.floor(x), ag.Tensor)


# ---------------------------------------------------------------- nan_to_num
@pytest.mark.parametrize("dtype", DTYPES)
def test_nan_to_num_gradient_is_one_where_finite(dtype: type) -> None:
    values = np.array([np.nan, np.inf, -np.inf, 1.5, -0.0], dtype=dtype)
    x = ag.Tensor(values, requires_grad=True)
    out = ag.nan_to_num(x, nan=7.0, posinf=8.0, neginf=-8.0)
    np.testing.assert_array_equal(out.data, [7.0, 8.0, -8.0, 1.5, 0.0])
    out.backward(np.full(5, 3.0, dtype=dtype))
    assert x.grad is not None and x.grad.dtype == dtype
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0, 3.0, 3.0])
    y = ag.Tensor(values, requires_grad=True)
    through_numpy = np.nan_to_num(y)
    assert isinstance(through_numpy, ag.Tensor)
    np.testing.assert_array_equal(through_numpy.data, np.nan_to_num(values))
    through_numpy.sum().backward()
    np.testing.assert_array_equal(y.grad, [0.0, 0.0, 0.0, 1.0, 1.0])


def test_nan_to_num_refuses_to_work_in_place() -> None:
    with pytest.raises(ValueError, match="in place"):
        ag.nan_to_num(ag.Tensor([np.nan]), copy=False)
    with pytest.raises(ValueError, match="in place"):
        np.nan_to_num(ag.Tensor([np.nan], requires_grad=True), copy=False)


# ---------------------------------------------------------------- two-input functions
def test_arctan2_at_known_points() -> None:
    gy, gx = _grads(ag.arctan2, [1.0, 1.0, -2.0], [1.0, 0.0, 0.0])
    # d/dy = x / (x² + y²), d/dx = -y / (x² + y²)
    np.testing.assert_array_equal(gy, [0.5, 0.0, 0.0])
    np.testing.assert_array_equal(gx, [-0.5, -1.0, 0.5])
    with np.errstate(invalid="ignore"):
        gy0, gx0 = _grads(ag.arctan2, [0.0], [0.0])
    assert np.isnan(gy0).all() and np.isnan(gx0).all()  # documented: NaN at the origin


def test_hypot_at_three_four_and_at_the_origin() -> None:
    ga, gb = _grads(ag.hypot, [3.0, 0.0, -3.0], [4.0, 0.0, 0.0])
    np.testing.assert_array_equal(ga, [0.6, 0.0, -1.0])
    np.testing.assert_array_equal(gb, [0.8, 0.0, 0.0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", [ag.logaddexp, ag.logaddexp2], ids=["logaddexp", "logaddexp2"])
def test_logaddexp_at_equal_inputs_gives_half_to_each(op, dtype: type) -> None:  # type: ignore[no-untyped-def]
    ga, gb = _grads(op, [0.0, 3.0, 1000.0, -1000.0], [0.0, 3.0, 1000.0, -1000.0], dtype=dtype)
    assert ga.dtype == dtype
    np.testing.assert_array_equal(ga, [0.5] * 4)
    np.testing.assert_array_equal(gb, [0.5] * 4)


def test_logaddexp_gradients_are_the_softmax_weights() -> None:
    ga, gb = _grads(ag.logaddexp, [0.0, -np.inf], [np.log(3.0), 2.0])
    np.testing.assert_allclose(ga, [0.25, 0.0], rtol=1e-15)
    np.testing.assert_allclose(gb, [0.75, 1.0], rtol=1e-15)


def test_remainder_and_fmod_hold_the_quotient_fixed() -> None:
    ga, gb = _grads(ag.remainder, [-7.5, 7.5, 7.5], [2.0, 2.0, -2.0])
    np.testing.assert_array_equal(ga, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(gb, [4.0, -3.0, 4.0])  # -floor(a / b)
    ga, gb = _grads(ag.fmod, [-7.5, 7.5, 7.5], [2.0, 2.0, -2.0])
    np.testing.assert_array_equal(ga, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(gb, [3.0, -3.0, 3.0])  # -trunc(a / b)
    t = ag.Tensor([-7.5], requires_grad=True)
    assert isinstance(np.mod(t, 2.0), ag.Tensor)


# ---------------------------------------------------------------- domain edges and kinks
def test_documented_infinite_derivatives_at_domain_edges() -> None:
    with np.errstate(divide="ignore", invalid="ignore"):  # arctanh(1) + arctanh(-1): NaN
        (g,) = _grads(ag.arcsin, [1.0, -1.0])
        np.testing.assert_array_equal(g, [np.inf, np.inf])
        (g,) = _grads(ag.arccos, [1.0])
        np.testing.assert_array_equal(g, [-np.inf])
        (g,) = _grads(ag.arccosh, [1.0])
        np.testing.assert_array_equal(g, [np.inf])
        (g,) = _grads(ag.arctanh, [1.0, -1.0])
        np.testing.assert_array_equal(g, [np.inf, np.inf])
        (g,) = _grads(ag.log1p, [-1.0])
        np.testing.assert_array_equal(g, [np.inf])
        (g,) = _grads(ag.cbrt, [0.0])
        np.testing.assert_array_equal(g, [np.inf])
        (g,) = _grads(ag.reciprocal, [0.0])
        np.testing.assert_array_equal(g, [-np.inf])


def test_fabs_derivative_at_zero_is_zero() -> None:
    (g,) = _grads(ag.fabs, [-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(g, [-1.0, 0.0, 1.0])


def test_second_derivatives_against_closed_forms() -> None:
    x = 0.4
    cases = {
        ag.tan: 2 * np.tan(x) / np.cos(x) ** 2,
        ag.arcsin: x / (1 - x * x) ** 1.5,
        ag.arctanh: 2 * x / (1 - x * x) ** 2,
        ag.cbrt: -2 / 9 * x ** (-5 / 3),
        ag.log1p: -1 / (1 + x) ** 2,
        ag.square: 2.0,
        ag.exp2: np.log(2.0) ** 2 * 2**x,
    }
    for f, expected in cases.items():
        np.testing.assert_allclose(ag.grad(ag.grad(f))(x), expected, rtol=1e-13)
