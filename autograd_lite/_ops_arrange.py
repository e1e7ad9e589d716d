"""Rearranging and joining: NumPy's shape functions, composed from the shape primitives.

Almost every function here is a composition of ``reshape``, ``transpose``, ``getitem``,
``broadcast_to``, ``concatenate``, ``stack``, ``scatter_add`` and ``where``, so it is exact
and differentiable any number of times with no rule of its own; ``pad`` in constant mode
is a primitive whose gradient is the inner slice of ``g``.  Each function takes NumPy's
arguments with NumPy's defaults, and NumPy's own functions called on Tensors run them
(the ``NUMPY`` table at the end).  The ``split`` family returns a list of Tensors, and
``atleast_*d`` a tuple of them when given several inputs, as NumPy does.

Results are new arrays where NumPy returns views (``diagonal``, ``ravel``, ...): a
Tensor's values are never written to in place, so nothing can tell the difference.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from . import _dispatch, _mode
from ._arrays import dtype_kind, on_host
from ._backends import composite
from ._ops_elementwise import where
from ._ops_join import concatenate, stack
from ._ops_reduce import broadcast_to, sum
from ._ops_shape import astype, getitem, reshape, scatter_add, transpose
from ._primitive import Primitive
from ._tensor import Tensor

__all__ = [
    "append",
    "array",
    "array_split",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "column_stack",
    "diag",
    "diagonal",
    "dsplit",
    "dstack",
    "expand_dims",
    "flip",
    "fliplr",
    "flipud",
    "hsplit",
    "hstack",
    "moveaxis",
    "pad",
    "ravel",
    "repeat",
    "roll",
    "rollaxis",
    "rot90",
    "split",
    "squeeze",
    "tile",
    "trace",
    "tril",
    "triu",
    "vsplit",
    "vstack",
]


def _shape(a: Any) -> tuple[int, ...]:
    """The shape of a Tensor, an array, or anything ``np.asarray`` accepts."""
    if isinstance(a, (Tensor, np.ndarray)):
        return a.shape
    return np.shape(a)


def _dtype(a: Any) -> np.dtype[Any]:
    if isinstance(a, (Tensor, np.ndarray)):
        return a.dtype
    return np.asarray(a).dtype


def _same(a: Any) -> Any:
    """A new Tensor with the values of ``a`` (recorded, so gradients flow through it)."""
    return reshape(a, _shape(a))


def _shape_after(reshaper: Any, shape: tuple[int, ...], *args: Any) -> tuple[int, ...]:
    """The shape ``reshaper`` (``np.squeeze``, ``np.expand_dims``) gives, with no data moved."""
    return reshaper(np.broadcast_to(np.empty((), dtype=np.int8), shape), *args).shape  # type: ignore[no-any-return]


def _along(axis: int, index: Any) -> tuple[Any, ...]:
    """An index that applies ``index`` to axis ``axis`` (non-negative) and keeps the others."""
    return (slice(None),) * axis + (index,)


# ---------------------------------------------------------------- reshaping
@composite
def ravel(a: Any, order: str = "C") -> Any:
    """The elements as one axis, read in ``order`` as ``np.ravel`` reads them.

    ``"C"`` reads the last index fastest, ``"F"`` the first; ``"A"`` and ``"K"`` follow the
    memory layout of the Tensor's array, as NumPy does (``"K"``: axes by decreasing
    stride, each read forwards).
    """
    shape = _shape(a)
    if order in ("C", "c", None):
        return reshape(a, (-1,))
    if order in ("F", "f"):
        return reshape(transpose(a), (-1,))
    if order not in ("A", "a", "K", "k"):
        raise ValueError(f"ravel: order must be one of 'C', 'F', 'A' or 'K', got {order!r}")
    data = a._data if isinstance(a, Tensor) else np.asarray(a)
    if not hasattr(data, "flags"):
        raise TypeError(
            f"ravel: order={order!r} reads the memory layout, which arrays of type "
            f"{type(data).__name__} do not show; use order='C' or 'F'"
        )
    if data.flags.c_contiguous or len(shape) < 2:
        return reshape(a, (-1,))
    if order in ("A", "a"):
        return reshape(transpose(a), (-1,)) if data.flags.f_contiguous else reshape(a, (-1,))
    # Length-1 axes have no meaningful stride; they go last, where they change nothing.
    key = [(n == 1, -abs(s)) for n, s in zip(shape, data.strides)]
    axes = tuple(sorted(range(len(shape)), key=lambda i: key[i]))
    return reshape(transpose(a, axes), (-1,))


def expand_dims(a: Any, axis: int | Sequence[int]) -> Any:
    """``a`` with new length-1 axes at the positions ``axis`` (of the result)."""
    return reshape(a, _shape_after(np.expand_dims, _shape(a), axis))


def squeeze(a: Any, axis: int | Sequence[int] | None = None) -> Any:
    """``a`` without its length-1 axes (only those in ``axis``, if given)."""
    return reshape(a, _shape_after(np.squeeze, _shape(a), axis))


def moveaxis(a: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> Any:
    """``a`` with the axes ``source`` moved to the positions ``destination``."""
    ndim = len(_shape(a))
    source = normalize_axis_tuple(source, ndim, "source")
    destination = normalize_axis_tuple(destination, ndim, "destination")
    if len(source) != len(destination):
        raise ValueError(
            "`source` and `destination` arguments must have the same number of elements"
        )
    order = [n for n in range(ndim) if n not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return transpose(a, tuple(order))


def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    """``a`` with axis ``axis`` moved to lie before position ``start`` (``np.rollaxis``)."""
    ndim = len(_shape(a))
    axis = normalize_axis_index(axis, ndim)
    if start < 0:
        start += ndim
    if not 0 <= start < ndim + 1:
        raise np.exceptions.AxisError(
            f"'start' arg requires {-ndim} <= start < {ndim + 1}, got {start}"
        )
    if axis < start:
        start -= 1
    axes = list(range(ndim))
    axes.remove(axis)
    axes.insert(start, axis)
    return transpose(a, tuple(axes))


@composite
def repeat(a: Any, repeats: Any, axis: int | None = None) -> Any:
    """Each element of ``a`` repeated ``repeats`` times along ``axis`` (the flattened ``a``).

    ``repeats`` is an int or one count per element along ``axis``.  An int repeat is a
    broadcast, whose gradient sums the copies; counts are a gather, whose gradient adds
    each copy back to its source (a count of 0 gives that element gradient 0).
    """
    if axis is None:
        a, axis = ravel(a), 0
    elif isinstance(axis, (bool, np.bool_)):
        raise TypeError("repeat: an integer is required for the axis, got a bool")
    shape = _shape(a)
    axis = normalize_axis_index(axis, len(shape))
    n = shape[axis]
    r = _one_count(repeats)
    if r is not None:
        before, after = shape[: axis + 1], shape[axis + 1 :]
        copies = broadcast_to(reshape(a, (*before, 1, *after)), (*before, r, *after))
        return reshape(copies, (*shape[:axis], n * r, *after))
    index = np.asarray(_repeated_positions(n, repeats))
    return getitem(a, _along(axis, index))


@on_host
def _one_count(repeats: Any) -> int | None:
    """The count of ``repeats`` when it is one non-negative integer; else None."""
    counts = np.asarray(repeats)
    if counts.size == 1 and counts.ndim <= 1 and counts.dtype.kind in "iu" and counts.min() >= 0:
        return int(counts.reshape(()))
    return None


@on_host
def _repeated_positions(n: int, repeats: Any) -> np.ndarray:
    # NumPy's own checks and messages for counts of the wrong length, type or sign; the
    # counts as an array, since a Tensor of them would dispatch back to repeat.
    return np.repeat(np.arange(n), np.asarray(repeats))


def tile(A: Any, reps: Any) -> Any:
    """``A`` repeated ``reps`` times along each axis (``np.tile``); the gradient sums the tiles."""
    try:
        tup = tuple(reps)
    except TypeError:
        tup = (reps,)
    tup = tuple(operator.index(r) for r in tup)
    shape = _shape(A)
    d = len(tup)
    if len(shape) < d:
        shape = (1,) * (d - len(shape)) + shape
    else:
        tup = (1,) * (len(shape) - d) + tup
    if any(r < 0 for r in tup):
        raise ValueError(f"tile: negative repetitions {tup}")
    interleaved = tuple(x for n in shape for x in (1, n))
    grown = tuple(x for r, n in zip(tup, shape) for x in (r, n))
    tiled = broadcast_to(reshape(A, interleaved), grown)
    return reshape(tiled, tuple(r * n for r, n in zip(tup, shape)))


# ---------------------------------------------------------------- reversing and rotating
def flip(m: Any, axis: int | Sequence[int] | None = None) -> Any:
    """``m`` with the order of its elements reversed along ``axis`` (all axes by default)."""
    ndim = len(_shape(m))
    axes = range(ndim) if axis is None else normalize_axis_tuple(axis, ndim)
    return getitem(
        m, tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(ndim))
    )


def fliplr(m: Any) -> Any:
    """``m`` reversed along axis 1 (left to right); ``m`` must have at least 2 dimensions."""
    if len(_shape(m)) < 2:
        raise ValueError("Input must be >= 2-d.")
    return flip(m, 1)


def flipud(m: Any) -> Any:
    """``m`` reversed along axis 0 (up to down); ``m`` must have at least 1 dimension."""
    if len(_shape(m)) < 1:
        raise ValueError("Input must be >= 1-d.")
    return flip(m, 0)


def roll(a: Any, shift: Any, axis: int | Sequence[int] | None = None) -> Any:
    """``a`` with its elements shifted by ``shift`` along ``axis``, those past the end wrapping.

    Without ``axis`` the flattened ``a`` is rolled and the shape restored.  Shifts of an
    axis given more than once add up, as in NumPy.
    """
    shape = _shape(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), shape)
    pairs = np.broadcast(shift, normalize_axis_tuple(axis, len(shape), allow_duplicate=True))
    if pairs.ndim > 1:
        raise ValueError("'shift' and 'axis' should be scalars or 1D sequences")
    shifts = dict.fromkeys(range(len(shape)), 0)
    for sh, ax in pairs:
        shifts[int(ax)] += int(sh)
    out = a
    for ax, sh in shifts.items():
        n = shape[ax]
        if n == 0 or sh % n == 0:
            continue
        cut = n - sh % n
        out = concatenate(
            getitem(out, _along(ax, slice(cut, None))),
            getitem(out, _along(ax, slice(None, cut))),
            axis=ax,
        )
    return _same(a) if out is a else out


def rot90(m: Any, k: int = 1, axes: Sequence[int] = (0, 1)) -> Any:
    """``m`` rotated by 90 degrees ``k`` times in the plane of ``axes``, from the first axis
    towards the second (``np.rot90``)."""
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("len(axes) must be 2.")
    ndim = len(_shape(m))
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == ndim:
        raise ValueError("Axes must be different.")
    if axes[0] >= ndim or axes[0] < -ndim or axes[1] >= ndim or axes[1] < -ndim:
        raise ValueError(f"Axes={axes} out of range for array of ndim={ndim}.")
    k = k % 4  # not in place: k may be the caller's 0-d array
    if k == 0:
        return _same(m)
    if k == 2:
        return flip(m, axes)
    order = list(range(ndim))
    order[axes[0]], order[axes[1]] = order[axes[1]], order[axes[0]]
    if k == 1:
        return transpose(flip(m, axes[1]), tuple(order))
    return flip(transpose(m, tuple(order)), axes[1])


# ---------------------------------------------------------------- padding
@on_host
def _pad_pairs(pad_width: Any, ndim: int) -> tuple[tuple[int, int], ...]:
    """``pad_width`` as one ``(before, after)`` pair per axis, checked as ``np.pad`` does."""
    if isinstance(pad_width, dict):
        seq = [(0, 0)] * ndim
        for ax, width in pad_width.items():
            seq[ax] = (width, width) if isinstance(width, int) else tuple(width)
        pad_width = seq
    widths = np.asarray(pad_width)
    if dtype_kind(widths.dtype) != "i":
        raise TypeError("`pad_width` must be of integral type.")
    pairs = np.broadcast_to(widths, (ndim, 2))
    if widths.size and widths.min() < 0:  # as given: a 0-d input has no pairs to check
        raise ValueError("index can't contain negative values")
    return tuple((int(b), int(e)) for b, e in pairs.tolist())


def _pad_constant_forward(x, pairs, constant_values=0):  # type: ignore[no-untyped-def]
    # A 0-d array has no pairs; np.pad wants an integer all the same.
    return np.pad(x, pairs or 0, mode="constant", constant_values=constant_values)


_pad_constant = Primitive(_pad_constant_forward, name="pad")


def _pad_constant_vjp(g, out, x, pairs, constant_values=0):  # type: ignore[no-untyped-def]
    inner = tuple(slice(b, n - e) for (b, e), n in zip(pairs, g.shape))
    return getitem(g, inner)


_pad_constant.defvjp(_pad_constant_vjp)

_np_pad: Any = np.pad  # called with a mode that is a str, not one of its Literal types


@composite
def pad(array: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Any:
    """``array`` padded by ``pad_width`` elements before and after each axis (``np.pad``).

    Modes: ``"constant"`` (with ``constant_values``, default 0; its gradient is the inner
    slice of ``g``; the constants must be numbers or arrays, which get no gradient),
    ``"edge"``, ``"wrap"``, ``"reflect"`` and ``"symmetric"`` (with
    ``reflect_type="even"`` or ``"odd"``; each output element is a combination of input
    elements, whose gradient adds back to them), and ``"empty"``, whose undefined padding
    is taken as zeros.  The statistic modes (``"mean"``, ``"maximum"``, ``"median"``,
    ``"minimum"``, ``"linear_ramp"``) and a callable mode raise ``NotImplementedError``.
    """
    shape = _shape(array)
    pairs = _pad_pairs(pad_width, len(shape))
    allowed = {"constant": ("constant_values",), "empty": (), "edge": (), "wrap": ()}
    allowed |= {"reflect": ("reflect_type",), "symmetric": ("reflect_type",)}
    if callable(mode) or mode not in allowed:
        if callable(mode) or mode in ("linear_ramp", "maximum", "mean", "median", "minimum"):
            raise NotImplementedError(
                f"pad: mode {mode!r} is not differentiable here; modes: {sorted(allowed)}"
            )
        raise ValueError(f"mode '{mode}' is not supported")
    unsupported = set(kwargs) - set(allowed[mode])
    if unsupported:
        raise ValueError(f"unsupported keyword arguments for mode '{mode}': {unsupported}")
    if mode in ("constant", "empty"):
        values = _dispatch.plain(kwargs.get("constant_values", 0))
        return _pad_constant(array, pairs, constant_values=values)
    odd = kwargs.get("reflect_type", "even") == "odd"
    out = array
    for ax, (before, after) in enumerate(pairs):
        if not before and not after:
            continue
        n = shape[ax]
        if not odd:
            index = np.asarray(_padded_positions(n, before, after, mode, kwargs))
            out = getitem(out, _along(ax, index))
            continue
        matrix = np.asarray(_padding_matrix(n, before, after, mode, kwargs), dtype=_dtype(array))
        moved = moveaxis(out, ax, -1)
        out = moveaxis(moved @ matrix.T, -1, ax)
    return _same(array) if out is array else out


@on_host
def _padded_positions(n: int, before: int, after: int, mode: str, kwargs: Any) -> np.ndarray:
    """The input positions each output position reads: ``np.pad`` of ``0..n-1``."""
    return _np_pad(np.arange(n), (before, after), mode=mode, **kwargs)  # type: ignore[no-any-return]


@on_host
def _padding_matrix(n: int, before: int, after: int, mode: str, kwargs: Any) -> np.ndarray:
    """An odd reflection is linear but not a copy: the padded identity is its matrix."""
    return _np_pad(np.eye(n), ((before, after), (0, 0)), mode=mode, **kwargs)  # type: ignore[no-any-return]


# ---------------------------------------------------------------- diagonals and triangles
def _diagonal_slice(n1: int, n2: int, offset: int) -> slice:
    """The positions of diagonal ``offset`` of an ``(n1, n2)`` matrix in its flattened form."""
    if offset >= 0:
        length, start = max(0, min(n1, n2 - offset)), offset
    else:
        length, start = max(0, min(n1 + offset, n2)), -offset * n2
    if length == 0:
        return slice(0, 0)
    return slice(start, start + (length - 1) * (n2 + 1) + 1, n2 + 1)


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """Diagonal ``offset`` of the matrices in the plane of ``axis1`` and ``axis2``.

    The two axes are removed and the diagonal becomes the last axis, as in NumPy.  A
    positive ``offset`` is above the main diagonal, a negative one below.
    """
    shape = _shape(a)
    ndim = len(shape)
    if ndim < 2:
        raise ValueError("diag requires an array of at least two dimensions")
    axis1, axis2 = normalize_axis_index(axis1, ndim), normalize_axis_index(axis2, ndim)
    if axis1 == axis2:
        raise ValueError("axis1 and axis2 cannot be the same")
    offset = operator.index(offset)
    rest = tuple(i for i in range(ndim) if i not in (axis1, axis2))
    order = (*rest, axis1, axis2)
    moved = a if order == tuple(range(ndim)) else transpose(a, order)
    n1, n2 = shape[axis1], shape[axis2]
    flat = reshape(moved, (*[shape[i] for i in rest], n1 * n2))
    return getitem(flat, (Ellipsis, _diagonal_slice(n1, n2, offset)))


def diag(v: Any, k: int = 0) -> Any:
    """A 1-D ``v`` placed on diagonal ``k`` of a square matrix, or diagonal ``k`` of a 2-D ``v``."""
    shape = _shape(v)
    k = operator.index(k)
    if len(shape) == 2:
        return diagonal(v, k)
    if len(shape) != 1:
        raise ValueError("Input must be 1- or 2-d.")
    n = shape[0] + abs(k)
    if not isinstance(v, Tensor):
        v = np.asarray(v)
    flat = scatter_add(v, _diagonal_slice(n, n, k), (n * n,))
    return reshape(flat, (n, n))


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """Sum along diagonal ``offset`` of the matrices in the plane of ``axis1`` and ``axis2``."""
    return sum(diagonal(a, offset, axis1, axis2), axis=-1)


def _tri(shape: tuple[int, ...], k: int) -> Any:
    """True on and below diagonal ``k`` of a matrix of the last two sides of ``shape``.

    A 1-D ``shape`` ``(N,)`` gives an ``(N, N)`` mask, as NumPy's ``tril`` uses.
    """
    if not shape:
        raise ValueError("tril and triu need an input of at least 1 dimension, got a 0-d one")
    rows, cols = shape[-2:] if len(shape) > 1 else (shape[0], shape[0])
    return np.tri(rows, cols, k=k, dtype=np.bool_)


@composite
def tril(m: Any, k: int = 0) -> Any:
    """``m`` with the elements above diagonal ``k`` of its last two axes set to zero.

    A 1-D ``m`` is taken as a row repeated into a square matrix, as in NumPy.
    """
    shape = _shape(m)
    mask = _tri(shape, k)
    return where(mask, m, np.zeros((), dtype=_dtype(m)))


@composite
def triu(m: Any, k: int = 0) -> Any:
    """``m`` with the elements below diagonal ``k`` of its last two axes set to zero.

    A 1-D ``m`` is taken as a row repeated into a square matrix, as in NumPy.
    """
    shape = _shape(m)
    mask = _tri(shape, k - 1)
    return where(mask, np.zeros((), dtype=_dtype(m)), m)


# ---------------------------------------------------------------- at least n dimensions
def _at_least(a: Any, ndim: int) -> Any:
    shape = _shape(a)
    if len(shape) >= ndim:
        return _same(a)
    if ndim == 3 and len(shape) == 2:
        return reshape(a, (*shape, 1))
    if ndim == 3 and len(shape) == 1:
        return reshape(a, (1, *shape, 1))
    return reshape(a, (1,) * (ndim - len(shape)) + shape)


def atleast_1d(*arys: Any) -> Any:
    """Each input with at least one axis: a 0-d one becomes shape ``(1,)``.

    One input gives one Tensor, several a tuple of them, as in NumPy.
    """
    result = tuple(_at_least(a, 1) for a in arys)
    return result[0] if len(result) == 1 else result


def atleast_2d(*arys: Any) -> Any:
    """Each input with at least two axes: ``(N,)`` becomes ``(1, N)``, 0-d becomes ``(1, 1)``.

    One input gives one Tensor, several a tuple of them, as in NumPy.
    """
    result = tuple(_at_least(a, 2) for a in arys)
    return result[0] if len(result) == 1 else result


def atleast_3d(*arys: Any) -> Any:
    """Each input with at least three axes: ``(N,)`` becomes ``(1, N, 1)``, ``(M, N)``
    becomes ``(M, N, 1)`` and 0-d ``(1, 1, 1)``.

    One input gives one Tensor, several a tuple of them, as in NumPy.
    """
    result = tuple(_at_least(a, 3) for a in arys)
    return result[0] if len(result) == 1 else result


# ---------------------------------------------------------------- splitting
def array_split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """``ary`` cut along ``axis`` into a list of Tensors.

    An int ``N`` gives ``N`` pieces whose lengths differ by at most one (the longer ones
    first); a sequence of indices gives the pieces between them, as Python slices would
    (out-of-range indices give empty pieces).
    """
    shape = _shape(ary)
    axis = normalize_axis_index(axis, len(shape))
    total = shape[axis]
    try:
        points = [0, *list(indices_or_sections), total]
    except TypeError:
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError("number sections must be larger than 0.") from None
        each, extras = divmod(total, sections)
        sizes = [each + 1] * extras + [each] * (sections - extras)
        points = [0, *np.cumsum(sizes).tolist()]
    return [
        getitem(ary, _along(axis, slice(start, stop))) for start, stop in itertools.pairwise(points)
    ]


def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """``ary`` cut along ``axis`` into a list of Tensors: ``N`` equal pieces or at the indices.

    Unlike :func:`array_split`, an int ``N`` must divide the length of ``axis``.
    """
    try:
        len(indices_or_sections)
    except TypeError:
        shape = _shape(ary)
        if indices_or_sections == 0:  # NumPy's ZeroDivisionError, as array_split says it
            raise ValueError("number sections must be larger than 0.") from None
        if shape[normalize_axis_index(axis, len(shape))] % indices_or_sections:
            raise ValueError("array split does not result in an equal division") from None
    return array_split(ary, indices_or_sections, axis)


def hsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """:func:`split` along axis 1 (along axis 0 for a 1-D ``ary``)."""
    ndim = len(_shape(ary))
    if ndim == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return split(ary, indices_or_sections, 1 if ndim > 1 else 0)


def vsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """:func:`split` along axis 0; ``ary`` must have at least 2 dimensions."""
    if len(_shape(ary)) < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return split(ary, indices_or_sections, 0)


def dsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """:func:`split` along axis 2; ``ary`` must have at least 3 dimensions."""
    if len(_shape(ary)) < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return split(ary, indices_or_sections, 2)


# ---------------------------------------------------------------- joining
def hstack(tup: Sequence[Any]) -> Any:
    """The inputs joined along axis 1 (along axis 0 if they are 1-D; 0-d ones count as 1-D)."""
    arrays = [_at_least(a, 1) for a in tup]
    axis = 0 if arrays and len(_shape(arrays[0])) == 1 else 1
    return concatenate(*arrays, axis=axis)


def vstack(tup: Sequence[Any]) -> Any:
    """The inputs joined along axis 0, after :func:`atleast_2d` (``(N,)`` becomes a row)."""
    return concatenate(*[_at_least(a, 2) for a in tup], axis=0)


def dstack(tup: Sequence[Any]) -> Any:
    """The inputs joined along axis 2, after :func:`atleast_3d`."""
    return concatenate(*[_at_least(a, 3) for a in tup], axis=2)


def column_stack(tup: Sequence[Any]) -> Any:
    """The inputs joined along axis 1 as columns: a 1-D ``(N,)`` input becomes ``(N, 1)``."""
    columns = []
    for a in tup:
        shape = _shape(a)
        if len(shape) < 2:
            a = reshape(a, (shape[0] if shape else 1, 1))
        columns.append(a)
    return concatenate(*columns, axis=1)


@composite
def append(arr: Any, values: Any, axis: int | None = None) -> Any:
    """``values`` appended to the end of ``arr`` along ``axis`` (both flattened by default).

    The result type follows NumPy: Python numbers and lists among ``values`` become
    float64 arrays first, as ``np.append`` makes them.
    """
    if axis is None:
        if len(_shape(arr)) != 1:
            arr = ravel(arr)
        values = ravel(values)
        axis = 0
    return concatenate(arr, values, axis=axis)


# ---------------------------------------------------------------- array
def _has_tensor(obj: Any) -> bool:
    if isinstance(obj, Tensor):
        return True
    return isinstance(obj, (list, tuple)) and any(_has_tensor(o) for o in obj)


# One number of each Python type, for np.result_type: NumPy's promotion treats a Python
# number as "weak" (it takes the type of the arrays it meets), a NumPy scalar as strong.
_PYTHON_NUMBERS = {bool: False, int: 0, float: 0.0, complex: 0j}


def _leaf_types(obj: Any, dtypes: set[np.dtype[Any]], numbers: set[type]) -> None:
    """The dtypes of the Tensors and arrays in a nested list, and the Python number types."""
    if isinstance(obj, Tensor):
        dtypes.add(obj.dtype)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            _leaf_types(o, dtypes, numbers)
    elif type(obj) in _PYTHON_NUMBERS:
        numbers.add(type(obj))
    else:
        dtypes.add(np.asarray(obj).dtype)


def _nested_shape(obj: Any) -> tuple[int, ...]:
    """The shape of a nested list of Tensors; a ragged one raises here, before any cast
    (which may warn) of its elements."""
    if isinstance(obj, (list, tuple)) and _has_tensor(obj):
        shapes = {_nested_shape(o) for o in obj}
        if len(shapes) > 1:
            raise ValueError(
                f"array: the elements of a list must have equal shapes, got {sorted(shapes)}"
            )
        return (len(obj), *shapes.pop())
    return _shape(_dispatch.plain(obj))


def _build(obj: Any, dtype: np.dtype[Any]) -> Any:
    if isinstance(obj, Tensor):
        return obj if obj.dtype == dtype else astype(obj, dtype)
    if isinstance(obj, (list, tuple)) and _has_tensor(obj):
        return stack(*[_build(o, dtype) for o in obj], axis=0)
    return np.array(_dispatch.plain(obj), dtype=dtype)


@composite
def array(object: Any, dtype: Any = None) -> Any:
    """A Tensor from a Tensor or a (nested) list or tuple of Tensors, arrays and numbers.

    Differentiable with respect to every Tensor in it: each sub-list is a ``stack`` of its
    elements, which must have equal shapes.  Without ``dtype`` the result type is NumPy's
    promotion of the elements' types, with Python numbers taking the Tensors' type
    (NumPy's rule for Python scalars in arithmetic), so a float32 Tensor among numbers
    gives float32, where ``np.array`` would give float64.  Always a copy, like
    ``np.array``.  (``np.array`` itself cannot dispatch to Tensors; this is its twin.)
    """
    if not _has_tensor(object):
        value = np.array(_dispatch.plain(object), dtype=dtype)
        if _mode.unusual and _mode.state.arrays_in_vjps:
            return value  # inside a first-order VJP: arrays in, arrays out
        return Tensor(value)
    if dtype is None:
        dtypes: set[np.dtype[Any]] = set()
        numbers: set[type] = set()
        _leaf_types(object, dtypes, numbers)
        dtype = np.result_type(*dtypes, *[_PYTHON_NUMBERS[t] for t in numbers])
    dtype = np.dtype(dtype)
    if isinstance(object, Tensor):
        return astype(object, dtype)  # a copy, like np.array
    _nested_shape(object)
    return _build(object, dtype)


# NumPy's own functions on Tensors run these functions (see _dispatch.py).
def _trace_numpy(
    a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None, out: Any = None
) -> Any:
    _dispatch.refuse_unsupported("trace", dtype=dtype, out=out)
    return trace(a, offset, axis1, axis2)


def _stacking(f: Any) -> Any:
    def call(tup: Sequence[Any], *, dtype: Any = None, casting: str = "same_kind") -> Any:
        _dispatch.refuse_unsupported(f.__name__, dtype=dtype)
        return f(tup)

    return call


NUMPY = {
    np.ravel: ravel,
    np.expand_dims: expand_dims,
    np.squeeze: squeeze,
    np.moveaxis: moveaxis,
    np.rollaxis: rollaxis,
    np.repeat: repeat,
    np.tile: tile,
    np.flip: flip,
    np.fliplr: fliplr,
    np.flipud: flipud,
    np.roll: roll,
    np.rot90: rot90,
    np.pad: pad,
    np.diag: diag,
    np.diagonal: diagonal,
    np.trace: _trace_numpy,
    np.tril: tril,
    np.triu: triu,
    np.atleast_1d: atleast_1d,
    np.atleast_2d: atleast_2d,
    np.atleast_3d: atleast_3d,
    np.split: split,
    np.array_split: array_split,
    np.hsplit: hsplit,
    np.vsplit: vsplit,
    np.dsplit: dsplit,
    np.hstack: _stacking(hstack),
    np.vstack: _stacking(vstack),
    np.dstack: dstack,
    np.column_stack: column_stack,
    np.append: append,
}
_dispatch.register(NUMPY)
