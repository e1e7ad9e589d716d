"""Arithmetic: the derivative rules of + - * / ** @ and unary minus.

Each VJP returns the gradient at the broadcast output shape; the engine sums it back
to its input's shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _dispatch
from ._arrays import asarray, reshape
from ._ops_elementwise import log, where
from ._primitive import Primitive, primitive

add: Primitive = primitive(np.add)
add.__doc__ = "Elementwise ``a + b`` with broadcasting."
add.defvjp(
    lambda g, out, a, b: g,
    lambda g, out, a, b: g,
)

subtract: Primitive = primitive(np.subtract)
subtract.__doc__ = "Elementwise ``a - b`` with broadcasting."
subtract.defvjp(
    lambda g, out, a, b: g,
    lambda g, out, a, b: -g,
)

multiply: Primitive = primitive(np.multiply)
multiply.__doc__ = "Elementwise ``a * b`` with broadcasting."
multiply.defvjp(
    lambda g, out, a, b: g * b,
    lambda g, out, a, b: g * a,
)

divide: Primitive = primitive(np.divide)
divide.__doc__ = "Elementwise ``a / b`` with broadcasting."
divide.defvjp(
    lambda g, out, a, b: g / b,
    lambda g, out, a, b: -g * out / b,
)

negative: Primitive = primitive(np.negative)
negative.__doc__ = "Elementwise ``-x``."
negative.defvjp(lambda g, out, x: -g)


@primitive
def power(x, p):  # type: ignore[no-untyped-def]
    """Elementwise ``x ** p`` with broadcasting.

    The gradient for the base is ``p * x ** (p - 1)``, and exactly 0 where ``p == 0``
    (``x ** 0`` is the constant 1, also at ``x = 0``, so all its derivatives are 0 there).
    At ``x = 0`` it is the analytic value: 0 for ``p > 1``, 1 for ``p == 1``, inf for
    ``0 < p < 1``.  The gradient for the exponent, ``out * log(x)``, is taken as 0 where
    ``x <= 0`` (where the real power is not differentiable in ``p``).
    """
    return np.power(x, p)


def _power_vjp_x(g, out, x, p):  # type: ignore[no-untyped-def]
    if isinstance(p, (int, float)):  # a Python constant: the case is known here
        return where(False, g, 0) if p == 0 else g * p * x ** (p - 1)
    # x ** (p - 1) is taken with the exponent 1 where p == 0, so that it is never 0 ** -1
    # (0 * inf = NaN at x = 0); where() then gives exactly 0 there, as do its derivatives.
    zero = p == 0
    return where(zero, 0, g * p * x ** where(zero, 1, p - 1))


power.defvjp(
    _power_vjp_x,
    lambda g, out, x, p: where(x > 0, g * out * log(where(x > 0, x, 1)), 0),
)


matmul: Primitive = primitive(np.matmul)
matmul.__doc__ = "Matrix product ``a @ b`` with NumPy's rules for 1-D and stacked operands."


def _mT(x: Any) -> Any:
    """Transpose of the last two axes (the matrix transpose of a stack of matrices)."""
    return x.T if x.ndim == 2 else x.mT


# The rules read the other operand and g only (never their own input), so that a
# product like ``W1 @ X`` keeps just X alive for W1's gradient.  Which operand is a
# vector shows in g's rank: out = a @ b drops one axis for each vector operand.
def _matmul_vjp_a(g, out, a, b):  # type: ignore[no-untyped-def]
    if not hasattr(b, "ndim"):  # the operand was given as a list
        b = asarray(b)
    if b.ndim == 1:  # (..., n, k) @ (k,), or a dot product
        return g[..., None] * b if g.ndim else g * b
    if g.ndim == b.ndim - 1:  # a is a vector: (k,) @ (..., k, m)
        return (b @ g[..., None])[..., 0]
    if b.ndim == 2 and g.ndim > 2:  # a stack times one matrix: one product of the rows
        return reshape(reshape(g, (-1, g.shape[-1])) @ b.T, (*g.shape[:-1], b.shape[0]))
    return g @ (b.T if b.ndim == 2 else b.mT)


def _matmul_vjp_b(g, out, a, b):  # type: ignore[no-untyped-def]
    if not hasattr(a, "ndim"):  # the operand was given as a list
        a = asarray(a)
    if a.ndim == 1:  # (k,) @ (..., k, m), or a dot product
        return a[:, None] * g[..., None, :] if g.ndim else g * a
    if g.ndim == a.ndim - 1:  # b is a vector: (..., n, k) @ (k,)
        return (_mT(a) @ g[..., None])[..., 0]
    return (a.T if a.ndim == 2 else a.mT) @ g


matmul.defvjp(_matmul_vjp_a, _matmul_vjp_b)

# NumPy's own functions on Tensors run these ops (see _dispatch.py).
NUMPY = {
    np.add: add,
    np.subtract: subtract,
    np.multiply: multiply,
    np.divide: divide,
    np.power: power,
    np.negative: negative,
    np.matmul: matmul,
}
_dispatch.register(NUMPY)
