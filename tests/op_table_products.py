"""Rows of the op table for products: einsum, dot, vdot, inner, outer, kron, tensordot.

Every row also runs with two (3, 3) inputs (or (3,) * min_dims), as tests/test_compile.py
gives them; 0-d einsum operands are covered in tests/test_ops_products.py instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
from autograd_lite.testing import strategies as ags

from .op_table import OpCase

_side = st.integers(1, 4)


def _shapes(n: int, build: Callable[..., tuple[tuple[int, ...], ...]]) -> Any:
    """Shapes built from ``n`` drawn sides (1 to 4), so that contracted axes match."""
    return st.tuples(*[_side] * n).map(lambda sides: build(*sides))


def _einsum_row(name: str, subscripts: str, shapes: Any, arity: int, min_dims: int = 0) -> OpCase:
    return OpCase(
        name,
        lambda *xs: ag.einsum(subscripts, *xs),
        lambda *xs: np.einsum(subscripts, *xs),
        arity,
        shapes=shapes,
        min_dims=min_dims,
    )


PRODUCTS_OPS: list[OpCase] = [
    _einsum_row("einsum_matmul", "ij,jk->ik", _shapes(3, lambda i, j, k: ((i, j), (j, k))), 2),
    _einsum_row("einsum_frobenius", "ij,ij->", _shapes(2, lambda i, j: ((i, j), (i, j))), 2),
    _einsum_row("einsum_outer", "ij,kl->ijkl", _shapes(4, lambda i, j, k, l: ((i, j), (k, l))), 2),
    _einsum_row(
        "einsum_ellipsis_batched",
        "...ij,...jk->...ik",
        hnp.mutually_broadcastable_shapes(
            signature="(i,j),(j,k)->(i,k)", max_dims=3, max_side=3
        ).map(lambda r: r.input_shapes),
        2,
    ),
    _einsum_row(
        "einsum_transpose3", "ijk->kji", _shapes(3, lambda i, j, k: ((i, j, k),)), 1, min_dims=3
    ),
    _einsum_row("einsum_implicit", "ij,jk", _shapes(3, lambda i, j, k: ((i, j), (j, k))), 2),
    _einsum_row(
        "einsum_ellipsis_implicit",
        "...i,...i",
        hnp.mutually_broadcastable_shapes(signature="(i),(i)->()", max_dims=2, max_side=3).map(
            lambda r: r.input_shapes
        ),
        2,
    ),
    _einsum_row(
        "einsum_three_operands",
        "ij,jk,kl->il",
        _shapes(4, lambda i, j, k, l: ((i, j), (j, k), (k, l))),
        3,
    ),
    _einsum_row("einsum_trace", "ii->", _shapes(1, lambda n: ((n, n),)), 1),
    _einsum_row("einsum_trace_implicit", "ii", _shapes(1, lambda n: ((n, n),)), 1),
    _einsum_row("einsum_diagonal", "ii->i", _shapes(1, lambda n: ((n, n),)), 1),
    _einsum_row(
        "einsum_diagonal_contracted", "ii,ij->j", _shapes(2, lambda i, j: ((i, i), (i, j))), 2
    ),
    # j and l are summed away in one operand alone: their gradients are broadcast back.
    _einsum_row(
        "einsum_summed_alone", "ij,kl->ki", _shapes(4, lambda i, j, k, l: ((i, j), (k, l))), 2
    ),
    OpCase(
        "einsum_sublists",
        lambda a, b: ag.einsum(a, [0, 1], b, [1, 2], [0, 2]),
        lambda a, b: np.einsum(a, [0, 1], b, [1, 2], [0, 2]),
        2,
        shapes=_shapes(3, lambda i, j, k: ((i, j), (j, k))),
    ),
    OpCase("dot_1d", ag.dot, np.dot, 2, shapes=_shapes(1, lambda n: ((n,), (n,)))),
    OpCase("dot_2d", ag.dot, np.dot, 2, shapes=_shapes(3, lambda m, n, p: ((m, n), (n, p)))),
    OpCase("dot_nd_1d", ag.dot, np.dot, 2, shapes=_shapes(3, lambda a, b, n: ((a, b, n), (n,)))),
    OpCase(
        "dot_nd_nd",
        ag.dot,
        np.dot,
        2,
        shapes=_shapes(4, lambda a, n, b, c: ((a, n), (b, n, c))),
    ),
    OpCase("dot_scalar", ag.dot, np.dot, 2, shapes=_shapes(2, lambda a, b: ((), (a, b)))),
    OpCase("vdot", ag.vdot, np.vdot, 2, shapes=_shapes(2, lambda a, b: ((a, b), (b * a,)))),
    OpCase("inner_1d", ag.inner, np.inner, 2, shapes=_shapes(1, lambda n: ((n,), (n,)))),
    OpCase(
        "inner_nd", ag.inner, np.inner, 2, shapes=_shapes(4, lambda a, b, c, n: ((a, b, n), (c, n)))
    ),
    OpCase("outer", ag.outer, np.outer, 2, shapes=st.tuples(ags.shapes(max_dims=2), ags.shapes())),
    OpCase(
        "kron",
        ag.kron,
        np.kron,
        2,
        shapes=st.tuples(ags.shapes(max_dims=3, max_side=2), ags.shapes(max_dims=2, max_side=3)),
    ),
    OpCase(
        "tensordot_axes2",
        ag.tensordot,
        np.tensordot,
        2,
        shapes=_shapes(4, lambda a, m, n, c: ((a, m, n), (m, n, c))),
    ),
    OpCase(
        "tensordot_axes1",
        lambda a, b: ag.tensordot(a, b, axes=1),
        lambda a, b: np.tensordot(a, b, axes=1),
        2,
        shapes=_shapes(4, lambda a, m, b, c: ((a, m), (m, b, c))),
    ),
    OpCase(
        "tensordot_axes0",
        lambda a, b: ag.tensordot(a, b, axes=0),
        lambda a, b: np.tensordot(a, b, axes=0),
        2,
        shapes=st.tuples(ags.shapes(max_dims=2), ags.shapes(max_dims=2)),
    ),
    OpCase(
        "tensordot_pairs",
        lambda a, b: ag.tensordot(a, b, axes=([1, 0], [0, 2])),
        lambda a, b: np.tensordot(a, b, axes=([1, 0], [0, 2])),
        2,
        shapes=_shapes(4, lambda p, q, r, s: ((p, q, r), (q, s, p))),
        min_dims=3,
    ),
]
