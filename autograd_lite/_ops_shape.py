"""Shape manipulation and indexing: rules that move gradients without changing them."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _dispatch
from ._arrays import asarray, assign, index_into
from ._arrays import reshape as array_reshape
from ._primitive import primitive


@primitive
def reshape(x, shape):  # type: ignore[no-untyped-def]
    """``x`` with a new shape (same elements, C order)."""
    return np.reshape(x, shape)


reshape.defvjp(lambda g, out, x, shape: array_reshape(g, x.shape))


@primitive
def transpose(x, axes=None):  # type: ignore[no-untyped-def]
    """``x`` with its axes permuted (reversed by default)."""
    return np.transpose(x, axes)


def _transpose_vjp(g, out, x, axes=None):  # type: ignore[no-untyped-def]
    if axes is None:
        return transpose(g)
    return transpose(g, tuple(sorted(range(len(axes)), key=lambda i: axes[i] % len(axes))))


transpose.defvjp(_transpose_vjp)


@primitive
def swapaxes(x, axis1, axis2):  # type: ignore[no-untyped-def]
    """``x`` with two axes interchanged."""
    return np.swapaxes(x, axis1, axis2)


swapaxes.defvjp(lambda g, out, x, axis1, axis2: swapaxes(g, axis1, axis2))


@primitive
def astype(x, dtype):  # type: ignore[no-untyped-def]
    """``x`` converted to ``dtype``; the gradient is converted back."""
    return asarray(x).astype(dtype)


astype.defvjp(lambda g, out, x, dtype: astype(g, x.dtype))


def _is_basic(index: Any) -> bool:
    """Whether ``index`` selects a view (no arrays or lists), so no element repeats."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)) for p in parts)


@primitive
def getitem(x, index):  # type: ignore[no-untyped-def]
    """``x[index]`` for basic and advanced indexing."""
    return index_into(asarray(x), index)


@primitive
def scatter_add(g, index, shape):  # type: ignore[no-untyped-def]
    """A zero array of ``shape`` with ``g`` added at ``index``; repeated indices accumulate."""
    # The zeros are made like g, or like an index array, if one of them is of an array
    # type that follows the NumPy calls made on it (ag.compile's traced arrays): NumPy
    # does not look for such a type inside an index tuple, so only the target can carry
    # it into np.add.at.
    parts = index if isinstance(index, tuple) else (index,)
    like = next(
        (a for a in (g, *parts) if isinstance(a, np.ndarray) and type(a) is not np.ndarray), g
    )
    out = np.zeros_like(like, shape=shape, dtype=g.dtype)
    if _is_basic(index):
        assign(out, index, g)
    else:
        np.add.at(out, index, g)
    return out


getitem.defvjp(lambda g, out, x, index: scatter_add(g, index, x.shape))
scatter_add.defvjp(lambda g, out, gin, index, shape: getitem(g, index))

# NumPy's own functions on Tensors run these ops (see _dispatch.py).
NUMPY = {
    np.reshape: lambda a, shape=None, order="C", **kw: reshape(a, kw.get("newshape", shape)),
    np.transpose: lambda a, axes=None: transpose(a, axes),
    np.swapaxes: swapaxes,
}
_dispatch.register(NUMPY)
