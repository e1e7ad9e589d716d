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
import math
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _mode, _tensor

# Set once, by the first array of another library that enters a Tensor: from then on the
# ops look at their inputs' libraries.  Until then NumPy's path is the only one.
in_use = False

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
        if self.library == "cupy":
            import cupyx  # type: ignore[import-not-found]

            cupyx.scatter_add(target, index, values)
            return
        if self.library == "torch":
            if not isinstance(index, tuple):
                index = (index,)
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
                elif type(value) is types.FunctionType and _ours(value):
                    namespace[name] = self.function(value)
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
    return (f.__module__ or "").startswith("autograd_lite")


def _scatter_add_by_one_hot(backend: Backend, target: Any, index: Any, values: Any) -> None:
    """A scatter-add in the standard's own terms, for a library that has none.

    Only an integer index array along the first axis: each target row receives the sum of
    the rows of ``values`` whose index names it, as one product with a one-hot matrix.
    """
    xp = backend.xp
    if isinstance(index, tuple) and len(index) == 1:
        index = index[0]
    if isinstance(index, tuple) or not hasattr(index, "dtype"):
        raise TypeError(
            f"scatter-add on {backend.library} arrays takes one integer index array, got "
            f"{type(index).__name__}"
        )
    n = target.shape[0]
    flat = xp.reshape(index, (-1,))
    flat = xp.where(flat < 0, flat + n, flat)
    rows = xp.reshape(values, (flat.shape[0], -1)) if values.ndim else values
    one_hot = xp.astype(flat[:, None] == xp.arange(n, device=backend.device)[None, :], target.dtype)
    summed = xp.reshape(xp.matrix_transpose(one_hot) @ rows, target.shape)
    target[...] = target + summed


class _UfuncLike:
    """A library's function under a NumPy ufunc's name, with the ufunc methods ops use."""

    def __init__(self, backend: Backend, fn: Callable[..., Any], name: str) -> None:
        self._backend = backend
        self._fn = fn
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
    "bool_": "bool",
    "array": "asarray",
}
_UFUNC_NAMES = frozenset({"add", "subtract", "multiply", "divide", "maximum", "minimum"})
# Names that stay NumPy's own: Python-side types and constants the ops test scalars with.
_KEPT = frozenset(
    {"integer", "floating", "generic", "number", "ufunc", "random", "exceptions", "typecodes",
     "_NoValue", "isscalar", "iinfo"}
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
        self.zeros = lambda shape, dtype=None: xp.zeros(shape, dtype=dtype, device=device)
        self.ones = lambda shape, dtype=None: xp.ones(shape, dtype=dtype, device=device)
        self.empty = lambda shape, dtype=None: xp.empty(shape, dtype=dtype, device=device)
        self.full = lambda shape, value, dtype=None: xp.full(
            shape, value, dtype=dtype, device=device
        )
        self.eye = lambda n, m=None, k=0, dtype=None: xp.eye(n, m, k=k, dtype=dtype, device=device)
        self.asarray = lambda a, dtype=None: xp.asarray(a, dtype=dtype, device=device)
        self.copy = lambda a: xp.asarray(a, copy=True)
        self.reshape = _tensor_aware(
            "reshape", lambda a, shape: xp.reshape(a, tuple(shape)), method=True
        )
        self.array_sum = _tensor_aware(
            "sum", lambda a, axis=None, keepdims=False: xp.sum(a, axis=axis, keepdims=keepdims),
            method=True,
        )  # fmt: skip
        self.astype = _tensor_aware("astype", xp.astype, method=True)
        self.times_mask = lambda g, mask: g * xp.astype(_data_of(mask), g.dtype)
        self.shape = lambda a: tuple(a.shape)
        self.ndim = lambda a: a.ndim
        self.size = lambda a: math.prod(a.shape)

    def arange(self, *args: Any, dtype: Any = None) -> Any:
        return self._backend.xp.arange(*args, dtype=dtype, device=self._backend.device)

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


def _data_of(x: Any) -> Any:
    """A Tensor's array (a mask, which carries no gradient); anything else as it is."""
    return x._data if isinstance(x, _tensor.Tensor) else x


def _tensor_aware(name: str, fn: Callable[..., Any], method: bool = False) -> Callable[..., Any]:
    """``fn``, except that Tensor arguments (a recorded backward pass) run the op.

    A VJP differentiated again receives Tensors: ``np.<name>`` then means what NumPy's
    own function means on a Tensor, the autograd_lite op registered for it.
    """
    from . import _dispatch
    from ._tensor import Tensor

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
