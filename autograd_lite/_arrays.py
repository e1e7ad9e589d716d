"""Array conversions of the engine that keep a trace's arrays traced.

Inside :func:`autograd_lite.compile`'s trace the arrays are
:class:`~autograd_lite.compiler.values.TracedArray` objects, which ``np.asarray`` would
turn back into plain arrays that the trace cannot follow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from .compiler.values import TracedArray

F = TypeVar("F", bound=Callable[..., Any])


def _standard(name: str) -> Callable[[F], F]:
    """Mark a helper as an ndarray method that the Array API has as the function ``name``.

    An op's variant for another library calls that library's function instead (see
    _backends.py); on NumPy the helper is the method call.
    """

    def mark(f: F) -> F:
        f.__array_api_name__ = name  # type: ignore[attr-defined]
        return f

    return mark


def on_host(f: F) -> F:
    """Mark a helper that computes with NumPy on the host in every library's variant.

    For small static arrays built from shapes alone (the positions a pad mode reads), which
    a variant then moves to its library with ``np.asarray``.
    """
    f.__on_host__ = True  # type: ignore[attr-defined]
    return f


@_standard("reshape")
def reshape(a: Any, shape: tuple[int, ...]) -> Any:
    """``a.reshape(shape)``."""
    return a.reshape(shape)


def dtype_kind(dtype: Any) -> str:
    """NumPy's one-letter kind ("f", "i", "u", "b", "c") of a dtype of any library."""
    kind = getattr(dtype, "kind", None)
    if type(kind) is str:
        return kind
    from ._backends import kind_of

    return kind_of(dtype)


@_standard("array_sum")
def array_sum(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``a.sum(axis=axis, keepdims=keepdims)``."""
    return a.sum(axis=axis, keepdims=keepdims)


@_standard("copy")
def array_copy(a: Any) -> Any:
    """``a.copy()``."""
    return a.copy()


@_standard("astype")
def as_dtype(a: Any, dtype: Any) -> Any:
    """``a.astype(dtype)``."""
    return a.astype(dtype)


@_standard("index_into")
def index_into(a: Any, index: Any) -> Any:
    """``a[index]``, basic or advanced indexing (a variant spells some indices otherwise)."""
    return a[index]


@_standard("assign")
def assign(a: Any, index: Any, values: Any) -> None:
    """``a[index] = values``."""
    a[index] = values


@_standard("subtract_at")
def subtract_at(a: Any, index: Any, values: Any) -> None:
    """``a[index] -= values`` in place, for an index that names no element twice."""
    a[index] -= values


@_standard("read_only")
def read_only(a: Any) -> Any:
    """``a``, write-protected (other libraries have no flag for it: ``a`` as it is)."""
    a.setflags(write=False)
    return a


@on_host
def is_numpy_array(a: Any) -> bool:
    """Whether ``a`` is a NumPy array (in every library's variant: NumPy's own test)."""
    return isinstance(a, np.ndarray)


@_standard("times_mask")
def times_mask(g: Any, mask: Any) -> Any:
    """``g * mask`` for a boolean ``mask`` (which the standard does not multiply)."""
    return g * mask


def asarray(x: Any, dtype: Any = None) -> Any:
    """``np.asarray(x, dtype)``, except that a traced array stays traced."""
    if type(x) is TracedArray:
        if dtype is None or x.dtype == dtype:
            return x
        return x.astype(dtype)
    return np.asarray(x, dtype=dtype)


def is_view(a: Any) -> bool:
    """Whether ``a`` shares its memory with another array (``a.base is not None``)."""
    if type(a) is TracedArray:
        var = a._var
        return var is not None and var.storage is not var
    return a.base is not None


def is_traced(x: Any) -> bool:
    """Whether ``x`` is an array of a running trace (its values change from call to call)."""
    return type(x) is TracedArray


def runtime_check(check: Any, *args: Any) -> None:
    """Run ``check(*args)``, which raises on bad input; a trace keeps it in the program.

    For checks that depend on the values of arrays (class indices in range, say), which a
    compiled program must repeat on every call.
    """
    if any(type(a) is TracedArray for a in args):
        from .compiler.values import current

        recorder = current()
        if recorder is not None:
            recorder.record_check(check, args)
            return
    check(*args)
