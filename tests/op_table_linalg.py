"""The op table's rows for ``ag.linalg``: square, stacked and well-conditioned inputs.

Each row builds its matrix inside ``fn`` and ``reference`` the same way (with functions
that work on arrays and on Tensors alike), so that the inputs hypothesis draws in
``[-3, 3]`` never come near a singular matrix or a repeated eigenvalue.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
from autograd_lite import linalg as la

from .op_table import OpCase, like

_BATCH = hnp.array_shapes(min_dims=0, max_dims=1, max_side=2)  # () or (k,)
_SIDE = st.integers(1, 3)


def _square(batch: Any = _BATCH) -> Any:
    """One shape ``(*batch, n, n)``."""
    return st.tuples(batch, _SIDE).map(lambda t: (t[0] + (t[1], t[1]),))


def _matrices(min_rows_over_cols: int | None = None) -> Any:
    """One shape ``(*batch, m, n)``; ``m >= n`` when asked (tall or square)."""

    def shape(t: tuple[tuple[int, ...], int, int]) -> tuple[tuple[int, ...]]:
        batch, m, n = t
        if min_rows_over_cols is not None and m < n:
            m, n = n, m
        return ((*batch, m, n),)

    return st.tuples(_BATCH, _SIDE, _SIDE).map(shape)


_SOLVE_VECTOR = st.tuples(_BATCH, _SIDE).map(lambda t: (t[0] + (t[1], t[1]), (t[1],)))
_SOLVE_MATRIX = hnp.mutually_broadcastable_shapes(
    signature="(n,n),(n,k)->(n,k)", max_dims=2, max_side=3
).map(lambda r: r.input_shapes)
_VECTORS = hnp.array_shapes(min_dims=1, max_dims=1, max_side=4).map(lambda s: (s,))
_TWO_D = hnp.array_shapes(min_dims=2, max_dims=2, max_side=3).map(lambda s: (s,))


def _mT(a: Any) -> Any:
    return np.swapaxes(a, -1, -2)  # dispatches to ag.swapaxes on a Tensor


def _eye(a: Any) -> Any:
    return like(a, np.eye(a.shape[-1]), a.dtype)


def _dominant(a: Any) -> Any:
    """Strictly diagonally dominant (n <= 3): far from singular."""
    return a / 5 + 2 * _eye(a)


def _spd(a: Any) -> Any:
    """Symmetric positive definite, eigenvalues >= n."""
    return a @ _mT(a) + a.shape[-1] * _eye(a)


def _separated(a: Any) -> Any:
    """Symmetric with eigenvalues within 0.9 of 2, 4, 6: gaps of at least 0.2."""
    n = a.shape[-1]
    return (a + _mT(a)) / 20 + like(a, np.diag(np.arange(2, 2 * n + 1, 2)), a.dtype)


def _conditioned(a: Any) -> Any:
    """A (stack of) m x n matrix with singular values within 0.45 of 2, 4, 6: gaps >= 1."""
    m, n = a.shape[-2:]
    k = min(m, n)
    spine = np.zeros((m, n))
    spine[np.arange(k), np.arange(k)] = np.arange(2 * k, 0, -2)
    return a / 20 + like(a, spine, a.dtype)


def _eigh_combined(w: Any, v: Any) -> Any:
    """Eigenvalues over the squared eigenvectors: does not depend on the eigenvectors' signs."""
    return np.concatenate([w[..., None, :], v * v], axis=-2)


def _ag_eigh_combined(w: Any, v: Any) -> Any:
    return ag.concatenate(w[..., None, :], v * v, axis=-2)


def _qr_combined(q: Any, r: Any, concatenate: Any) -> Any:
    """``Q D`` over ``D R`` scaled by R's diagonal: the same for every sign choice of QR."""
    d = (r * _eye(r)).sum(axis=-1)
    return concatenate(q * d[..., None, :], r * d[..., :, None])


def _np_concat2(a: Any, b: Any) -> Any:
    return np.concatenate([a, b], axis=-2)


def _ag_concat2(a: Any, b: Any) -> Any:
    return ag.concatenate(a, b, axis=-2)


LINALG_OPS: list[OpCase] = [
    OpCase("linalg.inv", lambda a: la.inv(_dominant(a)), lambda a: np.linalg.inv(_dominant(a)),
           shapes=_square()),
    OpCase("linalg.det", lambda a: la.det(_dominant(a)), lambda a: np.linalg.det(_dominant(a)),
           shapes=_square()),
    # Rows reversed: a negative determinant for n = 2, 3.
    OpCase(
        "linalg.slogdet",
        lambda a: ag.stack(*la.slogdet(_dominant(a)[..., ::-1, :])),
        lambda a: np.stack(np.linalg.slogdet(_dominant(a)[..., ::-1, :])),
        shapes=_square(),
    ),
    OpCase("linalg.solve_vector", lambda a, b: la.solve(_dominant(a), b),
           lambda a, b: np.linalg.solve(_dominant(a), b), 2, shapes=_SOLVE_VECTOR),
    OpCase("linalg.solve_matrix", lambda a, b: la.solve(_dominant(a), b),
           lambda a, b: np.linalg.solve(_dominant(a), b), 2, shapes=_SOLVE_MATRIX),
    OpCase("linalg.cholesky", lambda a: la.cholesky(_spd(a)),
           lambda a: np.linalg.cholesky(_spd(a)), shapes=_square()),
    OpCase("linalg.cholesky_upper", lambda a: la.cholesky(_spd(a), upper=True),
           lambda a: np.linalg.cholesky(_spd(a), upper=True), shapes=_square()),
    OpCase("linalg.eigh", lambda a: _ag_eigh_combined(*la.eigh(_separated(a))),
           lambda a: _eigh_combined(*np.linalg.eigh(_separated(a))), shapes=_square()),
    OpCase("linalg.eigh_upper", lambda a: _ag_eigh_combined(*la.eigh(_separated(a), "U")),
           lambda a: _eigh_combined(*np.linalg.eigh(_separated(a), UPLO="U")), shapes=_square()),
    OpCase("linalg.eigvalsh", lambda a: la.eigvalsh(_separated(a)),
           lambda a: np.linalg.eigvalsh(_separated(a)), shapes=_square()),
    OpCase("linalg.qr", lambda a: _qr_combined(*la.qr(_conditioned(a)), _ag_concat2),
           lambda a: _qr_combined(*np.linalg.qr(_conditioned(a)), _np_concat2),
           shapes=_matrices(min_rows_over_cols=1)),
    # norm: vectors (kinks of |x| at 0 avoided; inf norms on positive, distinct values)
    OpCase("linalg.norm", la.norm, np.linalg.norm, avoid=0.0),
    OpCase("linalg.norm_axis_keepdims", lambda x: la.norm(x, axis=-1, keepdims=True),
           lambda x: np.linalg.norm(x, axis=-1, keepdims=True), avoid=0.0, min_dims=1),
    OpCase("linalg.norm_ord1", lambda x: la.norm(x, 1, axis=0),
           lambda x: np.linalg.norm(x, 1, axis=0), avoid=0.0, min_dims=1),
    OpCase("linalg.norm_inf", lambda x: la.norm(x, np.inf, axis=-1),
           lambda x: np.linalg.norm(x, np.inf, axis=-1), low=0.1, distinct=True,
           shapes=_matrices()),
    OpCase("linalg.norm_neg_inf", lambda x: la.norm(x, -np.inf),
           lambda x: np.linalg.norm(x, -np.inf), low=0.1, distinct=True, shapes=_VECTORS),
    OpCase("linalg.norm_p3", lambda x: la.norm(x, 3, axis=-1),
           lambda x: np.linalg.norm(x, 3, axis=-1), avoid=0.0, min_dims=1),
    OpCase("linalg.norm_p_half", lambda x: la.norm(x, 0.5, axis=-1),
           lambda x: np.linalg.norm(x, 0.5, axis=-1), avoid=0.0, min_dims=1),
    OpCase("linalg.norm_ord0", lambda x: la.norm(x, 0, axis=-1),
           lambda x: np.linalg.norm(x, 0, axis=-1), avoid=0.0, min_dims=1),
    # norm: matrices
    OpCase("linalg.norm_fro", lambda x: la.norm(x, "fro", axis=(-2, -1)),
           lambda x: np.linalg.norm(x, "fro", axis=(-2, -1)), avoid=0.0, min_dims=2),
    OpCase("linalg.norm_matrix_1", lambda x: la.norm(x, 1), lambda x: np.linalg.norm(x, 1),
           low=0.1, distinct=True, shapes=_TWO_D),
    OpCase("linalg.norm_matrix_inf", lambda x: la.norm(x, np.inf, axis=(0, -1), keepdims=True),
           lambda x: np.linalg.norm(x, np.inf, axis=(0, -1), keepdims=True),
           low=0.1, distinct=True, shapes=_matrices()),
    OpCase("linalg.norm_matrix_2", lambda x: la.norm(_conditioned(x), 2, axis=(-2, -1)),
           lambda x: np.linalg.norm(_conditioned(x), 2, axis=(-2, -1)), shapes=_matrices()),
    OpCase("linalg.norm_matrix_neg2", lambda x: la.norm(_conditioned(x), -2, axis=(-1, -2)),
           lambda x: np.linalg.norm(_conditioned(x), -2, axis=(-1, -2)), shapes=_matrices()),
    OpCase("linalg.norm_nuc", lambda x: la.norm(_conditioned(x), "nuc", axis=(-2, -1)),
           lambda x: np.linalg.norm(_conditioned(x), "nuc", axis=(-2, -1)), shapes=_matrices()),
]  # fmt: skip
