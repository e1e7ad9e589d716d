"""Rows of the op table for sorting and indexing: sort, partition, take, take_along_axis, index_add.

Indices are built from the input's shape inside each row (deterministically), and repeat,
so that the gradients' accumulation is tested.
"""

from __future__ import annotations

import math

import numpy as np

import autograd_lite as ag
from autograd_lite.testing import strategies as ags

from .op_table import OpCase, like


def _repeating(count: int, n: int) -> np.ndarray:
    """``count`` indices into a length-``n`` axis that repeat (and include the last one)."""
    return (np.arange(count) * 3 + n - 1) % n


def _along(shape: tuple[int, ...], axis: int) -> np.ndarray:
    """Indices for take_along_axis: one more than the axis holds, so some repeat."""
    shape = (*shape[:axis], shape[axis] + 1, *shape[axis + 1 :])
    return _repeating(math.prod(shape), shape[axis] - 1).reshape(shape)


def _add_at_index(n: int) -> np.ndarray:
    return np.array([0, n - 1, 0])


def _np_index_add(x: np.ndarray, index: object, values: np.ndarray) -> np.ndarray:
    out = x.copy()
    np.add.at(out, index, values)
    return out


ORDER_OPS: list[OpCase] = [
    OpCase("sort", ag.sort, np.sort, min_dims=1, distinct=True),
    OpCase(
        "sort_axis0",
        lambda x: ag.sort(x, axis=0),
        lambda x: np.sort(x, axis=0),
        min_dims=1,
        distinct=True,
    ),
    OpCase(
        "sort_flattened",
        lambda x: ag.sort(x, axis=None),
        lambda x: np.sort(x, axis=None),
        distinct=True,
    ),
    OpCase(
        "partition",
        lambda x: ag.partition(x, x.shape[-1] // 2),
        lambda x: np.partition(x, x.shape[-1] // 2),
        min_dims=1,
        distinct=True,
    ),
    OpCase(
        "partition_kths_axis0",
        lambda x: ag.partition(x, sorted({0, x.shape[0] - 1}), axis=0),
        lambda x: np.partition(x, sorted({0, x.shape[0] - 1}), axis=0),
        min_dims=1,
        distinct=True,
    ),
    OpCase(
        "take_flattened",
        lambda x: ag.take(x, like(x, _repeating(6, x.size).reshape(2, 3))),
        lambda x: np.take(x, _repeating(6, x.size).reshape(2, 3)),
    ),
    OpCase(
        "take_axis",
        lambda x: ag.take(x, like(x, [0, -1, 0]), axis=-1),
        lambda x: np.take(x, np.array([0, -1, 0]), axis=-1),
        min_dims=1,
    ),
    OpCase(
        "take_wrap",
        lambda x: ag.take(x, like(x, [x.shape[0], -1, 2 * x.shape[0] + 1]), axis=0, mode="wrap"),
        lambda x: np.take(x, np.array([x.shape[0], -1, 2 * x.shape[0] + 1]), axis=0, mode="wrap"),
        min_dims=1,
    ),
    OpCase(
        "take_along_axis",
        lambda x: ag.take_along_axis(x, like(x, _along(x.shape, x.ndim - 1)), axis=-1),
        lambda x: np.take_along_axis(x, _along(x.shape, x.ndim - 1), axis=-1),
        min_dims=1,
    ),
    OpCase(
        "take_along_axis0",
        lambda x: ag.take_along_axis(x, like(x, _along(x.shape, 0)), axis=0),
        lambda x: np.take_along_axis(x, _along(x.shape, 0), axis=0),
        min_dims=1,
    ),
    OpCase(
        "take_along_axis_flattened",
        lambda x: ag.take_along_axis(x, like(x, _repeating(5, x.size)), axis=None),
        lambda x: np.take_along_axis(x, _repeating(5, x.size), axis=None),
    ),
    OpCase(
        "index_add",
        lambda x, v: ag.index_add(x, like(x, _add_at_index(x.shape[0])), v),
        lambda x, v: _np_index_add(x, _add_at_index(x.shape[0]), v),
        2,
        shapes=ags.shapes(min_dims=1).map(lambda s: (s, (3, *s[1:]))),
        numpy_fn=lambda x, v: ag.index_add(x, _add_at_index(x.shape[0]), v),
        min_dims=1,
    ),
    OpCase(
        "index_add_broadcast",
        lambda x, v: ag.index_add(x, like(x, _add_at_index(x.shape[0])), v),
        lambda x, v: _np_index_add(x, _add_at_index(x.shape[0]), v),
        2,
        shapes=ags.shapes(min_dims=1).map(lambda s: (s, s[1:])),
        numpy_fn=lambda x, v: ag.index_add(x, _add_at_index(x.shape[0]), v),
        min_dims=1,
    ),
]
