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

import threading
from typing import Any

import numpy as np

_lock = threading.Lock()
_holders: dict[int, int] = {}  # id of a protected array -> how many live nodes saved it


def protect(arrays: list[Any]) -> tuple[np.ndarray, ...]:
    """Make the saved ``arrays`` (and their bases) read-only; return those now held."""
    held = []
    with _lock:
        for a in arrays:
            while isinstance(a, np.ndarray):
                key = id(a)
                count = _holders.get(key)
                if count is not None:
                    _holders[key] = count + 1
                    held.append(a)
                elif a.flags.writeable:
                    a.flags.writeable = False
                    _holders[key] = 1
                    held.append(a)
                a = a.base
    return tuple(held)


def release(held: tuple[np.ndarray, ...]) -> None:
    """Undo :func:`protect` for one node; arrays no other node holds become writeable."""
    with _lock:
        # Bases were appended after their views: restore them first, or NumPy refuses
        # to make a view of a read-only base writeable.
        for a in reversed(held):
            key = id(a)
            count = _holders.get(key, 0) - 1
            if count > 0:
                _holders[key] = count
                continue
            _holders.pop(key, None)
            try:
                a.flags.writeable = True
            except ValueError:  # its base is still held by another node
                pass
