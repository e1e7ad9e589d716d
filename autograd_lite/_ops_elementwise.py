"""Elementwise functions and their derivatives.

Conventions at kinks, chosen as exact values: ``relu'(0) = 0``; ``abs'(0) = 0``;
``maximum`` and ``minimum`` give a tie's gradient in equal halves to both inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _dispatch
from ._arrays import asarray, dtype_kind, times_mask
from ._primitive import Primitive, primitive

exp: Primitive = primitive(np.exp)
exp.__doc__ = "Elementwise ``e ** x``."
exp.defvjp(lambda g, out, x: g * out)

log: Primitive = primitive(np.log)
log.__doc__ = "Elementwise natural logarithm."
log.defvjp(lambda g, out, x: g / x)

sqrt: Primitive = primitive(np.sqrt)
sqrt.__doc__ = "Elementwise square root."
sqrt.defvjp(lambda g, out, x: g / (2 * out))

tanh: Primitive = primitive(np.tanh)
tanh.__doc__ = "Elementwise hyperbolic tangent."
tanh.defvjp(lambda g, out, x: g * (1 - out * out))


@primitive
def sigmoid(x):  # type: ignore[no-untyped-def]
    """Elementwise logistic function ``1 / (1 + exp(-x))``.

    Computed from ``exp(-|x|)``, which never overflows, so ``sigmoid(±1000)`` is exactly
    1 and 0 without warnings.
    """
    x = asarray(x)
    if dtype_kind(x.dtype) != "f":
        if dtype_kind(x.dtype) not in "biu":
            raise TypeError(f"expects a real input, got dtype {x.dtype}")
        # The float type np.exp would use; -|x| of an unsigned integer would wrap around.
        x = x.astype(np.result_type(x.dtype, np.float16))
    return sigmoid_from_exp(x, np.exp(-np.abs(x)))


def sigmoid_from_exp(x: Any, exp_neg_abs: Any) -> Any:
    """``sigmoid(x)`` of a float array, given ``exp(-|x|)``."""
    return np.where(x >= 0, 1, exp_neg_abs) / (1 + exp_neg_abs)


sigmoid.defvjp(lambda g, out, x: g * out * (1 - out))


@primitive
def relu(x):  # type: ignore[no-untyped-def]
    """Elementwise ``max(x, 0)``; its derivative at 0 is taken as 0."""
    return np.maximum(x, 0)


relu.defvjp(lambda g, out, x: times_mask(g, x > 0))


@primitive
def sign(x):  # type: ignore[no-untyped-def]
    """Elementwise sign (-1, 0 or 1); its derivative is 0 everywhere it exists."""
    return np.sign(x)


sign.defvjp(lambda g, out, x: g * 0)


absolute: Primitive = primitive(np.absolute)
absolute.__doc__ = "Elementwise ``|x|``; its derivative at 0 is taken as 0."
absolute.defvjp(lambda g, out, x: g * sign(x))


@primitive
def where(condition, x, y):  # type: ignore[no-untyped-def]
    """Elements of ``x`` where ``condition`` holds, of ``y`` elsewhere (with broadcasting)."""
    return np.where(condition, x, y)


where.defvjp(
    None,
    lambda g, out, condition, x, y: where(condition, g, 0),
    lambda g, out, condition, x, y: where(condition, 0, g),
)


@primitive
def maximum(a, b):  # type: ignore[no-untyped-def]
    """Elementwise larger of ``a`` and ``b``; a tie sends half the gradient to each."""
    return np.maximum(a, b)


maximum.defvjp(
    lambda g, out, a, b: times_mask(g, a > b) + 0.5 * times_mask(g, a == b),
    lambda g, out, a, b: times_mask(g, b > a) + 0.5 * times_mask(g, a == b),
)


@primitive
def minimum(a, b):  # type: ignore[no-untyped-def]
    """Elementwise smaller of ``a`` and ``b``; a tie sends half the gradient to each."""
    return np.minimum(a, b)


minimum.defvjp(
    lambda g, out, a, b: times_mask(g, a < b) + 0.5 * times_mask(g, a == b),
    lambda g, out, a, b: times_mask(g, b < a) + 0.5 * times_mask(g, a == b),
)

# NumPy's own functions on Tensors run these ops (see _dispatch.py).
NUMPY = {
    np.exp: exp,
    np.log: log,
    np.sqrt: sqrt,
    np.tanh: tanh,
    np.absolute: absolute,
    np.sign: sign,
    np.maximum: maximum,
    np.minimum: minimum,
    np.where: where,
}
_dispatch.register(NUMPY)
