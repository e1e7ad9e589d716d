"""The recorded graph and the one routine that applies the chain rule to it.

A :class:`Node` is created for every op result that requires grad, and for every
leaf Tensor created with ``requires_grad=True``.  Nodes point only backwards (to their
parents), and the only pointer from a node to a Tensor is a weak one (its ``sink``),
so a graph never forms a reference cycle: it is freed by reference counting as soon
as the last Tensor that reaches it is dropped.

Every node carries a creation number.  A node's parents always exist before it, so
visiting nodes in decreasing creation order is a valid reverse topological order:
the backward pass keeps the nodes that have received a gradient in a heap and needs
neither recursion nor a separate sorting pass.
"""

from __future__ import annotations

import contextlib
import itertools
import weakref
from collections.abc import Iterable
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _backends, _mode
from ._arrays import asarray, is_view
from ._guard import Guard
from .compiler.values import current as _current_recorder
from .errors import AnomalyError, GraphFreedError, NotDifferentiableError

if TYPE_CHECKING:
    from ._primitive import Primitive
    from ._tensor import Tensor

_creation_counter = itertools.count()
next_key = _creation_counter.__next__  # a node's creation number
NO_KWARGS: dict[str, Any] = {}  # shared by every node without keywords; never mutated


class Node:
    """One recorded op application (or one leaf that requires grad)."""

    __slots__ = (
        "__weakref__",
        "_parents",
        "argnums",
        "args",
        "dtype",
        "guarded",
        "key",
        "kwargs",
        "out",
        "prim",
        "shape",
        "sink",
        "site",
    )

    key: int
    prim: Primitive | None
    _parents: Node | tuple[Node, ...]
    argnums: tuple[int, ...]
    args: tuple[Any, ...] | None
    kwargs: dict[str, Any]
    out: Any
    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    sink: weakref.ReferenceType[Tensor] | None
    guarded: tuple[Guard, ...]
    site: str | None

    @property
    def parents(self) -> tuple[Node, ...]:
        """The nodes of the inputs that require grad, in the order of ``argnums``."""
        p = self._parents
        return (p,) if isinstance(p, Node) else p

    @property
    def name(self) -> str:
        return "leaf" if self.prim is None else self.prim.name

    def __repr__(self) -> str:
        return f"<Node {self.name} shape={self.shape} dtype={self.dtype}>"


def new_node(
    prim: Primitive | None,
    parents: tuple[Node, ...],
    argnums: tuple[int, ...],
    args: tuple[Any, ...] | None,
    kwargs: dict[str, Any],
    out: Any,
    shape: tuple[int, ...],
    dtype: np.dtype[Any],
    guarded: tuple[Guard, ...] = (),
) -> Node:
    """A Node with every field set (the op call sets them inline, on its hot path).

    ``Node`` itself has no ``__init__``, so that ``Node()`` allocates at the cost of a
    plain object.
    """
    node = Node()
    # Negated so that heapq (a min-heap) pops the newest node first.
    node.key = -next_key()
    node.prim = prim
    # A single parent is kept bare, not in a 1-tuple: every object that holds a Node
    # is one more object the cycle collector walks, for each node of a deep graph.
    node._parents = parents[0] if len(parents) == 1 else parents
    node.argnums = argnums
    node.args = args
    node.kwargs = kwargs
    node.out = out
    node.shape = shape
    node.dtype = dtype
    node.sink = None
    node.guarded = guarded
    # ``site`` (where the op was called) is set only in anomaly mode.
    return node


def leaf_node(tensor: Tensor) -> Node:
    node = new_node(None, (), (), None, {}, None, tensor._data.shape, tensor._data.dtype)
    node.sink = weakref.ref(tensor)
    return node


def _freed_error(node: Node) -> GraphFreedError:
    return GraphFreedError(
        f"backward reached op '{node.name}' (output shape {node.shape}) whose saved arrays were "
        "already freed by an earlier backward pass. Pass retain_graph=True to the first "
        "backward() to differentiate the same graph more than once."
    )


def sum_to_shape(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``g`` over the axes that broadcasting added or stretched to reach ``shape``.

    Where ``shape`` does not broadcast to ``g``'s shape, the result has another shape.
    """
    lead = g.ndim - len(shape)
    if lead < 0:
        return g
    if lead:
        # Dropped, not kept and reshaped away: the sum is then a fresh array, not a view.
        g = _add_reduce(g, 0 if lead == 1 else tuple(range(lead)))
    if 1 in shape:
        have = g.shape
        axes: tuple[int, ...] = ()
        for i, n in enumerate(shape):
            if n == 1 and have[i] != 1:
                axes += (i,)
        if axes:
            g = _add_reduce(g, axes, keepdims=True)
    return g


_add_reduce = np.add.reduce  # ``ndarray.sum`` without its Python wrapper


def _fit(g: Any, parent: Node, node: Node, argnum: int, create_graph: bool) -> Any:
    """Bring a VJP's result to the shape and dtype of the input it belongs to."""
    if not create_graph:
        return _fit_array(g, parent, node, argnum)
    if not isinstance(g, _tensor.Tensor):
        g = _tensor.Tensor(g)
    shape = parent.shape
    if g.shape != shape:
        if not _sums_to(g.shape, shape):
            raise _unfit_error(g.shape, shape, node, argnum)
        from ._ops_reduce import sum_to  # only when differentiating twice

        g = sum_to(g, shape)
    if g.dtype != parent.dtype:
        g = g.astype(parent.dtype)
    return g


def _fit_array(g: Any, parent: Node, node: Node, argnum: int) -> Any:
    """``_fit`` for a first-order pass: the gradient as an array of the input's shape and dtype."""
    backend = _library_of(node)
    if backend is not None:
        return _fit_foreign(backend, g, parent, node, argnum)
    if type(g) is not np.ndarray:
        g = asarray(g._data if isinstance(g, _tensor.Tensor) else g)
    shape = parent.shape
    if g.shape != shape:
        summed = sum_to_shape(g, shape)
        if summed.shape != shape:
            raise _unfit_error(g.shape, shape, node, argnum)
        g = summed
    if g.dtype != parent.dtype:
        g = g.astype(parent.dtype)
    return g


def _library_of(node: Node) -> Any:
    """The Backend whose arrays ``node``'s op computed with; None for NumPy (and leaves)."""
    return None if node.prim is None else node.prim.backend


def _fit_foreign(backend: Any, g: Any, parent: Node, node: Node, argnum: int) -> Any:
    """``_fit_array`` for a gradient of another library's arrays (see _backends.py)."""
    if isinstance(g, _tensor.Tensor):
        g = g._data
    if not isinstance(g, backend.array_type):
        if not isinstance(g, (bool, int, float)) or isinstance(g, np.generic):
            raise TypeError(
                f"the VJP of op '{node.name}' for input {argnum} returned a "
                f"{type(g).__name__} for {backend.library} inputs; it uses a NumPy function "
                f"with no Array API counterpart"
            )
        g = backend.xp.asarray(g, device=backend.device)
    shape = parent.shape
    if tuple(g.shape) != shape:
        summed = backend.sum_to_shape(g, shape)
        if tuple(summed.shape) != shape:
            raise _unfit_error(tuple(g.shape), shape, node, argnum)
        g = summed
    if g.dtype != parent.dtype:
        g = backend.astype(g, parent.dtype)
    return g


def _unfit_error(
    got: tuple[int, ...], shape: tuple[int, ...], node: Node, argnum: int
) -> ValueError:
    return ValueError(
        f"the VJP of op '{node.name}' for input {argnum} returned a gradient of shape "
        f"{got}, which cannot be summed to the input's shape {shape}"
    )


def _sums_to(big: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    """Whether broadcasting ``shape`` gives ``big`` (so summing ``big`` back gives ``shape``)."""
    lead = len(big) - len(shape)
    return lead >= 0 and all(n == 1 or n == m for n, m in zip(shape, big[lead:]))


def backprop(
    root: Node,
    seed: Any,
    *,
    targets: Iterable[Node] | None = None,
    retain_graph: bool = False,
    create_graph: bool = False,
) -> dict[Node, Any]:
    """Apply the chain rule from ``root`` (whose gradient is ``seed``) back through the graph.

    With ``targets=None`` this is ``Tensor.backward``: every node with a ``sink`` (a leaf,
    or a Tensor that called ``retain_grad``) gets the gradient added to its Tensor's
    ``.grad``, all at once when the walk is over, so a pass that fails changes none.
    Otherwise it is the functional form: gradients of the target nodes are returned, no
    ``.grad`` is touched, and the walk neither passes the targets nor visits nodes that
    cannot reach one.

    With ``create_graph=True`` the VJPs receive Tensors and run with recording on, so the
    returned gradients are Tensors that can be differentiated again.

    Nodes are visited newest first (a node is always newer than its parents), so a node's
    gradient is complete when it is visited: the sum of what its children sent it.
    """
    target_set = None if targets is None else set(targets)
    relevant = None if target_set is None else _reaching(root, target_set)
    state = _mode.state
    anomaly = state.anomaly
    recorder = _current_recorder() if state.tracing else None
    grads: dict[Node, Any] = {}  # what each waiting node has received so far
    waiting: list[tuple[int, Node]] = []  # a heap of the waiting nodes, the newest first
    results: dict[Node, Any] = {}  # the targets' gradients (the functional form)
    sinks: dict[Node, Any] = {}  # the gradients for Tensors' .grad (Tensor.backward)
    checked: Guard | None = None  # the last guard seen intact (a chain shares one)
    # The VJPs run on arrays, unrecorded, unless the pass is itself to be differentiated.
    mode_before = _mode.set_state(create_graph, not create_graph, anomaly)
    # In anomaly mode NumPy's warnings are silenced, so that the AnomalyError, which
    # names the op, is what gets reported.
    errstate = np.errstate(all="ignore") if anomaly else contextlib.nullcontext()
    label_before = None if recorder is None else (recorder.label, recorder.site)
    node: Node | None = root
    g: Any = seed
    try:
        with errstate:
            while node is not None:
                # 1. Where the gradient ends: a target, or a Tensor's .grad.
                prim = node.prim
                if target_set is not None and node in target_set:
                    results[node] = g
                    prim = None  # the walk goes no further back from a target
                elif target_set is None and node.sink is not None:
                    sinks[node] = g
                if prim is not None:
                    # 2. What the VJPs will read must still be there, and unchanged.
                    if node.args is None:
                        raise _freed_error(node)
                    checked = _check_guards(node, checked)
                    if recorder is not None:  # ag.compile's trace labels the VJPs' lines
                        recorder.label = "backward of " + prim.name
                        recorder.site = node.site or recorder.site
                    # 3. The chain rule: each parent's share of g, added to what it has.
                    vjps: Any = prim.vjps
                    out, args, kwargs = _vjp_inputs(node, create_graph)
                    for parent, i in zip(node.parents, node.argnums):
                        if relevant is not None and parent not in relevant:
                            continue
                        if create_graph:
                            gi = _differentiable_vjp(vjps[i], prim, i, g, out, args, kwargs)
                        else:
                            try:
                                gi = vjps[i](g, out, *args, **kwargs)
                            except (AttributeError, TypeError, IndexError) as exc:
                                if prim.backend is None:
                                    raise
                                raise _unavailable_vjp(prim, i, exc) from exc
                        if (
                            type(gi) is not np.ndarray
                            or gi.dtype is not parent.dtype
                            or gi.shape != parent.shape
                        ):
                            gi = _fit(gi, parent, node, i, create_graph)
                        if anomaly:
                            _check_finite(gi, node, f"the gradient for input {i}")
                        if target_set is None and parent.prim is None:
                            # A leaf has no VJPs to run: its gradient goes to its .grad.
                            previous = sinks.get(parent)
                            sinks[parent] = gi if previous is None else previous + gi
                            continue
                        previous = grads.get(parent)
                        if previous is None:
                            grads[parent] = gi
                            heappush(waiting, (parent.key, parent))
                        else:
                            # Out of place: ``previous`` may be shared with another branch.
                            grads[parent] = previous + gi
                    # 4. Release what the node saved, unless the graph is to be used again.
                    if not retain_graph:
                        _free(node)
                # The next node: the newest of those waiting.
                if waiting:
                    node = heappop(waiting)[1]
                    g = grads.pop(node)
                else:
                    node = None
        if target_set is None:
            _write_grads(sinks, seed)
    finally:
        _mode.set_state(mode_before[0], mode_before[1], state.anomaly)
        if recorder is not None and label_before is not None:
            recorder.label, recorder.site = label_before
    return results


def _unavailable_vjp(prim: Primitive, i: int, exc: Exception) -> TypeError:
    library = prim.backend.library  # type: ignore[union-attr]
    return TypeError(
        f"the VJP of op '{prim.name}' for input {i} failed on {library} arrays ({exc}); it "
        f"uses NumPy vocabulary outside the Array API and is not available for {library}"
    )


def _vjp_inputs(node: Node, create_graph: bool) -> tuple[Any, Any, dict[str, Any]]:
    """The output, inputs and keywords that ``node``'s VJPs receive.

    For a recorded pass (``create_graph``) they are Tensors wired into the graph, and the
    forward's residual arrays are left out (constants to the new graph): the VJPs
    recompute them, recorded (see Residuals).
    """
    if not create_graph:
        return node.out, node.args, node.kwargs
    out, args = _graph_inputs(node)
    kwargs = node.kwargs
    residual_keys = getattr(kwargs, "residual_keys", ())
    if residual_keys:
        kwargs = {k: v for k, v in kwargs.items() if k not in residual_keys}
    return out, args, kwargs


def _check_guards(node: Node, checked: Guard | None) -> Guard | None:
    """Refuse to go on if an array ``node`` saved was made writable; returns the last guard.

    A guard shared with the node visited before (a constant used along a chain) was checked
    there: only VJPs have run since.
    """
    for guard in node.guarded:
        if guard is not checked:
            if guard.modified():
                _check_unmodified(node)
            checked = guard
    return checked


def _write_grads(sinks: dict[Node, Any], seed: Any) -> None:
    """Add each sink node's gradient to its Tensor's ``.grad``: all computed, then assigned.

    A Tensor can have had two leaf nodes (its ``requires_grad`` switched off and on), so
    the gradients are summed per Tensor before any ``.grad`` changes.
    """
    handed_out: set[int] = {id(seed)}
    updates: dict[int, tuple[Tensor, Any]] = {}
    for node, g in sinks.items():
        tensor = node.sink() if node.sink is not None else None
        if tensor is None:
            continue
        pending = updates.get(id(tensor))
        if pending is None:
            updates[id(tensor)] = (tensor, _sum_into_grad(tensor, g, handed_out))
        else:
            summed = pending[1] + g
            updates[id(tensor)] = (tensor, summed if tensor._foreign else asarray(summed))
    for tensor, new_grad in updates.values():
        tensor.grad = new_grad


def _check_unmodified(node: Node) -> None:
    """Refuse to run VJPs on saved arrays whose write protection someone switched off."""
    for guard in node.guarded:
        if type(guard) is not Guard:  # another library's array: a version count
            if guard.modified():
                raise RuntimeError(
                    f"backward through op '{node.name}': an array it saved was changed in "
                    "place through a Tensor after the forward pass (its version count "
                    "moved), which would make the gradient wrong; recompute the forward "
                    "pass after editing data"
                )
            continue
        a = guard.array
        if a.flags.writeable:
            saved = [*(node.args or ()), node.out]
            which = next(
                (f"input {i}" for i, x in enumerate(saved[:-1]) if x is a),
                "output" if saved[-1] is a else "an array",
            )
            raise RuntimeError(
                f"backward through op '{node.name}': its saved {which} (shape {a.shape}, "
                f"dtype {a.dtype}) was made writable after the forward pass and may have been "
                "changed in place, which would make the gradient wrong; recompute the forward "
                "pass after editing data"
            )


def _free(node: Node) -> None:
    """Drop what ``node`` saved for its VJPs, and its links to its parents.

    The parents stay alive only as long as something else needs them, so a graph is
    released as the backward pass walks through it.
    """
    node.args = None
    node.kwargs = NO_KWARGS
    node.out = None
    node._parents = ()
    node.guarded = ()  # the last node to drop a guard makes its array writeable again


def _differentiable_vjp(
    vjp: Any, prim: Primitive, i: int, g: Any, out: Any, args: Any, kwargs: dict[str, Any]
) -> Any:
    try:
        return vjp(g, out, *args, **kwargs)
    except TypeError as exc:
        raise NotDifferentiableError(
            f"the VJP of op '{prim.name}' for input {i} cannot be differentiated again: "
            f"{exc}. Write it with autograd_lite's functions and operators (ag.exp, ag.where, "
            "+, *, ...) rather than raw NumPy calls."
        ) from exc


def _check_finite(value: Any, node: Node, what: str) -> None:
    data = value._data if isinstance(value, _tensor.Tensor) else value
    backend = _library_of(node)
    finite = np.all(np.isfinite(data)) if backend is None else backend.all_finite(data)
    if not finite:
        raise AnomalyError(
            f"{what} of op '{node.name}' (output shape {node.shape}) contains NaN or infinity; "
            f"the op was called at {getattr(node, 'site', None) or 'an unknown place'}"
        )


def _graph_inputs(node: Node) -> tuple[Any, list[Any]]:
    """The output and inputs of ``node`` as Tensors wired into the graph, for create_graph."""
    wrap = _tensor.Tensor._from_node
    backend = _library_of(node)
    foreign = None if backend is None else _backends.ForeignData(backend)
    args = list(node.args)  # type: ignore[arg-type]
    for parent, i in zip(node.parents, node.argnums):
        if args[i] is not None:
            args[i] = wrap(args[i], parent, foreign)
    out = None if node.out is None else wrap(node.out, node, foreign)
    return out, args


def _sum_into_grad(tensor: Tensor, g: Any, handed_out: set[int]) -> Any:
    """What ``tensor.grad`` becomes once ``g`` is added to it (no Tensor is changed)."""
    if tensor._foreign is not None:
        g = g._data if isinstance(g, _tensor.Tensor) else g
        return tensor._foreign.backend.copy(g) if tensor.grad is None else tensor.grad + g
    if type(g) is not np.ndarray:
        g = asarray(g._data if isinstance(g, _tensor.Tensor) else g)
    if tensor.grad is None:
        # A gradient array may be shared by several nodes (``add`` hands ``g`` to both of
        # its inputs) or be a view; every .grad must be an array of its own.
        if is_view(g) or id(g) in handed_out:
            g = g.copy()
        handed_out.add(id(g))
        return g
    return asarray(tensor.grad + g)  # a 0-d sum would be a NumPy scalar


def _reaching(root: Node, targets: set[Node]) -> set[Node]:
    """The nodes on some path from ``root`` down to a target (targets included)."""
    reaches: dict[Node, bool] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if node in reaches and not expanded:
            continue
        if node in targets:
            reaches[node] = True
            continue
        if expanded:
            reaches[node] = any(reaches.get(p, False) for p in node.parents)
            continue
        reaches[node] = False  # provisional, marks it as seen
        stack.append((node, True))
        for p in node.parents:
            if p not in reaches:
                stack.append((p, False))
    return {n for n, ok in reaches.items() if ok}


# Imported last: Tensor is built on Node.
from . import _tensor  # noqa: E402
