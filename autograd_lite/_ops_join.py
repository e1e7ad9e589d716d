"""Joining Tensors: stack and concatenate, whose gradients are slices of ``g``."""

from __future__ import annotations

import numpy as np

from . import _dispatch
from ._primitive import primitive


@primitive
def stack(*arrays, axis=0):  # type: ignore[no-untyped-def]
    """Join arrays of equal shape along a new axis."""
    return np.stack(arrays, axis=axis)


@stack.defvjp_argnum
def _stack_vjp(argnum, g, out, *arrays, axis=0):  # type: ignore[no-untyped-def]
    axis %= out.ndim
    return g[(slice(None),) * axis + (argnum, Ellipsis)]


@primitive
def concatenate(*arrays, axis=0):  # type: ignore[no-untyped-def]
    """Join arrays along an existing axis."""
    return np.concatenate(arrays, axis=axis)


@concatenate.defvjp_argnum
def _concatenate_vjp(argnum, g, out, *arrays, axis=0):  # type: ignore[no-untyped-def]
    axis %= out.ndim
    # np.shape: an input may be a plain list or scalar rather than an array.
    start = sum(np.shape(a)[axis] for a in arrays[:argnum])
    stop = start + np.shape(arrays[argnum])[axis]
    return g[(slice(None),) * axis + (slice(start, stop), Ellipsis)]


# NumPy's own functions on Tensors run these ops (see _dispatch.py).
NUMPY = {
    np.stack: lambda arrays, axis=0, out=None: stack(*arrays, axis=axis),
    np.concatenate: lambda arrays, axis=0, out=None: concatenate(*arrays, axis=axis),
}
_dispatch.register(NUMPY)
