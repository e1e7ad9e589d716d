"""Rows for the elementwise math ops (autograd_lite/_ops_math.py), for the shared op table.

Values stay away from kinks, jumps and domain edges.  Where the raw range alone cannot do
that (rounding, remainder, a singularity at 0), the input is built inside ``fn`` (and the
same way in ``reference``): a raw value in (0.1, 0.4) plus a fixed integer per element, so
finite differences never cross an integer or a half-integer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis.extra import numpy as hnp

import autograd_lite as ag

from .op_table import OpCase, like


def _integers(x: Any, *others: Any) -> Any:
    """A fixed integer in [-3, 3] per element of the broadcast shape, in ``x``'s dtype."""
    shape = np.broadcast_shapes(x.shape, *(o.shape for o in others))
    size = int(np.prod(shape, dtype=np.int64))
    return like(x, (np.arange(size) % 7 - 3).reshape(shape), x.dtype)


def _away_from_zero(x: Any) -> Any:
    """``x`` moved 0.5 away from 0 (on its own side): |result| >= 0.51 with avoid=0."""
    return x + np.sign(x) * 0.5  # np.sign on a Tensor runs ag.sign (derivative 0)


def _quotient_input(a: Any, b: Any) -> Any:
    """A numerator whose quotient by ``b`` is ``q + 0.1 .. q + 0.9``, never an integer.

    ``a`` and ``b`` are in (0.5, 3); ``q`` is a fixed integer per element, negative too.
    """
    # The Tensor first: another library's array would refuse a Tensor on its left.
    return b * (0.32 * (a - 0.5) + _integers(a, b) + 0.1)


# Three small broadcastable shapes, so that distinct values (no near ties between a and
# its bounds) are easy to draw.
_THREE_SMALL = hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=2, max_side=3).map(
    lambda r: r.input_shapes
)

MATH_OPS: list[OpCase] = [
    OpCase("sin", ag.sin, np.sin),
    OpCase("cos", ag.cos, np.cos),
    OpCase("tan", ag.tan, np.tan, low=-1.2, high=1.2),
    OpCase("arcsin", ag.arcsin, np.arcsin, low=-0.9, high=0.9),
    OpCase("arccos", ag.arccos, np.arccos, low=-0.9, high=0.9),
    OpCase("arctan", ag.arctan, np.arctan),
    # Right half-plane (x2 > 0): no branch cut, no origin.
    OpCase(
        "arctan2",
        lambda y, x: ag.arctan2(y, x + 3.5),
        lambda y, x: np.arctan2(y, x + 3.5),
        2,
        broadcasts=True,
    ),
    # Upper half-plane (x1 > 0), x2 of both signs: away from the cut on the negative x2 axis.
    OpCase(
        "arctan2_upper",
        lambda y, x: ag.arctan2(y + 3.5, x),
        lambda y, x: np.arctan2(y + 3.5, x),
        2,
        broadcasts=True,
    ),
    OpCase("sinh", ag.sinh, np.sinh),
    OpCase("cosh", ag.cosh, np.cosh),
    OpCase("arcsinh", ag.arcsinh, np.arcsinh),
    OpCase("arccosh", ag.arccosh, np.arccosh, low=1.1, high=3.0),
    OpCase("arctanh", ag.arctanh, np.arctanh, low=-0.9, high=0.9),
    OpCase("exp2", ag.exp2, np.exp2),
    OpCase("expm1", ag.expm1, np.expm1),
    OpCase("log2", ag.log2, np.log2, low=0.1, high=5.0),
    OpCase("log10", ag.log10, np.log10, low=0.1, high=5.0),
    OpCase("log1p", ag.log1p, np.log1p, low=-0.9, high=3.0),
    OpCase("square", ag.square, np.square),
    OpCase(
        "reciprocal",
        lambda x: ag.reciprocal(_away_from_zero(x)),
        lambda x: np.reciprocal(_away_from_zero(x)),
        avoid=0.0,
    ),
    OpCase(
        "cbrt",
        lambda x: ag.cbrt(_away_from_zero(x)),
        lambda x: np.cbrt(_away_from_zero(x)),
        avoid=0.0,
    ),
    OpCase("fabs", ag.fabs, np.fabs, avoid=0.0),
    # Bounds no drawn value comes near (hypothesis favours 0, ±1, ±0.5, the range's ends).
    OpCase("clip", lambda x: ag.clip(x, -1.3, 0.7), lambda x: np.clip(x, -1.3, 0.7)),
    OpCase("clip_upper", lambda x: ag.clip(x, None, 0.7), lambda x: np.clip(x, None, 0.7)),
    OpCase(
        "clip_lower_keyword",
        lambda x: ag.clip(x, min=-1.3),
        lambda x: np.clip(x, -1.3, None),
        numpy_fn=lambda x: np.clip(x, min=-1.3),
    ),
    # Tensor bounds, broadcast; a_min > a_max happens too (the result is a_max there).
    OpCase(
        "clip_tensor_bounds",
        ag.clip,
        np.clip,
        3,
        broadcasts=True,
        distinct=True,
        shapes=_THREE_SMALL,
    ),
    OpCase("logaddexp", ag.logaddexp, np.logaddexp, 2, broadcasts=True),
    OpCase("logaddexp2", ag.logaddexp2, np.logaddexp2, 2, broadcasts=True),
    OpCase("hypot", ag.hypot, np.hypot, 2, broadcasts=True, avoid=0.0),
    OpCase("deg2rad", ag.deg2rad, np.deg2rad),
    OpCase("rad2deg", ag.rad2deg, np.rad2deg, numpy_fn=np.degrees),
    OpCase(
        "remainder",
        lambda a, b: ag.remainder(_quotient_input(a, b), b),
        lambda a, b: np.remainder(_quotient_input(a, b), b),
        2,
        broadcasts=True,
        low=0.5,
        high=3.0,
    ),
    OpCase(
        "fmod",
        lambda a, b: ag.fmod(_quotient_input(a, b), b),
        lambda a, b: np.fmod(_quotient_input(a, b), b),
        2,
        broadcasts=True,
        low=0.5,
        high=3.0,
    ),
    OpCase(
        "nan_to_num",
        lambda x: ag.nan_to_num(x, nan=1.0, posinf=2.0),
        lambda x: np.nan_to_num(x, nan=1.0, posinf=2.0),
    ),
    # NaN where x < 0 and -inf where x > 2.1234 (replaced: gradient 0), x elsewhere.
    OpCase(
        "nan_to_num_nonfinite",
        lambda x: ag.nan_to_num(
            ag.where(x < 0, np.nan, ag.where(x > 2.1234, -np.inf, x)), nan=0.5, neginf=-4.0
        ),
        lambda x: np.nan_to_num(
            np.where(x < 0, np.nan, np.where(x > 2.1234, -np.inf, x)), nan=0.5, neginf=-4.0
        ),
        avoid=0.0,
    ),
    # Rounding: raw x in (0.1, 0.4) plus an integer never reaches an integer or a tie.
    OpCase(
        "floor",
        lambda x: ag.floor(x + _integers(x)),
        lambda x: np.floor(x + _integers(x)),
        low=0.1,
        high=0.4,
    ),
    OpCase(
        "ceil",
        lambda x: ag.ceil(x + _integers(x)),
        lambda x: np.ceil(x + _integers(x)),
        low=0.1,
        high=0.4,
    ),
    OpCase(
        "trunc",
        lambda x: ag.trunc(x + _integers(x)),
        lambda x: np.trunc(x + _integers(x)),
        low=0.1,
        high=0.4,
    ),
    OpCase(
        "rint",
        lambda x: ag.rint(x + _integers(x)),
        lambda x: np.rint(x + _integers(x)),
        low=0.1,
        high=0.4,
    ),
    OpCase(
        "round",
        lambda x: ag.round(x + _integers(x)),
        lambda x: np.round(x + _integers(x)),
        low=0.1,
        high=0.4,
    ),
    # decimals=1: 0.1 (q + x) is 0.01 .. 0.04 past a multiple of 0.1, never near a tie.
    OpCase(
        "round_decimals",
        lambda x: ag.round((x + _integers(x)) * 0.1, 1),
        lambda x: np.round((x + _integers(x)) * 0.1, 1),
        low=0.1,
        high=0.4,
        numpy_fn=lambda x: np.around((x + _integers(x)) * 0.1, decimals=1),
    ),
]
