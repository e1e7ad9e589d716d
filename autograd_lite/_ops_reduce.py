"""Reductions, and the broadcast_to / sum_to pair that are each other's derivative."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from . import _dispatch
from ._arrays import array_copy, array_sum, as_dtype, asarray, reshape
from ._primitive import primitive


def _kept_shape(shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    """``shape`` with the reduced axes kept as length 1 (what ``keepdims=True`` gives)."""
    if axis is None:
        return (1,) * len(shape)
    axes = normalize_axis_tuple(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _regrow(g: Any, shape: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
    """The reduced gradient ``g`` with the reduced axes restored as length 1."""
    return g if keepdims else reshape(g, _kept_shape(shape, axis))


@primitive
def broadcast_to(x, shape):  # type: ignore[no-untyped-def]
    """``x`` broadcast to ``shape`` (a read-only view, as in NumPy)."""
    return np.broadcast_to(x, shape)


@primitive
def sum_to(x, shape):  # type: ignore[no-untyped-def]
    """Sum ``x`` down to ``shape``: the adjoint of broadcasting ``shape`` up to ``x.shape``."""
    x, shape = asarray(x), tuple(shape)
    if np.broadcast_shapes(shape, x.shape) != x.shape:
        raise ValueError(f"shape {shape} does not broadcast to the input's shape {x.shape}")
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1
    )
    if not axes:
        return x
    # np.sum, not the engine's sum_to_shape: NumPy's dtype rules for integers (uint8 sums
    # to uint64), and an array, not a bare object, for object input.
    summed = np.sum(x, axis=axes, keepdims=True)
    # keepdims gives ``shape`` already unless leading axes were summed; a reshape is a view
    # of a temporary, which the op call cannot tell from an array the user holds.
    return array_copy(reshape(summed, shape)) if lead else summed


broadcast_to.defvjp(lambda g, out, x, shape: sum_to(g, x.shape))
sum_to.defvjp(lambda g, out, x, shape: broadcast_to(g, x.shape))


@primitive
def sum(x, axis=None, keepdims=False):  # type: ignore[no-untyped-def]
    """Sum of elements over ``axis`` (all of them by default)."""
    return np.sum(x, axis=axis, keepdims=keepdims)


sum.defvjp(
    lambda g, out, x, axis=None, keepdims=False: broadcast_to(
        _regrow(g, x.shape, axis, keepdims), x.shape
    )
)


@primitive
def mean(x, axis=None, keepdims=False):  # type: ignore[no-untyped-def]
    """Arithmetic mean over ``axis`` (all elements by default)."""
    return np.mean(x, axis=axis, keepdims=keepdims)


def _mean_vjp(g, out, x, axis=None, keepdims=False):  # type: ignore[no-untyped-def]
    count = x.size // builtins.max(out.size, 1) if x.size else 1
    return broadcast_to(_regrow(g, x.shape, axis, keepdims), x.shape) / count


mean.defvjp(_mean_vjp)


def _extremum_vjp(g, out, x, axis=None, keepdims=False):  # type: ignore[no-untyped-def]
    kept = _kept_shape(x.shape, axis)
    hit = as_dtype(x == reshape(out, kept), g.dtype)
    # Ties share the gradient evenly, so the result is the same however they are ordered.
    return reshape(g, kept) * hit / array_sum(hit, axis, True)


@primitive
def max(x, axis=None, keepdims=False):  # type: ignore[no-untyped-def]
    """Largest element over ``axis``; tied maxima share the gradient evenly."""
    return np.max(x, axis=axis, keepdims=keepdims)


@primitive
def min(x, axis=None, keepdims=False):  # type: ignore[no-untyped-def]
    """Smallest element over ``axis``; tied minima share the gradient evenly."""
    return np.min(x, axis=axis, keepdims=keepdims)


max.defvjp(_extremum_vjp)
min.defvjp(_extremum_vjp)


# NumPy's own functions on Tensors run these ops (see _dispatch.py).
NUMPY = {
    np.sum: _dispatch.keyword_reduction(sum),
    np.mean: _dispatch.keyword_reduction(mean),
    np.max: _dispatch.keyword_reduction(max),
    np.min: _dispatch.keyword_reduction(min),
    np.broadcast_to: lambda array, shape, subok=False: broadcast_to(array, shape),
    np.add.reduce: _dispatch.reduction(sum),
    np.maximum.reduce: _dispatch.reduction(max),
    np.minimum.reduce: _dispatch.reduction(min),
}
_dispatch.register(NUMPY)
