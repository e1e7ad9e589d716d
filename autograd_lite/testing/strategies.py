"""Hypothesis strategies for testing ops: float arrays and broadcastable shapes.

Examples
--------
>>> from hypothesis import given
>>> from autograd_lite.testing import strategies as st
>>> @given(st.arrays(shape=(3,)))
... def test_square(x):
...     assert (x * x >= 0).all()
>>> test_square()
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as hst
from hypothesis.extra import numpy as hnp

__all__ = ["arrays", "broadcastable_shapes", "shapes"]


def shapes(
    *, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4
) -> hst.SearchStrategy[tuple[int, ...]]:
    """Array shapes with small sides, so finite-difference checks stay quick."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def arrays(
    shape: Any = None,
    *,
    dtype: Any = np.float64,
    min_value: float = -3.0,
    max_value: float = 3.0,
    avoid: float | None = None,
    margin: float = 1e-2,
) -> hst.SearchStrategy[np.ndarray]:
    """Finite float arrays in ``[min_value, max_value]``.

    ``shape`` is a tuple or a strategy of shapes (default: :func:`shapes`).  ``avoid``
    keeps every element at least ``margin`` away from one point, e.g. a kink such as
    ReLU's 0, so that finite differences do not straddle it.
    """
    kind = np.dtype(dtype)
    # Bounds must be representable at the array's width.
    low, high = float(kind.type(min_value)), float(kind.type(max_value))
    elements = hst.floats(low, high, allow_nan=False, allow_infinity=False, width=kind.itemsize * 8)
    if avoid is not None:
        elements = elements.filter(lambda v: abs(v - avoid) >= margin)
    return hnp.arrays(dtype=dtype, shape=shapes() if shape is None else shape, elements=elements)


def broadcastable_shapes(
    num_shapes: int = 2, *, min_dims: int = 0, max_dims: int = 3, max_side: int = 4
) -> hst.SearchStrategy[tuple[tuple[int, ...], ...]]:
    """Tuples of ``num_shapes`` shapes that broadcast together (some sides 1, some missing)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, max_side=max_side
    ).map(lambda result: result.input_shapes)
