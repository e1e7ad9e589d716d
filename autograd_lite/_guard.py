"""Write protection of the user-reachable arrays a graph has saved for its backward pass.

A VJP reads the inputs (or output) its op saved.  If the user changed one of those
arrays in place between the forward and the backward pass, the gradient would be
silently wrong.  Two rules close that door:

* The result of a recorded op needs no guard.  Nothing but its Tensor refers to a fresh
  result, so no one can write to it; if a graph still holds it when ``Tensor.data``
  first hands it out, ``data`` hands out a copy (see ``Primitive.__call__`` and
  ``Tensor.data``).  This is the common case, and costs nothing per op.
* Any other saved array (a leaf's data, a raw ndarray argument, a view of one of those)
  may be in the user's hands.  It is made read-only by a :class:`Guard` for as long as
  some live node holds that guard; an in-place write then fails at once with NumPy's
  ``ValueError: ... is read-only``.  Every node that saves the array holds the same
  guard, so CPython's reference count is the holder count: when the last node is freed
  (by the backward pass, unless ``retain_graph``) or dropped, the guard is deleted and
  the array becomes writeable again.

Arrays that were read-only to begin with are left alone, but for a read-only view of a
writeable array (``np.broadcast_to``), whose base is guarded instead.  A view's bases
are guarded too, since writing through a base would change the view.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

_ndarray = np.ndarray

# id of a guarded array -> weak reference to its live Guard.  A Guard holds its array, so
# the id cannot be reused while the entry exists; the Guard removes the entry as it dies.
_guards: dict[int, weakref.ReferenceType[Guard]] = {}


class Guard:
    """Keeps one array read-only while any node holds this object."""

    __slots__ = ("__weakref__", "array", "base", "op", "waiting")

    array: np.ndarray
    op: str  # the op that first saved the array, named in the in-place error
    base: Guard | None  # the guard of the array's base, which must outlive this one
    waiting: list[np.ndarray] | None  # views to make writeable after this array

    def modified(self) -> bool:
        """Whether the array was made writeable again by someone (it may have changed)."""
        return bool(self.array.flags["W"])

    def __del__(self) -> None:
        array = self.array
        key = id(array)
        ref = _guards.pop(key, None)
        if ref is not None:
            current = ref()
            if current is not None and current is not self:
                _guards[key] = ref  # a newer guard of the same array: not ours to remove
        if self.base is None and self.waiting is None:
            array.setflags(True)  # type: ignore[call-arg]  # owns its memory: the common case
            return
        base = self.base
        self.base = None  # may restore the base first, which a view needs
        try:
            array.setflags(write=True)
        except ValueError:  # the base is still guarded by another node: restore after it
            if base is not None:
                if base.waiting is None:
                    base.waiting = []
                base.waiting.append(array)
        for view in self.waiting or ():
            if id(view) not in _guards:
                try:
                    view.setflags(write=True)
                except ValueError:
                    pass


_weak = weakref.ref


def guard_of(array: Any, op: str = "an op") -> Guard | None:
    """The guard that keeps ``array`` (and its bases) read-only, creating it if needed.

    ``None`` if the array is not an ndarray or was read-only before any graph saved it.
    """
    if type(array) is not _ndarray:
        return None
    ref = _guards_get(id(array))
    if ref is not None:
        guard = ref()
        if guard is not None:
            return guard
    return new_guard(array, op)


def new_guard(array: np.ndarray, op: str = "an op") -> Guard | None:
    """A new guard for an ndarray that has no live guard (``None`` if it is read-only).

    A read-only view of a writeable array (``np.broadcast_to(a, ...)``) gets the guard of
    its base instead, since writing to the base would change it.
    """
    base = array.base
    # flags["W"] and a positional setflags: the same as ``flags.writeable`` and
    # ``setflags(write=...)``, at half the cost, on every guard's path.
    if not array.flags["W"]:
        return None if base is None else guard_of(base, op)
    guard = Guard()
    guard.base = None if base is None else guard_of(base, op)
    guard.waiting = None
    guard.op = op
    array.setflags(False)  # type: ignore[call-arg]  # positional, as NumPy documents it
    guard.array = array
    _guards[id(array)] = _weak(guard)
    return guard


def hold_view(view: np.ndarray) -> None:
    """Make a writeable ``view`` read-only while one of its bases is guarded.

    For a view handed out after a graph saved its base: writing through it would change
    what the graph saved.  It becomes writeable again with that base.
    """
    base = view.base
    while type(base) is _ndarray:
        ref = _guards.get(id(base))
        guard = ref() if ref is not None else None
        if guard is not None:
            view.setflags(write=False)
            if guard.waiting is None:
                guard.waiting = []
            guard.waiting.append(view)
            return
        base = base.base


def protect(arrays: list[np.ndarray], op: str = "an op") -> tuple[Guard, ...]:
    """The guards that keep ``arrays`` read-only for op ``op``'s node, bases' guards included."""
    if len(arrays) == 1:  # the common case: one array, often already guarded, with no base
        guard = guard_of(arrays[0], op)
        if guard is None or guard.base is None:
            return () if guard is None else (guard,)
    held: list[Guard] = []
    for array in arrays:
        guard = guard_of(array, op)
        while guard is not None:
            held.append(guard)
            guard = guard.base
    return tuple(held)


_guards_get = _guards.get


def guard_holding(array: np.ndarray) -> Guard | None:
    """The live guard that keeps ``array`` read-only, its own or a base's (None if none)."""
    a: Any = array
    while type(a) is _ndarray:
        ref = _guards_get(id(a))
        guard = ref() if ref is not None else None
        if guard is not None:
            return guard
        a = a.base
    return None


def _saving_op(base: Any) -> str | None:
    """The op named by the guard that keeps ``base`` read-only, if one does."""
    guard = guard_holding(base) if isinstance(base, np.ndarray) else None
    return None if guard is None else guard.op


class SavedArray(np.ndarray):
    """What ``Tensor.data`` hands out while a graph keeps the array read-only.

    It reads like the array itself (NumPy's functions give plain arrays), and an in-place
    edit (``a[...] = v``, ``a += v``, ``np.add(..., out=a)``, ``a.fill(v)``,
    ``np.copyto(a, v)``) fails at once with a ``ValueError`` that names the op that saved
    the array and says what to do, leaving the data unchanged.
    """

    def _refuse(self) -> None:
        op = None if self.flags["W"] else _saving_op(self.base)
        if op is not None:
            # No reference to the guard in this frame: a kept traceback must not keep the
            # array read-only.
            raise ValueError(
                f"assignment destination is read-only: this array (shape {self.shape}, dtype "
                f"{self.dtype}) was saved by op '{op}' for the backward pass, which needs it "
                "unchanged. Edit it after backward() (or once the graph is dropped), or edit "
                "a copy (t.data.copy())"
            )

    def __setitem__(self, index: Any, value: Any) -> None:
        self._refuse()
        self.view(np.ndarray)[index] = value

    def fill(self, value: Any) -> None:
        self._refuse()
        self.view(np.ndarray).fill(value)

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        out = kwargs.get("out")
        for target in out if isinstance(out, tuple) else (out,):
            if isinstance(target, SavedArray):
                target._refuse()
        if method == "at" and isinstance(inputs[0], SavedArray):
            inputs[0]._refuse()
        plain = tuple(x.view(np.ndarray) if isinstance(x, SavedArray) else x for x in inputs)
        if out is not None:
            kwargs["out"] = tuple(
                o.view(np.ndarray) if isinstance(o, SavedArray) else o
                for o in (out if isinstance(out, tuple) else (out,))
            )
        return getattr(ufunc, method)(*plain, **kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if func in _WRITERS and args and isinstance(args[0], SavedArray):
            args[0]._refuse()
        return func(*_plain_args(args), **_plain_args(kwargs))

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))

    def copy(self, *args: Any, **kwargs: Any) -> Any:
        return self.view(np.ndarray).copy(*args, **kwargs)

    def astype(self, *args: Any, **kwargs: Any) -> Any:
        return self.view(np.ndarray).astype(*args, **kwargs)


_WRITERS = frozenset({np.copyto, np.put, np.place, np.putmask})


def _plain_args(x: Any) -> Any:
    if isinstance(x, SavedArray):
        return x.view(np.ndarray)
    if isinstance(x, (list, tuple)):
        return type(x)(_plain_args(y) for y in x)
    if isinstance(x, dict):
        return {k: _plain_args(v) for k, v in x.items()}
    return x
