"""Elementwise mathematical functions: trigonometric, hyperbolic, logarithmic, rounding.

Every op has NumPy's name and arguments, and its VJP is written with autograd_lite's own
ops, so every one can be differentiated again.  Float32 inputs give float32 results and
gradients.

Conventions, chosen as exact values where the derivative does not exist:

- ``floor``, ``ceil``, ``trunc``, ``rint`` and ``round`` have derivative 0 everywhere
  (exactly 0, even for an infinite upstream gradient), jumps included.
- ``fabs'(0) = 0``, as for :func:`~autograd_lite.absolute`.
- ``clip(a, a_min, a_max)``: the gradient goes to ``a`` where ``a_min <= a <= a_max``
  (so 1 at a bound itself), to ``a_min`` where ``a < a_min`` and to ``a_max`` where
  ``a > a_max`` or ``a_min > a_max`` (where NumPy's result is ``a_max``).  Exactly one of
  the three receives each element's gradient; a NaN anywhere gives 0 to all three.
- ``hypot`` at ``(0, 0)`` has gradient ``(0, 0)``.
- ``remainder`` and ``fmod``: ``d/da = 1`` and ``d/db = -floor(a / b)`` (resp.
  ``-trunc(a / b)``), the derivative of ``a - b * q`` with the quotient ``q`` held fixed.
- ``nan_to_num``: gradient 1 where ``x`` is finite, 0 where it is NaN or infinite.

Where the derivative is infinite the gradient is ``±inf`` (or NaN where it meets a zero):
``arcsin``/``arccos`` at ±1, ``arccosh`` at 1, ``arctanh`` at ±1, ``log1p`` at -1,
``log2``/``log10`` at 0, ``cbrt`` at 0, ``reciprocal`` at 0; ``arctan2`` at ``(0, 0)``
gives NaN.  Outside an op's real domain its value and gradient are NaN, as in NumPy.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _dispatch
from ._ops_elementwise import exp, sigmoid, sign, sqrt, where
from ._primitive import Primitive, primitive

if TYPE_CHECKING:
    from ._tensor import Tensor

__all__ = [
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctan2",
    "arctanh",
    "cbrt",
    "ceil",
    "clip",
    "cos",
    "cosh",
    "deg2rad",
    "exp2",
    "expm1",
    "fabs",
    "floor",
    "fmod",
    "hypot",
    "log1p",
    "log2",
    "log10",
    "logaddexp",
    "logaddexp2",
    "nan_to_num",
    "rad2deg",
    "reciprocal",
    "remainder",
    "rint",
    "round",
    "sin",
    "sinh",
    "square",
    "tan",
    "trunc",
]

# Python floats, which keep float32 arrays float32 (a NumPy float64 scalar would not).
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_DEG = math.pi / 180.0
_RAD = 180.0 / math.pi


def _ufunc(ufunc: np.ufunc, doc: str) -> Primitive:
    op = primitive(ufunc)
    op.__doc__ = doc
    return op


# ---------------------------------------------------------------------------- trigonometric
sin = _ufunc(np.sin, "Elementwise sine.")
cos = _ufunc(np.cos, "Elementwise cosine.")
tan = _ufunc(np.tan, "Elementwise tangent; ``tan' = 1 + tan ** 2``.")
sin.defvjp(lambda g, out, x: g * cos(x))
cos.defvjp(lambda g, out, x: -g * sin(x))
tan.defvjp(lambda g, out, x: g * (1 + out * out))

arcsin = _ufunc(
    np.arcsin,
    "Elementwise inverse sine; its derivative ``1 / sqrt(1 - x ** 2)`` is inf at ``x = ±1``.",
)
arccos = _ufunc(
    np.arccos,
    "Elementwise inverse cosine; its derivative ``-1 / sqrt(1 - x ** 2)`` is -inf at ``x = ±1``.",
)
arctan = _ufunc(np.arctan, "Elementwise inverse tangent.")
arcsin.defvjp(lambda g, out, x: g / sqrt((1 - x) * (1 + x)))
arccos.defvjp(lambda g, out, x: -g / sqrt((1 - x) * (1 + x)))
arctan.defvjp(lambda g, out, x: g / (1 + x * x))

arctan2 = _ufunc(
    np.arctan2,
    """Elementwise angle of the point ``(x2, x1)``: ``arctan(x1 / x2)`` in the right quadrant.

    ``d/dx1 = x2 / (x1² + x2²)`` and ``d/dx2 = -x1 / (x1² + x2²)``; both are NaN at the
    origin, and the angle jumps by 2π across the negative ``x2`` axis.
    """,
)
arctan2.defvjp(
    lambda g, out, x1, x2: g * x2 / (x1 * x1 + x2 * x2),
    lambda g, out, x1, x2: -g * x1 / (x1 * x1 + x2 * x2),
)

# ---------------------------------------------------------------------------- hyperbolic
sinh = _ufunc(np.sinh, "Elementwise hyperbolic sine.")
cosh = _ufunc(np.cosh, "Elementwise hyperbolic cosine.")
sinh.defvjp(lambda g, out, x: g * cosh(x))
cosh.defvjp(lambda g, out, x: g * sinh(x))

arcsinh = _ufunc(np.arcsinh, "Elementwise inverse hyperbolic sine.")
arccosh = _ufunc(
    np.arccosh,
    "Elementwise inverse hyperbolic cosine (``x >= 1``); its derivative is inf at ``x = 1``.",
)
arctanh = _ufunc(
    np.arctanh,
    "Elementwise inverse hyperbolic tangent; its derivative ``1 / (1 - x ** 2)`` is inf "
    "at ``x = ±1``.",
)

# ---------------------------------------------------------------------------- two inputs
hypot = _ufunc(
    np.hypot,
    """Elementwise ``sqrt(x1 ** 2 + x2 ** 2)``, without overflow.

    Gradients ``x1 / out`` and ``x2 / out``; at the origin both are taken as 0 (like
    ``absolute'(0)``).
    """,
)
# At the origin x1 = x2 = 0, so dividing by 1 there instead of 0 gives exactly 0.
hypot.defvjp(
    lambda g, out, x1, x2: g * x1 / where(out == 0, 1, out),
    lambda g, out, x1, x2: g * x2 / where(out == 0, 1, out),
)
# 1 / hypot(x, 1) rather than 1 / sqrt(x² + 1), which would overflow for |x| > 1e154.
arcsinh.defvjp(lambda g, out, x: g / hypot(x, 1.0))
arccosh.defvjp(lambda g, out, x: g / sqrt((x - 1) * (x + 1)))
arctanh.defvjp(lambda g, out, x: g / ((1 - x) * (1 + x)))

logaddexp = _ufunc(
    np.logaddexp,
    """Elementwise ``log(exp(x1) + exp(x2))``, without overflow.

    Gradients ``sigmoid(x1 - x2)`` and ``sigmoid(x2 - x1)``: exactly 1/2 each at equal
    inputs.
    """,
)
logaddexp.defvjp(
    lambda g, out, x1, x2: g * sigmoid(x1 - x2),
    lambda g, out, x1, x2: g * sigmoid(x2 - x1),
)

logaddexp2 = _ufunc(
    np.logaddexp2,
    """Elementwise ``log2(2 ** x1 + 2 ** x2)``, without overflow.

    Gradients ``sigmoid((x1 - x2) ln 2)`` and ``sigmoid((x2 - x1) ln 2)``: exactly 1/2
    each at equal inputs.
    """,
)
logaddexp2.defvjp(
    lambda g, out, x1, x2: g * sigmoid((x1 - x2) * _LN2),
    lambda g, out, x1, x2: g * sigmoid((x2 - x1) * _LN2),
)

# ---------------------------------------------------------------------------- exponents, logs
exp2 = _ufunc(np.exp2, "Elementwise ``2 ** x``.")
expm1 = _ufunc(np.expm1, "Elementwise ``exp(x) - 1``, accurate for small ``x``.")
exp2.defvjp(lambda g, out, x: g * out * _LN2)
expm1.defvjp(lambda g, out, x: g * exp(x))

log2 = _ufunc(np.log2, "Elementwise base-2 logarithm; its derivative is inf at 0.")
log10 = _ufunc(np.log10, "Elementwise base-10 logarithm; its derivative is inf at 0.")
log1p = _ufunc(
    np.log1p,
    "Elementwise ``log(1 + x)``, accurate for small ``x``; its derivative is inf at -1.",
)
log2.defvjp(lambda g, out, x: g / (x * _LN2))
log10.defvjp(lambda g, out, x: g / (x * _LN10))
log1p.defvjp(lambda g, out, x: g / (1 + x))

# ---------------------------------------------------------------------------- powers
square = _ufunc(np.square, "Elementwise ``x * x``.")
square.defvjp(lambda g, out, x: g * (2 * x))

reciprocal = _ufunc(
    np.reciprocal,
    "Elementwise ``1 / x`` (integer division for integer input, as in NumPy); its "
    "derivative ``-1 / x ** 2`` is -inf at 0.",
)
reciprocal.defvjp(lambda g, out, x: -g * out * out)

cbrt = _ufunc(
    np.cbrt,
    "Elementwise real cube root; its derivative ``1 / (3 cbrt(x) ** 2)`` is inf at 0.",
)
cbrt.defvjp(lambda g, out, x: g / (3 * out * out))

fabs = _ufunc(np.fabs, "Elementwise ``|x|`` as a float; its derivative at 0 is taken as 0.")
fabs.defvjp(lambda g, out, x: g * sign(x))

# ---------------------------------------------------------------------------- angles
deg2rad = _ufunc(np.deg2rad, "Elementwise degrees to radians: ``x * pi / 180``.")
rad2deg = _ufunc(np.rad2deg, "Elementwise radians to degrees: ``x * 180 / pi``.")
deg2rad.defvjp(lambda g, out, x: g * _DEG)
rad2deg.defvjp(lambda g, out, x: g * _RAD)

# ---------------------------------------------------------------------------- rounding
floor = _ufunc(np.floor, "Elementwise largest integer ``<= x``; its derivative is taken as 0.")
ceil = _ufunc(np.ceil, "Elementwise smallest integer ``>= x``; its derivative is taken as 0.")
trunc = _ufunc(np.trunc, "Elementwise ``x`` rounded towards 0; its derivative is taken as 0.")
rint = _ufunc(np.rint, "Elementwise nearest integer (ties to even); its derivative is taken as 0.")


@primitive
def round(x, decimals=0):  # type: ignore[no-untyped-def]
    """``x`` rounded to ``decimals`` decimals (ties to even), as ``np.round``.

    Its derivative is taken as 0 everywhere, jumps included.
    """
    return np.round(x, decimals)


def _zero_vjp(g, out, x, decimals=0):  # type: ignore[no-untyped-def]
    """A zero gradient: ``where(False, g, 0)`` is exactly 0 even where ``g`` is infinite."""
    return where(False, g, 0)


floor.defvjp(_zero_vjp)
ceil.defvjp(_zero_vjp)
trunc.defvjp(_zero_vjp)
rint.defvjp(_zero_vjp)
round.defvjp(_zero_vjp)

remainder = _ufunc(
    np.remainder,
    """Elementwise ``a - b * floor(a / b)`` (NumPy's ``%``: the sign of ``b``).

    ``d/da = 1`` and ``d/db = -floor(a / b)``: the derivative with the quotient held
    fixed, where it jumps (at the kinks, ``a / b`` an integer) as well.
    """,
)
remainder.defvjp(
    lambda g, out, a, b: g,
    lambda g, out, a, b: -g * floor(a / b),
)

fmod = _ufunc(
    np.fmod,
    """Elementwise ``a - b * trunc(a / b)`` (C's ``fmod``: the sign of ``a``).

    ``d/da = 1`` and ``d/db = -trunc(a / b)``: the derivative with the quotient held
    fixed, where it jumps (at the kinks, ``a / b`` an integer) as well.
    """,
)
fmod.defvjp(
    lambda g, out, a, b: g,
    lambda g, out, a, b: -g * trunc(a / b),
)


# ---------------------------------------------------------------------------- clip
def _clip_forward(a, a_min, a_max):  # type: ignore[no-untyped-def]
    return np.clip(a, a_min, a_max)


_clip: Primitive = Primitive(_clip_forward, name="clip")


def _clip_masks(a: Any, a_min: Any, a_max: Any) -> tuple[Any, Any, Any]:
    """Where ``clip``'s result is ``a``, ``a_min`` and ``a_max``: three exclusive masks.

    NumPy's ``clip`` is ``minimum(maximum(a, a_min), a_max)``; a value equal to a bound
    counts as ``a``'s.  ``None`` stands for no bound.
    """
    a, a_min, a_max = _dispatch.plain(a), _dispatch.plain(a_min), _dispatch.plain(a_max)
    above = True if a_min is None else a >= a_min
    below = True if a_max is None else a <= a_max
    to_a = np.logical_and(above, below)
    if a_min is None:
        to_min = False
    else:
        to_min = a < a_min if a_max is None else np.logical_and(a < a_min, a_min <= a_max)
    if a_max is None:
        to_max = False
    else:
        to_max = a > a_max if a_min is None else np.logical_or(a > a_max, a_min > a_max)
    return to_a, to_min, to_max


_clip.defvjp(
    lambda g, out, a, a_min, a_max: where(_clip_masks(a, a_min, a_max)[0], g, 0),
    lambda g, out, a, a_min, a_max: where(_clip_masks(a, a_min, a_max)[1], g, 0),
    lambda g, out, a, a_min, a_max: where(_clip_masks(a, a_min, a_max)[2], g, 0),
)


def clip(
    a: Any, a_min: Any = None, a_max: Any = None, *, min: Any = None, max: Any = None
) -> Tensor:
    """``a`` limited to ``[a_min, a_max]``, as ``np.clip`` (``None``: no bound on that side).

    The bounds may be arrays or Tensors that broadcast with ``a``; ``min``/``max`` are
    NumPy's keyword aliases of ``a_min``/``a_max``.  The gradient goes to ``a`` where
    ``a_min <= a <= a_max`` (so a value on a bound keeps its gradient, 1), to ``a_min``
    where ``a < a_min``, and to ``a_max`` where ``a > a_max`` or where ``a_min > a_max``
    (NumPy's result is ``a_max`` there).

    Examples
    --------
    >>> import autograd_lite as ag
    >>> x = ag.Tensor([-2.0, -1.0, 0.5, 1.0, 3.0], requires_grad=True)
    >>> ag.clip(x, -1.0, 1.0).sum().backward()
    >>> x.grad
    array([0., 1., 1., 1., 0.])
    """
    if min is not None or max is not None:
        if a_min is not None or a_max is not None:
            raise ValueError("clip: give the bounds as a_min/a_max or as min/max, not both")
        a_min, a_max = min, max
    return _clip(a, a_min, a_max)


# ---------------------------------------------------------------------------- nan_to_num
@primitive
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):  # type: ignore[no-untyped-def]
    """``x`` with NaN replaced by ``nan`` and infinities by ``posinf``/``neginf``.

    As ``np.nan_to_num``; the default infinities are the dtype's largest finite values.
    The result is always a new Tensor: ``copy=False`` (change ``x`` in place) is refused.
    The gradient is 1 where ``x`` is finite and 0 where it was replaced.
    """
    if not copy:
        raise ValueError("copy=False would change the input in place; a Tensor never is")
    return np.nan_to_num(x, copy=True, nan=nan, posinf=posinf, neginf=neginf)


def _nan_to_num_vjp(g, out, x, copy=True, nan=0.0, posinf=None, neginf=None):  # type: ignore[no-untyped-def]
    return where(np.isfinite(_dispatch.plain(x)), g, 0)


nan_to_num.defvjp(_nan_to_num_vjp)


# ---------------------------------------------------------------------------- NumPy's calls
def _np_round(a: Any, decimals: Any = 0, out: Any = None) -> Tensor:
    _dispatch.refuse_unsupported("round", out=out)
    return round(a, decimals)


def _np_clip(
    a: Any, a_min: Any = np._NoValue, a_max: Any = np._NoValue, out: Any = None, *,
    min: Any = np._NoValue, max: Any = np._NoValue, **kwargs: Any,
) -> Tensor:  # fmt: skip
    _dispatch.refuse_unsupported("clip", out=out, **kwargs)
    given = [None if v is np._NoValue else v for v in (a_min, a_max, min, max)]
    if (given[2] is not None or given[3] is not None) and (
        given[0] is not None or given[1] is not None
    ):
        raise ValueError(
            "Passing `min` or `max` keyword argument when `a_min` and `a_max` are provided "
            "is forbidden."
        )
    return clip(a, given[0], given[1], min=given[2], max=given[3])


def _np_nan_to_num(
    x: Any, copy: Any = True, nan: Any = 0.0, posinf: Any = None, neginf: Any = None
) -> Tensor:
    return nan_to_num(x, copy=copy, nan=nan, posinf=posinf, neginf=neginf)


NUMPY = {
    np.sin: sin,
    np.cos: cos,
    np.tan: tan,
    np.arcsin: arcsin,
    np.arccos: arccos,
    np.arctan: arctan,
    np.arctan2: arctan2,
    np.sinh: sinh,
    np.cosh: cosh,
    np.arcsinh: arcsinh,
    np.arccosh: arccosh,
    np.arctanh: arctanh,
    np.exp2: exp2,
    np.expm1: expm1,
    np.log2: log2,
    np.log10: log10,
    np.log1p: log1p,
    np.square: square,
    np.reciprocal: reciprocal,
    np.cbrt: cbrt,
    np.fabs: fabs,
    np.logaddexp: logaddexp,
    np.logaddexp2: logaddexp2,
    np.hypot: hypot,
    np.deg2rad: deg2rad,
    np.radians: deg2rad,
    np.rad2deg: rad2deg,
    np.degrees: rad2deg,
    np.remainder: remainder,  # also np.mod, the same ufunc
    np.fmod: fmod,
    np.floor: floor,
    np.ceil: ceil,
    np.trunc: trunc,
    np.rint: rint,
    np.round: _np_round,
    np.around: _np_round,
    np.clip: _np_clip,
    np.nan_to_num: _np_nan_to_num,
}
_dispatch.register(NUMPY)
