"""Rows of the op table for the statistics family (autograd_lite/_ops_stats.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_lite as ag
from autograd_lite import _ops_stats as stats
from autograd_lite.testing import strategies as ags

from .op_table import OpCase


def _np_logsumexp(x: np.ndarray, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
    top = np.max(x, axis=axis, keepdims=True)
    shift = top if keepdims else np.max(x, axis=axis)
    return np.log(np.sum(np.exp(x - top), axis=axis, keepdims=keepdims)) + shift


def _lanes_of_two() -> Any:
    """One input with every side >= 2 (so ``n - ddof`` > 0 with ddof=1)."""
    return ags.shapes(min_dims=1, min_side=2).map(lambda s: (s,))


# Products of up to 64 elements stay moderate in (-1.5, 1.5).
_P = {"low": -1.5, "high": 1.5}

STATS_OPS: list[OpCase] = [
    # ------------------------------------------------------------ prod
    OpCase("prod", stats.prod, np.prod, **_P),
    OpCase(
        "prod_axis",
        lambda x: stats.prod(x, axis=0),
        lambda x: np.prod(x, axis=0),
        min_dims=1,
        **_P,
    ),
    OpCase(
        "prod_keepdims",
        lambda x: stats.prod(x, axis=-1, keepdims=True),
        lambda x: np.prod(x, axis=-1, keepdims=True),
        min_dims=1,
        **_P,
    ),
    OpCase(
        "prod_axes",
        lambda x: stats.prod(x, axis=(0, -1)),
        lambda x: np.prod(x, axis=(0, -1)),
        min_dims=2,
        **_P,
    ),
    OpCase(
        "multiply_reduce",
        lambda x: stats.prod(x, axis=0),
        lambda x: np.multiply.reduce(x),
        min_dims=1,
        **_P,
    ),
    # ------------------------------------------------------------ var, std
    OpCase("var", stats.var, np.var),
    OpCase("var_axis", lambda x: stats.var(x, axis=-1), lambda x: np.var(x, axis=-1), min_dims=1),
    OpCase(
        "var_ddof1_axis0",
        lambda x: stats.var(x, axis=0, ddof=1),
        lambda x: np.var(x, axis=0, ddof=1),
        shapes=_lanes_of_two(),
    ),
    OpCase(
        "var_keepdims",
        lambda x: stats.var(x, axis=(0, -1), keepdims=True),
        lambda x: np.var(x, axis=(0, -1), keepdims=True),
        min_dims=2,
    ),
    OpCase("std", stats.std, np.std, distinct=True),
    OpCase(
        "std_axis",
        lambda x: stats.std(x, axis=-1),
        lambda x: np.std(x, axis=-1),
        min_dims=1,
        distinct=True,
    ),
    OpCase(
        "std_ddof1_keepdims",
        lambda x: stats.std(x, axis=0, ddof=1, keepdims=True),
        lambda x: np.std(x, axis=0, ddof=1, keepdims=True),
        shapes=_lanes_of_two(),
        distinct=True,
    ),
    # ------------------------------------------------------------ cumsum, cumprod
    OpCase("cumsum_flat", stats.cumsum, np.cumsum),
    OpCase(
        "cumsum_axis",
        lambda x: stats.cumsum(x, axis=-1),
        lambda x: np.cumsum(x, axis=-1),
        min_dims=1,
    ),
    OpCase(
        "add_accumulate",
        lambda x: stats.cumsum(x, axis=0),
        lambda x: np.add.accumulate(x),
        min_dims=1,
    ),
    OpCase("cumprod_flat", stats.cumprod, np.cumprod, **_P),
    OpCase(
        "cumprod_axis",
        lambda x: stats.cumprod(x, axis=-1),
        lambda x: np.cumprod(x, axis=-1),
        min_dims=1,
        **_P,
    ),
    OpCase(
        "multiply_accumulate",
        lambda x: stats.cumprod(x, axis=0),
        lambda x: np.multiply.accumulate(x),
        min_dims=1,
        **_P,
    ),
    # ------------------------------------------------------------ logsumexp
    OpCase(
        "logsumexp",
        stats.logsumexp,
        _np_logsumexp,
    ),
    OpCase(
        "logsumexp_axis",
        lambda x: stats.logsumexp(x, axis=-1),
        lambda x: _np_logsumexp(x, axis=-1),
        min_dims=1,
    ),
    OpCase(
        "logsumexp_keepdims",
        lambda x: stats.logsumexp(x, axis=0, keepdims=True),
        lambda x: _np_logsumexp(x, axis=0, keepdims=True),
        min_dims=1,
    ),
    # ------------------------------------------------------------ amax, amin, ptp
    OpCase("amax", stats.amax, np.amax, distinct=True),
    OpCase(
        "amax_axis",
        lambda x: stats.amax(x, axis=0),
        lambda x: np.amax(x, axis=0),
        min_dims=1,
        distinct=True,
    ),
    OpCase("amin", stats.amin, np.amin, distinct=True),
    OpCase("ptp", stats.ptp, np.ptp, distinct=True),
    OpCase(
        "ptp_axis_keepdims",
        lambda x: stats.ptp(x, axis=-1, keepdims=True),
        lambda x: np.ptp(x, axis=-1, keepdims=True),
        min_dims=1,
        distinct=True,
    ),
    # ------------------------------------------------------------ average
    OpCase(
        "average_noweights_axis",
        lambda x: stats.average(x, axis=0),
        lambda x: np.average(x, axis=0),
        min_dims=1,
    ),
    OpCase(
        "average",
        lambda a, w: stats.average(a, weights=w),
        lambda a, w: np.average(a, weights=w),
        2,
        low=0.5,
        high=2.0,
    ),
    OpCase(
        "average_axis_1d_weights",
        lambda a, w: stats.average(a, axis=-1, weights=w),
        lambda a, w: np.average(a, axis=-1, weights=w),
        2,
        low=0.5,
        high=2.0,
        shapes=ags.shapes(min_dims=1).map(lambda s: (s, s[-1:])),
    ),
    OpCase(
        "average_returned_keepdims",
        lambda a, w: ag.add(*stats.average(a, axis=0, weights=w, returned=True, keepdims=True)),
        lambda a, w: np.add(*np.average(a, axis=0, weights=w, returned=True, keepdims=True)),
        2,
        low=0.5,
        high=2.0,
        min_dims=1,
    ),
]
