"""The recorder: writes every array operation of one traced call into a list of statements.

A trace runs the user's function once, on copies of everything it reads (so that the
traced call changes nothing), with :class:`~autograd_lite.compiler.values.TracedArray`
and :class:`~autograd_lite.compiler.values.TracedScalar` standing in for arrays and
runtime scalars.  Each NumPy call on them lands here: it is computed for real on the plain
arrays and appended to :attr:`Recorder.statements`.  What the function reads from outside
(the Tensors it captures, an optimizer's state) is swapped for traced copies while it
runs and swapped back afterwards, and what it leaves there (new ``.grad`` arrays, updated
parameters) is noted as the program's writes.
"""

from __future__ import annotations

import contextlib
import copy
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from .. import _mode
from .._tensor import Tensor
from ..errors import TraceError
from .values import UNREAD, TracedArray, TracedScalar, Var, active

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _internal(filename: str) -> bool:
    """Whether a frame belongs to the library (the command line's code is a user's)."""
    path = os.path.abspath(filename)
    return path.startswith(_PACKAGE_DIR + os.sep) and path != _CLI


_CLI = os.path.join(_PACKAGE_DIR, "cli.py")

# NumPy functions that describe an array rather than compute with its values.
_STATIC_FUNCTIONS = frozenset(
    getattr(np, name)
    for name in ("shape", "ndim", "size", "result_type", "iscomplexobj", "isrealobj")
)


@dataclass(frozen=True)
class Const:
    """An array constant of the program (captured from outside, or built by the engine)."""

    index: int


@dataclass(eq=False)
class Stmt:
    """One array operation: ``outs = call(args, kwargs)``, possibly writing in place.

    ``kind`` is ``"ufunc"`` (``target`` is the ufunc, ``method`` its method), ``"function"``
    (a NumPy function), ``"method"`` (an ndarray method of ``args[0]``, named ``method``),
    ``"setitem"`` (``args[0][args[1]] = args[2]``) or ``"scalar"`` (Python arithmetic,
    ``method`` is the operator).  ``writes`` is the storage written in place, if any.
    """

    kind: str
    target: Any
    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    outs: tuple[Var, ...]
    writes: Var | None
    site: str
    label: str
    key: Any = None  # what makes two statements the same computation (for CSE), or None
    out_buffer: Var | None = None  # set by buffer reuse: the storage to compute into


@dataclass(eq=False)
class Input:
    """A value the program reads when it runs: where from, and what the trace assumed."""

    var: Var
    source: tuple[Any, ...]  # ("arg", i) | ("tensor", i, attr) | ("state", opt, p, key) | ...
    value: Any  # the value seen while tracing (for the defaults of runtime scalars)


@dataclass(eq=False)
class Write:
    """What the program leaves in an object's slot: a value, or ``None``."""

    source: tuple[Any, ...]
    item: Any  # a Var, a Const, None, or a Python number
    name: str


@dataclass
class _TensorEntry:
    tensor: Tensor
    index: int  # position among the tracked Tensors
    source: tuple[Any, ...]  # ("tensor", index) for a captured one, ("arg", i) for an argument
    name: str
    data_in: Any  # the traced copy swapped in, or the array itself if it was left alone
    grad_in: Any
    original_data: Any
    original_grad: Any


@dataclass
class _StateEntry:
    opt: Any
    param: Tensor
    name: str
    before: dict[str, Any] | None  # the real state dict's items before the trace
    swapped: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GeneratorRef:
    """A ``numpy.random.Generator`` that the program draws from on every run."""

    index: int


class Recorder:
    """Records one trace; see the module docstring."""

    def __init__(self, names: dict[int, str]) -> None:
        self.vars: list[Var] = []
        self.statements: list[Stmt] = []
        self.constants: list[np.ndarray] = []
        self._const_index: dict[int, int] = {}
        self.inputs: list[Input] = []
        self.writes: list[Write] = []
        self.assumptions: list[tuple[Input, bool]] = []  # truth of runtime scalars
        self.guards: list[tuple[tuple[Any, ...], Any]] = []  # (source, expected description)
        self.tensors: list[_TensorEntry] = []
        self._tensor_index: dict[int, _TensorEntry] = {}
        self._states: dict[tuple[int, int], _StateEntry] = {}
        self._hypers: list[tuple[dict[str, Any], str, Any]] = []
        self._optimizers: dict[int, Any] = {}
        self.generators: list[np.random.Generator] = []
        self._names = names  # id(Tensor) -> a readable name found for it
        self._used_names: dict[str, int] = {}
        self._owners: dict[int, Var] = {}  # id(plain array a TracedArray views) -> its Var
        self._keep: list[Any] = []  # keeps the arrays behind _owners alive (ids stay unique)
        self._epoch: dict[int, int] = {}  # storage index -> count of writes into it
        self.label = "forward"
        self.site = "an unknown place"
        self._scalar_inputs: dict[int, Input] = {}
        self._born: set[int] = set()

    # ------------------------------------------------------------------ names and vars
    def unique(self, name: str) -> str:
        base = "".join(c if c.isalnum() or c == "_" else "_" for c in name).lstrip("_") or "t"
        if base[0].isdigit():
            base = "_" + base
        if base in _RESERVED or (base.startswith("rng") and base[3:].isdigit()):
            base += "_"  # rng0, rng1, ... name the program's generators
        n = self._used_names.get(base, 0)
        self._used_names[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def _new_var(self, name: str, value: Any, storage: Var | None = None) -> Var:
        var = Var(len(self.vars), self.unique(name), value, storage)
        self.vars.append(var)
        return var

    def _traced(self, plain: Any, var: Var) -> TracedArray:
        t = np.asarray(plain).view(TracedArray)
        t._var = var
        self._owners[id(t.base)] = var
        self._keep.append(t.base)
        return t

    def user_site(self) -> str:
        """``file:line`` of the innermost frame outside autograd_lite."""
        frame = sys._getframe(1)
        while frame is not None and _internal(frame.f_code.co_filename):
            frame = frame.f_back  # type: ignore[assignment]
        if frame is None:
            return "an unknown place"
        return f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}"

    # ------------------------------------------------------------------ inputs
    def array_input(self, value: Any, name: str, source: tuple[Any, ...]) -> TracedArray:
        """A traced copy of ``value``, read from ``source`` when the program runs."""
        plain = np.array(value, copy=True)
        var = self._new_var(name, plain)
        self.inputs.append(Input(var, source, None))
        self.guards.append((source, ("array", plain.shape, plain.dtype)))
        return self._traced(plain, var)

    def scalar_input(self, value: Any, name: str, source: tuple[Any, ...]) -> TracedScalar:
        var = self._new_var(name, value)
        entry = Input(var, source, value)
        self.inputs.append(entry)
        self._scalar_inputs[var.index] = entry
        self.guards.append((source, ("scalar", type(value))))
        return TracedScalar(value, var)

    def assume_truth(self, scalar: TracedScalar, answer: bool) -> None:
        entry = self._scalar_inputs.get(scalar.var.index)
        if entry is None:
            raise TraceError(
                f"bool() of {scalar.var.name}, a value computed from runtime scalars, at "
                f"{self.user_site()}: only a runtime scalar itself (an optimizer's "
                "hyperparameter) can decide a branch of a compiled function"
            )
        self.assumptions.append((entry, answer))

    def track_tensor(self, t: Tensor, source: tuple[Any, ...] | None = None) -> _TensorEntry:
        """Swap a Tensor from outside for traced copies of its data and ``.grad``."""
        entry = self._tensor_index.get(id(t))
        if entry is not None:
            return entry
        index = len(self.tensors)
        src = source if source is not None else ("tensor", index)
        name = self._names.get(id(t)) or (f"arg{src[1]}" if src[0] == "arg" else f"p{index}")
        data, grad = t._data, t._grad
        if isinstance(data, TracedArray):  # made inside the trace: nothing to swap
            entry = _TensorEntry(t, index, src, name, data, grad, data, grad)
        else:
            data_in = self.array_input(data, name, (*src, "_data"))
            # ``.grad`` becomes an input only if the traced code reads it before writing it.
            entry = _TensorEntry(t, index, src, name, data_in, UNREAD, data, grad)
            t._data = data_in
            t._grad = UNREAD  # type: ignore[assignment]
            t._owned = None
        self.tensors.append(entry)
        self._tensor_index[id(t)] = entry
        return entry

    def track_optimizer(self, opt: Any) -> None:
        """Swap an optimizer's hyperparameters and state for runtime inputs (once per trace)."""
        if id(opt) in self._optimizers:
            return
        self._optimizers[id(opt)] = opt
        k = len(self._optimizers) - 1
        for gi, group in enumerate(opt.param_groups):
            for key, value in list(group.items()):
                if key == "params" or isinstance(value, bool):
                    continue
                if isinstance(value, (int, float)):
                    name = key if gi == 0 and k == 0 else f"{key}_{k}_{gi}"
                    group[key] = self.scalar_input(value, name, ("hyper", k, gi, key))
                    self._hypers.append((group, key, value))
                elif isinstance(value, tuple) and all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
                ):
                    traced = tuple(
                        self.scalar_input(
                            v,
                            (key if gi == 0 and k == 0 else f"{key}_{k}_{gi}") + f"_{j}",
                            ("hyper", k, gi, key, j),
                        )
                        for j, v in enumerate(value)
                    )
                    group[key] = traced
                    self._hypers.append((group, key, value))
                else:
                    self.guards.append((("hyper", k, gi, key), ("static", value)))
            for p in group["params"]:
                entry = self.track_tensor(p)
                state = opt.state.get(p)
                before = None if state is None else dict(state)
                se = _StateEntry(opt, p, entry.name, before)
                self._states[(id(opt), id(p))] = se
                src = ("state", k, entry.index)
                self.guards.append(((*src,), ("keys", None if state is None else sorted(state))))
                if state is None:
                    continue
                for key, value in state.items():
                    if isinstance(value, np.ndarray):
                        state[key] = self.array_input(value, f"{entry.name}_{key}", (*src, key))
                    elif isinstance(value, (int, float)) and not isinstance(value, bool):
                        state[key] = self.scalar_input(value, f"{entry.name}_{key}", (*src, key))
                    se.swapped[key] = state[key]

    # ------------------------------------------------------------------ resolving arguments
    def resolve(self, x: Any) -> Any:
        """The template item for ``x``: a Var, a Const, or ``x`` itself (a static value)."""
        if isinstance(x, TracedArray):
            if x._var is None:
                raise TraceError(
                    f"an array derived from a traced value by a path the trace cannot see "
                    f"(shape {x.shape}, dtype {x.dtype}) is used at {self.user_site()}"
                )
            return x._var
        if isinstance(x, TracedScalar):
            return x.var
        if isinstance(x, np.ndarray):
            return self._plain_array(x)
        if isinstance(x, Tensor):
            return self.resolve(self.tensor_data(x))
        if isinstance(x, (list, tuple)):
            return type(x)(self.resolve(y) for y in x)
        if isinstance(x, dict):
            return {k: self.resolve(v) for k, v in x.items()}
        if x is None or isinstance(
            x, (bool, int, float, complex, str, slice, type(Ellipsis), np.generic, np.dtype, type)
        ):
            return x
        if isinstance(x, np.ufunc):
            return x
        raise TraceError(
            f"a {type(x).__name__} passed to a NumPy call at {self.user_site()} cannot be "
            "recorded; pass arrays, numbers, or other static values"
        )

    def _plain_array(self, x: np.ndarray) -> Any:
        owner = x
        while isinstance(owner.base, np.ndarray):
            owner = owner.base
        var = self._owners.get(id(owner))
        if var is not None:
            raise TraceError(
                f"a plain NumPy view of the traced value {var.name} (shape {x.shape}) is used "
                f"at {self.user_site()}: np.asarray() of a traced array leaves the trace; use "
                "the array itself"
            )
        index = self._const_index.get(id(x))
        if index is None:
            index = self._const_index[id(x)] = len(self.constants)
            self.constants.append(x)
        return Const(index)

    def read_grad(self, t: Tensor) -> Any:
        """The first read of a captured Tensor's ``.grad``: an input (or None, guarded)."""
        entry = self._tensor_index[id(t)]
        src = (*entry.source, "_grad")
        grad = entry.original_grad
        if grad is None:
            self.guards.append((src, ("none",)))
            grad_in = None
        else:
            grad_in = self.array_input(grad, entry.name + "_grad", src)
        entry.grad_in = grad_in
        t._grad = grad_in
        return grad_in

    def born(self, t: Tensor) -> None:
        """Note a Tensor created during the trace: its data is a constant, not an input."""
        self._born.add(id(t))
        self._keep.append(t)

    @contextlib.contextmanager
    def labelled(self, label: str, site: str | None) -> Iterator[None]:
        """Statements recorded inside the block belong to ``label`` (an op), called at ``site``."""
        before = self.label, self.site
        self.label, self.site = label, site or self.site
        try:
            yield
        finally:
            self.label, self.site = before

    def tensor_data(self, t: Tensor) -> Any:
        data = t._data
        if not isinstance(data, TracedArray) and id(t) not in self._born:
            data = self.track_tensor(t).data_in
        return data

    # ------------------------------------------------------------------ recording
    def _emit(
        self,
        kind: str,
        target: Any,
        method: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        outs: tuple[Var, ...],
        writes: Var | None,
        pure: bool,
    ) -> Stmt:
        key = None
        if pure:
            key = (
                kind,
                id(target) if not isinstance(target, str) else target,
                method,
                _key_of(args, self._epoch),
                _key_of(kwargs, self._epoch),
            )
        site = self.site if self.label != "forward" else self.user_site()
        stmt = Stmt(kind, target, method, args, kwargs, outs, writes, site, self.label, key)
        self.statements.append(stmt)
        if writes is not None:
            self._epoch[writes.storage.index] = self._epoch.get(writes.storage.index, 0) + 1
        return stmt

    def _wrap_result(
        self, result: Any, name: str, inputs: list[Any]
    ) -> tuple[Any, tuple[Var, ...]]:
        """Traced stand-ins for a call's result, and their Vars."""
        if isinstance(result, tuple):
            wrapped = [self._wrap_result(r, name, inputs) for r in result]
            return tuple(w for w, _ in wrapped), tuple(v for _, vs in wrapped for v in vs)
        if isinstance(result, list):
            wrapped = [self._wrap_result(r, name, inputs) for r in result]
            return [w for w, _ in wrapped], tuple(v for _, vs in wrapped for v in vs)
        if isinstance(result, (np.ndarray, np.generic)) or isinstance(result, (bool, int, float)):
            array = np.asarray(result)
            storage = None
            for a in inputs:
                if (
                    isinstance(a, TracedArray)
                    and a._var is not None
                    and array.size
                    and np.may_share_memory(array, a.view(np.ndarray))
                ):
                    storage = a._var.storage
                    break
            var = self._new_var(name, array, storage)
            return self._traced(array, var), (var,)
        raise TraceError(f"a NumPy call at {self.user_site()} returned a {type(result).__name__}")

    def record_ufunc(
        self, ufunc: np.ufunc, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        if method == "at":  # ufunc.at(a, index, b): writes into a
            target = inputs[0]
            if not isinstance(target, TracedArray) or target._var is None:
                raise TraceError(
                    f"numpy.{ufunc.__name__}.at at {self.user_site()} writes into an array "
                    "that the trace does not follow"
                )
            args = self.resolve(tuple(inputs))
            ufunc.at(*_plain(tuple(inputs)), **_plain(kwargs))
            self._emit(
                "ufunc", ufunc, "at", args, self.resolve(kwargs), (), target._var.storage, False
            )
            return None
        out = kwargs.pop("out", None)
        if out is not None and not isinstance(out, tuple):
            out = (out,)
        args = self.resolve(tuple(inputs))
        kw = self.resolve(kwargs)
        plain_in = _plain(inputs)
        plain_kw = _plain(kwargs)
        if out is not None:
            if len(out) != 1 or not isinstance(out[0], TracedArray) or out[0]._var is None:
                raise TraceError(
                    f"numpy.{ufunc.__name__} at {self.user_site()} writes into an array that "
                    "the trace does not follow; write into traced arrays only"
                )
            target = out[0]
            getattr(ufunc, method)(*plain_in, out=target.view(np.ndarray), **plain_kw)
            var = target._var
            assert var is not None
            self._emit("ufunc", ufunc, method, args, {**kw, "out": var}, (), var.storage, False)
            return target
        result = getattr(ufunc, method)(*plain_in, **plain_kw)
        name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}_{method}"
        wrapped, outs = self._wrap_result(result, name, list(inputs))
        self._emit("ufunc", ufunc, method, args, kw, outs, None, True)
        return wrapped

    def record_function(self, func: Any, args: Any, kwargs: dict[str, Any]) -> Any:
        plain_args = _plain(tuple(args))
        plain_kw = _plain(kwargs)
        if func in _STATIC_FUNCTIONS:
            return func(*plain_args, **plain_kw)
        if "out" in kwargs and kwargs["out"] is not None:
            raise TraceError(
                f"numpy.{func.__name__}(..., out=) at {self.user_site()}: only ufuncs may "
                "write into an output array inside a compiled function"
            )
        template = self.resolve(tuple(args))
        kw = self.resolve(kwargs)
        result = func(*plain_args, **plain_kw)
        flat = [a for a in _flatten(args) if isinstance(a, TracedArray)]
        wrapped, outs = self._wrap_result(result, func.__name__, flat)
        self._emit("function", func, "", template, kw, outs, None, True)
        return wrapped

    def record_method(self, obj: TracedArray, name: str, args: Any, kwargs: dict[str, Any]) -> Any:
        if obj._var is None:
            self.resolve(obj)  # raises
        if "out" in kwargs and kwargs["out"] is not None:
            raise TraceError(f"ndarray.{name}(out=) at {self.user_site()} is not recorded")
        template = self.resolve((obj, *args))
        kw = self.resolve(kwargs)
        result = getattr(obj.view(np.ndarray), name)(*_plain(tuple(args)), **_plain(kwargs))
        label = {"__getitem__": "getitem"}.get(name, name)
        flat = [obj, *(a for a in _flatten(args) if isinstance(a, TracedArray))]
        wrapped, outs = self._wrap_result(result, label, flat)
        self._emit("method", None, name, template, kw, outs, None, True)
        return wrapped

    def record_setitem(self, obj: TracedArray, index: Any, value: Any) -> None:
        if obj._var is None:
            self.resolve(obj)
        template = self.resolve((obj, index, value))
        obj.view(np.ndarray)[_plain(index)] = _plain(value)
        self._emit("setitem", None, "", template, {}, (), obj._var.storage, False)  # type: ignore[union-attr]

    def record_draw(self, draw: Any, source: Any, args: tuple[Any, ...]) -> TracedArray:
        """A random array ``draw(source, *args)``, drawn afresh at every run of the program.

        ``source`` is a ``numpy.random.Generator`` (the program keeps it and draws from it
        each time, as the eager code would) or a static value such as an int seed.
        """
        if isinstance(source, np.random.Generator):
            index = next((k for k, g in enumerate(self.generators) if g is source), None)
            if index is None:
                index = len(self.generators)
                self.generators.append(source)
            head: Any = GeneratorRef(index)
        else:
            head = self.resolve(source)
        template = (head, *self.resolve(tuple(args)))
        # A trace changes nothing: it draws from a copy, and the run draws the real values.
        probe = copy.deepcopy(source) if isinstance(source, np.random.Generator) else source
        result = draw(probe, *_plain(tuple(args)))
        wrapped, outs = self._wrap_result(result, draw.__name__.lstrip("_"), [])
        self._emit("draw", draw, "", template, {}, outs, None, False)
        return wrapped  # type: ignore[no-any-return]

    def record_check(self, check: Any, args: tuple[Any, ...]) -> None:
        """A call that raises on bad input: run now, and kept in the program (never removed)."""
        template = self.resolve(tuple(args))
        check(*_plain(tuple(args)))
        self._emit("check", check, "", template, {}, (), None, False)

    def record_scalar_op(
        self, symbol: str, fn: Any, operands: tuple[Any, ...], value: Any
    ) -> TracedScalar:
        args = self.resolve(operands)
        var = self._new_var("s", value)
        self._emit("scalar", fn, symbol, args, {}, (var,), None, True)
        return TracedScalar(value, var)

    # ------------------------------------------------------------------ the end of a trace
    def finish(self) -> None:
        """Note what the traced call left in the objects it read, then swap them back."""
        for entry in self.tensors:
            t = entry.tensor
            if entry.data_in is entry.original_data:
                continue  # made inside the trace
            final_data, final_grad = t._data, t._grad
            final_grad = cast(Any, final_grad)
            src = entry.source
            if final_grad is UNREAD:  # never read nor written
                final_grad = entry.grad_in
            if final_data is not entry.data_in:
                self.writes.append(Write((*src, "_data"), self._item(final_data), entry.name))
            if final_grad is not entry.grad_in:
                self.writes.append(Write((*src, "_grad"), self._item(final_grad), "d" + entry.name))
        for (opt_id, _), se in self._states.items():
            k = list(self._optimizers).index(opt_id)
            state = se.opt.state.get(se.param)
            src = ("state", k, self._tensor_index[id(se.param)].index)
            if state is None:
                continue
            for key, value in state.items():
                if key in se.swapped and value is se.swapped[key]:
                    continue
                self.writes.append(Write((*src, key), self._item(value), f"{se.name}_{key}"))

    def _item(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, int, float)):
            return value
        return self.resolve(value)

    def restore(self) -> None:
        """Put back everything that the trace swapped (whether it finished or failed)."""
        for entry in self.tensors:
            if entry.data_in is entry.original_data:
                continue
            entry.tensor._data = entry.original_data
            entry.tensor._grad = entry.original_grad
        for group, key, value in self._hypers:
            group[key] = value
        for se in self._states.values():
            if se.before is None:
                se.opt.state.pop(se.param, None)
            else:
                state = se.opt.state[se.param]
                state.clear()
                state.update(se.before)

    def enter(self) -> None:
        if active.recorder is not None:
            raise TraceError("ag.compile: a compiled function was called while tracing another")
        active.recorder = self
        _mode.begin_trace()

    def exit(self) -> None:
        active.recorder = None
        _mode.end_trace()


_RESERVED = frozenset(
    {"np", "lambda", "def", "return", "class", "for", "in", "is", "if", "else", "not", "and",
     "or", "None", "True", "False", "import", "from", "as", "with", "del", "global", "pass",
     "raise", "try", "while", "yield", "print", "sum", "abs", "max", "min", "out", "len",
     "args", "kwargs", "elif", "except", "finally", "nonlocal", "assert", "break", "continue",
     "async", "await", "float", "int", "bool", "slice", "Ellipsis"}
)  # fmt: skip


def _plain(x: Any) -> Any:
    if isinstance(x, TracedArray):
        return x.view(np.ndarray)
    if isinstance(x, TracedScalar):
        return x.value
    if isinstance(x, Tensor):
        return _plain(x._data)
    if isinstance(x, tuple):
        return tuple(_plain(y) for y in x)
    if isinstance(x, list):
        return [_plain(y) for y in x]
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    return x


def _flatten(x: Any) -> list[Any]:
    if isinstance(x, (list, tuple)):
        return [y for item in x for y in _flatten(item)]
    return [x]


def _key_of(template: Any, epochs: dict[int, int]) -> Any:
    """A hashable description of a statement's arguments, for finding repeated ones."""
    if isinstance(template, Var):
        return ("v", template.index, epochs.get(template.storage.index, 0))
    if isinstance(template, Const):
        return ("c", template.index)
    if isinstance(template, (list, tuple)):
        return (type(template).__name__, *(_key_of(t, epochs) for t in template))
    if isinstance(template, dict):
        return ("d", *sorted((k, _key_of(v, epochs)) for k, v in template.items()))
    if isinstance(template, slice):
        return ("s", template.start, template.stop, template.step)
    if isinstance(template, np.generic):
        return ("g", template.dtype.str, template.item())
    if isinstance(template, float) and template != template:
        return ("nan",)
    try:
        hash(template)
    except TypeError:
        return ("id", id(template))
    return (type(template).__name__, template)
