"""Sorting, selecting and scattering: gradients that follow the elements where they go.

``sort`` and ``partition`` gather the input along the axis by a permutation, and their
gradient gathers ``g`` by the inverse permutation.  ``take`` and ``take_along_axis`` are
advanced indexing (``getitem``), whose gradient adds ``g`` back at the indices, so that a
repeated index accumulates.  ``index_add`` is the
functional form of ``np.add.at``.

Ties: a permutation sends each output element's gradient to exactly one input element.
Tied values are matched in order of position: among equal inputs, the first (lowest
index along the axis) goes to the first of the equal outputs, and so on (a stable sort).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from . import _dispatch
from ._arrays import array_copy, asarray, dtype_kind, is_traced, on_host
from ._arrays import reshape as array_reshape
from ._backends import composite
from ._ops_shape import getitem, reshape
from ._primitive import Primitive
from ._tensor import Tensor
from .compiler.values import current as _current_recorder

__all__ = ["index_add", "partition", "sort", "take", "take_along_axis"]


def _values(a: Any) -> Any:
    """The array of ``a``, for index computations: inside ``ag.compile``'s trace, the
    traced array, so that a permutation computed from the values is recorded too."""
    if isinstance(a, Tensor):
        recorder = _current_recorder()
        return a._data if recorder is None else recorder.tensor_data(a)
    return asarray(a)


def _integer_indices(indices: Any, name: str) -> Any:
    idx = _values(indices)
    if dtype_kind(idx.dtype) not in "iu":
        raise IndexError(f"{name}: indices must be an integer array, got dtype {idx.dtype}")
    return idx


def _refuse_order(name: str, order: Any) -> None:
    if order is not None:
        raise TypeError(f"{name}: order= (the fields of a structured array) is not supported")


@composite
def take_along_axis(arr: Any, indices: Any, axis: int | None = -1) -> Tensor:
    """``arr`` picked at ``indices`` along ``axis``, as ``np.take_along_axis``.

    ``indices`` has ``arr``'s number of dimensions (other dimensions broadcast); with
    ``axis=None`` ``arr`` is flattened and ``indices`` is 1-d.  The gradient adds ``g`` at
    the indices: a repeated index accumulates.
    """
    idx = _integer_indices(indices, "take_along_axis")
    if axis is None:
        if idx.ndim != 1:
            raise ValueError(
                "take_along_axis: when axis=None, indices must have a single dimension, "
                f"got shape {idx.shape}"
            )
        arr, axis = reshape(arr, (-1,)), 0
    shape = np.shape(arr)
    if idx.ndim != len(shape):
        raise ValueError(
            f"take_along_axis: indices (shape {idx.shape}) and arr (shape {shape}) must have "
            "the same number of dimensions"
        )
    axis = normalize_axis_index(axis, len(shape), "take_along_axis")
    index = tuple(
        idx
        if d == axis
        else array_reshape(np.arange(n), (1,) * d + (n,) + (1,) * (len(shape) - d - 1))
        for d, n in enumerate(shape)
    )
    return getitem(arr, index)


@composite
def take(
    a: Any, indices: Any, axis: int | None = None, out: Any = None, mode: str = "raise"
) -> Tensor:
    """Elements of ``a`` at ``indices`` along ``axis`` (of the flattened ``a`` by default).

    As ``np.take(a, indices, axis=None, out=None, mode='raise')`` (``out=`` is refused,
    kept so that ``mode`` has NumPy's position): the result's shape is
    ``a.shape[:axis] + indices.shape + a.shape[axis + 1:]``; negative indices count from
    the end; ``mode='wrap'`` wraps indices around, ``mode='clip'`` clips them to
    ``[0, n - 1]``.  The gradient adds ``g`` at the indices: a repeated index accumulates.
    """
    if out is not None:
        raise TypeError("take: out= is not supported; the result is a new Tensor")
    idx = _values(indices)
    if dtype_kind(idx.dtype) == "b":  # np.take casts booleans to 0 and 1; they are not a mask
        idx = idx.astype(np.intp)
    elif dtype_kind(idx.dtype) not in "iu":
        raise TypeError(f"take: indices must be integers, got dtype {idx.dtype}")
    if axis is None:
        a, axis = reshape(a, (-1,)), 0
    shape = np.shape(a)
    if isinstance(axis, (bool, np.bool_)):
        raise TypeError("take: an integer is required for the axis, got a bool")
    axis = normalize_axis_index(axis, len(shape), "take")
    n = shape[axis]
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    if mode == "raise" and idx.size and not is_traced(idx):
        bad = idx[(idx >= n) | (idx < -n)]
        if bad.size:
            raise IndexError(f"take: index {bad[0]} is out of bounds for axis {axis} with size {n}")
    elif mode != "raise" and idx.size:
        if n == 0:
            raise IndexError("take: cannot do a non-empty take from an empty axis")
        idx = np.mod(idx, n) if mode == "wrap" else np.clip(idx, 0, n - 1)
    return getitem(a, (slice(None),) * axis + (idx,))


def _permute_forward(x, perm, axis):  # type: ignore[no-untyped-def]
    return np.take_along_axis(asarray(x), perm, axis)


def _permute_vjp(g, out, x, perm, axis):  # type: ignore[no-untyped-def]
    # ``perm`` is a permutation along ``axis``: its inverse gathers g back, nothing adds up.
    return _permute(g, np.argsort(perm, axis=axis, kind="stable"), axis)


def _permutation_op(name: str) -> Primitive:
    """An op that rearranges ``x`` along ``axis`` by a permutation ``perm`` (an input)."""
    op = Primitive(_permute_forward, name=name)
    op.defvjp(_permute_vjp, None)
    return op


_sort, _partition, _permute = map(_permutation_op, ("sort", "partition", "permute"))


@on_host
def _check_sort_options(kind: Any, stable: Any) -> None:
    np.sort(np.empty(0), kind=kind, stable=stable)  # NumPy's own checks of kind and stable


@composite
def sort(
    a: Any, axis: int | None = -1, kind: str | None = None, order: Any = None, *,
    stable: bool | None = None,
) -> Tensor:  # fmt: skip
    """A sorted copy of ``a`` along ``axis`` (flattened with ``axis=None``), as ``np.sort``.

    The gradient is ``g`` sent back through the sorting permutation: input element ``j``
    receives the gradient of the output position it was sorted to.  Ties are broken as a
    stable sort does (equal values keep their order), whatever ``kind`` and ``stable`` say;
    the sorted values are the same for every ``kind``.
    """
    _refuse_order("sort", order)
    _check_sort_options(kind, stable)
    values = _values(a)
    if axis is None:
        a, values, axis = reshape(a, (-1,)), array_reshape(values, (-1,)), 0
    axis = normalize_axis_index(axis, values.ndim, "sort")
    return _sort(a, np.argsort(values, axis=axis, kind="stable"), axis)


@composite
def partition(
    a: Any,
    kth: Any,
    axis: int | None = -1,
    kind: Literal["introselect"] = "introselect",
    order: Any = None,
) -> Tensor:
    """``a`` partitioned around its ``kth`` smallest element(s) along ``axis``, as ``np.partition``.

    The values are exactly NumPy's (``np.partition``'s arrangement of each side is its
    own); the gradient goes back through the permutation that maps the input onto them,
    with tied values matched in order of position (as in :func:`sort`).  Finding that
    permutation sorts the input, so this costs a sort rather than a selection.
    """
    _refuse_order("partition", order)
    values = _values(a)
    if axis is None:
        a, values, axis = reshape(a, (-1,)), array_reshape(values, (-1,)), 0
    axis = normalize_axis_index(axis, values.ndim, "partition")
    parted = np.partition(values, kth, axis=axis, kind=kind)
    # rank r of both: values[..., by_value[r]] == parted[..., placed[r]]
    by_value = np.argsort(values, axis=axis, kind="stable")
    placed = np.argsort(parted, axis=axis, kind="stable")
    perm = np.take_along_axis(by_value, np.argsort(placed, axis=axis, kind="stable"), axis)
    return _partition(a, perm, axis)


# ---------------------------------------------------------------------------- index_add
def _index_add_forward(x, index, values):  # type: ignore[no-untyped-def]
    out = array_copy(asarray(x))
    kind = dtype_kind(asarray(values).dtype)
    if kind == "c" and dtype_kind(out.dtype) != "c":  # np.add.at would drop the imaginary part
        raise TypeError(f"cannot add complex values to x of dtype {out.dtype}")
    np.add.at(out, index, values)
    return out


_index_add: Primitive = Primitive(_index_add_forward, name="index_add")
_index_add.defvjp(
    lambda g, out, x, index, values: g,
    None,
    lambda g, out, x, index, values: getitem(g, index),
)


def _plain_index(index: Any) -> Any:
    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    if isinstance(index, Tensor):
        return _values(index)
    return np.asarray(index) if isinstance(index, list) else index


@composite
def index_add(x: Any, index: Any, values: Any) -> Tensor:
    """``x`` with ``values`` added at ``x[index]``: ``np.add.at`` on a copy (``x`` is unchanged).

    Any NumPy index (integers, slices, integer or boolean arrays, tuples of them); a
    repeated index accumulates, and ``values`` broadcasts to ``x[index]``'s shape.  The
    result has ``x``'s dtype.  The gradient for ``x`` is ``g``, for ``values`` ``g[index]``
    (summed over what was broadcast).
    """
    return _index_add(x, _plain_index(index), values)


# NumPy's own functions on Tensors run these ops (see _dispatch.py).
NUMPY = {
    np.sort: sort,
    np.partition: partition,
    np.take: take,
    np.take_along_axis: take_along_axis,
}
_dispatch.register(NUMPY)
