"""Rows of the op table for the shape and join functions (autograd_lite/_ops_arrange.py).

Functions that return several Tensors (the ``split`` family, ``atleast_*d`` of several
inputs) are joined into one Tensor, each piece weighted by a different factor, so that
every piece's gradient is checked.  Every ``fn`` also works on the inputs the compile test
uses (shape ``(3, 3)``, or ``(3,) * min_dims``), whatever its ``shapes`` strategy draws.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

import autograd_lite as ag

from .op_table import OpCase, like

# The lead exports these as ag.<name>; until then, the module's own functions.
A: Any = ag


def _weighted(pieces: Any, axis: int = 0) -> Any:
    """The pieces joined along ``axis``, piece ``i`` times ``i + 1`` (Tensors)."""
    return ag.concatenate(*[p * (i + 1) for i, p in enumerate(pieces)], axis=axis)


def _np_weighted(pieces: Any, axis: int = 0) -> Any:
    """The same through NumPy's functions (on arrays, or on Tensors via dispatch)."""
    return np.concatenate([p * (i + 1) for i, p in enumerate(pieces)], axis=axis)


def _flat_weighted(pieces: Any) -> Any:
    return ag.concatenate(*[ag.reshape(p, (-1,)) * (i + 1) for i, p in enumerate(pieces)])


def _np_flat_weighted(pieces: Any) -> Any:
    return np.concatenate([np.ravel(p) * (i + 1) for i, p in enumerate(pieces)])


def _sections(n: int) -> int:
    """A number of equal sections that divides ``n``, more than one where one can."""
    return next(d for d in (2, 3, 1) if n % d == 0)


def _widths(x: Any) -> list[tuple[int, int]]:
    """Different pad widths for each axis, some of them 0."""
    return [(i % 2, 1 + i % 3) for i in range(x.ndim)]


def _repeats(x: Any) -> Any:
    """Counts 0, 1, 2, 0, ... for the elements along axis 0 (a count of 0 drops one)."""
    return np.arange(x.shape[0]) % 3


_one_d = st.tuples(st.tuples(st.integers(1, 4)))
_two_d = st.tuples(st.tuples(st.integers(1, 4), st.integers(1, 4)))

ARRANGE_OPS: list[OpCase] = [
    # ---------------------------------------------------------------- reshaping
    OpCase("ravel", A.ravel, np.ravel),
    OpCase("ravel_F", lambda x: A.ravel(x, order="F"), lambda x: np.ravel(x, order="F")),
    OpCase(
        "ravel_K_transposed",
        lambda x: A.ravel(x.T, order="K"),
        lambda x: np.ravel(x.T, order="K"),
        min_dims=2,
    ),
    OpCase("expand_dims", lambda x: A.expand_dims(x, 0), lambda x: np.expand_dims(x, 0)),
    OpCase("expand_dims_negative", lambda x: A.expand_dims(x, -1), lambda x: np.expand_dims(x, -1)),
    OpCase(
        "expand_dims_tuple",
        lambda x: A.expand_dims(x, (0, -1)),
        lambda x: np.expand_dims(x, (0, -1)),
    ),
    OpCase("squeeze", A.squeeze, np.squeeze),
    OpCase(
        "squeeze_axis",
        lambda x: A.squeeze(x[:1], axis=0),
        lambda x: np.squeeze(x[:1], axis=0),
        min_dims=1,
    ),
    OpCase(
        "squeeze_negative_axis",
        lambda x: A.squeeze(x[..., :1], axis=-1),
        lambda x: np.squeeze(x[..., :1], axis=-1),
        min_dims=1,
    ),
    OpCase("moveaxis", lambda x: A.moveaxis(x, 0, -1), lambda x: np.moveaxis(x, 0, -1), min_dims=1),
    OpCase(
        "moveaxis_several",
        lambda x: A.moveaxis(x, (0, 1), (-1, -2)),
        lambda x: np.moveaxis(x, (0, 1), (-1, -2)),
        min_dims=2,
    ),
    OpCase("rollaxis", lambda x: A.rollaxis(x, -1), lambda x: np.rollaxis(x, -1), min_dims=1),
    OpCase(
        "rollaxis_start",
        lambda x: A.rollaxis(x, 0, 2),
        lambda x: np.rollaxis(x, 0, 2),
        min_dims=2,
    ),
    OpCase(
        "swapaxes", lambda x: ag.swapaxes(x, 0, -1), lambda x: np.swapaxes(x, 0, -1), min_dims=1
    ),
    OpCase(
        "broadcast_to",
        lambda x: ag.broadcast_to(x, (2, *x.shape)),
        lambda x: np.broadcast_to(x, (2, *x.shape)),
    ),
    # ---------------------------------------------------------------- repeating
    OpCase("repeat", lambda x: A.repeat(x, 2), lambda x: np.repeat(x, 2)),
    OpCase(
        "repeat_axis",
        lambda x: A.repeat(x, 3, axis=-1),
        lambda x: np.repeat(x, 3, axis=-1),
        min_dims=1,
    ),
    OpCase(
        "repeat_counts",
        lambda x: A.repeat(x, like(x, _repeats(x)), axis=0),
        lambda x: np.repeat(x, _repeats(x), axis=0),
        min_dims=1,
    ),
    OpCase("tile", lambda x: A.tile(x, 2), lambda x: np.tile(x, 2)),
    OpCase("tile_more_dims", lambda x: A.tile(x, (2, 1, 3)), lambda x: np.tile(x, (2, 1, 3))),
    OpCase(
        "tile_fewer_reps",
        lambda x: A.tile(x, (2,)),
        lambda x: np.tile(x, (2,)),
        min_dims=2,
    ),
    # ---------------------------------------------------------------- reversing, rotating
    OpCase("flip", A.flip, np.flip),
    OpCase("flip_axis", lambda x: A.flip(x, -1), lambda x: np.flip(x, -1), min_dims=1),
    OpCase("flip_axes", lambda x: A.flip(x, (0, -1)), lambda x: np.flip(x, (0, -1)), min_dims=2),
    OpCase("fliplr", A.fliplr, np.fliplr, min_dims=2),
    OpCase("flipud", A.flipud, np.flipud, min_dims=1),
    OpCase("roll", lambda x: A.roll(x, 2), lambda x: np.roll(x, 2)),
    OpCase(
        "roll_axis",
        lambda x: A.roll(x, -1, axis=-1),
        lambda x: np.roll(x, -1, axis=-1),
        min_dims=1,
    ),
    OpCase(
        "roll_axes",
        lambda x: A.roll(x, (1, 2, 3), axis=(0, 1, 0)),
        lambda x: np.roll(x, (1, 2, 3), axis=(0, 1, 0)),
        min_dims=2,
    ),
    OpCase("rot90", A.rot90, np.rot90, min_dims=2),
    OpCase("rot90_k2", lambda x: A.rot90(x, 2), lambda x: np.rot90(x, 2), min_dims=2),
    OpCase(
        "rot90_k3_axes",
        lambda x: A.rot90(x, 3, axes=(-1, 0)),
        lambda x: np.rot90(x, 3, axes=(-1, 0)),
        min_dims=2,
    ),
    OpCase(
        "rot90_negative_k",
        lambda x: A.rot90(x, -1, axes=(1, 0)),
        lambda x: np.rot90(x, -1, axes=(1, 0)),
        min_dims=2,
    ),
    # ---------------------------------------------------------------- padding
    OpCase("pad", lambda x: A.pad(x, 1), lambda x: np.pad(x, 1)),
    OpCase(
        "pad_widths_constant_values",
        lambda x: A.pad(x, _widths(x), constant_values=(1.5, -2.0)),
        lambda x: np.pad(x, _widths(x), constant_values=(1.5, -2.0)),
        min_dims=1,
    ),
    OpCase(
        "pad_edge",
        lambda x: A.pad(x, (1, 2), mode="edge"),
        lambda x: np.pad(x, (1, 2), mode="edge"),
        min_dims=1,
    ),
    OpCase(
        "pad_reflect",
        lambda x: A.pad(x, _widths(x), mode="reflect"),
        lambda x: np.pad(x, _widths(x), mode="reflect"),
        min_dims=1,
    ),
    OpCase(
        "pad_reflect_odd",
        lambda x: A.pad(x, (3, 2), mode="reflect", reflect_type="odd"),
        lambda x: np.pad(x, (3, 2), mode="reflect", reflect_type="odd"),
        min_dims=1,
    ),
    OpCase(
        "pad_symmetric",
        lambda x: A.pad(x, (5, 1), mode="symmetric"),
        lambda x: np.pad(x, (5, 1), mode="symmetric"),
        min_dims=1,
    ),
    OpCase(
        "pad_wrap",
        lambda x: A.pad(x, _widths(x), mode="wrap"),
        lambda x: np.pad(x, _widths(x), mode="wrap"),
        min_dims=1,
    ),
    # ---------------------------------------------------------------- diagonals, triangles
    OpCase("diag_of_vector", A.diag, np.diag, shapes=_one_d),
    OpCase(
        "diag_of_vector_k",
        lambda x: A.diag(x, 2),
        lambda x: np.diag(x, 2),
        shapes=_one_d,
    ),
    OpCase(
        "diag_of_vector_negative_k",
        lambda x: A.diag(x, -1),
        lambda x: np.diag(x, -1),
        shapes=_one_d,
    ),
    OpCase("diag_of_matrix", A.diag, np.diag, shapes=_two_d),
    OpCase("diag_of_matrix_k", lambda x: A.diag(x, 1), lambda x: np.diag(x, 1), shapes=_two_d),
    OpCase(
        "diag_of_matrix_negative_k",
        lambda x: A.diag(x, -2),
        lambda x: np.diag(x, -2),
        shapes=_two_d,
    ),
    OpCase("diagonal", A.diagonal, np.diagonal, min_dims=2),
    OpCase(
        "diagonal_offset_axes",
        lambda x: A.diagonal(x, offset=1, axis1=-1, axis2=0),
        lambda x: np.diagonal(x, offset=1, axis1=-1, axis2=0),
        min_dims=2,
    ),
    OpCase(
        "diagonal_negative_offset",
        lambda x: A.diagonal(x, -1),
        lambda x: np.diagonal(x, -1),
        min_dims=2,
    ),
    OpCase(
        "diagonal_3d",
        lambda x: A.diagonal(x, 0, 0, 2),
        lambda x: np.diagonal(x, 0, 0, 2),
        min_dims=3,
    ),
    OpCase("trace", A.trace, np.trace, min_dims=2),
    OpCase(
        "trace_offset_axes",
        lambda x: A.trace(x, -1, axis1=1, axis2=0),
        lambda x: np.trace(x, -1, axis1=1, axis2=0),
        min_dims=2,
    ),
    OpCase("tril", A.tril, np.tril, min_dims=1),
    OpCase("tril_k", lambda x: A.tril(x, k=-1), lambda x: np.tril(x, k=-1), min_dims=1),
    OpCase("triu", A.triu, np.triu, min_dims=1),
    OpCase("triu_k", lambda x: A.triu(x, k=1), lambda x: np.triu(x, k=1), min_dims=1),
    # ---------------------------------------------------------------- at least n-d
    OpCase("atleast_1d", A.atleast_1d, np.atleast_1d),
    OpCase("atleast_2d", A.atleast_2d, np.atleast_2d),
    OpCase("atleast_3d", A.atleast_3d, np.atleast_3d),
    OpCase(
        "atleast_2d_several",
        lambda x, y: _flat_weighted(A.atleast_2d(x, y)),
        lambda x, y: _np_flat_weighted(np.atleast_2d(x, y)),
        2,
    ),
    OpCase(
        "atleast_3d_several",
        lambda x, y: _flat_weighted(A.atleast_3d(x, y)),
        lambda x, y: _np_flat_weighted(np.atleast_3d(x, y)),
        2,
    ),
    # ---------------------------------------------------------------- splitting
    OpCase(
        "split_sections",
        lambda x: _weighted(A.split(x, _sections(x.shape[0]))),
        lambda x: _np_weighted(np.split(x, _sections(x.shape[0]))),
        min_dims=1,
    ),
    OpCase(
        "split_indices",
        lambda x: _weighted(A.split(x, [1, 3], axis=-1), axis=-1),
        lambda x: _np_weighted(np.split(x, [1, 3], axis=-1), axis=-1),
        min_dims=1,
    ),
    OpCase(
        "array_split",
        lambda x: _weighted(A.array_split(x, 3, axis=-1), axis=-1),
        lambda x: _np_weighted(np.array_split(x, 3, axis=-1), axis=-1),
        min_dims=1,
    ),
    OpCase(
        "array_split_indices",
        lambda x: _weighted(A.array_split(x, [2, 1, -1])),
        lambda x: _np_weighted(np.array_split(x, [2, 1, -1])),
        min_dims=1,
    ),
    OpCase(
        "hsplit",
        lambda x: _weighted(A.hsplit(x, [1]), axis=1 if x.ndim > 1 else 0),
        lambda x: _np_weighted(np.hsplit(x, [1]), axis=1 if x.ndim > 1 else 0),
        min_dims=1,
    ),
    OpCase(
        "vsplit",
        lambda x: _weighted(A.vsplit(x, _sections(x.shape[0]))),
        lambda x: _np_weighted(np.vsplit(x, _sections(x.shape[0]))),
        min_dims=2,
    ),
    OpCase(
        "dsplit",
        lambda x: _weighted(A.dsplit(x, _sections(x.shape[2])), axis=2),
        lambda x: _np_weighted(np.dsplit(x, _sections(x.shape[2])), axis=2),
        min_dims=3,
    ),
    # ---------------------------------------------------------------- joining
    OpCase("hstack", lambda x, y: A.hstack([x, y]), lambda x, y: np.hstack([x, y]), 2),
    OpCase("vstack", lambda x, y: A.vstack((x, y)), lambda x, y: np.vstack((x, y)), 2),
    OpCase("dstack", lambda x, y: A.dstack([x, y]), lambda x, y: np.dstack([x, y]), 2),
    OpCase(
        "column_stack",
        lambda x, y: A.column_stack([x, y]),
        lambda x, y: np.column_stack([x, y]),
        2,
    ),
    OpCase(
        "hstack_three",
        lambda x, y: A.hstack([x, y * 2, x]),
        lambda x, y: np.hstack([x, y * 2, x]),
        2,
    ),
    OpCase("append", A.append, np.append, 2),
    OpCase(
        "append_axis",
        lambda x, y: A.append(x, y, axis=0),
        lambda x, y: np.append(x, y, axis=0),
        2,
        min_dims=1,
    ),
    OpCase(
        "append_constant",
        lambda x: A.append(x, like(x, np.full(2, 1.5), x.dtype)),
        lambda x: np.append(x, np.full(2, 1.5, dtype=x.dtype)),
    ),
    # ---------------------------------------------------------------- array
    # np.array cannot dispatch to Tensors (NumPy gives no hook), so numpy_fn is ag.array's.
    OpCase(
        "array_of_sums_and_numbers",
        lambda x, y: A.array([[ag.sum(x), 1.0], [2.0, ag.sum(y)]]),
        lambda x, y: np.array([[np.sum(x), 1.0], [2.0, np.sum(y)]]),
        2,
        numpy_fn=lambda x, y: A.array([[ag.sum(x), 1.0], [2.0, ag.sum(y)]]),
    ),
    OpCase(
        "array_nested",
        lambda x, y: A.array([[x, y], [y, x]]),
        lambda x, y: np.array([[x, y], [y, x]]),
        2,
        numpy_fn=lambda x, y: A.array([[x, y], [y, x]]),
    ),
    OpCase(
        "array_with_constant",
        lambda x, y: A.array((x, like(x, np.full(x.shape, 0.5), x.dtype), y)),
        lambda x, y: np.array((x, np.full(x.shape, 0.5, dtype=x.dtype), y)),
        2,
        numpy_fn=lambda x, y: A.array((x, np.full(x.shape, 0.5, dtype=x.dtype), y)),
    ),
]
