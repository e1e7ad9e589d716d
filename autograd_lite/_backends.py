"""Arrays of other libraries in a Tensor, through the Python Array API standard.

A Tensor holds a NumPy array, or an array of any library that speaks the Array API
standard (CuPy, array-api-strict, PyTorch through ``array-api-compat``).  The library is
found once, when the data enters the Tensor, and kept on it as a :class:`Backend`: that
library's namespace, on one device.

The ops are written once, with NumPy 2 functions that are also Array API functions
(``np.exp``, ``np.where``, ``np.sum(x, axis=...)``).  For another library each primitive
gets a *variant*, made on first use: its forward and its VJPs are the same Python
functions with the module-level name ``np`` bound to :class:`NumpyNames`, which answers
NumPy's names with the library's Array API functions (``np.concatenate`` is its
``concat``, ``np.add.at`` its scatter-add).  NumPy arrays never meet any of this: they
take the bare NumPy functions, and the engine looks at an input's library only once an
array of another library has entered a Tensor (:data:`in_use`).

What the standard lacks, each library supplies through a small hook of its Backend: a
scatter-add, a finite check, the conversion to NumPy and a synchronisation for timing.
``array-api-compat`` is imported only when an array of another library arrives.
"""

from __future__ import annotations

import contextlib
import functools
import math
import types
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np

from . import _mode, _tensor
from ._numpy_names import NumpyNames

# Set once, by the first array of another library that enters a Tensor: from then on the
# ops look at their inputs' libraries.  Until then NumPy's path is the only one.
in_use = False

F = TypeVar("F", bound=Callable[..., Any])

_NUMPY_SCALARS = (int, float, bool, complex, np.generic)


class Backend:
    """One array library on one device: its Array API namespace and the engine's hooks."""

    def __init__(self, xp: Any, device: Any, array_type: type, library: str) -> None:
        self.xp = xp
        self.device = device
        self.array_type = array_type
        self.library = library  # the library's top-level module name: "cupy", "torch", ...
        self.np = NumpyNames(self)
        self._functions: dict[Any, Any] = {}
        self._globals: dict[int, dict[str, Any]] = {}

    def __repr__(self) -> str:
        return f"<autograd_lite backend {self.library} on {self.device}>"

    # ---------------------------------------------------------------- the hooks
    def scatter_add(self, target: Any, index: Any, values: Any) -> None:
        """``target[index] += values`` with repeated indices adding up (``np.add.at``)."""
        if isinstance(index, tuple) and index and index[-1] is Ellipsis:
            index = index[:-1]  # the standard's explicit form of the same index
        if self.library == "cupy":
            import cupyx  # type: ignore[import-not-found]

            cupyx.scatter_add(target, index, values)
            return
        if self.library == "torch":
            found = array_axis(index)
            if found is not None:  # index_put_ takes index tensors only: axis k goes first
                k, array = found
                view = target.movedim(k, 0)  # a view: the edit reaches the target
                values = self.xp.broadcast_to(values, target[index].shape)
                moved = values.movedim(tuple(range(k, k + array.ndim)), tuple(range(array.ndim)))
                view.index_put_((array,), moved, accumulate=True)
                return
            index = index if isinstance(index, tuple) else (index,)
            values = self.xp.broadcast_to(values, target[index].shape)
            target.index_put_(index, values, accumulate=True)
            return
        _scatter_add_by_one_hot(self, target, index, values)

    def all_finite(self, a: Any) -> bool:
        """Whether no element of ``a`` is NaN or infinite (synchronises a GPU)."""
        xp = self.xp
        return bool(xp.all(xp.isfinite(a)))

    def to_numpy(self, a: Any) -> np.ndarray:
        """A NumPy copy of ``a`` on the host (an explicit transfer)."""
        if self.library == "cupy":
            return a.get()  # type: ignore[no-any-return]
        if self.library == "torch":
            return a.detach().cpu().numpy()  # type: ignore[no-any-return]
        if self.library == "array_api_strict":
            # array-api-strict arrays keep a NumPy array; a copy keeps it private.
            return np.array(a._array, copy=True)
        return np.asarray(self.xp.asarray(a, copy=True))

    def sync(self) -> None:
        """Wait until the device has finished its queued work (for timing)."""
        if self.library == "cupy":
            import cupy  # type: ignore[import-not-found]

            cupy.cuda.get_current_stream().synchronize()
        elif self.library == "torch" and getattr(self.device, "type", "cpu") == "cuda":
            import torch

            torch.cuda.synchronize(self.device)

    def errstate(self) -> Any:
        """NumPy's ``errstate(all="ignore")`` has no counterpart elsewhere: a no-op there."""
        return contextlib.nullcontext()

    def is_float(self, dtype: Any) -> bool:
        return bool(self.xp.isdtype(dtype, "real floating"))

    def ones(self, shape: tuple[int, ...], dtype: Any) -> Any:
        return self.xp.ones(shape, dtype=dtype, device=self.device)

    def copy(self, a: Any) -> Any:
        return self.xp.asarray(a, copy=True)

    def astype(self, a: Any, dtype: Any) -> Any:
        return self.xp.astype(a, dtype)

    def sum_to_shape(self, g: Any, shape: tuple[int, ...]) -> Any:
        """``g`` summed over the axes broadcasting added or stretched to reach ``shape``."""
        xp = self.xp
        lead = g.ndim - len(shape)
        if lead < 0:
            return g
        if lead:
            g = xp.sum(g, axis=tuple(range(lead)))
        axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
        if axes:
            g = xp.sum(g, axis=axes, keepdims=True)
        return g

    # ------------------------------------------------------------- the variants
    def function(self, f: types.FunctionType) -> types.FunctionType:
        """``f`` with the module-level ``np`` of its module (and of its helpers) bound here."""
        done = self._functions.get(f)
        if done is not None:
            return done  # type: ignore[no-any-return]
        standard = getattr(f, "__array_api_name__", None)
        if standard is not None:  # an ndarray method's helper: the library's function
            done = self._functions[f] = getattr(self.np, standard)
            return done  # type: ignore[no-any-return]
        if getattr(f, "__on_host__", False) or not _ours(f):
            return f
        composite = getattr(f, "__composite__", None)
        if composite is not None:  # a composite's dispatching wrapper: its body's variant
            done = self._functions[f] = self.function(composite)
            return done
        namespace = self._module_globals(f.__globals__)
        done = self._functions.get(f)  # made while the module's names were filled in
        if done is None:
            done = types.FunctionType(
                f.__code__, namespace, f.__name__, f.__defaults__, f.__closure__
            )
            done.__kwdefaults__ = f.__kwdefaults__
            done.__dict__.update(f.__dict__)
            self._functions[f] = done
        return done

    def _module_globals(self, module_globals: dict[str, Any]) -> dict[str, Any]:
        key = id(module_globals)
        namespace = self._globals.get(key)
        if namespace is None:
            namespace = self._globals[key] = dict(module_globals)
            for name, value in module_globals.items():
                if value is np:
                    namespace[name] = self.np
                elif type(value) is types.FunctionType:
                    namespace[name] = self.function(value)
                elif isinstance(value, functools._lru_cache_wrapper):
                    # A cached helper runs uncached: its cache holds NumPy arrays.
                    namespace[name] = self.function(cast(types.FunctionType, value.__wrapped__))
                else:  # a module-level alias of a NumPy function (``_add_reduce = np.add.reduce``)
                    alias = self._numpy_alias(value)
                    if alias is not None:
                        namespace[name] = alias
        return namespace

    def _numpy_alias(self, value: Any) -> Any:
        """This library's counterpart of a NumPy ufunc, ufunc method or function; else None."""
        owner = getattr(value, "__self__", None)
        try:
            if isinstance(value, np.ufunc):
                return getattr(self.np, value.__name__)
            if isinstance(owner, np.ufunc):  # np.add.reduce and the like
                return getattr(getattr(self.np, owner.__name__), value.__name__)
            if (
                callable(value)
                and not isinstance(value, type)
                and getattr(value, "__module__", "").startswith("numpy")
            ):
                return getattr(self.np, value.__name__)
        except AttributeError:
            return None  # no counterpart: a call converts, and the op's result check refuses it
        return None

    def forward_of(self, fun: Any) -> Callable[..., Any]:
        """The forward of a primitive for this library."""
        if isinstance(fun, np.ufunc):
            return getattr(self.np, fun.__name__)  # type: ignore[no-any-return]
        if type(fun) is types.FunctionType:
            return self.function(fun) if _ours(fun) else fun
        name = getattr(fun, "__name__", None)
        if getattr(fun, "__module__", "").startswith("numpy") and name:
            return getattr(self.np, name)  # type: ignore[no-any-return]
        return fun  # type: ignore[no-any-return]

    def vjp_of(self, vjp: Any) -> Any:
        if type(vjp) is types.FunctionType and _ours(vjp):
            return self.function(vjp)
        return vjp


def _ours(f: types.FunctionType) -> bool:
    """Whether ``f`` is an op's code, written with ``np`` (the engine's own modules are not)."""
    module = f.__module__ or ""
    return module.startswith("autograd_lite") and module not in _ENGINE_MODULES


_ENGINE_MODULES = frozenset({__name__, "autograd_lite._numpy_names"})


def composite(f: F) -> F:
    """Make ``f``, a function written over ops and ``np``, run on any library's arrays.

    On NumPy (and until another library's array has entered a Tensor) ``f`` runs as it
    is.  Given arrays or Tensors of another library, its variant runs: the same code with
    ``np`` answered by that library (see :meth:`Backend.function`), so that the constants
    and index arrays ``f`` builds are that library's too.
    """

    @functools.wraps(f)
    def call(*args: Any, **kwargs: Any) -> Any:
        if in_use:
            backend = backend_of_call((*args, *kwargs.values()))
            if backend is not None:
                try:
                    return backend.function(cast(types.FunctionType, f))(*args, **kwargs)
                except AttributeError as exc:  # a NumPy name the library lacks
                    raise TypeError(f"{f.__name__}: {exc}") from exc
        return f(*args, **kwargs)

    call.__composite__ = f  # type: ignore[attr-defined]
    return call  # type: ignore[return-value]


def _scatter_add_by_one_hot(backend: Backend, target: Any, index: Any, values: Any) -> None:
    """A scatter-add in the standard's own terms, for a library that has none.

    One integer index array along one axis ``k`` (the other axes whole): each position of
    axis ``k`` receives the sum of the slices of ``values`` whose index names it, as one
    product with a one-hot matrix.
    """
    xp = backend.xp
    found = array_axis(index)
    if found is None and _arrays_on_every_axis(index, target.ndim):
        # Integer arrays on every axis: the same scatter on the flattened target.
        strides = [math.prod(target.shape[k + 1 :]) for k in range(target.ndim)]
        flat_index = sum(xp.astype(i, xp.int64) % n * s
                         for i, n, s in zip(index, target.shape, strides))  # fmt: skip
        flat = xp.reshape(target, (-1,))
        _scatter_add_by_one_hot(backend, flat, flat_index, values)
        target[...] = xp.reshape(flat, target.shape)
        return
    if found is None:
        raise TypeError(
            f"scatter-add on {backend.library} arrays takes one integer index array along "
            f"one axis, got {index!r}"
        )
    k, array = found
    if not hasattr(values, "shape"):
        values = xp.asarray(values, dtype=target.dtype, device=backend.device)
    shape = tuple(target.shape)
    n = shape[k]
    flat = xp.reshape(array, (-1,))
    flat = xp.where(flat < 0, flat + n, flat)
    before, after = math.prod(shape[:k]), math.prod(shape[k + 1 :])
    values = xp.broadcast_to(values, (*shape[:k], *array.shape, *shape[k + 1 :]))
    rows = xp.permute_dims(xp.reshape(values, (before, flat.shape[0], after)), (1, 0, 2))
    one_hot = xp.astype(flat[:, None] == xp.arange(n, device=backend.device)[None, :], target.dtype)
    summed = xp.matrix_transpose(one_hot) @ xp.reshape(rows, (flat.shape[0], -1))
    summed = xp.permute_dims(xp.reshape(summed, (n, before, after)), (1, 0, 2))
    target[...] = target + xp.reshape(summed, shape)


def _arrays_on_every_axis(index: Any, ndim: int) -> bool:
    return (
        isinstance(index, tuple)
        and len(index) == ndim
        and all(hasattr(i, "dtype") and not isinstance(i, bool) for i in index)
    )


def array_axis(index: Any) -> tuple[int, Any] | None:
    """``(k, array)`` for an index that is one integer array at axis ``k``, other axes whole.

    ``arr``, ``(slice(None), arr)`` and ``(slice(None), arr, ...)`` qualify; ``None`` for
    every other index.
    """
    parts = index if isinstance(index, tuple) else (index,)
    if parts and parts[-1] is Ellipsis:
        parts = parts[:-1]
    arrays = [i for i, p in enumerate(parts) if hasattr(p, "dtype") and hasattr(p, "shape")]
    if len(arrays) != 1:
        return None
    k = arrays[0]
    whole = slice(None)
    if any(p != whole for i, p in enumerate(parts) if i != k):
        return None
    return k, parts[k]


class ForeignData:
    """What a Tensor holding another library's array keeps besides it.

    ``backend``: the library and device; ``version``: how many in-place edits made
    through Tensors the array has had (the guard of saved arrays there, see
    :class:`VersionGuard`).
    """

    __slots__ = ("backend", "version")

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.version = 0


class VersionGuard:
    """A node's check that an array it saved had no in-place edit through a Tensor since.

    Other libraries have no read-only flag: an edit is detected (at the backward pass),
    not prevented, and only an edit made through a Tensor (``t += 1``) counts one.
    """

    __slots__ = ("foreign", "op", "version")

    def __init__(self, foreign: ForeignData, op: str) -> None:
        self.foreign = foreign
        self.version = foreign.version
        self.op = op

    def modified(self) -> bool:
        return self.foreign.version != self.version


_backends: dict[tuple[int, str], Backend] = {}


def backend_of(x: Any) -> Backend | None:
    """The Backend of an array of another library; ``None`` for NumPy and Python values.

    Raises ``TypeError`` for an object that is no array of a library speaking the standard.
    """
    if isinstance(x, (np.ndarray, *_NUMPY_SCALARS, list, tuple, type, np.dtype)) or x is None:
        return None
    library = type(x).__module__.split(".")[0]
    if library == "numpy" or not _is_array_api_array(x, library):
        return None
    try:
        import array_api_compat
    except ImportError as exc:
        raise TypeError(
            f"a {library} array reached autograd_lite, which needs the optional package "
            "array-api-compat for arrays other than NumPy's: pip install 'autograd_lite[xp]'"
        ) from exc
    xp = array_api_compat.array_namespace(x)
    device = array_api_compat.device(x)
    key = (id(xp), repr(device))
    backend = _backends.get(key)
    if backend is None:
        backend = _backends[key] = Backend(xp, device, type(x), library)
    _switch_on()
    return backend


def kind_of(dtype: Any) -> str:
    """NumPy's kind letter of a dtype of a library in use, asked through its ``isdtype``."""
    for backend in _backends.values():
        isdtype = backend.xp.isdtype
        try:
            for kind, name in (("b", "bool"), ("f", "real floating"), ("c", "complex floating"),
                               ("i", "signed integer"), ("u", "unsigned integer")):  # fmt: skip
                if isdtype(dtype, name):
                    return kind
        except (TypeError, ValueError):
            continue
    raise TypeError(f"unsupported dtype {dtype!r}")


def _is_array_api_array(x: Any, library: str) -> bool:
    if hasattr(x, "__array_namespace__"):
        return True
    return library in ("torch", "cupy", "jax", "dask") and hasattr(x, "shape")


def _switch_on() -> None:
    global in_use
    if not in_use:
        in_use = True
        _mode.use_foreign_arrays()


def backend_of_call(args: Any) -> Backend | None:
    """The one Backend of an op's arguments (``None``: NumPy only); mixing raises.

    Tensors give theirs; a raw array of another library counts too; a NumPy array or
    NumPy-backed Tensor beside another library's array is a mix.
    """
    found: Backend | None = None
    numpy_seen: str | None = None
    for a in args:
        if isinstance(a, _tensor.Tensor):
            foreign = a._foreign
            if foreign is None:
                numpy_seen = numpy_seen or f"a NumPy Tensor of shape {a.shape}"
                continue
            b = foreign.backend
        elif isinstance(a, _PLAIN):
            if isinstance(a, np.ndarray):
                numpy_seen = numpy_seen or f"a NumPy array of shape {a.shape}"
            continue
        elif a is None:
            continue
        elif isinstance(a, (list, tuple)):
            b = backend_of_call(a)  # type: ignore[assignment]
            if b is None:
                continue
        else:
            b = backend_of(a)  # type: ignore[assignment]
            if b is None:
                continue
        if found is None:
            found = b
        elif b is not found:
            raise mixing_error(found, b)
    if found is not None and numpy_seen is not None:
        raise TypeError(
            f"{numpy_seen} and {found.library} arrays on {found.device} in one op: "
            "autograd_lite never moves data between libraries silently; convert one side "
            "first (Tensor(xp.asarray(...)) or .numpy())"
        )
    return found


_PLAIN = (np.ndarray, *_NUMPY_SCALARS, str, slice, types.EllipsisType, type, np.dtype)


def mixing_error(a: Backend, b: Backend) -> TypeError:
    return TypeError(
        f"arrays of {a.library} on {a.device} and of {b.library} on {b.device} in one op: "
        "autograd_lite never moves data between libraries or devices silently; move one "
        "side first"
    )
