"""NumPy's vocabulary answered by another library's Array API namespace.

An op's variant for another library (see _backends.py) sees this object where its module
says ``np``: ``np.concatenate`` is the library's ``concat``, ``np.add.at`` its
scatter-add, ``np.var(ddof=1)`` its ``var(correction=1)``.  Where the standard has no
counterpart at all, a function below writes NumPy's in the standard's terms (``einsum``
as a broadcast product and a sum, ``pad`` as concatenated slices); a name with neither
raises, and the op reports itself unavailable for that library.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _tensor

if TYPE_CHECKING:
    from ._backends import Backend


class _UfuncLike:
    """A library's function under a NumPy ufunc's name, with the ufunc methods ops use."""

    def __init__(self, backend: Backend, fn: Callable[..., Any], name: str) -> None:
        self._backend = backend
        self._fn = _tensor_aware(name, fn)
        self.__name__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._fn(*args, **kwargs)

    def reduce(self, a: Any, axis: Any = 0, keepdims: bool = False, **kwargs: Any) -> Any:
        xp = self._backend.xp
        reducer = {"add": xp.sum, "multiply": xp.prod, "maximum": xp.max, "minimum": xp.min}
        if self.__name__ not in reducer:
            raise TypeError(f"numpy.{self.__name__}.reduce has no Array API counterpart")
        if isinstance(axis, list):
            axis = tuple(axis)
        return reducer[self.__name__](a, axis=axis, keepdims=keepdims)

    def accumulate(self, a: Any, axis: int = 0) -> Any:
        xp = self._backend.xp
        if self.__name__ == "add":
            return xp.cumulative_sum(a, axis=axis)
        if self.__name__ == "multiply":
            return xp.cumulative_prod(a, axis=axis)
        raise TypeError(f"numpy.{self.__name__}.accumulate has no Array API counterpart")

    def at(self, target: Any, index: Any, values: Any) -> None:
        if self.__name__ != "add":
            raise TypeError(f"numpy.{self.__name__}.at has no Array API counterpart")
        self._backend.scatter_add(target, index, values)


# NumPy names that the standard spells otherwise.
_RENAMED = {
    "absolute": "abs",
    "fabs": "abs",
    "power": "pow",
    "arccos": "acos",
    "arcsin": "asin",
    "arctan": "atan",
    "arctan2": "atan2",
    "arccosh": "acosh",
    "arcsinh": "asinh",
    "arctanh": "atanh",
    "concatenate": "concat",
    "cumsum": "cumulative_sum",
    "cumprod": "cumulative_prod",
    "amax": "max",
    "amin": "min",
    "mod": "remainder",
    "rint": "round",
    "array": "asarray",
}
_UFUNC_NAMES = frozenset({"add", "subtract", "multiply", "divide", "maximum", "minimum"})
# Names that stay NumPy's own: Python-side types and constants the ops test scalars with.
_KEPT = frozenset(
    {"integer", "floating", "generic", "number", "ufunc", "random", "exceptions", "typecodes",
     "_NoValue", "isscalar", "iinfo", "bool_"}
)  # fmt: skip


class NumpyNames:
    """NumPy's vocabulary answered by one library's Array API namespace.

    The ops' ``np.<name>`` reach this object in a variant for that library.  A name with
    no counterpart raises ``AttributeError``, which the op reports as a ``TypeError``
    naming itself: the op is not available for that library (never a silent conversion).
    """

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        xp = backend.xp
        self.ndarray = backend.array_type
        self.inf = math.inf
        self.nan = math.nan
        self.newaxis = None
        self.errstate = lambda **kwargs: backend.errstate()
        for name in _UFUNC_NAMES:
            setattr(self, name, _UfuncLike(backend, getattr(xp, name), name))
        self.intp = xp.int64

        device = backend.device
        kind = self.dtype = self.dtype_of
        self.zeros = lambda shape, dtype=None: xp.zeros(shape, dtype=kind(dtype), device=device)
        self.ones = lambda shape, dtype=None: xp.ones(shape, dtype=kind(dtype), device=device)
        self.empty = lambda shape, dtype=None: xp.empty(shape, dtype=kind(dtype), device=device)
        self.full = lambda shape, value, dtype=None: xp.full(
            shape, value, dtype=kind(dtype), device=device
        )
        self.eye = lambda n, m=None, k=0, dtype=float: xp.eye(
            n, m, k=k, dtype=kind(dtype), device=device
        )
        self.asarray = lambda a, dtype=None: xp.asarray(a, dtype=kind(dtype), device=device)
        self.copy = lambda a: xp.asarray(a, copy=True)
        self.reshape = _tensor_aware(
            "reshape", lambda a, shape: xp.reshape(a, tuple(shape)), method=True
        )
        self.array_sum = _tensor_aware(
            "sum", lambda a, axis=None, keepdims=False: xp.sum(a, axis=axis, keepdims=keepdims),
            method=True,
        )  # fmt: skip
        self.astype = _tensor_aware(
            "astype", lambda a, dtype: xp.astype(a, kind(dtype)), method=True
        )
        self.times_mask = lambda g, mask: g * xp.astype(_data_of(mask), g.dtype)
        self.assign = _assign
        self.read_only = lambda a: a
        self.subtract_at = lambda a, index, values: backend.scatter_add(a, index, -values)
        self.index_into = functools.partial(_index_into, backend)
        self.shape = lambda a: tuple(a.shape) if hasattr(a, "shape") else np.shape(a)
        self.ndim = lambda a: a.ndim
        self.size = lambda a: math.prod(a.shape)
        if hasattr(xp, "linalg"):
            self.linalg = _Linalg(backend)

    def dtype_of(self, dtype: Any) -> Any:
        """The library's dtype for a NumPy dtype or Python type (``bool``, ``np.float32``).

        Ops name dtypes the NumPy way; the library's own dtypes pass through.
        """
        if dtype is None or not isinstance(dtype, (type, np.dtype, str)):
            return dtype
        try:
            name = np.dtype(dtype).name
        except TypeError:
            return dtype
        return getattr(self._backend.xp, name, dtype)

    def arange(self, *args: Any, dtype: Any = None) -> Any:
        xp = self._backend.xp
        return xp.arange(*args, dtype=self.dtype_of(dtype), device=self._backend.device)

    def zeros_like(self, a: Any, dtype: Any = None, shape: Any = None) -> Any:
        xp = self._backend.xp
        if shape is None:
            return xp.zeros_like(a, dtype=dtype)
        dtype = a.dtype if dtype is None else dtype
        return xp.zeros(tuple(shape), dtype=dtype, device=self._backend.device)

    def full_like(self, a: Any, fill_value: Any, dtype: Any = None, shape: Any = None) -> Any:
        xp = self._backend.xp
        if shape is None:
            return xp.full_like(a, fill_value, dtype=dtype)
        dtype = a.dtype if dtype is None else dtype
        return xp.full(tuple(shape), fill_value, dtype=dtype, device=self._backend.device)

    def var(self, a: Any, axis: Any = None, ddof: float = 0, keepdims: bool = False) -> Any:
        return self._backend.xp.var(a, axis=axis, correction=ddof, keepdims=keepdims)

    def std(self, a: Any, axis: Any = None, ddof: float = 0, keepdims: bool = False) -> Any:
        return self._backend.xp.std(a, axis=axis, correction=ddof, keepdims=keepdims)

    def transpose(self, a: Any, axes: Any = None) -> Any:
        if axes is None:
            axes = tuple(range(a.ndim - 1, -1, -1))
        return self._backend.xp.permute_dims(a, tuple(axes))

    def swapaxes(self, a: Any, axis1: int, axis2: int) -> Any:
        axes = list(range(a.ndim))
        axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
        return self._backend.xp.permute_dims(a, tuple(axes))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name in _KEPT:
            value = getattr(np, name)
        elif name in _ADAPTED or (name in _WRITTEN and not hasattr(self._backend.xp, name)):
            value = _tensor_aware(
                name, functools.partial((_ADAPTED | _WRITTEN)[name], self._backend)
            )
        else:
            value = getattr(self._backend.xp, _RENAMED.get(name, name), None)
            if value is None:
                raise AttributeError(
                    f"numpy.{name} has no counterpart in the Array API namespace of "
                    f"{self._backend.library}, so this op is not available for its arrays"
                )
            if callable(value) and not isinstance(value, type):
                value = _tensor_aware(name, value)
        setattr(self, name, value)  # found once per name
        return value


def _full_index(index: Any) -> tuple[Any, ...]:
    """``index`` with a trailing ``...`` where it has none (the standard's explicit form)."""
    parts = index if isinstance(index, tuple) else (index,)
    if any(p is Ellipsis for p in parts):
        return parts
    return (*parts, Ellipsis)


def _index_into(backend: Backend, a: Any, index: Any) -> Any:
    """``a[index]``; one index array along one axis is the standard's ``take`` there.

    The standard allows an integer index array only beside integers, not beside slices or
    axes left out, as NumPy's ``a[idx]`` on a matrix leaves them.
    """
    from ._backends import array_axis

    found = array_axis(index)
    if found is None:
        parts = index if isinstance(index, tuple) else (index,)
        if any(hasattr(p, "shape") for p in parts):
            return a[parts]  # integer arrays on every axis, or a mask
        return a[_full_index(parts)]
    xp = backend.xp
    k, array = found
    n = a.shape[k]
    flat = xp.reshape(array, (-1,))
    flat = xp.where(flat < 0, flat + n, flat)
    taken = xp.take(a, flat, axis=k)
    return xp.reshape(taken, (*a.shape[:k], *array.shape, *a.shape[k + 1 :]))


def _assign(a: Any, index: Any, values: Any) -> None:
    """``a[index] = values`` for a basic index; ``None`` (a new axis) leaves it, with its axis."""
    parts = _full_index(index)
    if any(p is None for p in parts):
        parts = tuple(p for p in parts if p is not None)
        values = values.__array_namespace__().reshape(values, a[parts].shape)
    a[parts] = values


def _data_of(x: Any) -> Any:
    """A Tensor's array (a mask, which carries no gradient); anything else as it is."""
    return x._data if isinstance(x, _tensor.Tensor) else x


def _tensor_aware(
    name: str, fn: Callable[..., Any], method: bool = False, numpy_function: Any = None
) -> Callable[..., Any]:
    """``fn``, except that Tensor arguments (a recorded backward pass) run the op.

    A VJP differentiated again receives Tensors: ``np.<name>`` then means what NumPy's
    own function means on a Tensor, the autograd_lite op registered for it.
    """
    from . import _dispatch
    from ._tensor import Tensor

    if numpy_function is None:
        numpy_function = getattr(np, name, None)

    def call(*args: Any, **kwargs: Any) -> Any:
        for a in args:
            if isinstance(a, Tensor):
                if method:
                    return getattr(args[0], name)(*args[1:], **kwargs)
                twin = None if numpy_function is None else _dispatch.twin_of(numpy_function)
                if twin is None:
                    raise TypeError(f"numpy.{name} has no autograd_lite op for Tensors")
                return twin(*args, **kwargs)
        return fn(*args, **kwargs)

    call.__name__ = name
    return call


# ------------------------------------------------------------------------------------
# NumPy functions whose namesakes in the standard behave otherwise (the standard's
# ``where`` wants an array condition, its ``clip`` may refuse min > max, its ``round``
# has no decimals, its ``squeeze`` needs an axis): NumPy's behaviour in the standard's
# terms.  Each takes the Backend first.


def _where(backend: Backend, condition: Any, x: Any, y: Any) -> Any:
    xp = backend.xp
    if not hasattr(condition, "dtype"):
        condition = xp.asarray(condition, dtype=xp.bool, device=backend.device)
    return xp.where(condition, x, y)


def _clip(backend: Backend, a: Any, a_min: Any, a_max: Any) -> Any:
    xp = backend.xp
    lower = a if a_min is None else xp.maximum(a, a_min)
    return lower if a_max is None else xp.minimum(lower, a_max)


def _round(backend: Backend, a: Any, decimals: int = 0) -> Any:
    xp = backend.xp
    if decimals == 0:
        return xp.round(a)
    scale = 10.0**decimals  # NumPy's own method: scale, round half to even, scale back
    return xp.round(a * scale) / scale


def _squeeze(backend: Backend, a: Any, axis: Any = None) -> Any:
    if axis is None:
        axis = tuple(i for i, n in enumerate(a.shape) if n == 1)
    return backend.xp.squeeze(a, axis=axis)


def _argsort(backend: Backend, a: Any, axis: int = -1, kind: Any = None) -> Any:
    return backend.xp.argsort(a, axis=axis, stable=True)


def _sort(backend: Backend, a: Any, axis: int = -1, kind: Any = None) -> Any:
    return backend.xp.sort(a, axis=axis, stable=True)


class _Linalg:
    """``np.linalg`` in terms of the standard's ``linalg`` extension."""

    def __init__(self, backend: Backend) -> None:
        self._xp = backend.xp
        self._linalg = backend.xp.linalg

    def eigh(self, a: Any, UPLO: str = "L") -> Any:
        # The standard's eigh reads one triangle, as NumPy's default does: the lower one.
        # The upper triangle of a is the lower triangle of its transpose.
        return self._linalg.eigh(a if UPLO == "L" else self._xp.matrix_transpose(a))

    def eigvalsh(self, a: Any, UPLO: str = "L") -> Any:
        return self._linalg.eigvalsh(a if UPLO == "L" else self._xp.matrix_transpose(a))

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._linalg, name)
        setattr(self, name, value)
        return value


def _take_along_axis(backend: Backend, a: Any, indices: Any, axis: int | None) -> Any:
    xp = backend.xp
    if axis is None:
        a, axis = xp.reshape(a, (-1,)), 0
    return xp.take_along_axis(a, indices, axis=axis)


def _reciprocal(backend: Backend, x: Any, dtype: Any = None) -> Any:
    xp = backend.xp
    return 1.0 / xp.asarray(x, dtype=backend.np.dtype_of(dtype), device=backend.device)


def _cumulative(name: str) -> Callable[..., Any]:
    def cumulative(backend: Backend, a: Any, axis: int | None = None) -> Any:
        xp = backend.xp
        if axis is None:  # NumPy's default: along the flattened array
            a, axis = xp.reshape(a, (-1,)), 0
        return getattr(xp, name)(a, axis=axis)

    return cumulative


_ADAPTED: dict[str, Callable[..., Any]] = {
    "cumsum": _cumulative("cumulative_sum"),
    "tril": lambda backend, m, k=0: backend.xp.tril(m, k=k),
    "triu": lambda backend, m, k=0: backend.xp.triu(m, k=k),
    "take_along_axis": _take_along_axis,
    "reciprocal": _reciprocal,
    "cumprod": _cumulative("cumulative_prod"),
    "where": _where,
    "clip": _clip,
    "round": _round,
    "around": _round,
    "squeeze": _squeeze,
    "argsort": _argsort,
    "sort": _sort,
}


# ------------------------------------------------------------------------------------
# NumPy functions the standard lacks, written in its terms; a library that has its own
# (CuPy has them all) keeps its own.


def _tri(backend: Backend, n: int, m: int | None = None, k: int = 0, dtype: Any = None) -> Any:
    xp = backend.xp
    m = n if m is None else m
    rows = xp.arange(n, device=backend.device)[:, None]
    cols = xp.arange(m, device=backend.device)[None, :]
    mask = cols <= rows + k
    dtype = xp.float64 if dtype is None else backend.np.dtype_of(dtype)
    return mask if dtype == xp.bool else xp.astype(mask, dtype)


def _nan_to_num(
    backend: Backend, x: Any, copy: bool = True, nan: float = 0.0,
    posinf: float | None = None, neginf: float | None = None,
) -> Any:  # fmt: skip
    xp = backend.xp
    if not xp.isdtype(x.dtype, ("real floating", "complex floating")):
        return x
    big = xp.finfo(x.dtype).max
    x = xp.where(xp.isnan(x), nan, x)
    x = xp.where(x == math.inf, big if posinf is None else posinf, x)
    return xp.where(x == -math.inf, -big if neginf is None else neginf, x)


def _logaddexp2(backend: Backend, a: Any, b: Any) -> Any:
    xp = backend.xp
    top = xp.maximum(a, b)
    spread = xp.where(a == b, 0.0, -xp.abs(a - b))  # equal infinities: no NaN
    return top + xp.log1p(xp.pow(2.0, spread)) / math.log(2.0)


def _cbrt(backend: Backend, x: Any) -> Any:
    xp = backend.xp
    return xp.sign(x) * xp.pow(xp.abs(x), 1.0 / 3.0)


def _pad(
    backend: Backend, x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = 0
) -> Any:
    """``np.pad`` in constant mode: each axis grown by concatenating filled blocks."""
    xp = backend.xp
    if mode != "constant":
        raise TypeError(f"numpy.pad(mode={mode!r}) has no counterpart in the Array API")
    if isinstance(pad_width, int):
        pad_width = ((pad_width, pad_width),) * x.ndim
    # NumPy's forms of the fill: one value, one (before, after) pair, or a pair per axis.
    fills = np.broadcast_to(np.asarray(constant_values), (x.ndim, 2)).tolist()
    for axis, (before, after) in enumerate(pad_width):
        blocks = []
        for width, fill in zip((before, after), fills[axis]):
            shape = (*x.shape[:axis], width, *x.shape[axis + 1 :])
            blocks.append(xp.full(shape, fill, dtype=x.dtype, device=backend.device))
        x = xp.concat([blocks[0], x, blocks[1]], axis=axis)
    return x


def _einsum(backend: Backend, spec: str, *operands: Any, optimize: Any = False) -> Any:
    """``np.einsum`` with explicit subscripts ('ab,bc->ac'), as a broadcast product and a sum.

    A letter repeated within one operand (a diagonal) is taken by masking with an identity
    and summing one of the two axes.  Every operand is laid out on all the letters (those
    of the output first), the product broadcasts, and the letters not in the output are
    summed.  It allocates the full product: a fallback for libraries without an einsum.
    """
    xp = backend.xp
    inputs, output = spec.replace(" ", "").split("->")
    terms = inputs.split(",")
    letters = list(output) + sorted(set(inputs) - set(output) - {","})
    laid_out = []
    for term, x in zip(terms, operands):
        term, x = _diagonals_taken(backend, term, x)
        present = [c for c in letters if c in term]
        x = xp.permute_dims(x, tuple(term.index(c) for c in present))
        shape = tuple(x.shape[present.index(c)] if c in term else 1 for c in letters)
        laid_out.append(xp.reshape(x, shape))
    product = laid_out[0]
    for x in laid_out[1:]:
        product = product * x
    summed = tuple(range(len(output), len(letters)))
    if summed:
        product = xp.sum(product, axis=summed)
    # Letters of the output absent from every operand cannot occur (NumPy refuses them),
    # but an output letter may have stayed of length 1 where its operand broadcast it.
    sizes = {c: n for term, x in zip(terms, operands) for c, n in zip(term, x.shape)}
    return xp.broadcast_to(product, tuple(sizes[c] for c in output))


def _diagonals_taken(backend: Backend, term: str, x: Any) -> tuple[str, Any]:
    xp = backend.xp
    while len(set(term)) < len(term):
        first = next(i for i, c in enumerate(term) if term.index(c) != i)
        other = term.index(term[first])
        n = x.shape[first]
        shape = [1] * x.ndim
        shape[other] = shape[first] = n
        eye = xp.reshape(xp.eye(n, dtype=x.dtype, device=backend.device), tuple(shape))
        x = xp.sum(x * eye, axis=first)
        term = term[:first] + term[first + 1 :]
    return term, x


def _iscomplexobj(backend: Backend, x: Any) -> bool:
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return isinstance(x, complex)
    return bool(backend.xp.isdtype(dtype, "complex floating"))


def _fmod(backend: Backend, a: Any, b: Any) -> Any:
    """The remainder with the sign of ``a`` (C's fmod), from the one with the sign of ``b``."""
    xp = backend.xp
    rem = xp.remainder(a, b)
    return xp.where((rem != 0) & ((rem < 0) != (a < 0)), rem - b, rem)


_WRITTEN: dict[str, Callable[..., Any]] = {
    "fmod": _fmod,
    "iscomplexobj": _iscomplexobj,
    "tri": _tri,
    "nan_to_num": _nan_to_num,
    "exp2": lambda backend, x: backend.xp.pow(2.0, x),
    "cbrt": _cbrt,
    "logaddexp2": _logaddexp2,
    "deg2rad": lambda backend, x: x * (math.pi / 180.0),
    "rad2deg": lambda backend, x: x * (180.0 / math.pi),
    "pad": _pad,
    "einsum": _einsum,
}
