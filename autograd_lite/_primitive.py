"""Primitives: NumPy functions that record themselves, with their vector-Jacobian products.

A primitive is declared once::

    @ag.primitive
    def exp(x):
        return np.exp(x)

    exp.defvjp(lambda g, out, x: g * out)

Each VJP receives ``(g, out, *inputs, **kwargs)`` and returns the gradient for its
input.  The engine looks at which of ``out`` and the inputs a VJP actually reads and
keeps only those alive until the backward pass, so ``add`` saves nothing and
``W1 @ X`` saves ``X`` only if ``W1`` needs a gradient.  A forward that computes
something its VJPs need too can hand it on with :class:`Residuals`.
"""

from __future__ import annotations

import dis
import functools
import inspect
import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _backends, _mode
from ._arrays import asarray
from ._graph import NO_KWARGS, Node, new_node
from ._guard import Guard, protect
from .compiler.values import TracedArray
from .compiler.values import current as _current_recorder
from .errors import AnomalyError, TraceError

VJP = Callable[..., Any]

_LOAD_OPS = ("LOAD_FAST", "LOAD_DEREF", "LOAD_CLOSURE")


def _parameters_read(vjp: VJP) -> tuple[bool, set[int] | None]:
    """Which parameters a VJP reads: (reads ``out``, positions of inputs it reads).

    ``None`` for the positions means "assume all of them" (the VJP takes ``*args``, or is
    not a plain Python function, so its body cannot be read).
    """
    code = getattr(vjp, "__code__", None)
    if code is None or inspect.ismethod(vjp):
        return True, None
    names = code.co_varnames[: code.co_argcount]
    used: set[str] = set(code.co_cellvars)
    for ins in dis.get_instructions(code):
        if ins.opname.startswith(_LOAD_OPS):
            val = ins.argval
            used.update(val if isinstance(val, tuple) else (val,))
    reads_out = len(names) < 2 or names[1] in used
    if code.co_flags & inspect.CO_VARARGS:
        return reads_out, None
    return reads_out, {i for i, name in enumerate(names[2:]) if name in used}


class Residuals:
    """What a primitive's forward returns to hand intermediate arrays on to its VJPs.

    ``return Residuals(value, name=array, ...)`` makes ``value`` the op's result, and
    each VJP receives every ``name=array`` as a keyword argument, so it need not
    recompute what the forward pass already had (a softmax inside a loss, say).  The
    node keeps a copy of each array, so that nothing the forward still refers to can
    change what the VJPs read; ``Residuals.fresh(value, ...)`` hands over arrays the
    forward made for the purpose, without the copy.

    The keywords are given only to a first-order backward pass.  When the backward pass
    is itself recorded (``create_graph=True``: higher derivatives), arrays the forward
    computed would be constants to the recorded graph, so they are left out: declare them
    keyword-only with a default of ``None``, and recompute them with autograd_lite's ops
    when they are ``None``::

        @ag.primitive
        def logsumexp(x):
            e = np.exp(x - x.max())
            total = e.sum()
            return ag.Residuals(x.max() + np.log(total), probs=e / total)

        @logsumexp.defvjp
        def _(g, out, x, *, probs=None):
            if probs is None:  # a recorded backward pass
                probs = ag.exp(x - out)
            return g * probs
    """

    __slots__ = ("handed_over", "saved", "value")

    def __init__(self, value: Any, **saved: Any) -> None:
        self.value = value
        self.saved = saved
        self.handed_over = False  # the arrays are copied for the VJPs

    @classmethod
    def fresh(cls, value: Any, **saved: Any) -> Residuals:
        """Residuals whose arrays the forward made for them and keeps no reference to.

        They reach the VJPs as they are, without the copy that :class:`Residuals` makes
        (an array that is the result, an input or a view is still copied).  The built-in
        losses hand over their softmax and ``exp`` arrays this way.
        """
        residuals = cls(value, **saved)
        residuals.handed_over = True
        return residuals

    def __repr__(self) -> str:
        return f"Residuals({self.value!r}, {', '.join(self.saved)})"


class ResidualKwargs(dict):  # type: ignore[type-arg]
    """A node's keywords for its VJPs when its forward returned :class:`Residuals`.

    ``residual_keys`` says which came from the forward, to be left out of a recorded
    backward pass; the rest are the call's own keyword arguments.
    """

    residual_keys: tuple[str, ...] = ()


class Primitive:
    """A NumPy function that records itself in the graph when a Tensor input requires grad.

    Create one with :func:`primitive`; attach the derivative rules with :meth:`defvjp`.
    Calling it accepts Tensors, NumPy arrays and Python scalars and returns a Tensor.
    """

    def __init__(self, fun: Callable[..., Any], name: str | None = None) -> None:
        self.fun = fun
        # A NumPy ufunc takes exactly its inputs here: an extra one must not become ``out=``.
        self._ufunc_nin = fun.nin if isinstance(fun, np.ufunc) else 0
        self.name = name or fun.__name__
        self.vjps: tuple[VJP | None, ...] | _ArgnumVJPs | None = None
        self._reads: list[tuple[bool, set[int] | None]] = []
        self._plans: dict[tuple[int, tuple[int, ...]], _SavePlan] = {}
        self.__doc__ = fun.__doc__
        self.__name__ = self.name
        self.__qualname__ = getattr(fun, "__qualname__", self.name)
        self.__module__ = getattr(fun, "__module__", __name__)
        self.__wrapped__ = fun
        # For a variant (see ``on``): the library whose arrays it computes with.
        self.backend: _backends.Backend | None = None
        self._variants: dict[_backends.Backend, Primitive] = {}

    def defvjp(self, *vjps: VJP | None) -> Callable[..., Any]:
        """Register one vector-Jacobian product per positional input, in order.

        ``None`` in place of a VJP declares that input non-differentiable: it receives
        nothing from this op, even if it requires grad, and still receives its gradients
        along other paths.  Used as a decorator (``@op.defvjp``) it registers the VJP of
        the first input and returns it.
        """
        self.vjps = tuple(vjps)
        self._reads = [(False, set()) if v is None else _parameters_read(v) for v in vjps]
        self._plans = {}
        self._variants = {}
        return vjps[0] if len(vjps) == 1 and vjps[0] is not None else self

    def defvjp_argnum(self, vjp: Callable[..., Any]) -> Callable[..., Any]:
        """Register one VJP for every input: ``vjp(argnum, g, out, *inputs, **kwargs)``.

        For ops that take any number of inputs, such as :func:`~autograd_lite.stack`.
        """
        self.vjps = _ArgnumVJPs(vjp)
        self._reads = _AllReads()  # type: ignore[assignment]
        self._plans = {}
        self._variants = {}
        return vjp

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        state = _state if _unusual else _DEFAULT_MODE
        if state.foreign:  # an array of another library than NumPy has been seen
            backend = _backends.backend_of_call((*args, *kwargs.values()))
            if backend is not None:
                return self.on(backend)._call_foreign(args, kwargs, state)  # type: ignore[no-any-return]
        if state.arrays_in_vjps and not any(isinstance(a, Tensor) for a in args):
            # Inside a first-order VJP: arrays in, arrays out, nothing recorded.
            value = self.fun(*args, **kwargs)
            return value.value if type(value) is Residuals else value  # type: ignore[no-any-return]
        recorder = _current_recorder() if state.tracing else None
        # 1. The arrays the NumPy function receives, and the inputs that carry a graph.
        inputs = list(args)
        argnums = []
        parents = []
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                inputs[i] = a._data if recorder is None else recorder.tensor_data(a)
                if a._node is not None:
                    argnums.append(i)
                    parents.append(a._node)
        # 2. The forward computation, checked.
        site = None
        if recorder is not None:
            site = recorder.user_site()
        elif state.anomaly:
            site = _caller_site()
        value, kwargs = self._forward(inputs, kwargs, state, site, bool(argnums))
        result = Tensor._from_node(value, None)
        # 3. The node, which keeps what the VJPs will read.
        if argnums and state.grad_enabled:
            node = self._record(
                args, inputs, kwargs, result, tuple(argnums), parents, recorder is None
            )
            if node is not None and site is not None:
                node.site = site
            result._node = node
        return result

    def on(self, backend: _backends.Backend) -> Primitive:
        """This op for another library's arrays: made once, on first use (see _backends.py)."""
        variant = self._variants.get(backend)
        if variant is None:
            variant = Primitive(backend.forward_of(self.fun), self.name)
            variant.backend = backend
            vjps = self.vjps
            if isinstance(vjps, _ArgnumVJPs):
                variant.vjps = _ArgnumVJPs(backend.vjp_of(vjps.vjp))
            elif vjps is not None:
                variant.vjps = tuple(None if v is None else backend.vjp_of(v) for v in vjps)
            variant._reads = self._reads
            self._variants[backend] = variant
        return variant

    def _call_foreign(self, args: tuple[Any, ...], kwargs: dict[str, Any], state: Any) -> Any:
        """``__call__`` of a variant: the same steps, with version counts for guards."""
        backend = self.backend
        assert backend is not None
        if state.arrays_in_vjps and not any(isinstance(a, Tensor) for a in args):
            value = self.fun(*args, **kwargs)
            return value.value if type(value) is Residuals else value
        if state.tracing:
            raise TraceError(
                f"op '{self.name}': ag.compile traces NumPy arrays only, and got arrays of "
                f"{backend.library}"
            )
        inputs = list(args)
        argnums = []
        parents = []
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                inputs[i] = a._data
                if a._node is not None:
                    argnums.append(i)
                    parents.append(a._node)
        site = _caller_site() if state.anomaly else None
        try:
            if state.anomaly:  # warnings of a library built on NumPy give way to the error
                with np.errstate(all="ignore"):
                    value = self.fun(*inputs, **kwargs)
            else:
                value = self.fun(*inputs, **kwargs)
        except _INPUT_ERRORS as exc:
            raise _renamed(exc, f"{self.name}: {exc} (inputs: {_describe(inputs)})") from exc
        if type(value) is Residuals:
            kwargs = self._with_residuals(value, kwargs, inputs, copy=False)
            value = value.value
        value = _foreign_result(self.name, backend, value, inputs)
        if state.anomaly and backend.is_float(value.dtype) and not backend.all_finite(value):
            raise AnomalyError(
                f"the result of op '{self.name}' (output shape {tuple(value.shape)}) contains "
                f"NaN or infinity; the op was called at {site} (checked on the "
                f"{backend.library} device, which synchronises it)"
            )
        result = Tensor._from_node(value, None, _backends.ForeignData(backend))
        if not (argnums and state.grad_enabled):
            return result
        plan = self._plans.get((len(inputs), tuple(argnums))) or self._plan(
            len(inputs), tuple(argnums)
        )
        if not plan.argnums:
            return result
        # Raw arrays of the library are not counted: only edits through Tensors are.
        saved = [args[i]._foreign for i in plan.kept if isinstance(args[i], Tensor)]
        if plan.keep_out:
            saved.append(result._foreign)
        guards = [_backends.VersionGuard(f, self.name) for f in saved if f is not None]
        for i in plan.dropped:
            inputs[i] = None
        if len(plan.argnums) < len(argnums):
            parents = [args[i]._node for i in plan.argnums]
        node = new_node(
            self, tuple(parents), plan.argnums, tuple(inputs), kwargs or NO_KWARGS,
            value if plan.keep_out else None, tuple(value.shape), value.dtype,
            tuple(guards),  # type: ignore[arg-type]
        )  # fmt: skip
        if site is not None:
            node.site = site
        result._node = node
        return result

    def _forward(
        self,
        inputs: list[Any],
        kwargs: dict[str, Any],
        state: Any,
        site: str | None,
        requires_grad: bool,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Run the NumPy function: its result as an array, and the keywords for the VJPs.

        Bad input raises a documented error that names the op; inside ``detect_anomaly``
        a NaN or infinity in the result raises; inside a trace, a result computed outside
        the trace raises.
        """
        if self._ufunc_nin and (len(inputs) != self._ufunc_nin or kwargs):
            raise TypeError(
                f"{self.name}: takes {self._ufunc_nin} input(s) and no keyword arguments, "
                f"got {len(inputs)} and {sorted(kwargs)}"
            )
        try:
            if state.tracing:
                with _current_recorder().labelled(self.name, site):  # type: ignore[union-attr]
                    value = self.fun(*inputs, **kwargs)
            elif state.anomaly:  # NumPy's warnings give way to the AnomalyError below
                with np.errstate(all="ignore"):
                    value = self.fun(*inputs, **kwargs)
            else:
                value = self.fun(*inputs, **kwargs)
        except _INPUT_ERRORS as exc:
            raise _renamed(exc, f"{self.name}: {exc} (inputs: {_describe(inputs)})") from exc
        if type(value) is Residuals:
            kwargs = self._with_residuals(value, kwargs, inputs, copy=not state.tracing)
            value = value.value
        if type(value) is not np.ndarray:
            value = asarray(value)
        if value.dtype not in _REAL_DTYPES:
            _check_result_kind(self.name, value, requires_grad)
        if state.tracing and type(value) is not TracedArray:
            if any(type(x) is TracedArray for x in inputs):
                raise TraceError(
                    f"op '{self.name}' at {site} computed its result outside the trace (a "
                    "NumPy path that does not dispatch on traced arrays, such as np.asarray "
                    "or np.array); write its forward with NumPy functions applied to its inputs"
                )
        if state.anomaly and value.dtype.kind in "fc" and not np.all(np.isfinite(value)):
            raise AnomalyError(
                f"the result of op '{self.name}' (output shape {value.shape}) contains NaN or "
                f"infinity; the op was called at {site}"
            )
        return value, kwargs

    def _with_residuals(
        self, value: Residuals, kwargs: dict[str, Any], inputs: list[Any], copy: bool = True
    ) -> ResidualKwargs:
        """The keywords a node of this call keeps for its VJPs: the call's and the residuals'.

        Residual arrays are copied, so that no one can change what the VJPs will read,
        unless the forward handed them over (:meth:`Residuals.fresh`); even then, one that
        is the result, an input or a view is copied.  A trace (``copy=False``) copies
        nothing: its program holds no Tensors.
        """
        saved = value.saved
        clash = saved.keys() & kwargs.keys()
        if clash:
            raise TypeError(
                f"{self.name}: the residual(s) {sorted(clash)} have the names of keyword "
                "arguments of the call"
            )
        merged = ResidualKwargs(kwargs, **saved)
        merged.residual_keys = tuple(saved)
        if copy:
            result = value.value
            for name, array in saved.items():
                if isinstance(array, np.ndarray) and (
                    not value.handed_over
                    or type(array) is not np.ndarray
                    or array.base is not None
                    or array is result
                    or any(array is x for x in inputs)
                ):
                    merged[name] = array.copy()
        return merged

    def _plan(self, nargs: int, argnums: tuple[int, ...]) -> _SavePlan:
        """What a call with ``nargs`` inputs, of which ``argnums`` require grad, must keep.

        Worked out on the first such call; later calls find it in ``self._plans``.
        """
        if self.vjps is None:
            raise NotImplementedError(f"op '{self.name}' has no VJP: call {self.name}.defvjp")
        needed = argnums
        if not isinstance(self.vjps, _ArgnumVJPs):
            for i in argnums:
                if i >= len(self.vjps):
                    raise TypeError(
                        f"{self.name}: input {i} requires grad, but defvjp was given "
                        f"{len(self.vjps)} VJP(s); pass None for an input with no gradient"
                    )
            # None in place of a VJP: that input gets no gradient from this op.
            needed = tuple(i for i in argnums if self.vjps[i] is not None)
        keep_out = False
        read: set[int] = set()
        for i in needed:
            reads_out, reads = self._reads[i]
            keep_out |= reads_out
            read |= set(range(nargs)) if reads is None else reads
        kept = tuple(i for i in range(nargs) if i in read)  # a VJP may name more inputs
        plan = _SavePlan(needed, kept, nargs, keep_out)
        self._plans[nargs, argnums] = plan
        return plan

    def _record(
        self,
        args: tuple[Any, ...],
        inputs: list[Any],
        kwargs: dict[str, Any],
        result: Tensor,
        argnums: tuple[int, ...],
        parents: list[Node],
        guard: bool = True,
    ) -> Node | None:
        """The node for one call, or None if no input gets a gradient from this op.

        It keeps only what the VJPs of the inputs in ``argnums`` (with nodes ``parents``)
        read.  ``guard=False``
        (a compiler's trace, which runs on copies) protects nothing.  ``inputs`` is
        used up: the inputs no VJP reads are dropped from it.
        """
        plan = self._plans.get((len(inputs), argnums)) or self._plan(len(inputs), argnums)
        if not plan.argnums:
            return None
        value = result._data
        guarded: tuple[Guard, ...] = ()
        if guard:
            result._owned = _fresh_array(value, args, inputs)
            guarded = _protect(self.name, args, inputs, plan, result)
        for i in plan.dropped:
            inputs[i] = None
        out = value if plan.keep_out else None
        if len(plan.argnums) < len(argnums):  # some inputs' VJPs are None
            parents = [args[i]._node for i in plan.argnums]
        return new_node(
            self, tuple(parents), plan.argnums, tuple(inputs), kwargs or NO_KWARGS, out,
            value.shape, value.dtype, guarded,
        )  # fmt: skip

    def __repr__(self) -> str:
        return f"<autograd_lite primitive {self.name}>"


class _SavePlan:
    """What the nodes of one kind of call keep: shared by every such node.

    ``argnums``: the inputs that get a gradient (those that require grad and have a VJP);
    ``kept``: the inputs one of their VJPs reads, and ``dropped`` the others;
    ``keep_out``: whether one of them reads the output.
    """

    __slots__ = ("argnums", "dropped", "keep_out", "kept")

    def __init__(
        self, argnums: tuple[int, ...], kept: tuple[int, ...], nargs: int, keep_out: bool
    ) -> None:
        self.argnums = argnums
        self.kept = kept
        self.dropped = tuple(i for i in range(nargs) if i not in kept)
        self.keep_out = keep_out


def _fresh_array(value: np.ndarray, args: tuple[Any, ...], inputs: list[Any]) -> Any:
    """``value`` if no one but its Tensor can write to it, else None.

    That is the case for an array the forward made (not one of its inputs), and for a view
    of an input Tensor's own fresh array (``y[:2]``), which is then marked as saved.
    """
    base = value.base
    if base is None:
        for x in inputs:
            if x is value:
                return None
        return value
    for a in args:
        if isinstance(a, Tensor) and a._owned is base:
            a._saved = True
            return value
    return None


def _protect(
    op: str, args: tuple[Any, ...], inputs: list[Any], plan: _SavePlan, result: Tensor
) -> tuple[Guard, ...]:
    """The guards for what a node of ``plan`` saves of ``inputs`` (and of ``result``).

    An input Tensor's or the result's own fresh array needs no guard: it is marked as
    saved, so that ``Tensor.data`` hands out a copy.  Any other ndarray may be in the
    user's hands, and is made read-only while the node lives.
    """
    exposed = []
    for i in plan.kept:
        a = args[i]
        if isinstance(a, Tensor) and a._owned is inputs[i]:
            a._saved = True
        else:
            exposed.append(inputs[i])
    if plan.keep_out:
        if result._owned is not None:
            result._saved = True
        else:
            exposed.append(result._data)
    return protect(exposed, op) if exposed else ()


class _ArgnumVJPs:
    """The VJPs of a variadic op: item ``i`` is the shared VJP bound to argnum ``i``."""

    def __init__(self, vjp: Callable[..., Any]) -> None:
        self.vjp = vjp

    def __getitem__(self, i: int) -> Any:
        return functools.partial(self.vjp, i)


class _AllReads:
    """Read-analysis of a variadic VJP: assume it reads the output and every input."""

    def __getitem__(self, i: int) -> tuple[bool, None]:
        return True, None


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _caller_site() -> str:
    """``file:line`` of the innermost frame outside autograd_lite (the user's call)."""
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        _PACKAGE_DIR + os.sep
    ):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "an unknown place"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


# What a bad input can make NumPy raise, and the documented type each one becomes.
_INPUT_ERRORS = (ValueError, TypeError, LookupError, ArithmeticError, AttributeError)
_REAL_KINDS = "fiub"
# The native real dtypes, which an op's result is checked against first; any other (a
# byte-swapped one, say) goes on to the check of its kind.
_REAL_DTYPES = frozenset(
    np.dtype(code) for code in np.typecodes["All"] if np.dtype(code).kind in _REAL_KINDS
)


def _foreign_result(name: str, backend: _backends.Backend, value: Any, inputs: list[Any]) -> Any:
    """An op's result for another library's inputs: an array of that library, or an error."""
    if isinstance(value, backend.array_type):
        return value
    if isinstance(value, (bool, int, float)) and not isinstance(value, np.generic):
        return backend.xp.asarray(value, device=backend.device)
    raise TypeError(
        f"{name}: computed a {type(value).__module__}.{type(value).__name__} from "
        f"{backend.library} inputs (inputs: {_describe(inputs)}); this op uses a NumPy "
        f"function with no Array API counterpart and is not available for "
        f"{backend.library} arrays"
    )


def _check_result_kind(name: str, value: np.ndarray, requires_grad: bool) -> None:
    kind = value.dtype.kind
    if kind in _REAL_KINDS:
        return
    if kind == "c":
        if requires_grad:
            raise TypeError(
                f"{name}: gives a complex result (dtype {value.dtype}) from inputs that require "
                "grad; autograd_lite differentiates real-valued computations only"
            )
        return
    raise TypeError(f"{name}: gives a result of unsupported dtype {value.dtype}")


def _renamed(exc: Exception, message: str) -> Exception:
    """The error as a documented type (TypeError, ValueError, IndexError) naming the op."""
    if isinstance(exc, LookupError):
        kind: type[Exception] = IndexError
    elif isinstance(exc, (TypeError, AttributeError)):
        kind = TypeError
    else:  # ValueError, ArithmeticError
        kind = ValueError
    if isinstance(exc, kind):
        try:  # keep a more precise subclass (NumPy's AxisError, ...) where it allows
            return type(exc)(message)
        except Exception:
            pass
    return kind(message)


def _describe(raw: list[Any]) -> str:
    parts = []
    for a in raw:
        if hasattr(a, "shape") and hasattr(a, "dtype") and not np.isscalar(a):
            parts.append(f"array shape {a.shape} dtype {a.dtype}")
        else:
            parts.append(type(a).__name__ + (f" {a!r}" if np.isscalar(a) else ""))
    return ", ".join(parts)


def primitive(fun: Callable[..., Any]) -> Primitive:
    """Declare a NumPy function as a differentiable op.

    The function receives NumPy arrays (and any non-Tensor arguments unchanged) and
    returns an array.  Attach its derivative rules with ``.defvjp``.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> @ag.primitive
    ... def softplus(x):
    ...     return np.logaddexp(0.0, x)
    >>> @softplus.defvjp
    ... def _(g, out, x):
    ...     return g * ag.sigmoid(x)
    >>> x = ag.Tensor([0.0, 1.0], requires_grad=True)
    >>> softplus(x).sum().backward()
    >>> x.grad.round(4)
    array([0.5   , 0.7311])
    """
    return Primitive(fun)


from ._tensor import Tensor  # noqa: E402  (Tensor's methods call primitives defined after it)

_state = _mode.state
_unusual = _mode.unusual


class _DefaultMode:
    """The switches of a thread in the default mode, read without a thread-local lookup."""

    grad_enabled = True
    arrays_in_vjps = False
    anomaly = False
    tracing = False
    foreign = False


_DEFAULT_MODE = _DefaultMode()
