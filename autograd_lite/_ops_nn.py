"""Softmax and log-softmax along an axis, computed stably (shifted by the maximum)."""

from __future__ import annotations

import numpy as np

from ._arrays import array_sum
from ._ops_elementwise import exp
from ._primitive import primitive


@primitive
def softmax(x, axis=-1):  # type: ignore[no-untyped-def]
    """``exp(x) / sum(exp(x))`` along ``axis``; finite for logits of any size."""
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


softmax.defvjp(lambda g, out, x, axis=-1: out * (g - array_sum(g * out, axis, True)))


@primitive
def log_softmax(x, axis=-1):  # type: ignore[no-untyped-def]
    """``x - log(sum(exp(x)))`` along ``axis``; finite for logits of any size."""
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


log_softmax.defvjp(lambda g, out, x, axis=-1: g - exp(out) * array_sum(g, axis, True))
