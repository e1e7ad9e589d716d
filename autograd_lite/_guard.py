"""Write protection of the arrays a graph has saved for its backward pass.

A VJP reads the inputs (or output) its op saved.  If the user changed one of those
arrays in place between the forward and the backward pass, the gradient would be
silently wrong.  So every array a node saves is made read-only (``writeable=False``)
for as long as some live node needs it; an in-place write then fails at once with
NumPy's ``ValueError: ... is read-only``.  The protection is lifted when the last node
that saved the array is released: by the backward pass (unless ``retain_graph``), or
when the graph is dropped.

Arrays that were read-only to begin with are left alone.  A view's bases are protected
too, since writing through the base would change the view.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# id of a protected array -> how many live nodes saved it.  Single dict operations are
# atomic under the GIL; arrays shared between threads only risk an early unprotect.
_holders: dict[int, int] = {}
_ndarray = np.ndarray


def protect(inputs: tuple[Any, ...], out: Any) -> tuple[np.ndarray, ...]:
    """Make the saved ``inputs`` and ``out`` (and their bases) read-only; return those held."""
    held: list[np.ndarray] = []
    holders = _holders
    for a in (*inputs, out):
        while type(a) is _ndarray:
            key = id(a)
            count = holders.get(key)
            if count is not None:
                holders[key] = count + 1
                held.append(a)
            elif a.flags.writeable:
                a.setflags(write=False)
                holders[key] = 1
                held.append(a)
            a = a.base
    return tuple(held)


def release(held: tuple[np.ndarray, ...]) -> None:
    """Undo :func:`protect` for one node; arrays no other node holds become writeable."""
    holders = _holders
    # Bases were appended after their views: restore them first, or NumPy refuses to make
    # a view of a read-only base writeable.
    for a in reversed(held):
        key = id(a)
        count = holders.pop(key, 1)
        if count > 1:
            holders[key] = count - 1
            continue
        try:
            a.setflags(write=True)
        except ValueError:  # its base is still held by another node
            pass
