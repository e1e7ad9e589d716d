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

from . import _mode
from ._arrays import asarray
from ._graph import NO_KWARGS, Node, new_node, next_key
from ._guard import _guards, new_guard, protect
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

    # Whether some input has None for its VJP, so that a node's parents must be filtered.
    _partial = False

    def __init__(self, fun: Callable[..., Any], name: str | None = None) -> None:
        self.fun = fun
        # A NumPy ufunc takes exactly its inputs here: an extra one must not become ``out=``.
        self._ufunc_nin = fun.nin if isinstance(fun, np.ufunc) else 0
        self.name = name or fun.__name__
        self.vjps: tuple[VJP | None, ...] | _ArgnumVJPs | None = None
        self._reads: list[tuple[bool, set[int] | None]] = []
        # keyed by ``grad_bits | 1 << nargs``: which inputs require grad (bit i for input i)
        # and how many inputs there are (the bit above them)
        self._save_plan: dict[int, _Plan] = {}
        self.__doc__ = fun.__doc__
        self.__name__ = self.name
        self.__qualname__ = getattr(fun, "__qualname__", self.name)
        self.__module__ = getattr(fun, "__module__", __name__)
        self.__wrapped__ = fun

    def defvjp(self, *vjps: VJP | None) -> Callable[..., Any]:
        """Register one vector-Jacobian product per positional input, in order.

        ``None`` in place of a VJP declares that input non-differentiable: it receives
        nothing from this op, even if it requires grad, and still receives its gradients
        along other paths.  Used as a decorator (``@op.defvjp``) it registers the VJP of
        the first input and returns it.
        """
        self.vjps = tuple(vjps)
        self._reads = [(False, set()) if v is None else _parameters_read(v) for v in vjps]
        self._save_plan = {}
        self._partial = None in self.vjps
        return vjps[0] if len(vjps) == 1 and vjps[0] is not None else self

    def defvjp_argnum(self, vjp: Callable[..., Any]) -> Callable[..., Any]:
        """Register one VJP for every input: ``vjp(argnum, g, out, *inputs, **kwargs)``.

        For ops that take any number of inputs, such as :func:`~autograd_lite.stack`.
        """
        self.vjps = _ArgnumVJPs(vjp)
        self._reads = _AllReads()  # type: ignore[assignment]
        self._save_plan = {}
        return vjp

    def _plan(self, grad_bits: int, nargs: int) -> _Plan:
        """What to keep for a backward pass that needs gradients at ``argnums``.

        ``(keep_out, drop, argnums, nothing_kept, kept_bits)``: whether to keep the
        output, which inputs to drop, one shared copy of ``argnums``, a shared all-``None``
        tuple when no input is kept (nodes share these instead of each holding its own),
        and the kept inputs' positions as bits (``1 << i``).
        """
        plan = self._save_plan.get(grad_bits | 1 << nargs)
        if plan is None:
            argnums = _bit_positions(grad_bits)
            if self.vjps is None:
                raise NotImplementedError(f"op '{self.name}' has no VJP: call {self.name}.defvjp")
            keep_out = False
            keep: set[int] = set()
            everything = False
            if not isinstance(self.vjps, _ArgnumVJPs):
                for i in argnums:
                    if i >= len(self.vjps):
                        raise TypeError(
                            f"{self.name}: input {i} requires grad, but defvjp was given "
                            f"{len(self.vjps)} VJP(s); pass None for an input with no gradient"
                        )
                # None in place of a VJP: that input gets no gradient from this op.
                argnums = tuple(i for i in argnums if self.vjps[i] is not None)
            for i in argnums:
                reads_out, reads = self._reads[i]
                keep_out |= reads_out
                if reads is None:
                    everything = True
                else:
                    keep |= reads
            drop = None if everything else tuple(j for j in range(nargs) if j not in keep)
            nothing_kept = (None,) * nargs if drop is not None and len(drop) == nargs else None
            kept_bits = sum(1 << j for j in range(nargs) if drop is None or j not in drop)
            plan = (keep_out, drop, argnums, nothing_kept, kept_bits)
            self._save_plan[grad_bits | 1 << nargs] = plan
        return plan

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        # The hot path of every op: kept free of anything that is not needed.
        raw = list(args)
        parents: Any = None  # the input nodes: None, one Node, or a tuple of them
        grad_bits = 0  # bit i: input i requires grad
        exposed = 0  # bit i: input i is an array the user may be able to write to
        owned_in = 0  # bit i: input i is a Tensor's own fresh result
        plain = True
        i = 0
        for a in args:
            if isinstance(a, Tensor):
                plain = False
                data = raw[i] = a._data
                if a._owned is not data:
                    exposed |= 1 << i
                else:
                    owned_in |= 1 << i
                node = a._node
                if node is not None:
                    grad_bits |= 1 << i
                    if parents is None:
                        parents = node
                    elif type(parents) is tuple:
                        parents += (node,)
                    else:
                        parents = (parents, node)
            elif type(a) is _ndarray:
                exposed |= 1 << i
            i += 1
        if self._ufunc_nin and (i != self._ufunc_nin or kwargs):
            raise TypeError(
                f"{self.name}: takes {self._ufunc_nin} input(s) and no keyword arguments, "
                f"got {i} and {sorted(kwargs)}"
            )
        recording = True
        if _unusual:  # some thread, maybe this one, is not in the default mode
            state = _state
            if plain and state.arrays_in_vjps:
                # Inside a first-order VJP: arrays in, arrays out, no Tensor wrapping.
                value = self.fun(*args, **kwargs)
                return value.value if type(value) is Residuals else value  # type: ignore[no-any-return]
            if state.tracing:
                return self._call_traced(args, kwargs)
            if state.anomaly:
                return self._call_checked(
                    raw, kwargs, _as_tuple(parents), _bit_positions(grad_bits)
                )
            recording = state.grad_enabled
        try:
            value = self.fun(*raw, **kwargs)
        except _INPUT_ERRORS as exc:
            raise _renamed(exc, f"{self.name}: {exc} (inputs: {_describe(raw)})") from exc
        if type(value) is not _ndarray:
            if type(value) is Residuals:
                kwargs = self._with_residuals(value, kwargs, raw)
                value = value.value
            value = np.asarray(value)
        dtype = value.dtype
        if dtype not in _REAL_DTYPES:
            _check_result_kind(self.name, value, _as_tuple(parents))
        result = _new_tensor(Tensor)
        result._data = value
        result._grad = None
        result._owned = None
        result._saved = False
        if parents is None or not recording:
            result._node = None
            return result
        plan = self._save_plan.get(grad_bits | 1 << i) or self._plan(grad_bits, i)
        keep_out, drop, argnums, saved, kept_bits = plan
        if self._partial and len(argnums) != grad_bits.bit_count():
            # Some inputs that require grad have no VJP: they get nothing from this op.
            parents = _with_vjps(_as_tuple(parents), _bit_positions(grad_bits), argnums)
            if not parents:
                result._node = None
                return result
            if len(parents) == 1:
                parents = parents[0]
        # A fresh result (a new array, or a view of an input's fresh result, ``y[:2]``)
        # cannot be written to until ``result.data`` hands it out, so graphs that save it
        # need no guard; only arrays the user may hold go through ``protect``.
        if value.base is None:
            if not any(value is r for r in raw):  # the forward made it
                result._owned = value
        elif _owned_base(value.base, args):
            result._owned = value
        if owned_in & kept_bits:
            _mark_saved(args, owned_in & kept_bits)
        if keep_out:
            result._saved = True
        if saved is None:
            if drop:
                for j in drop:
                    raw[j] = None
            # A tuple, not the list: tuples of arrays drop out of the cycle collector's
            # bookkeeping, which keeps deep graphs cheap to hold.
            saved = tuple(raw)
        out = value if keep_out else None
        # new_node(), inline.
        node = Node()
        node.key = -_next_key()
        node.prim = self
        node._parents = parents
        node.argnums = argnums
        node.args = saved
        node.kwargs = kwargs or _NO_KWARGS
        node.out = out
        node.shape = value.shape
        node.dtype = dtype
        node.sink = None
        exposed &= kept_bits
        if keep_out and result._owned is None:
            node.guarded = protect(saved, out, exposed, self.name)
        elif not exposed:
            node.guarded = ()
        elif not exposed & (exposed - 1):
            # protect(), inline for its common case: one input, whose guard may exist
            # already (a parameter or batch saved by several ops of a step).
            array: Any = saved[exposed.bit_length() - 1]
            ref = _guards_get(id(array))
            guard = ref() if ref is not None else None
            if guard is None:
                guard = new_guard(array, self.name)
            if guard is None:
                node.guarded = ()
            elif guard.base is None:
                node.guarded = (guard,)
            else:
                node.guarded = protect(saved, None, exposed, self.name)
        else:
            node.guarded = protect(saved, None, exposed, self.name)
        result._node = node
        return result

    def _with_residuals(
        self, value: Residuals, kwargs: dict[str, Any], inputs: list[Any]
    ) -> ResidualKwargs:
        """The keywords a node of this call keeps for its VJPs: the call's and the residuals'.

        Residual arrays are copied, so that no one can change what the VJPs will read,
        unless the forward handed them over (:meth:`Residuals.fresh`); even then, one that
        is the result, an input or a view is copied.
        """
        saved = value.saved
        if kwargs:
            clash = saved.keys() & kwargs.keys()
            if clash:
                raise TypeError(
                    f"{self.name}: the residual(s) {sorted(clash)} have the names of keyword "
                    "arguments of the call"
                )
        merged = ResidualKwargs(kwargs, **saved)
        result = value.value
        for name in saved:
            array = saved[name]
            if isinstance(array, _ndarray) and (
                not value.handed_over
                or type(array) is not _ndarray
                or array.base is not None
                or array is result
                or any(array is r for r in inputs)
            ):
                merged[name] = array.copy()
        merged.residual_keys = tuple(saved)
        return merged

    def _record(
        self,
        raw: list[Any],
        kwargs: dict[str, Any],
        value: np.ndarray,
        parents: tuple[Node, ...],
        argnums: tuple[int, ...],
        guard: bool = True,
    ) -> Node | None:
        """The Node for one call (None if no input gets a gradient): ``__call__``, readably.

        ``guard=False`` (a compiler's trace, which runs on copies) protects nothing.
        """
        plan = self._plan(sum(1 << i for i in argnums), len(raw))
        parents = _with_vjps(parents, argnums, plan[2])
        if not parents:
            return None
        keep_out, drop, argnums, saved, _ = plan
        if saved is None:
            if drop:
                for j in drop:
                    raw[j] = None
            saved = tuple(raw)
        out = value if keep_out else None
        guarded: tuple[Any, ...] = ()
        if guard:
            kept = sum(1 << j for j, a in enumerate(saved) if a is not None)
            guarded = protect(saved, out, kept, self.name)
        return new_node(
            self, parents, argnums, saved, kwargs or _NO_KWARGS, out, value.shape, value.dtype,
            guarded,
        )  # fmt: skip

    def _call_traced(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Tensor:
        """``__call__`` while ag.compile traces: the NumPy calls of the forward are recorded.

        No guards and no ownership bookkeeping: the program that the trace becomes holds
        no Tensors, and the trace itself runs on copies.
        """
        recorder = _current_recorder()
        assert recorder is not None  # state.tracing is set with it
        raw: list[Any] = []
        parents: list[Node] = []
        argnums: list[int] = []
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                raw.append(recorder.tensor_data(a))
                if a._node is not None:
                    parents.append(a._node)
                    argnums.append(i)
            else:
                raw.append(a)
        if self._ufunc_nin and (len(raw) != self._ufunc_nin or kwargs):
            raise TypeError(
                f"{self.name}: takes {self._ufunc_nin} input(s) and no keyword arguments, "
                f"got {len(raw)} and {sorted(kwargs)}"
            )
        site = recorder.user_site()
        label_before, site_before = recorder.label, recorder.site
        recorder.label, recorder.site = self.name, site
        try:
            value = self.fun(*raw, **kwargs)
        except _INPUT_ERRORS as exc:
            raise _renamed(exc, f"{self.name}: {exc} (inputs: {_describe(raw)})") from exc
        finally:
            recorder.label, recorder.site = label_before, site_before
        if type(value) is Residuals:
            merged = ResidualKwargs(kwargs, **value.saved)
            merged.residual_keys = tuple(value.saved)
            kwargs = merged
            value = value.value
        value = asarray(value)
        if type(value) is not TracedArray and any(type(r) is TracedArray for r in raw):
            raise TraceError(
                f"op '{self.name}' at {site} computed its result outside the trace (a NumPy "
                "path that does not dispatch on traced arrays, such as np.asarray or "
                "np.array); write its forward with NumPy functions applied to its inputs"
            )
        if value.dtype not in _REAL_DTYPES:
            _check_result_kind(self.name, value, tuple(parents))
        if not parents or not _state.grad_enabled:
            return Tensor._from_node(value, None)
        node = self._record(raw, kwargs, value, tuple(parents), tuple(argnums), guard=False)
        if node is not None:
            node.site = site
        return Tensor._from_node(value, node)

    def _call_checked(
        self,
        raw: list[Any],
        kwargs: dict[str, Any],
        parents: tuple[Node, ...],
        argnums: tuple[int, ...],
    ) -> Tensor:
        """``__call__`` inside detect_anomaly: NaN and infinity in the result raise."""
        site = _caller_site()
        try:
            with np.errstate(all="ignore"):
                value = self.fun(*raw, **kwargs)
        except _INPUT_ERRORS as exc:
            raise _renamed(exc, f"{self.name}: {exc} (inputs: {_describe(raw)})") from exc
        if type(value) is Residuals:
            kwargs = self._with_residuals(value, kwargs, raw)
            value = value.value
        value = np.asarray(value)
        if value.dtype not in _REAL_DTYPES:
            _check_result_kind(self.name, value, parents)
        if value.dtype.kind in "fc" and not np.all(np.isfinite(value)):
            raise AnomalyError(
                f"the result of op '{self.name}' (output shape {value.shape}) contains NaN or "
                f"infinity; the op was called at {site}"
            )
        if not parents or not _mode.state.grad_enabled:
            return Tensor._from_node(value, None)
        node = self._record(raw, kwargs, value, parents, argnums)
        if node is not None:
            node.site = site
        return Tensor._from_node(value, node)

    def __repr__(self) -> str:
        return f"<autograd_lite primitive {self.name}>"


_MISSING: Any = object()  # an input that was not given
_NOTHING_KEPT = (None, None)


class _BinaryUfunc(Primitive):
    """A primitive over a two-input NumPy ufunc (``add``, ``multiply``, ``matmul``, ...).

    Its call is :meth:`Primitive.__call__` written out for exactly two positional
    inputs, which are most of a network's ops: the same rules, without the loop over
    the arguments.  Anything else goes to the general call, which reports the misuse.
    """

    def __call__(
        self, a: Any = _MISSING, b: Any = _MISSING, /, *rest: Any, **kwargs: Any
    ) -> Tensor:
        if rest or kwargs or b is _MISSING or _unusual or self._partial:
            return self._call_general(a, b, rest, kwargs)  # type: ignore[no-any-return]
        exposed = 0  # bit i: input i is an array the user may be able to write to
        owned_in = 0  # bit i: input i is a Tensor's own fresh result
        if isinstance(a, Tensor):
            da = a._data
            na = a._node
            if a._owned is not da:
                exposed = 1
            else:
                owned_in = 1
        else:
            da = a
            na = None
            if type(a) is _ndarray:
                exposed = 1
        if isinstance(b, Tensor):
            db = b._data
            nb = b._node
            if b._owned is not db:
                exposed |= 2
            else:
                owned_in |= 2
        else:
            db = b
            nb = None
            if type(b) is _ndarray:
                exposed |= 2
        try:
            value = self.fun(da, db)
        except _INPUT_ERRORS as exc:
            raise _renamed(exc, f"{self.name}: {exc} (inputs: {_describe([da, db])})") from exc
        if type(value) is not _ndarray:
            value = np.asarray(value)
        dtype = value.dtype
        if dtype not in _REAL_DTYPES:
            _check_result_kind(self.name, value, tuple(n for n in (na, nb) if n is not None))
        result = _new_tensor(Tensor)
        result._grad = None
        result._saved = False
        if na is None:
            if nb is None:
                result._data = value
                result._owned = None
                result._node = None
                return result
            parents: Any = nb
            plan = self._plan_b or self._plan(2, 2)
        elif nb is None:
            parents = na
            plan = self._plan_a or self._plan(1, 2)
        else:
            parents = (na, nb)
            plan = self._plan_ab or self._plan(3, 2)
        keep_out, _, argnums, _, kept_bits = plan
        if kept_bits == 2:
            saved: tuple[Any, ...] = (None, db)
        elif kept_bits == 1:
            saved = (da, None)
        elif kept_bits:
            saved = (da, db)
        else:
            saved = _NOTHING_KEPT  # add, subtract: one tuple shared by every node
        # A ufunc's result is a new array; ``matmul`` and friends never return an input.
        if value.base is None or _owned_base(value.base, (a, b)):
            result._owned = value
        else:
            result._owned = None
        if owned_in & kept_bits:
            if owned_in & kept_bits & 1:
                a._saved = True
            if owned_in & kept_bits & 2:
                b._saved = True
        if keep_out:
            result._saved = True
        result._data = value
        out = value if keep_out else None
        node = Node()
        node.key = -_next_key()
        node.prim = self
        node._parents = parents
        node.argnums = argnums
        node.args = saved
        node.kwargs = _NO_KWARGS
        node.out = out
        node.shape = value.shape
        node.dtype = dtype
        node.sink = None
        exposed &= kept_bits
        if keep_out and result._owned is None:
            node.guarded = protect(saved, out, exposed, self.name)
        elif not exposed:
            node.guarded = ()
        elif exposed != 3:
            array: Any = da if exposed == 1 else db
            ref = _guards_get(id(array))
            guard = ref() if ref is not None else None
            if guard is None:
                guard = new_guard(array, self.name)
            if guard is None:
                node.guarded = ()
            elif guard.base is None:
                node.guarded = (guard,)
            else:
                node.guarded = protect(saved, None, exposed, self.name)
        else:
            node.guarded = protect(saved, None, exposed, self.name)
        result._node = node
        return result

    # The save plans of a two-input call, by which inputs need a gradient: the first, the
    # second, both.  Attributes rather than dictionary entries, on the hot path.
    _plan_a: _Plan | None = None
    _plan_b: _Plan | None = None
    _plan_ab: _Plan | None = None

    def _plan(self, grad_bits: int, nargs: int) -> _Plan:
        plan = Primitive._plan(self, grad_bits, nargs)
        if nargs == 2:
            setattr(self, ("", "_plan_a", "_plan_b", "_plan_ab")[grad_bits], plan)
        return plan

    def defvjp(self, *vjps: VJP | None) -> Callable[..., Any]:
        """See :meth:`Primitive.defvjp`."""
        self._plan_a = self._plan_b = self._plan_ab = None
        return Primitive.defvjp(self, *vjps)

    def defvjp_argnum(self, vjp: Callable[..., Any]) -> Callable[..., Any]:
        """See :meth:`Primitive.defvjp_argnum`."""
        self._plan_a = self._plan_b = self._plan_ab = None
        return Primitive.defvjp_argnum(self, vjp)

    def _call_general(self, a: Any, b: Any, rest: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """The general call, for anything but two inputs in this thread's default mode."""
        if (
            not rest
            and not kwargs
            and _state.arrays_in_vjps
            and not isinstance(a, Tensor)
            and not isinstance(b, Tensor)
            and b is not _MISSING
        ):
            return self.fun(a, b)  # inside a first-order VJP, on arrays
        given = tuple(x for x in (a, b) if x is not _MISSING)
        return Primitive.__call__(self, *given, *rest, **kwargs)


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


_Plan = tuple[bool, "tuple[int, ...] | None", tuple[int, ...], "tuple[None, ...] | None", int]
_NO_KWARGS = NO_KWARGS


# What a bad input can make NumPy raise, and the documented type each one becomes.
_INPUT_ERRORS = (ValueError, TypeError, LookupError, ArithmeticError, AttributeError)
_REAL_KINDS = "fiub"
# The native real dtypes, which an op's result is checked against first; any other (a
# byte-swapped one, say) goes on to the check of its kind.
_REAL_DTYPES = frozenset(
    np.dtype(code) for code in np.typecodes["All"] if np.dtype(code).kind in _REAL_KINDS
)


def _as_tuple(parents: Any) -> tuple[Node, ...]:
    return () if parents is None else parents if type(parents) is tuple else (parents,)


def _with_vjps(
    parents: tuple[Node, ...], positions: tuple[int, ...], argnums: tuple[int, ...]
) -> tuple[Node, ...]:
    """The parents (of inputs at ``positions``) whose inputs have a VJP (are in ``argnums``)."""
    if len(argnums) == len(positions):
        return parents
    return tuple(p for p, i in zip(parents, positions) if i in argnums)


def _bit_positions(bits: int) -> tuple[int, ...]:
    return tuple(i for i in range(bits.bit_length()) if bits >> i & 1)


def _owned_base(base: np.ndarray, args: tuple[Any, ...]) -> bool:
    """Whether ``base`` is the fresh, never handed out result array of a Tensor in ``args``.

    That Tensor is then marked as saved: a view of its array lives on in the new result.
    """
    for a in args:
        if isinstance(a, Tensor) and a._owned is base:
            a._saved = True
            return True
    return False


def _mark_saved(args: tuple[Any, ...], bits: int) -> None:
    """Note on the Tensors at ``bits`` that a graph saved their own fresh arrays."""
    for i, a in enumerate(args):
        if bits >> i & 1:
            a._saved = True


def _check_result_kind(name: str, value: np.ndarray, parents: tuple[Node, ...]) -> None:
    kind = value.dtype.kind
    if kind in _REAL_KINDS:
        return
    if kind == "c":
        if parents:
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
        if isinstance(a, np.ndarray):
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
    if isinstance(fun, np.ufunc) and fun.nin == 2:
        return _BinaryUfunc(fun)
    return Primitive(fun)


from ._tensor import Tensor  # noqa: E402  (Tensor's methods call primitives defined after it)

_state = _mode.state
_unusual = _mode.unusual
_ndarray = np.ndarray
_new_tensor = object.__new__
_next_key = next_key
_guards_get = _guards.get
