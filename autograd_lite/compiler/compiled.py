"""``ag.compile``: trace a function once per signature, then run the recorded NumPy program."""

from __future__ import annotations

import builtins
import functools
import importlib
import inspect
import threading
import time
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _mode
from .._tensor import Tensor
from .._tree import flatten, unflatten
from ..errors import TraceError
from . import passes
from .codegen import Constants, comment, literal, modules_needed, render
from .recorder import Const, Input, Recorder, Stmt, Write
from .values import TracedArray, TracedScalar, Var

_MISS = object()  # what a trace's run returns when the call does not fit its assumptions
_TRACE_LOCK = threading.RLock()  # a trace swaps shared objects' arrays: one at a time


@dataclass(frozen=True)
class TraceInfo:
    """One entry of :meth:`Compiled.cache_info`: a signature and why it was traced."""

    signature: str
    reason: str
    statements: int
    trace_seconds: float


def compile(fn: Callable[..., Any] | None = None, *, max_traces: int = 8) -> Any:
    """Trace ``fn`` once per signature and run the recorded NumPy program afterwards.

    The first call with a given signature runs ``fn`` for real while every array operation
    it performs (the forward ops, the backward pass's vector-Jacobian products, an
    optimizer's update) is recorded; later calls with the same signature run that
    program, which is plain NumPy: no Tensor, node or guard objects.

    The signature is: the shapes and dtypes of array and Tensor arguments, the values of
    other arguments (numbers, strings: static; other objects: by identity), the shapes
    and dtypes of the Tensors ``fn`` reaches from outside, whether their ``.grad`` is set,
    which state an optimizer holds, the train/eval mode and parameters of the modules it
    reaches, and the grad mode.

    - Tensors reached from outside (a module's parameters, an optimizer's state) are read
      when the program runs: editing or replacing ``p.data`` between calls is seen.
    - An optimizer's numeric hyperparameters (``lr``, betas, weight decay) and step counts
      are runtime inputs: changing ``lr`` does not retrace.  A branch taken on one
      (``if weight_decay:``) is an assumption of the trace, checked on every call.
    - NumPy arrays and Python values captured from outside are constants of the trace,
      as in JAX: the program keeps the array it saw, and rebinding the name does not
      reach it.  So are random draws made inside ``fn``: pass them as arguments.
    - Turning a traced value into Python (``bool``, ``float``, ``.item()``, iterating,
      ``np.asarray`` of a traced Tensor) raises :class:`~autograd_lite.errors.TraceError`
      naming the line, and changes nothing.

    Inside :func:`~autograd_lite.detect_anomaly` the function runs eagerly, so that
    every op is checked.

    Use it as ``ag.compile(fn)`` or as a decorator (``@ag.compile`` or
    ``@ag.compile(max_traces=...)``); a warning says so when one function has been traced
    more than ``max_traces`` times.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> def loss(w, x):
    ...     return ag.tanh(x @ w).sum()
    >>> f = ag.compile(ag.value_and_grad(loss))
    >>> value, grad = f(np.ones(3), np.eye(3))
    >>> bool(np.allclose(grad, 1 - np.tanh(1.0) ** 2))
    True
    >>> print(f.source(np.ones(3), np.eye(3)).splitlines()[3])
    def loss(w, x):
    """
    if fn is None:
        return lambda f: Compiled(f, max_traces=max_traces)
    return Compiled(fn, max_traces=max_traces)


class Compiled:
    """A compiled function: call it like ``fn``; see :func:`compile`."""

    def __init__(self, fn: Callable[..., Any], max_traces: int = 8) -> None:
        if not callable(fn):
            raise TypeError(f"ag.compile: expects a function, got {type(fn).__name__}")
        self.fn = fn
        self.max_traces = max_traces
        self.__name__: str = getattr(fn, "__name__", type(fn).__name__)
        self._traces: list[_Trace] = []
        self._info: list[TraceInfo] = []
        # For calls with containers of arrays: one flat-argument version per structure.
        self._flat_versions: dict[Any, Compiled] = {}
        functools.update_wrapper(self, fn)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _mode.state.anomaly:  # detect_anomaly checks every op: run the function itself
            return self.fn(*args, **kwargs)
        if any(_holds_arrays(a) for a in args):
            flat_version, leaves = self._flattened(args)
            return flat_version(*leaves, **kwargs)
        for trace in self._traces:
            result = trace.run(args, kwargs)
            if result is not _MISS:
                return result
        with _TRACE_LOCK:
            for trace in self._traces:  # another thread may have traced it meanwhile
                result = trace.run(args, kwargs)
                if result is not _MISS:
                    return result
            trace = self._new_trace(args, kwargs)
            result = trace.run(args, kwargs)
            if result is _MISS:
                why = trace.explain(args, kwargs) or "unknown"
                raise TraceError(
                    f"ag.compile: the new trace of {self.__name__} does not fit its own call "
                    f"({why})"
                )
            return result

    def source(self, *args: Any, **kwargs: Any) -> str:
        """The program for this call's signature, as Python source (traced now if new).

        Tracing for the source changes nothing: parameters, ``.grad`` and optimizer state
        stay as they were.
        """
        if any(_holds_arrays(a) for a in args):
            flat_version, leaves = self._flattened(args)
            return flat_version.source(*leaves, **kwargs)
        for trace in self._traces:
            if trace.explain(args, kwargs) is None:
                return trace.source
        with _TRACE_LOCK:
            return self._new_trace(args, kwargs).source

    def cache_info(self) -> list[TraceInfo]:
        """The traces made so far, oldest first, each with the reason it was made."""
        return list(self._info) + [i for v in self._flat_versions.values() for i in v._info]

    def _flattened(self, args: tuple[Any, ...]) -> tuple[Compiled, list[Any]]:
        """The version of ``fn`` taking the arrays of container arguments one by one.

        A dict, list or tuple of arrays (a model's parameters) is flattened into its
        arrays, each an input of the program, named by its path (``params_W1``); the
        structure is part of the signature.
        """
        names = _argument_names(self.fn, len(args))
        leaves: list[Any] = []
        structures = []
        leaf_names: list[str] = []
        for a, name in zip(args, names):
            if _holds_arrays(a):
                these, structure = flatten(a)
                leaf_names += [f"{name}{path}" for path in _leaf_paths(a)]
            else:
                these, structure = [a], None
                leaf_names.append(name)
            leaves += these
            structures.append((structure, len(these)))
        key = _hashable(structures)
        version = self._flat_versions.get(key)
        if version is None:
            fn = self.fn

            def flat(*values: Any, **kwargs: Any) -> Any:
                rebuilt, start = [], 0
                for structure, count in structures:
                    part = list(values[start : start + count])
                    rebuilt.append(part[0] if structure is None else unflatten(structure, part))
                    start += count
                return fn(*rebuilt, **kwargs)

            flat.__wrapped__ = fn  # type: ignore[attr-defined]  # for the scan of its globals
            flat.__name__ = self.__name__
            flat.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
                [inspect.Parameter(n, inspect.Parameter.POSITIONAL_ONLY) for n in leaf_names]
            )
            version = self._flat_versions[key] = Compiled(flat, self.max_traces)
        return version, leaves

    def _new_trace(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> _Trace:
        reason = "first call"
        if self._traces:
            reason = self._traces[0].explain(args, kwargs) or "no trace fits"
        start = time.perf_counter()
        trace = _trace(self.fn, args, kwargs, self.__name__)
        seconds = time.perf_counter() - start
        self._traces.insert(0, trace)
        self._info.append(TraceInfo(trace.signature, reason, len(trace.statements), seconds))
        if len(self._info) > self.max_traces:
            warnings.warn(
                f"ag.compile: {self.__name__} has been traced {len(self._info)} times (last "
                f"because {reason}); compiled.cache_info() lists why. Arguments whose values "
                "change every call (Python numbers are static) make a trace each time.",
                RuntimeWarning,
                stacklevel=3,
            )
        return trace

    def __repr__(self) -> str:
        return f"<ag.compile of {self.__name__}, {len(self._traces)} trace(s)>"


# --------------------------------------------------------------------------- tracing
def _trace(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], name: str
) -> _Trace:
    for k, v in kwargs.items():
        if isinstance(v, (np.ndarray, Tensor)):
            raise TraceError(
                f"ag.compile: pass arrays and Tensors to {name} positionally (keyword {k!r})"
            )
    arg_names = _argument_names(fn, len(args))
    names, found, modules = _discover(fn, args, arg_names)
    recorder = Recorder(names)
    grad_mode = _mode.state.grad_enabled
    recorder.enter()
    try:
        try:
            call_args: list[Any] = []
            arg_kinds: list[tuple[Any, ...]] = []
            for i, a in enumerate(args):
                if type(a) is np.ndarray:
                    call_args.append(recorder.array_input(a, arg_names[i], ("arg", i)))
                    arg_kinds.append(("array",))
                elif isinstance(a, Tensor):
                    names.setdefault(id(a), arg_names[i])
                    recorder.track_tensor(a, ("arg", i))
                    call_args.append(a)
                    arg_kinds.append(("tensor", type(a), a._node is not None))
                elif isinstance(a, np.ndarray):
                    raise TraceError(
                        f"ag.compile: argument {arg_names[i]!r} is a {type(a).__name__}; pass "
                        "a plain ndarray"
                    )
                else:
                    call_args.append(a)
                    arg_kinds.append(("static", a) if _is_value(a) else ("object", a))
            for t in found:
                recorder.track_tensor(t)
            buffers = _swap_in_buffers(recorder, modules)
            try:
                result = fn(*call_args, **kwargs)
                spec = _result_spec(recorder, result)
                _check_buffers(buffers)
            finally:
                _restore_buffers(buffers)
            recorder.finish()
        finally:
            recorder.restore()
    finally:
        recorder.exit()
    return _Trace(recorder, spec, name, arg_kinds, dict(kwargs), grad_mode, arg_names, modules)


# A module buffer swapped for its traced copy: (module, name, original, traced copy).
_Buffer = tuple[Any, str, np.ndarray, Any]


def _swap_in_buffers(recorder: Recorder, modules: list[Any]) -> list[_Buffer]:
    """Make every buffer of the modules (batch norm's running statistics) a program input.

    The program reads the module's buffer at each run and updates it in place, as the
    traced code did (``running_mean *= 1 - momentum``, ...).
    """
    swapped: list[_Buffer] = []
    for k, module in enumerate(modules):
        table = module.__dict__["_buffers"]
        for name, buf in list(table.items()):
            if type(buf) is not np.ndarray:
                continue
            traced = recorder.array_input(buf, name, ("buffer", k, name))
            table[name] = traced
            object.__setattr__(module, name, traced)
            swapped.append((module, name, buf, traced))
    return swapped


def _check_buffers(buffers: list[_Buffer]) -> None:
    for module, name, _, traced in buffers:
        if module.__dict__["_buffers"].get(name) is not traced:
            raise TraceError(
                f"ag.compile: the buffer {name!r} of a {type(module).__name__} was replaced by "
                "another array; a compiled function may update buffers only in place "
                f"(self.{name}[...] = ..., +=, *=)"
            )


def _restore_buffers(buffers: list[_Buffer]) -> None:
    for module, name, original, _ in buffers:
        module.__dict__["_buffers"][name] = original
        object.__setattr__(module, name, original)


def _holds_arrays(x: Any) -> bool:
    """Whether ``x`` is a dict, list or tuple with an array or Tensor somewhere inside."""
    if isinstance(x, dict):
        return any(_holds_arrays(v) or isinstance(v, (np.ndarray, Tensor)) for v in x.values())
    if isinstance(x, (list, tuple)):
        return any(_holds_arrays(v) or isinstance(v, (np.ndarray, Tensor)) for v in x)
    return False


def _leaf_paths(x: Any, prefix: str = "") -> list[str]:
    """Name suffixes for the leaves of a container, in flatten's order (``_W1``, ``_0``)."""
    if isinstance(x, dict):
        items: Any = x.items()
    elif hasattr(x, "_fields"):  # a namedtuple: its field names
        items = zip(x._fields, x)
    elif isinstance(x, (list, tuple)):
        items = enumerate(x)
    else:
        return [prefix]
    paths = []
    for k, v in items:
        part = "".join(c if c.isalnum() else "_" for c in str(k))
        paths += _leaf_paths(v, f"{prefix}_{part}")
    return paths


def _hashable(x: Any) -> Any:
    """A hashable stand-in for a (nested) structure of tuples, lists and types."""
    if isinstance(x, (list, tuple)):
        return tuple(_hashable(v) for v in x)
    return x


def _is_value(x: Any) -> bool:
    """Whether ``x`` is compared by value in the signature (numbers, strings, tuples of them)."""
    if x is None or isinstance(x, (bool, int, float, complex, str, bytes, np.generic)):
        return True
    if isinstance(x, (tuple, frozenset)):
        return all(_is_value(y) for y in x)
    return False


def _argument_names(fn: Callable[..., Any], n: int) -> list[str]:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    names: list[str] = []
    for p in params:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
        elif p.kind is p.VAR_POSITIONAL:
            names += [f"{p.name}{j}" for j in range(n - len(names))]
    names += [f"arg{j}" for j in range(len(names), n)]
    return names[:n]


def _discover(
    fn: Callable[..., Any], args: tuple[Any, ...], arg_names: list[str]
) -> tuple[dict[int, str], list[Tensor], list[Any]]:
    """Tensors ``fn`` can reach from outside, with readable names (``W1``, ``fc1_weight``).

    Also the modules found on the way: their ``training`` flags and which Tensors they
    hold as parameters are conditions of the trace.
    """
    from ..nn import Module
    from ..optim import Optimizer

    names: dict[int, str] = {}
    priority: dict[int, int] = {}  # a Tensor's own name beats a module's, which beats a position
    order: list[Tensor] = []
    modules: list[Any] = []

    def add(t: Tensor, name: str, rank: int) -> None:
        if id(t) not in names:
            order.append(t)
        if rank < priority.get(id(t), 99):
            names[id(t)] = name
            priority[id(t)] = rank

    def visit(value: Any, name: str, depth: int) -> None:
        if isinstance(value, Tensor):
            add(value, name, depth)
        elif isinstance(value, Module):
            for _, sub in value.named_modules():
                if all(sub is not m for m in modules):
                    modules.append(sub)
            for pname, p in value.named_parameters():
                add(p, pname.replace(".", "_"), 10 + depth)
        elif isinstance(value, Optimizer):
            for i, q in enumerate(value._all_params()):
                add(q, f"{name}_p{i}", 20 + depth)
        elif depth < 2 and isinstance(value, (list, tuple)):
            for i, v in enumerate(value[:64]):
                visit(v, f"{name}_{i}", depth + 1)
        elif depth < 2 and isinstance(value, dict):
            for k, v in list(value.items())[:64]:
                if isinstance(k, str):
                    visit(v, k, depth + 1)  # a dict of parameters names them
        elif (
            depth < 1
            and hasattr(value, "__dict__")
            and not isinstance(value, (type, types.ModuleType, types.FunctionType))
        ):
            for k, v in vars(value).items():
                visit(v, k, depth + 1)

    seen_functions: set[int] = set()

    def scan(f: Any) -> None:
        if id(f) in seen_functions:
            return
        seen_functions.add(id(f))
        if isinstance(f, functools.partial):
            scan(f.func)
            for v in f.args:
                visit(v, "partial", 1)
            return
        if inspect.ismethod(f):
            visit(f.__self__, "self", 0)
            f = f.__func__
        wrapped = getattr(f, "__wrapped__", None)
        if wrapped is not None:
            scan(wrapped)
        if not isinstance(f, types.FunctionType):
            call = vars(type(f)).get("__call__")
            if isinstance(call, types.FunctionType):
                visit(f, "self", 0)
                scan(call)
            return
        code = f.__code__
        for cell_name, cell in zip(code.co_freevars, f.__closure__ or ()):
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if callable(value) and not isinstance(value, (Tensor, Module)):
                scan(value)
            else:
                visit(value, cell_name, 0)
        for global_name in _global_names(code):
            if global_name in f.__globals__:
                value = f.__globals__[global_name]
                if isinstance(value, (types.FunctionType, functools.partial)):
                    scan(value)
                elif not isinstance(value, (types.ModuleType, type)):
                    visit(value, global_name, 0)
        defaults = f.__defaults__ or ()
        names_with_defaults = (
            code.co_varnames[: code.co_argcount][-len(defaults) :] if defaults else ()
        )
        for d, default_name in zip(defaults, names_with_defaults):
            visit(d, default_name, 0)

    for a, name in zip(args, arg_names):
        if isinstance(a, (Module, Optimizer)):
            visit(a, name, 0)
    scan(fn)
    return names, order, modules


def _global_names(code: types.CodeType) -> list[str]:
    found = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found += _global_names(const)
    return found


def _result_spec(recorder: Recorder, x: Any) -> Any:
    """How to rebuild ``fn``'s result from the program's values."""
    if isinstance(x, Tensor):
        entry = recorder._tensor_index.get(id(x))
        if entry is not None and entry.data_in is not entry.original_data:
            return ("object", entry.source)
        return ("tensor", recorder.resolve(recorder.tensor_data(x)))
    if isinstance(x, TracedArray):
        return ("array", recorder.resolve(x))
    if isinstance(x, TracedScalar):
        return ("scalar", x.var)
    if type(x) in (tuple, list):
        return ("seq", type(x), [_result_spec(recorder, y) for y in x])
    if type(x) is dict:
        return ("dict", [(k, _result_spec(recorder, v)) for k, v in x.items()])
    if isinstance(x, np.ndarray):
        return ("array", recorder.resolve(x))
    return ("static", x)


# --------------------------------------------------------------------------- one trace
class _Trace:
    """One signature's program: its source, and the function that runs it on a call."""

    def __init__(
        self,
        recorder: Recorder,
        spec: Any,
        name: str,
        arg_kinds: list[tuple[Any, ...]],
        kwargs: dict[str, Any],
        grad_mode: bool,
        arg_names: list[str],
        modules: list[Any],
    ) -> None:
        self.name = name
        # (module, its training flag, its parameter dict, a copy of that dict's items)
        self.modules = [
            (m, m.training, m.__dict__["_parameters"], dict(m.__dict__["_parameters"]))
            for m in modules
        ]
        self.arg_kinds = arg_kinds
        self.kwargs = kwargs
        self.grad_mode = grad_mode
        self.arg_names = arg_names
        self.tensors = [e.tensor for e in recorder.tensors]
        self.tensor_names = [e.name for e in recorder.tensors]
        self.optimizers = list(recorder._optimizers.values())
        self.generators = list(recorder.generators)
        statements, spec, writes = passes.merge_repeats(recorder.statements, spec, recorder.writes)
        statements = passes.remove_dead(statements, recorder.inputs, spec, writes)
        inputs = passes.used_inputs(statements, recorder.inputs, spec, writes)
        writes = _distinct_writes(writes)
        passes.reuse_buffers(statements, inputs, spec, writes)
        _name_writes(recorder, statements, writes, inputs)
        self.statements = statements
        self.inputs = inputs
        self.writes = writes
        self.spec = spec
        self.assumptions = recorder.assumptions
        used_tensors = {i.source[1] for i in inputs if i.source[0] == "tensor"}
        used_tensors |= {w.source[1] for w in writes if w.source[0] == "tensor"}
        self.guards = [
            g for g in recorder.guards
            if _guard_relevant(g, inputs, used_tensors)
        ]  # fmt: skip
        used_consts = {c.index for s in statements for c in _consts_in((s.args, s.kwargs))} | {
            c.index for c in _consts_in([*passes.spec_items(spec), *(w.item for w in writes)])
        }
        self.constants = Constants(recorder.constants, used_consts)
        self.constant_arrays = recorder.constants
        self.signature = self._describe_signature()
        self._statics: list[Any] = []  # results that are Python objects, returned as they are
        self.source = self._source()
        self.run = self._build_runner()

    # ------------------------------------------------------------------ the readable source
    def _body_lines(self, with_comments: bool) -> list[str]:
        names = self.constants.names
        lines: list[str] = []
        phase = "forward"
        for stmt in self.statements:
            text = render(stmt, names)
            stmt_phase = "backward" if stmt.label.startswith("backward of ") else "forward"
            if with_comments:
                if stmt_phase != phase:
                    lines.append("")
                    lines.append(
                        "# backward pass"
                        if stmt_phase == "backward"
                        else "# after the backward pass"
                    )
                    phase = stmt_phase
                lines.append(f"{text}  # {comment(stmt)}")
            else:
                lines.append(text)
        return lines

    def _parameters(self) -> list[Input]:
        order = {"arg": 0, "tensor": 1, "buffer": 2, "state": 2, "hyper": 3}

        def rank(i: Input) -> tuple[int, int]:
            kind = i.source[0]
            if kind == "state" and not i.var.is_array:
                return (3, i.var.index)
            return (order[kind], i.var.index)

        return sorted(self.inputs, key=rank)

    def _source(self) -> str:
        names = self.constants.names
        params = []
        for i in self._parameters():
            if i.var.is_array:
                params.append(i.var.name)
            else:
                params.append(f"{i.var.name}={literal(i.value, names)}")
        if self.constants.parameters or self.generators:
            params.append("*")
            params += [n for n, _ in self.constants.parameters]
            params += [f"rng{k}" for k in range(len(self.generators))]
        lines = ["import numpy as np"]
        lines += [f"import {m}" for m in modules_needed(self.statements)]
        lines.append("")
        for name, expression in self.constants.definitions:
            lines.append(f"{name} = {expression}")
        if self.constants.definitions:
            lines.append("")
        lines.append(f"def {_identifier(self.name)}({', '.join(params)}):")
        body = self._body_lines(with_comments=True)
        result = self._result_expression(self.spec, runtime=False)
        if self.writes:
            updates = ", ".join(
                f"{_describe_source(self, w.source)!r}: {self._item(w.item)}" for w in self.writes
            )
            body.append(f"return {result}, {{{updates}}}")
        else:
            body.append(f"return {result}")
        lines += ["    " + line if line else "" for line in body]
        return "\n".join(lines) + "\n"

    def _item(self, item: Any) -> str:
        if isinstance(item, Var):
            return item.name
        if isinstance(item, Const):
            return f"{self.constants.names[item.index]}.copy()"
        return literal(item, {})

    def _result_expression(self, spec: Any, runtime: bool) -> str:
        kind = spec[0]
        if kind in ("tensor", "array"):
            item = spec[1]
            text = self._item(item)
            if isinstance(item, Var) and item.shape == ():  # a reduction may give a scalar
                text = f"_ag_asarray({text})" if runtime else f"np.asarray({text})"
            return f"_ag_T({text}, None)" if runtime and kind == "tensor" else text
        if kind == "scalar":
            return str(spec[1].name)
        if kind == "object":
            if runtime:
                return self._owner_expression(spec[1])
            entry = next((i for i in self.inputs if i.source == (*spec[1], "_data")), None)
            return entry.var.name if entry is not None else "None"
        if kind == "seq":
            items = [self._result_expression(s, runtime) for s in spec[2]]
            if spec[1] is list:
                return "[" + ", ".join(items) + "]"
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if kind == "dict":
            return (
                "{"
                + ", ".join(f"{k!r}: {self._result_expression(s, runtime)}" for k, s in spec[1])
                + "}"
            )
        value = spec[1]
        if _is_value(value) and not isinstance(value, (bytes, frozenset)):
            try:
                return literal(value, {})
            except ValueError:
                pass
        if runtime:
            self._statics.append(value)
            return f"_ag_static[{len(self._statics) - 1}]"
        return "None"

    def _owner_expression(self, source: tuple[Any, ...]) -> str:
        if source[0] == "arg":
            return f"args[{source[1]}]"
        return f"_ag_t{source[1]}"

    # ------------------------------------------------------------------ the runner
    def _build_runner(self) -> Callable[[tuple[Any, ...], dict[str, Any]], Any]:
        env: dict[str, Any] = {
            "np": np,
            "_ag_nd": np.ndarray,
            "_ag_MISS": _MISS,
            "_ag_state": _mode.state,
            "_ag_T": Tensor._from_node,
            "_ag_asarray": np.asarray,
            "_ag_kwargs": self.kwargs,
        }
        for module in modules_needed(self.statements):
            importlib.import_module(module)
            top = module.split(".")[0]
            env[top] = importlib.import_module(top)
        for k, t in enumerate(self.tensors):
            env[f"_ag_t{k}"] = t
        for k, opt in enumerate(self.optimizers):
            env[f"_ag_o{k}"] = opt
        for k, generator in enumerate(self.generators):
            env[f"rng{k}"] = generator
        for name, index in self.constants.parameters:
            env[name] = self.constant_arrays[index]
        for name, expression in self.constants.definitions:
            env[name] = eval(expression, {"np": np})
        lines = ["def _ag_run(args, kwargs):"]
        pro = self._prologue(env)
        body = self._body_lines(with_comments=False)
        epi = self._epilogue()
        result = self._result_expression(self.spec, runtime=True)
        env["_ag_static"] = self._statics
        lines += ["    " + line for line in [*pro, *body, *epi, f"return {result}"]]
        code = "\n".join(lines) + "\n"
        self.runner_source = code
        exec(builtins.compile(code, f"<ag.compile {self.name}>", "exec"), env)
        return env["_ag_run"]  # type: ignore[no-any-return]

    def _prologue(self, env: dict[str, Any]) -> list[str]:
        lines = [
            f"if len(args) != {len(self.arg_kinds)} or (kwargs != _ag_kwargs): return _ag_MISS",
            f"if _ag_state.grad_enabled is not {self.grad_mode}: return _ag_MISS",
        ]
        for i, kind in enumerate(self.arg_kinds):
            if kind[0] == "static":
                env[f"_ag_s{i}"] = kind[1]
                env[f"_ag_c{i}"] = type(kind[1])
                lines.append(
                    f"if args[{i}].__class__ is not _ag_c{i} or args[{i}] != _ag_s{i}: "
                    "return _ag_MISS"
                )
            elif kind[0] == "object":
                env[f"_ag_s{i}"] = kind[1]
                lines.append(f"if args[{i}] is not _ag_s{i}: return _ag_MISS")
            elif kind[0] == "tensor":
                env[f"_ag_c{i}"] = kind[1]
                test = "is None" if kind[2] else "is not None"
                lines.append(
                    f"if args[{i}].__class__ is not _ag_c{i} or args[{i}]._node {test}: "
                    "return _ag_MISS"
                )
        states: set[tuple[int, int]] = set()
        for n, (source, expected) in enumerate(self.guards):
            where = self._source_expression(source, states, lines)
            kind = expected[0]
            entry = next((i for i in self.inputs if i.source == source), None)
            if kind == "array":
                env[f"_ag_d{n}"] = expected[2]
                var = f"_ag_v{n}" if entry is None else entry.var.name
                lines.append(f"{var} = {where}")
                lines.append(
                    f"if {var}.__class__ is not _ag_nd or {var}.shape != {expected[1]!r} or "
                    f"({var}.dtype is not _ag_d{n} and {var}.dtype != _ag_d{n}): return _ag_MISS"
                )
            elif kind == "scalar":
                env[f"_ag_d{n}"] = expected[1]
                var = f"_ag_v{n}" if entry is None else entry.var.name
                lines.append(f"{var} = {where}")
                lines.append(f"if {var}.__class__ is not _ag_d{n}: return _ag_MISS")
            elif kind == "none":
                lines.append(f"if {where} is not None: return _ag_MISS")
            elif kind == "static":
                env[f"_ag_d{n}"] = expected[1]
                lines.append(f"if {where} != _ag_d{n}: return _ag_MISS")
            elif kind == "keys":
                if expected[1] is None:
                    lines.append(f"if {where} is not None: return _ag_MISS")
                else:
                    env[f"_ag_d{n}"] = set(expected[1])
                    lines.append(
                        f"if {where} is None or {where}.keys() != _ag_d{n}: return _ag_MISS"
                    )
        for k, (module, training, params, held) in enumerate(self.modules):
            env[f"_ag_m{k}"] = module
            env[f"_ag_pd{k}"] = params
            lines.append(f"if _ag_m{k}.training is not {training}: return _ag_MISS")
            for j, (pname, p) in enumerate(held.items()):
                env[f"_ag_mp{k}_{j}"] = p
                lines.append(f"if _ag_pd{k}.get({pname!r}) is not _ag_mp{k}_{j}: return _ag_MISS")
        for entry, answer in self.assumptions:
            test = "not " if answer else ""
            lines.append(
                f"if {test}{self._source_expression(entry.source, states, lines)}: return _ag_MISS"
            )
        return lines

    def _source_expression(
        self, source: tuple[Any, ...], states: set[tuple[int, int]], lines: list[str]
    ) -> str:
        kind = source[0]
        if kind == "arg":
            if len(source) == 2:
                return f"args[{source[1]}]"
            return f"args[{source[1]}].{source[2]}"
        if kind == "tensor":
            return f"_ag_t{source[1]}.{source[2]}"
        if kind == "hyper":
            text = f"_ag_o{source[1]}.param_groups[{source[2]}][{source[3]!r}]"
            return text + (f"[{source[4]}]" if len(source) > 4 else "")
        if kind == "buffer":
            return f"_ag_m{source[1]}.__dict__['_buffers'][{source[2]!r}]"
        if kind == "state":
            k, ti = source[1], source[2]
            if (k, ti) not in states:
                states.add((k, ti))
                lines.append(f"_ag_st{k}_{ti} = _ag_o{k}.state.get(_ag_t{ti})")
            if len(source) == 3:
                return f"_ag_st{k}_{ti}"
            return f"_ag_st{k}_{ti}[{source[3]!r}]"
        raise AssertionError(source)

    def _epilogue(self) -> list[str]:
        lines: list[str] = []
        made: set[tuple[int, int]] = set()
        for w in self.writes:
            value = self._item(w.item)
            kind = w.source[0]
            if kind in ("arg", "tensor"):
                owner = self._owner_expression(w.source)
                if w.source[-1] == "_data":
                    lines.append(f"{owner}._data = {value}")
                    lines.append(f"{owner}._owned = None")
                else:
                    lines.append(f"{owner}._grad = {value}")
            elif kind == "state":
                k, ti = w.source[1], w.source[2]
                if (k, ti) not in made:
                    made.add((k, ti))
                    lines.append(f"_ag_st{k}_{ti} = _ag_o{k}.state.setdefault(_ag_t{ti}, {{}})")
                lines.append(f"_ag_st{k}_{ti}[{w.source[3]!r}] = {value}")
        return lines

    # ------------------------------------------------------------------ explaining misses
    def explain(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
        """Why this trace does not fit the call (None: it fits)."""
        if len(args) != len(self.arg_kinds):
            return f"{len(args)} arguments instead of {len(self.arg_kinds)}"
        if kwargs != self.kwargs:
            return f"keyword arguments {kwargs!r} instead of {self.kwargs!r}"
        if _mode.state.grad_enabled is not self.grad_mode:
            return f"grad mode {'on' if _mode.state.grad_enabled else 'off'}"
        for i, kind in enumerate(self.arg_kinds):
            name = self.arg_names[i]
            a = args[i]
            if kind[0] == "static" and (type(a) is not type(kind[1]) or a != kind[1]):
                return f"argument {name!r} changed from {kind[1]!r} to {a!r}"
            if kind[0] == "object" and a is not kind[1]:
                return f"argument {name!r} is another object"
            if kind[0] == "tensor" and (
                type(a) is not kind[1] or (a._node is not None) is not kind[2]
            ):
                return f"argument {name!r} is not a {kind[1].__name__} with the same requires_grad"
            if kind[0] == "array" and type(a) is not np.ndarray:
                return f"argument {name!r} is a {type(a).__name__}, not an ndarray"
        for source, expected in self.guards:
            try:
                value = self._read(source, args)
            except (KeyError, IndexError, AttributeError):
                return f"{_describe_source(self, source)} is missing"
            what = _describe_source(self, source)
            kind = expected[0]
            if kind == "array":
                if type(value) is not np.ndarray:
                    return f"{what} is a {type(value).__name__}"
                if value.shape != expected[1]:
                    return f"{what}'s shape changed from {expected[1]} to {value.shape}"
                if value.dtype != expected[2]:
                    return f"{what}'s dtype changed from {expected[2]} to {value.dtype}"
            elif kind == "scalar" and type(value) is not expected[1]:
                return f"{what} changed type from {expected[1].__name__} to {type(value).__name__}"
            elif kind == "none" and value is not None:
                return f"{what} is set (it was None)"
            elif kind == "static" and value != expected[1]:
                return f"{what} changed from {expected[1]!r} to {value!r}"
            elif kind == "keys":
                keys = None if value is None else sorted(value)
                if keys != expected[1]:
                    return f"{what} changed from {expected[1]} to {keys}"
        for module, training, params, held in self.modules:
            what = type(module).__name__
            if module.training is not training:
                return f"a {what} was switched to {'train' if module.training else 'eval'} mode"
            for pname, p in held.items():
                if params.get(pname) is not p:
                    return f"a {what}'s parameter {pname!r} is another Tensor now"
        for entry, answer in self.assumptions:
            value = self._read(entry.source, args)
            if bool(value) is not answer:
                now = "zero" if answer else "nonzero"
                return f"{_describe_source(self, entry.source)} is {now} now"
        return None

    def _read(self, source: tuple[Any, ...], args: tuple[Any, ...]) -> Any:
        kind = source[0]
        if kind == "arg":
            return args[source[1]] if len(source) == 2 else getattr(args[source[1]], source[2])
        if kind == "tensor":
            return getattr(self.tensors[source[1]], source[2])
        if kind == "hyper":
            value = self.optimizers[source[1]].param_groups[source[2]][source[3]]
            return value[source[4]] if len(source) > 4 else value
        if kind == "state":
            state = self.optimizers[source[1]].state.get(self.tensors[source[2]])
            return state if len(source) == 3 else state[source[3]]
        if kind == "buffer":
            return self.modules[source[1]][0].__dict__["_buffers"].get(source[2])
        raise AssertionError(source)

    def _describe_signature(self) -> str:
        parts = []
        for i, kind in enumerate(self.arg_kinds):
            name = self.arg_names[i]
            if kind[0] == "static":
                parts.append(f"{name}={kind[1]!r}")
            elif kind[0] == "object":
                parts.append(f"{name}=<{type(kind[1]).__name__}>")
            else:
                guard = next(
                    (g for s, g in self.guards if s[:2] == ("arg", i) and g[0] == "array"), None
                )
                parts.append(f"{name}: {guard[2]}{list(guard[1])}" if guard else name)
        captured = sum(1 for i in self.inputs if i.source[0] != "arg")
        return f"({', '.join(parts)}) with {captured} captured input(s)"


def _consts_in(template: Any) -> list[Const]:
    if isinstance(template, Const):
        return [template]
    if isinstance(template, (list, tuple)):
        return [c for t in template for c in _consts_in(t)]
    if isinstance(template, dict):
        return [c for t in template.values() for c in _consts_in(t)]
    return []


def _guard_relevant(
    guard: tuple[tuple[Any, ...], Any], inputs: list[Input], used_tensors: set[int]
) -> bool:
    source, expected = guard
    if expected[0] in ("array", "scalar"):
        return any(i.source == source for i in inputs)
    if source[0] == "tensor":
        return source[1] in used_tensors
    return True


def _distinct_writes(writes: list[Write]) -> list[Write]:
    """Refuse to write one array into two slots (two ``.grad``), which would share it."""
    seen: set[int] = set()
    for w in writes:
        if isinstance(w.item, Var):
            if w.item.index in seen:
                raise TraceError(
                    "ag.compile: one array would become two .grad or state arrays at once; "
                    "copy it where it is assigned"
                )
            seen.add(w.item.index)
    return writes


def _name_writes(
    recorder: Recorder, statements: list[Stmt], writes: list[Write], inputs: list[Input]
) -> None:
    """Give the values written to ``.grad`` the names ``d<name>``."""
    input_vars = {i.var.index for i in inputs}
    for w in writes:
        item = w.item
        if isinstance(item, Var) and item.index not in input_vars and w.source[-1] == "_grad":
            item.name = recorder.unique(w.name)


def _describe_source(trace: _Trace, source: tuple[Any, ...]) -> str:
    kind = source[0]
    name: str
    if kind == "arg":
        name = trace.arg_names[source[1]]
        if len(source) == 2:
            return name
        return name + (".grad" if source[2] == "_grad" else ".data")
    if kind == "tensor":
        name = trace.tensor_names[source[1]]
        return name + (".grad" if source[2] == "_grad" else ".data")
    if kind == "hyper":
        key = source[3] + (f"[{source[4]}]" if len(source) > 4 else "")
        return f"optimizer {source[1]} group {source[2]} {key}"
    if kind == "state":
        what = f"optimizer {source[1]} state of parameter {source[2]}"
        return what if len(source) == 3 else f"{what} {source[3]!r}"
    if kind == "buffer":
        return f"buffer {source[2]!r} of a {type(trace.modules[source[1]][0]).__name__}"
    return repr(source)


def _identifier(name: str) -> str:
    text = "".join(c if c.isalnum() or c == "_" else "_" for c in name) or "compiled"
    return "_" + text if text[0].isdigit() else text
