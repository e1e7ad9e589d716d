"""NumPy's own functions on Tensors: which autograd_lite function each one runs.

``np.sin(t)``, ``np.sum(t, axis=0)`` and ``np.add.reduce(t)`` reach a Tensor through
NumPy's protocols (``__array_ufunc__`` for ufuncs and their methods, ``__array_function__``
for the rest), and run the autograd_lite function registered here, so they record like
``ag.sin(t)``.  Each op module lists its own NumPy twins in a module-level ``NUMPY``
dict and hands it to :func:`register`.  A NumPy function with no twin, called on a Tensor that
carries a graph, raises :class:`~autograd_lite.errors.NumpyOnTensorError` rather than
dropping the graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .errors import NumpyOnTensorError

# Keys: a NumPy function, a ufunc (its call), or a ufunc method (``np.add.reduce``).
Key = tuple[Any, str]

_TWINS: dict[Key, Callable[..., Any]] = {}


def key_of(numpy_callable: Any) -> Key:
    """The registry key of a NumPy function, ufunc or ufunc method."""
    if isinstance(numpy_callable, np.ufunc):
        return numpy_callable, "__call__"
    owner = getattr(numpy_callable, "__self__", None)
    if isinstance(owner, np.ufunc):  # a bound method such as np.add.reduce
        return owner, numpy_callable.__name__
    return numpy_callable, "__function__"


def register(table: dict[Any, Any]) -> None:
    """Add a module's ``NUMPY`` table: NumPy callable -> the autograd_lite function it runs."""
    for numpy_callable, twin in table.items():
        _TWINS[key_of(numpy_callable)] = twin


def twin_of(numpy_callable: Any, method: str | None = None) -> Callable[..., Any] | None:
    """The autograd_lite function registered for a NumPy callable (``None`` if there is none)."""
    key = (numpy_callable, method) if method is not None else key_of(numpy_callable)
    return _TWINS.get(key)


def registered() -> list[Key]:
    """Every registered key, for the docs and the tests."""
    return list(_TWINS)


def keyword_reduction(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f(x, axis=, keepdims=)`` called the way ``np.sum`` is (``out=``, ``dtype=`` refused)."""

    def call(
        a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
        **kwargs: Any,
    ) -> Any:  # fmt: skip
        refuse_unsupported(_name(f), dtype=dtype, out=out, **kwargs)
        return f(a, axis=axis, keepdims=keepdims)

    return call


def reduction(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f(x, axis=, keepdims=)`` called the way a ufunc's ``reduce`` is (default ``axis=0``)."""

    def reduce(x: Any, axis: Any = 0, dtype: Any = None, out: Any = None, **kwargs: Any) -> Any:
        refuse_unsupported(f"reduce of {_name(f)}", dtype=dtype, out=out, **kwargs)
        return f(x, axis=axis, keepdims=bool(kwargs.get("keepdims", False)))

    return reduce


def accumulation(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f(x, axis=)`` called the way a ufunc's ``accumulate`` is (default ``axis=0``)."""

    def accumulate(x: Any, axis: int = 0, dtype: Any = None, out: Any = None) -> Any:
        refuse_unsupported(f"accumulate of {_name(f)}", dtype=dtype, out=out)
        return f(x, axis=axis)

    return accumulate


def _name(f: Any) -> str:
    return getattr(f, "__name__", repr(f))


def refuse_unsupported(what: str, **kwargs: Any) -> None:
    """Refuse NumPy keywords that a twin does not take (``out=``, ``dtype=``, ``where=``).

    NumPy's "no value" default (``np._NoValue``) and None count as not given.
    """
    given = sorted(
        k for k, v in kwargs.items() if v is not None and v is not np._NoValue and k != "keepdims"
    )
    if given:
        raise TypeError(f"numpy {what} on a Tensor does not take {given}")


def contains_graph(values: Iterable[Any]) -> bool:
    """Whether a Tensor that requires grad is among ``values`` (searched into lists and tuples)."""
    from ._tensor import Tensor

    for v in values:
        if isinstance(v, Tensor):
            if v._node is not None:
                return True
        elif isinstance(v, (list, tuple)) and contains_graph(v):
            return True
    return False


def plain(value: Any) -> Any:
    """``value`` with every Tensor in it (into lists, tuples, dicts) replaced by its array."""
    from ._tensor import Tensor

    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def no_twin(what: str) -> NumpyOnTensorError:
    return NumpyOnTensorError(
        f"{what} has no differentiable counterpart for Tensors; use an autograd_lite op "
        "(see the op reference) or define one with @ag.primitive"
    )
