"""Statistics and scans: prod, var, std, cumsum, cumprod, logsumexp, amax, amin, ptp, average.

Every VJP is written with autograd_lite's ops, so each function is differentiable twice
(and more).  Conventions:

- ``prod``: the gradient of each element is the product of all the *other* elements of
  its lane, computed from cumulative products from both sides (no division), so it is
  exact when some elements are 0: with one zero, the zero's gradient is the product of the
  others and every other gradient is 0; with two or more zeros, every gradient is 0.  Its
  second derivative is exact with zeros too.
- ``cumprod``: the gradient is computed with no division (the product of the elements
  before each one, times a scan of ``g`` weighted by the products after it), so it is
  exact with zeros, and with tiny values whose products underflow, at every order.
- ``std``: its derivative where ``std == 0`` (a lane of equal values, or of one element)
  is taken as 0, a subgradient, like ``abs'(0) = 0``.  ``var`` and ``std`` with
  ``n - ddof <= 0`` give NumPy's inf / NaN, and so does their gradient.
- ``amax``, ``amin``, ``ptp``: tied extrema share the gradient evenly (``max``/``min``).
- ``logsumexp``: computed shifted by the maximum, so large inputs stay finite; its
  gradient is the softmax along the reduced axes (NaN for a lane that is all -inf).
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from . import _dispatch
from ._arrays import asarray, dtype_kind, runtime_check
from ._backends import composite
from ._ops_arith import divide, multiply, subtract
from ._ops_elementwise import where
from ._ops_join import concatenate
from ._ops_nn import softmax
from ._ops_reduce import _regrow, broadcast_to, max, mean, min, sum
from ._ops_shape import astype, reshape, transpose
from ._primitive import primitive
from ._tensor import Tensor

__all__ = [
    "amax",
    "amin",
    "average",
    "cumprod",
    "cumsum",
    "logsumexp",
    "prod",
    "ptp",
    "std",
    "var",
]

amax = max
"""NumPy's ``np.amax``: :func:`~autograd_lite.max` (tied maxima share the gradient evenly)."""
amin = min
"""NumPy's ``np.amin``: :func:`~autograd_lite.min` (tied minima share the gradient evenly)."""


# ---------------------------------------------------------------- helpers (ops on g, x, out)
def _count(shape: tuple[int, ...], axis: Any) -> int:
    """How many elements each lane of a reduction over ``axis`` holds."""
    if axis is None:
        return math.prod(shape)
    return math.prod(shape[i] for i in normalize_axis_tuple(axis, len(shape)))


def _flip(y: Any, axis: int) -> Any:
    """``y`` reversed along ``axis`` (a basic index, differentiable through getitem)."""
    return y[(slice(None),) * (axis % y.ndim) + (slice(None, None, -1), Ellipsis)]


def _reverse_cumsum(g: Any, axis: int) -> Any:
    """``out[i] = sum(g[i:])`` along ``axis``: the adjoint of a cumulative sum."""
    return _flip(cumsum(_flip(g, axis), axis), axis)


def _lanes(x: Any, axis: Any) -> tuple[Any, Any]:
    """``x`` with the axes of ``axis`` gathered as its last axis, and the map back.

    The second item takes an array of the gathered shape back to ``x``'s shape.
    """
    shape = tuple(x.shape)
    if axis is None:
        return reshape(x, (-1,)), lambda y: reshape(y, shape)
    axes = normalize_axis_tuple(axis, len(shape))
    rest = tuple(i for i in range(len(shape)) if i not in axes)
    perm = rest + axes
    moved = tuple(shape[i] for i in perm)
    gathered = (*(shape[i] for i in rest), math.prod(shape[i] for i in axes))
    if perm == tuple(range(len(shape))):
        return reshape(x, gathered), lambda y: reshape(y, shape)
    inverse = tuple(sorted(range(len(perm)), key=perm.__getitem__))
    return (
        reshape(transpose(x, perm), gathered),
        lambda y: transpose(reshape(y, moved), inverse),
    )


# ---------------------------------------------------------------- prod
@primitive
def prod(x, axis=None, keepdims=False):  # type: ignore[no-untyped-def]
    """Product of elements over ``axis`` (all of them by default).

    The gradient of each element is the product of the other elements of its lane, exact
    when some are 0 (one zero: the zero gets the product of the others, the rest get 0;
    two or more zeros: all 0).
    """
    return np.prod(x, axis=axis, keepdims=keepdims)


def _prod_vjp(g, out, x, axis=None, keepdims=False):  # type: ignore[no-untyped-def]
    g = _regrow(g, x.shape, axis, keepdims)
    lanes, back = _lanes(x, axis)
    if lanes.shape[-1] == 0:
        return broadcast_to(g, x.shape) * 0  # no elements: an empty gradient
    # The products of the elements before and after each one: exclusive cumulative
    # products from both sides, with no division, so zeros are exact.
    ones = np.ones((*lanes.shape[:-1], 1), dtype=lanes.dtype)
    before = concatenate(ones, cumprod(lanes, -1)[..., :-1], axis=-1)
    after = _flip(concatenate(ones, cumprod(_flip(lanes, -1), -1)[..., :-1], axis=-1), -1)
    return g * back(before * after)


prod.defvjp(_prod_vjp)


# ---------------------------------------------------------------- var, std
@primitive
def var(x, axis=None, ddof=0, keepdims=False):  # type: ignore[no-untyped-def]
    """Variance over ``axis``: ``sum((x - mean)**2) / (n - ddof)``.

    Its gradient is ``2 (x - mean) / (n - ddof)``.
    """
    return np.var(x, axis=axis, ddof=ddof, keepdims=keepdims)


def _var_vjp(g, out, x, axis=None, ddof=0, keepdims=False):  # type: ignore[no-untyped-def]
    count = builtins.max(_count(x.shape, axis) - ddof, 0)
    centered = x - mean(x, axis=axis, keepdims=True)
    return _regrow(g, x.shape, axis, keepdims) * centered * 2 / count


var.defvjp(_var_vjp)


@primitive
def std(x, axis=None, ddof=0, keepdims=False):  # type: ignore[no-untyped-def]
    """Standard deviation over ``axis``: ``sqrt(var(x, axis, ddof))``.

    Gradient ``(x - mean) / ((n - ddof) std)``; where ``std == 0`` (equal values, or one
    element per lane) it is taken as 0, a subgradient.
    """
    return np.std(x, axis=axis, ddof=ddof, keepdims=keepdims)


def _std_vjp(g, out, x, axis=None, ddof=0, keepdims=False):  # type: ignore[no-untyped-def]
    count = builtins.max(_count(x.shape, axis) - ddof, 0)
    centered = x - mean(x, axis=axis, keepdims=True)
    s = _regrow(out, x.shape, axis, keepdims)
    positive = s > 0
    scaled = _regrow(g, x.shape, axis, keepdims) / (where(positive, s, 1) * count)
    return where(positive, scaled * centered, 0)


std.defvjp(_std_vjp)


# ---------------------------------------------------------------- cumsum, cumprod
@primitive
def cumsum(x, axis=None):  # type: ignore[no-untyped-def]
    """Cumulative sum along ``axis`` (of the flattened input when ``axis`` is None)."""
    return np.cumsum(x, axis=axis)


def _cumsum_vjp(g, out, x, axis=None):  # type: ignore[no-untyped-def]
    if axis is None:  # the result, and so g, is flat
        return reshape(_reverse_cumsum(g, 0), x.shape)
    return _reverse_cumsum(g, axis)


cumsum.defvjp(_cumsum_vjp)


@primitive
def cumprod(x, axis=None):  # type: ignore[no-untyped-def]
    """Cumulative product along ``axis`` (of the flattened input when ``axis`` is None).

    The gradient is computed without division, so it is exact with zeros in the input
    (and its derivatives too).
    """
    return np.cumprod(x, axis=axis)


def _cut(axis: int, ndim: int, part: slice) -> tuple[Any, ...]:
    """The index that takes ``part`` along ``axis`` and everything along the other axes."""
    return (slice(None),) * (axis % ndim) + (part, Ellipsis)


def _shifted(y: Any, d: int, axis: int) -> Any:
    """``y[i + d]`` along ``axis``, with zeros past the end (``d`` < the axis' length)."""
    pad = list(y.shape)
    pad[axis] = d
    tail = y[_cut(axis, y.ndim, slice(d, None))]
    return concatenate(tail, np.zeros(pad, dtype=y.dtype), axis=axis)


def _cumprod_vjp(g, out, x, axis=None):  # type: ignore[no-untyped-def]
    shape = x.shape
    if axis is None or x.ndim == 0:  # the result, and so g, is flat (NumPy scans a 0-d x as 1-d)
        x, axis = reshape(x, (-1,)), 0
    axis %= x.ndim
    n = x.shape[axis]
    if n == 0:
        return reshape(g, shape)
    # d out[k] / d x[i] = before[i] * prod(x[i+1 .. k]) for k >= i, where before[i] is
    # prod(x[:i]); so the gradient is before * s, where s[i] = sum over k >= i of
    # g[k] * prod(x[i+1 .. k]), the linear recurrence s[i] = g[i] + x[i+1] * s[i+1].
    # It is solved by a scan that doubles its reach each step (log2(n) steps), with no
    # division: exact with zeros, and at every order, since it is made of ops.
    start = list(x.shape)
    start[axis] = 1
    before = concatenate(
        np.ones(start, dtype=out.dtype), out[_cut(axis, x.ndim, slice(None, -1))], axis=axis
    )
    s, d = g, 1
    if n > 1:
        factor = _shifted(x, 1, axis)  # the recurrence's x[i + 1], 0 past the end
    while d < n:
        s = s + factor * _shifted(s, d, axis)
        d *= 2
        if d < n:
            factor = factor * _shifted(factor, d // 2, axis)
    grad = before * s
    return reshape(grad, shape) if tuple(grad.shape) != tuple(shape) else grad


cumprod.defvjp(_cumprod_vjp)


# ---------------------------------------------------------------- logsumexp
@primitive
def logsumexp(x, axis=None, keepdims=False):  # type: ignore[no-untyped-def]
    """``log(sum(exp(x)))`` over ``axis``, shifted by the maximum so it stays finite.

    SciPy's name (``scipy.special.logsumexp``).  Its gradient is the softmax of ``x``
    along the reduced axes.
    """
    x = asarray(x)
    if dtype_kind(x.dtype) in "biu":  # in floating point, as np.exp computes them: x - top wraps
        x = x.astype(np.result_type(x.dtype, np.float16))
    elif dtype_kind(x.dtype) == "c":
        raise TypeError("complex input is not supported, as by NumPy's logaddexp")
    top = np.max(x, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0)  # lanes of -inf or inf: no shift
    # A lane of -inf: log(0) = -inf, as it should be; exp overflows only in a lane left
    # unshifted because its maximum is inf (or NaN), whose result is inf (or NaN) anyway.
    with np.errstate(divide="ignore", over="ignore"):
        # keepdims goes to np.sum, which refuses what NumPy's reductions refuse ("yes").
        total = np.log(np.sum(np.exp(x - top), axis=axis, keepdims=keepdims))
    return total + (top if keepdims else np.squeeze(top, axis=axis))


# The softmax is recomputed from x (shifted by its maximum), not as exp(x - out), which
# would lose the digits of out's magnitude (1000.69... in float32).
logsumexp.defvjp(
    lambda g, out, x, axis=None, keepdims=False: (
        _regrow(g, x.shape, axis, keepdims) * softmax(x, axis=axis)
    )
)


# ---------------------------------------------------------------- ptp, average
def ptp(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Range of values (maximum minus minimum) over ``axis``; ties share the gradient evenly."""
    return subtract(max(a, axis=axis, keepdims=keepdims), min(a, axis=axis, keepdims=keepdims))


class _WeightSumError(ZeroDivisionError, ValueError):
    """NumPy's ZeroDivisionError for weights that sum to zero, and a ValueError: the
    documented type of bad input."""


def _check_weight_sum(total: Any) -> None:
    if np.any(total == 0.0):
        raise _WeightSumError("Weights sum to zero, can't be normalized")


@composite
def average(
    a: Any, axis: Any = None, weights: Any = None, returned: bool = False, keepdims: bool = False
) -> Any:
    """Weighted average over ``axis``: ``sum(a * weights) / sum(weights)``.

    As ``np.average``: ``weights`` has ``a``'s shape, or (with ``axis``) the shape of
    ``a`` along ``axis``; without weights it is the mean.  ``returned=True`` gives the
    tuple ``(average, sum of weights)``, the sum broadcast to the average's shape.  Both
    ``a`` and ``weights`` get gradients when they are Tensors that require grad.
    """
    if not isinstance(a, Tensor):
        a = asarray(a)
    if axis is not None:
        axis = normalize_axis_tuple(axis, a.ndim, argname="axis")
    if weights is None:
        avg = mean(a, axis=axis, keepdims=keepdims)
        total: Any = Tensor(np.full(avg.shape, a.size / builtins.max(avg.size, 1), avg.dtype))
    else:
        w = weights if isinstance(weights, Tensor) else asarray(weights)
        if dtype_kind(a.dtype) in "biu":
            dtype = np.result_type(a.dtype, w.dtype, "f8")
        else:
            dtype = np.result_type(a.dtype, w.dtype)
        if a.shape != w.shape:
            if axis is None:
                raise TypeError("Axis must be specified when shapes of a and weights differ.")
            if w.shape != tuple(a.shape[i] for i in axis):
                raise ValueError(
                    "Shape of weights must be consistent with shape of a along specified axis."
                )
            w = transpose(w, tuple(int(i) for i in np.argsort(axis)))
            w = reshape(w, tuple(n if i in axis else 1 for i, n in enumerate(a.shape)))
        if a.dtype != dtype:
            a = astype(a, dtype)
        if w.dtype != dtype:
            w = astype(w, dtype)
        total = sum(w, axis=axis, keepdims=keepdims)
        runtime_check(_check_weight_sum, total.data if isinstance(total, Tensor) else total)
        avg = divide(sum(multiply(a, w), axis=axis, keepdims=keepdims), total)
    if not returned:
        return avg
    if total.shape != avg.shape:
        total = total * np.ones(avg.shape, dtype=total.dtype)  # broadcast, keeping the graph
    return avg, total


# ---------------------------------------------------------------- NumPy's functions on Tensors
def _no_value(value: Any, default: Any) -> Any:
    return default if value is np._NoValue else value


def _np_moment(f: Any, name: str) -> Any:
    """``f(x, axis, ddof, keepdims)`` called the way ``np.var`` / ``np.std`` are."""

    def call(
        a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0,
        keepdims: Any = False, **kwargs: Any,
    ) -> Any:  # fmt: skip
        correction = kwargs.pop("correction", np._NoValue)
        _dispatch.refuse_unsupported(name, dtype=dtype, out=out, **kwargs)
        if correction is not np._NoValue and correction is not None:
            if ddof != 0:
                raise ValueError("ddof and correction can't be provided simultaneously.")
            ddof = correction
        return f(a, axis=axis, ddof=ddof, keepdims=bool(_no_value(keepdims, False)))

    return call


def _np_scan(f: Any, name: str) -> Any:
    """``f(x, axis)`` called the way ``np.cumsum`` / ``np.cumprod`` are."""

    def call(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
        _dispatch.refuse_unsupported(name, dtype=dtype, out=out)
        return f(a, axis=axis)

    return call


def _np_ptp(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False) -> Tensor:
    _dispatch.refuse_unsupported("ptp", out=out)
    return ptp(a, axis=axis, keepdims=bool(_no_value(keepdims, False)))


def _np_average(
    a: Any, axis: Any = None, weights: Any = None, returned: bool = False, *, keepdims: Any = False
) -> Any:
    return average(a, axis, weights, returned, keepdims=bool(_no_value(keepdims, False)))


NUMPY = {
    np.prod: _dispatch.keyword_reduction(prod),
    np.var: _np_moment(var, "var"),
    np.std: _np_moment(std, "std"),
    np.cumsum: _np_scan(cumsum, "cumsum"),
    np.cumprod: _np_scan(cumprod, "cumprod"),
    np.amax: _dispatch.keyword_reduction(amax),
    np.amin: _dispatch.keyword_reduction(amin),
    np.ptp: _np_ptp,
    np.average: _np_average,
    np.multiply.reduce: _dispatch.reduction(prod),
    np.add.accumulate: _dispatch.accumulation(cumsum),
    np.multiply.accumulate: _dispatch.accumulation(cumprod),
}
_dispatch.register(NUMPY)
