"""The values a trace hands to the traced function: arrays and scalars that record their use.

While :func:`autograd_lite.compile` traces a function, every array the computation produces
is a :class:`TracedArray`: a real ``ndarray`` (holding the real values, so the traced call
computes its result for real) whose NumPy calls are written to the program.  Runtime
scalars (an optimizer's learning rate, its step count) are :class:`TracedScalar` objects,
whose arithmetic is recorded the same way.  Anything that would turn a traced value into a
Python value (``bool``, ``float``, ``.item()``, iteration) raises
:class:`~autograd_lite.errors.TraceError`, since a replay could not repeat that decision.
"""

from __future__ import annotations

import operator
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import TraceError

if TYPE_CHECKING:
    from .recorder import Recorder


class Var:
    """One value of the program: an input, a constant-free intermediate, or a scalar."""

    __slots__ = ("contiguous", "dtype", "index", "is_array", "name", "shape", "storage")

    def __init__(self, index: int, name: str, value: Any, storage: Var | None = None) -> None:
        self.index = index
        self.name = name
        self.is_array = isinstance(value, np.ndarray)
        self.shape: tuple[int, ...] = np.shape(value) if self.is_array else ()
        self.dtype: np.dtype[Any] | None = value.dtype if self.is_array else None
        self.contiguous = self.is_array and bool(value.flags.c_contiguous)
        # The Var that owns the memory this one lives in: itself, or a view's base.
        self.storage: Var = storage if storage is not None else self

    def __repr__(self) -> str:
        return f"<Var {self.name}>"


class _Unread:
    """The ``.grad`` of a Tensor a trace has captured, until the traced code reads it."""

    def __repr__(self) -> str:
        return "<unread .grad>"


UNREAD = _Unread()


class _Active(threading.local):
    recorder: Recorder | None = None


active = _Active()  # the recorder of the trace running on this thread, if any


def current() -> Recorder | None:
    return active.recorder


def _refuse(what: str, value: Any) -> TraceError:
    recorder = active.recorder
    site = recorder.user_site() if recorder is not None else "an unknown place"
    return TraceError(
        f"{what} of a traced value ({value}) at {site}: a compiled function records array "
        "operations, and a replay could not repeat a decision or a conversion made on the "
        "values of one call. Keep the computation in arrays (ag.where instead of if, "
        "return the Tensor instead of .item()), or run this part outside ag.compile"
    )


class TracedArray(np.ndarray):
    """An ndarray whose NumPy operations are recorded by the running trace.

    ``_var`` is the program value it stands for; an instance that NumPy created by a path
    the trace does not see has none, and using it in an operation raises TraceError.
    """

    _var: Var | None = None

    def __array_finalize__(self, obj: Any) -> None:
        self._var = None

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if _foreign(inputs) or _foreign(kwargs.get("out", ())):
            return NotImplemented  # a Tensor among the operands: its own override records it
        recorder = active.recorder
        if recorder is None:
            return _plain_call(getattr(ufunc, method), inputs, kwargs)
        return recorder.record_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if any(not issubclass(t, (np.ndarray, TracedScalar)) for t in types):
            return NotImplemented
        recorder = active.recorder
        if recorder is None:
            return _plain_call(func, args, kwargs)
        return recorder.record_function(func, args, kwargs)

    # Methods that make new arrays without a ufunc or a NumPy function: recorded as calls.
    def _method(self, name: str, *args: Any, **kwargs: Any) -> Any:
        recorder = active.recorder
        if recorder is None:
            return getattr(self.view(np.ndarray), name)(*args, **kwargs)
        return recorder.record_method(self, name, args, kwargs)

    def __getitem__(self, index: Any) -> Any:
        return self._method("__getitem__", index)

    def __setitem__(self, index: Any, value: Any) -> None:
        recorder = active.recorder
        if recorder is None:
            self.view(np.ndarray)[index] = value
            return
        recorder.record_setitem(self, index, value)

    def fill(self, value: Any) -> None:
        recorder = active.recorder
        if recorder is None:
            self.view(np.ndarray).fill(value)
            return
        recorder.record_setitem(self, Ellipsis, value)

    @property
    def T(self) -> Any:
        return self._method("transpose")

    @property
    def mT(self) -> Any:
        return self._method("swapaxes", -1, -2)

    def view(self, *a: Any, **k: Any) -> Any:
        if (a and isinstance(a[0], type) and issubclass(a[0], np.ndarray)) or "type" in k:
            return super().view(*a, **k)  # a change of class, as NumPy uses internally
        return self._method("view", *a, **k)

    # Conversions to Python values: a replay could not repeat them.
    def __bool__(self) -> bool:
        raise _refuse("bool()", self._describe())

    def __float__(self) -> float:
        raise _refuse("float()", self._describe())

    def __int__(self) -> int:
        raise _refuse("int()", self._describe())

    def __index__(self) -> int:
        raise _refuse("use as an index", self._describe())

    def __complex__(self) -> complex:
        raise _refuse("complex()", self._describe())

    def item(self, *a: Any) -> Any:
        raise _refuse(".item()", self._describe())

    def tolist(self) -> Any:
        raise _refuse(".tolist()", self._describe())

    def tobytes(self, *a: Any, **k: Any) -> bytes:
        raise _refuse(".tobytes()", self._describe())

    def __iter__(self) -> Any:
        raise _refuse("iteration over the values", self._describe())

    def __format__(self, spec: str) -> str:
        raise _refuse("formatting", self._describe())

    def __repr__(self) -> str:
        return f"TracedArray({self._describe()})"

    __str__ = __repr__

    def _describe(self) -> str:
        name = self._var.name if self._var is not None else "untraced"
        return f"{name}, shape {self.shape}, dtype {self.dtype}"


# ndarray methods that make new arrays without a ufunc or a NumPy function: each is
# recorded as a call of the method.
_RECORDED_METHODS = (
    "reshape",
    "transpose",
    "swapaxes",
    "astype",
    "copy",
    "ravel",
    "flatten",
    "squeeze",
    "dot",
    "sum",
    "mean",
    "max",
    "min",
    "prod",
    "var",
    "std",
    "any",
    "all",
    "argmax",
    "argmin",
    "clip",
    "cumsum",
    "round",
)


def _recorded(name: str) -> Any:
    def method(self: TracedArray, *args: Any, **kwargs: Any) -> Any:
        return self._method(name, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    return method


for _method_name in _RECORDED_METHODS:
    setattr(TracedArray, _method_name, _recorded(_method_name))


def _foreign(values: Any) -> bool:
    """Whether an operand has an ``__array_ufunc__`` of another library (a Tensor)."""
    if not isinstance(values, tuple):
        values = (values,)
    for v in values:
        if isinstance(v, (np.ndarray, TracedScalar, int, float, complex, np.generic)):
            continue
        override = getattr(type(v), "__array_ufunc__", None)
        if override is not None:
            return True
    return False


def _plain(x: Any) -> Any:
    if isinstance(x, TracedArray):
        return x.view(np.ndarray)
    if isinstance(x, TracedScalar):
        return x.value
    if isinstance(x, (list, tuple)):
        return type(x)(_plain(y) for y in x)
    return x


def _plain_call(func: Any, args: Any, kwargs: dict[str, Any]) -> Any:
    """A call outside any trace (another thread): computed on the plain arrays."""
    return func(*_plain(tuple(args)), **{k: _plain(v) for k, v in kwargs.items()})


_BINARY = {
    "__add__": ("+", operator.add),
    "__sub__": ("-", operator.sub),
    "__mul__": ("*", operator.mul),
    "__truediv__": ("/", operator.truediv),
    "__floordiv__": ("//", operator.floordiv),
    "__mod__": ("%", operator.mod),
    "__pow__": ("**", operator.pow),
    "__lt__": ("<", operator.lt),
    "__le__": ("<=", operator.le),
    "__gt__": (">", operator.gt),
    "__ge__": (">=", operator.ge),
}


class TracedScalar:
    """A Python number that the program reads at run time (a learning rate, a step count).

    Its arithmetic is recorded; NumPy functions applied to it are recorded like those of
    arrays.  ``bool()`` of it is allowed and becomes a condition of the trace (a new
    trace is made when the answer changes); ``float()`` and ``int()`` are refused.
    """

    __slots__ = ("value", "var")

    def __init__(self, value: Any, var: Var) -> None:
        self.value = value
        self.var = var

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if _foreign(inputs):
            return NotImplemented
        recorder = active.recorder
        if recorder is None:
            return _plain_call(getattr(ufunc, method), inputs, kwargs)
        return recorder.record_ufunc(ufunc, method, inputs, kwargs)

    def __bool__(self) -> bool:
        recorder = active.recorder
        answer = bool(self.value)
        if recorder is not None:
            recorder.assume_truth(self, answer)
        return answer

    def __float__(self) -> float:
        raise _refuse("float()", f"the runtime scalar {self.var.name} = {self.value!r}")

    def __int__(self) -> int:
        raise _refuse("int()", f"the runtime scalar {self.var.name} = {self.value!r}")

    def __index__(self) -> int:
        raise _refuse("use as an index", f"the runtime scalar {self.var.name}")

    def __neg__(self) -> Any:
        return _scalar_op("-", operator.neg, (self,))

    def __abs__(self) -> Any:
        return _scalar_op("abs", abs, (self,))

    def __repr__(self) -> str:
        return f"TracedScalar({self.var.name}={self.value!r})"

    __hash__ = None  # type: ignore[assignment]


def _scalar_op(symbol: str, fn: Any, operands: tuple[Any, ...]) -> Any:
    recorder = active.recorder
    values = [x.value if isinstance(x, TracedScalar) else x for x in operands]
    if recorder is None:
        return fn(*values)
    return recorder.record_scalar_op(symbol, fn, operands, fn(*values))


def _binary(name: str, symbol: str, fn: Any) -> tuple[Any, Any]:
    def forward(self: TracedScalar, other: Any) -> Any:
        if isinstance(other, (np.ndarray, np.generic)):
            return NotImplemented  # NumPy's operator takes it, through __array_ufunc__
        if not isinstance(other, (int, float, TracedScalar)):
            return NotImplemented
        return _scalar_op(symbol, fn, (self, other))

    def reflected(self: TracedScalar, other: Any) -> Any:
        if isinstance(other, (np.ndarray, np.generic)):
            return NotImplemented
        if not isinstance(other, (int, float)):
            return NotImplemented
        return _scalar_op(symbol, fn, (other, self))

    forward.__name__ = name
    reflected.__name__ = name.replace("__", "__r", 1)
    return forward, reflected


for _name, (_symbol, _fn) in _BINARY.items():
    _f, _r = _binary(_name, _symbol, _fn)
    setattr(TracedScalar, _name, _f)
    if _symbol not in ("<", "<=", ">", ">="):
        setattr(TracedScalar, _name.replace("__", "__r", 1), _r)


def _eq(self: TracedScalar, other: Any) -> Any:
    if isinstance(other, (np.ndarray, np.generic)):
        return NotImplemented
    return _scalar_op("==", operator.eq, (self, other))


def _ne(self: TracedScalar, other: Any) -> Any:
    if isinstance(other, (np.ndarray, np.generic)):
        return NotImplemented
    return _scalar_op("!=", operator.ne, (self, other))


TracedScalar.__eq__ = _eq  # type: ignore[method-assign,assignment]
TracedScalar.__ne__ = _ne  # type: ignore[method-assign,assignment]
