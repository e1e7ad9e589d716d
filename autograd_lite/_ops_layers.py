"""Layers as functions, with ``torch.nn.functional``'s names, arguments and defaults.

The activations (``gelu``, ``silu``, ``softplus``, ``leaky_relu``, ``elu``) and ``erf`` are
primitives whose VJPs are written with autograd_lite's ops, so each can be differentiated
again.  ``layer_norm`` and ``batch_norm`` share one primitive, the normalization of an
input over some axes, followed by the (optional) affine map in ordinary ops.
``embedding`` is a gather whose VJP is a scatter-add; the two are each other's VJPs, so
any order of derivative works.  ``dropout`` and ``scaled_dot_product_attention`` are
compositions of ops.

Conventions at kinks follow PyTorch: ``leaky_relu'(0) = negative_slope`` and
``elu'(0) = alpha``; ``softplus`` is linear (derivative 1) where ``beta * x > threshold``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._arrays import asarray, dtype_kind, is_traced
from ._ops_arith import matmul, multiply
from ._ops_arrange import repeat
from ._ops_elementwise import exp, sigmoid, sqrt, tanh, where
from ._ops_math import clip
from ._ops_nn import softmax
from ._ops_order import _values
from ._ops_shape import reshape, swapaxes
from ._primitive import Primitive, Residuals, primitive
from ._tensor import Tensor
from .compiler.values import current as current_recorder

__all__ = [
    "batch_norm",
    "dropout",
    "elu",
    "embedding",
    "erf",
    "gelu",
    "layer_norm",
    "leaky_relu",
    "scaled_dot_product_attention",
    "silu",
    "softplus",
]

_SQRT_HALF = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_CUBIC = 0.044715


def _named(name: str) -> Callable[[Callable[..., Any]], Primitive]:
    """``@primitive`` under the public op's name (in graphs and error messages)."""
    return lambda fun: Primitive(fun, name=name)


def _as_input(x: Any) -> Any:
    """A Tensor as it is, anything else as an array."""
    return x if isinstance(x, Tensor) else asarray(x)


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(_as_input(x).shape)


def _real(x: Any) -> Any:
    """``x`` as a float array: integers and booleans become float64."""
    x = asarray(x)
    kind = dtype_kind(x.dtype)
    if kind == "f":
        return x
    if kind in "biu":
        return x.astype(np.float64)
    raise TypeError(f"expects a real input, got dtype {x.dtype}")


def _number(op: str, name: str, value: Any) -> float:
    """``value`` as a float, if it is a real number (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: {name} must be a real number, got {value!r}")
    return float(value)


def _no_inplace(op: str, inplace: bool) -> None:
    if inplace:
        raise NotImplementedError(
            f"{op}: inplace=True is not supported; the result is a new Tensor"
        )


# ---------------------------------------------------------------------------- erf
# W. J. Cody's rational Chebyshev approximations (Math. Comp. 23, 1969), as in his CALERF:
# erf on |x| <= 0.5, erfc on 0.5 < |x| <= 4 and, in 1/x^2, on |x| > 4.
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
          3.20937758913846947e03, 1.85777706184603153e-1)  # fmt: skip
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
          2.84423683343917062e03)  # fmt: skip
_ERFC_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
           2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
           2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)  # fmt: skip
_ERFC_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
           1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
           3.43936767414372164e03, 1.23033935480374942e03)  # fmt: skip
_ERFC_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
           1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)  # fmt: skip
_ERFC_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
           6.05183413124413191e-2, 2.33520497626869185e-3)  # fmt: skip
_ERF_ONE = 6.0  # erf(x) rounds to 1 in float64 from x = 5.93 on


def _ratio(t: Any, num: tuple[float, ...], den: tuple[float, ...]) -> Any:
    """Cody's ``(num[-1] t^n + num[0] t^(n-1) + ... + num[n]) / (t^n + den[0] t^(n-1) + ...)``."""
    n = len(den) - 1
    top, bottom = num[-1] * t, t + den[0]
    top += num[0]
    top *= t
    bottom *= t
    for i in range(1, n):  # in place: a new array per step would cost as much as the step
        top += num[i]
        top *= t
        bottom += den[i]
        bottom *= t
    top += num[n]
    bottom += den[n]
    top /= bottom
    return top


def _erf_float64(x: Any) -> Any:
    """``erf`` of a float64 array, within a few units in the last place.

    Each element is computed by the formula of its range only.  Below 0.5 the ratio gives
    erf itself; above, erf is ``1 - erfc``, whose small absolute error is all that matters
    to erf (so ``exp(-y**2)`` needs none of the care that erfc's relative error would).
    """
    x = x.reshape(-1)  # a 0-d array would become a scalar, which cannot be indexed
    y = np.abs(x)
    out = np.sign(y)  # 1 where erf rounds to 1 (and at inf), NaN for NaN; the rest below
    small = y <= 0.5
    ys = y[small]
    out[small] = ys * _ratio(ys * ys, _ERF_A, _ERF_B)
    middle = (y > 0.5) & (y <= 4.0)
    ym = y[middle]
    out[middle] = 1.0 - np.exp(-ym * ym) * _ratio(ym, _ERFC_C, _ERFC_D)
    large = (y > 4.0) & (y < _ERF_ONE)
    yl = y[large]
    z = 1.0 / (yl * yl)
    tail = (1.0 / math.sqrt(math.pi) - z * _ratio(z, _ERFC_P, _ERFC_Q)) / yl
    out[large] = 1.0 - np.exp(-yl * yl) * tail
    return np.copysign(out, x)


def _erf_array(x: Any) -> Any:
    """``erf`` of a float array, in its dtype (computed in float64)."""
    out = _erf_float64(x.astype(np.float64, copy=False)).reshape(x.shape)
    return out.astype(x.dtype, copy=False)


@primitive
def erf(x):  # type: ignore[no-untyped-def]
    """Elementwise error function ``2/sqrt(pi) * integral from 0 to x of exp(-t**2) dt``.

    Parameters
    ----------
    x
        A real Tensor or array (integers are converted to float64).

    Returns
    -------
    Tensor
        ``erf(x)``, of ``x``'s float dtype, within about 1e-16 (relative) in float64.
        ``erf(±inf) = ±1``; ``erf(nan)`` is NaN.

    Raises
    ------
    TypeError
        For a complex or non-numeric input.

    Its derivative is ``2/sqrt(pi) * exp(-x**2)``, written with autograd_lite's ops, so
    ``erf`` can be differentiated any number of times.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> x = ag.Tensor([0.0, 0.5, 3.0], requires_grad=True)
    >>> ag.erf(x).data.round(6)
    array([0.      , 0.5205  , 0.999978])
    >>> ag.erf(x).sum().backward()
    >>> x.grad.round(4).tolist()
    [1.1284, 0.8788, 0.0001]
    """
    return _erf_array(_real(x))


erf.defvjp(lambda g, out, x: g * _TWO_OVER_SQRT_PI * exp(-x * x))


# ---------------------------------------------------------------------------- activations
# Beyond this |x| the tanh of the approximation is exactly +-1; clipping there keeps x**3
# from overflowing (float32 overflows at |x| ~ 7e12) without changing any value.
_GELU_SATURATED = 1e4


@_named("gelu")
def _gelu(x, approximate):  # type: ignore[no-untyped-def]
    x = _real(x)
    if approximate == "tanh":
        c = np.clip(x, -_GELU_SATURATED, _GELU_SATURATED)
        return 0.5 * x * (1 + np.tanh(_SQRT_2_OVER_PI * (c + _GELU_CUBIC * c * c * c)))
    return 0.5 * x * (1 + _erf_array(x * _SQRT_HALF))


def _gelu_vjp(g, out, x, approximate):  # type: ignore[no-untyped-def]
    if approximate == "tanh":
        c = clip(x, -_GELU_SATURATED, _GELU_SATURATED)
        t = tanh(_SQRT_2_OVER_PI * (c + _GELU_CUBIC * c * c * c))
        slope = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * c * c)
        return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * slope)
    # Phi(x) + x phi(x): the normal distribution's CDF and density.
    return g * (0.5 * (1 + erf(x * _SQRT_HALF)) + x * _INV_SQRT_2PI * exp(-0.5 * x * x))


_gelu.defvjp(_gelu_vjp, None)


def gelu(input: Any, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit ``x * Phi(x)``, ``Phi`` the standard normal CDF.

    Parameters
    ----------
    input
        A real Tensor or array.
    approximate
        ``"none"``: ``0.5 x (1 + erf(x / sqrt(2)))``; ``"tanh"``:
        ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3)))``.

    Returns
    -------
    Tensor
        Of ``input``'s shape and float dtype.

    Raises
    ------
    ValueError
        If ``approximate`` is neither ``"none"`` nor ``"tanh"``.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> ag.gelu(ag.Tensor([-1.0, 0.0, 2.0])).data.round(4)
    array([-0.1587,  0.    ,  1.9545])
    >>> ag.gelu(ag.Tensor([-1.0, 0.0, 2.0]), approximate="tanh").data.round(4)
    array([-0.1588,  0.    ,  1.9546])
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return _gelu(input, approximate)


@_named("silu")
def _silu(x):  # type: ignore[no-untyped-def]
    x = _real(x)
    return x * sigmoid.fun(x)


_silu.defvjp(lambda g, out, x: g * sigmoid(x) * (1 + x * (1 - sigmoid(x))))


def silu(input: Any, inplace: bool = False) -> Tensor:
    """Sigmoid linear unit (swish) ``x * sigmoid(x)``.

    Parameters
    ----------
    input
        A real Tensor or array.
    inplace
        Not supported (``True`` raises NotImplementedError); kept for PyTorch's signature.

    Returns
    -------
    Tensor
        Of ``input``'s shape and float dtype.

    Raises
    ------
    NotImplementedError
        For ``inplace=True``.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> ag.silu(ag.Tensor([-1.0, 0.0, 2.0])).data.round(4)
    array([-0.2689,  0.    ,  1.7616])
    """
    _no_inplace("silu", inplace)
    return _silu(input)


@_named("softplus")
def _softplus(x, beta, threshold):  # type: ignore[no-untyped-def]
    x = _real(x)
    z = x * beta
    return np.where(z > threshold, x, np.logaddexp(0, z) / beta)


_softplus.defvjp(
    lambda g, out, x, beta, threshold: g * where(x * beta > threshold, 1, sigmoid(x * beta)),
    None,
    None,
)


def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta x)) / beta``, and ``x`` itself where ``beta x > threshold``.

    Parameters
    ----------
    input
        A real Tensor or array.
    beta
        The sharpness; nonzero.
    threshold
        Above it (in ``beta x``) the result is ``x``, with derivative 1, as in PyTorch.

    Returns
    -------
    Tensor
        Of ``input``'s shape and float dtype; computed without overflow for any ``x``.

    Raises
    ------
    TypeError
        If ``beta`` or ``threshold`` is not a real number.
    ValueError
        If ``beta`` is 0.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> ag.softplus(ag.Tensor([-1.0, 0.0, 30.0])).data.round(4)
    array([ 0.3133,  0.6931, 30.    ])
    >>> ag.softplus(ag.Tensor([1.0]), beta=2.0).data.round(4)
    array([1.0635])
    """
    b = _number("softplus", "beta", beta)
    t = _number("softplus", "threshold", threshold)
    if b == 0:
        raise ValueError("softplus: beta must be nonzero")
    return _softplus(input, b, t)


@_named("leaky_relu")
def _leaky_relu(x, negative_slope):  # type: ignore[no-untyped-def]
    x = _real(x)
    return np.where(x > 0, x, x * negative_slope)


_leaky_relu.defvjp(
    lambda g, out, x, negative_slope: g * where(x > 0, 1, negative_slope),
    None,
)


def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, ``negative_slope * x`` elsewhere.

    Parameters
    ----------
    input
        A real Tensor or array.
    negative_slope
        The slope for ``x <= 0`` (also the derivative at 0, as in PyTorch).
    inplace
        Not supported (``True`` raises NotImplementedError); kept for PyTorch's signature.

    Returns
    -------
    Tensor
        Of ``input``'s shape and float dtype.

    Raises
    ------
    TypeError
        If ``negative_slope`` is not a real number.
    NotImplementedError
        For ``inplace=True``.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> ag.leaky_relu(ag.Tensor([-2.0, 0.0, 3.0]), 0.1).data
    array([-0.2,  0. ,  3. ])
    """
    _no_inplace("leaky_relu", inplace)
    return _leaky_relu(input, _number("leaky_relu", "negative_slope", negative_slope))


@_named("elu")
def _elu(x, alpha):  # type: ignore[no-untyped-def]
    x = _real(x)
    return np.where(x > 0, x, alpha * np.expm1(np.where(x > 0, 0, x)))


# exp of the clamped x: the unused branch never overflows, so where's gradient
# (0 there) never meets an infinity.
_elu.defvjp(lambda g, out, x, alpha: g * where(x > 0, 1, alpha * exp(where(x > 0, 0, x))), None)


def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Exponential linear unit: ``x`` where ``x > 0``, ``alpha (exp(x) - 1)`` elsewhere.

    Parameters
    ----------
    input
        A real Tensor or array.
    alpha
        The value approached as ``x -> -inf`` is ``-alpha``; the derivative at 0 is
        ``alpha``, as in PyTorch.
    inplace
        Not supported (``True`` raises NotImplementedError); kept for PyTorch's signature.

    Returns
    -------
    Tensor
        Of ``input``'s shape and float dtype.

    Raises
    ------
    TypeError
        If ``alpha`` is not a real number.
    NotImplementedError
        For ``inplace=True``.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> ag.elu(ag.Tensor([-1.0, 0.0, 2.0])).data.round(4)
    array([-0.6321,  0.    ,  2.    ])
    """
    _no_inplace("elu", inplace)
    return _elu(input, _number("elu", "alpha", alpha))


# ---------------------------------------------------------------------------- normalization
def _normalize_forward(x, axes, eps):  # type: ignore[no-untyped-def]
    """``(x - mean) / sqrt(var + eps)`` over ``axes`` (biased variance)."""
    x = _real(x)
    centered = x - np.mean(x, axis=axes, keepdims=True)
    var = np.mean(centered * centered, axis=axes, keepdims=True)
    rstd = 1 / np.sqrt(var + eps)
    return Residuals.fresh(centered * rstd, rstd=rstd)


def _normalize_vjp(g, out, x, axes, eps, *, rstd=None):  # type: ignore[no-untyped-def]
    if rstd is None:  # a recorded backward pass: rstd as a function of x
        rstd = 1 / sqrt(x.var(axis=axes, keepdims=True) + eps)
    g_mean = g.mean(axis=axes, keepdims=True)
    return rstd * (g - g_mean - out * (g * out).mean(axis=axes, keepdims=True))


def _normalization(name: str) -> Primitive:
    op = Primitive(_normalize_forward, name=name)
    op.defvjp(_normalize_vjp, None, None)
    return op


_layer_norm, _batch_norm = map(_normalization, ("layer_norm", "batch_norm"))


def _eps(op: str, eps: Any) -> float:
    value = _number(op, "eps", eps)
    if not value >= 0:
        raise ValueError(f"{op}: eps must be non-negative, got {eps!r}")
    return value


def _shape_of(op: str, name: str, value: Any) -> tuple[int, ...]:
    """An int or a sequence of ints as a shape tuple."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return (int(value),)
    if isinstance(value, (Sequence, np.ndarray)):
        items = tuple(value)
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items):
            return tuple(int(v) for v in items)
    raise TypeError(f"{op}: {name} must be an int or a sequence of ints, got {value!r}")


def layer_norm(
    input: Any,
    normalized_shape: int | Sequence[int],
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize over the trailing ``normalized_shape`` dimensions, then scale and shift.

    ``(x - mean) / sqrt(var + eps) * weight + bias``, with the mean and the biased variance
    taken over the last ``len(normalized_shape)`` axes of each example.

    Parameters
    ----------
    input
        Shape ``(..., *normalized_shape)``.
    normalized_shape
        An int or a sequence of ints: the trailing dimensions to normalize over.
    weight, bias
        Shape ``normalized_shape``, or ``None`` (no scale, no shift).
    eps
        Added to the variance.

    Returns
    -------
    Tensor
        Of ``input``'s shape and float dtype.

    Raises
    ------
    ValueError
        If ``normalized_shape`` is empty or is not the input's trailing dimensions,
        ``weight`` or ``bias`` is not of shape ``normalized_shape``, or ``eps`` is negative.
    TypeError
        If ``normalized_shape`` is not an int or a sequence of ints, or ``eps`` is not a
        real number.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> x = ag.Tensor([[1.0, 2.0, 3.0], [2.0, 2.0, 5.0]], requires_grad=True)
    >>> ag.layer_norm(x, 3).data.round(4)
    array([[-1.2247,  0.    ,  1.2247],
           [-0.7071, -0.7071,  1.4142]])
    >>> (ag.layer_norm(x, (3,), weight=np.array([1.0, 2.0, 3.0])) ** 2).sum().backward()
    >>> x.grad.shape
    (2, 3)
    """
    x = _as_input(input)
    shape = _shape_of("layer_norm", "normalized_shape", normalized_shape)
    k = len(shape)
    if k == 0:
        raise ValueError("layer_norm: normalized_shape must not be empty")
    trailing = tuple(x.shape[-k:]) if x.ndim >= k else tuple(x.shape)
    if x.ndim < k or trailing != shape:
        raise ValueError(
            f"layer_norm: normalized_shape {shape} does not match the input's trailing "
            f"dimensions {trailing} (input of shape {tuple(x.shape)})"
        )
    for name, param in (("weight", weight), ("bias", bias)):
        if param is not None and _shape(param) != shape:
            raise ValueError(
                f"layer_norm: {name} of shape {_shape(param)} does not match "
                f"normalized_shape {shape}"
            )
    axes = tuple(range(x.ndim - k, x.ndim))
    y = _layer_norm(x, axes, _eps("layer_norm", eps))
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def _running_stat(name: str, value: Any, channels: int) -> None:
    """Check that a running statistic can be updated in place: a float array of ``(C,)``."""
    if not isinstance(value, np.ndarray) or isinstance(value, Tensor):
        raise TypeError(
            f"batch_norm: {name} must be a NumPy array (updated in place in training mode), "
            f"got {type(value).__name__}"
        )
    if dtype_kind(value.dtype) != "f" or not value.flags.writeable:
        raise TypeError(f"batch_norm: {name} must be a writeable float array, got {value.dtype}")
    if value.shape != (channels,):
        raise ValueError(
            f"batch_norm: {name} of shape {value.shape} does not match the input's "
            f"{channels} channels"
        )


def batch_norm(
    input: Any,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each channel (axis 1) over the batch and any spatial axes; scale and shift.

    ``(x - mean) / sqrt(var + eps) * weight + bias`` per channel.  In training mode the
    mean and (biased) variance are the batch's, over every axis but 1, and the running
    statistics are updated in place: ``running = (1 - momentum) * running + momentum *
    batch``, with the unbiased batch variance for ``running_var``, as in PyTorch.  In
    evaluation mode the running statistics are used.

    Parameters
    ----------
    input
        Shape ``(N, C)``, ``(N, C, L)`` or ``(N, C, H, W)`` (any ``(N, C, ...)``).
    running_mean, running_var
        Float NumPy arrays of shape ``(C,)``; either may be ``None`` in training mode (it is
        then not tracked).  In evaluation mode they are read only, and may be Tensors.
    weight, bias
        Shape ``(C,)``, or ``None``.
    training
        Use (and record) the batch's statistics rather than the running ones.
    momentum
        The weight of the batch's statistics in the running ones; a float.  PyTorch's
        ``momentum=None`` (a cumulative average, which needs a batch count) is not
        supported.
    eps
        Added to the variance.

    Returns
    -------
    Tensor
        Of ``input``'s shape and float dtype.

    Raises
    ------
    ValueError
        If the input has fewer than 2 dimensions, a parameter or statistic is not of shape
        ``(C,)``, the running statistics are missing in evaluation mode, a training
        batch has only one value per channel, or ``eps`` is negative.
    TypeError
        If a running statistic to update is not a writeable float NumPy array, or
        ``momentum`` or ``eps`` is not a real number.
    NotImplementedError
        For ``momentum=None``.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> x = ag.Tensor([[1.0, 10.0], [3.0, 30.0]], requires_grad=True)
    >>> mean, var = np.zeros(2), np.ones(2)
    >>> ag.batch_norm(x, mean, var, training=True).data.round(4)
    array([[-1., -1.],
           [ 1.,  1.]])
    >>> mean, var
    (array([0.2, 2. ]), array([ 1.1, 20.9]))
    >>> ag.batch_norm(x, mean, var).data.round(4)
    array([[0.7628, 1.7499],
           [2.6697, 6.1247]])
    """
    x = _as_input(input)
    if x.ndim < 2:
        raise ValueError(
            f"batch_norm: expected an input of shape (N, C, ...), got shape {tuple(x.shape)}"
        )
    channels = int(x.shape[1])
    if momentum is None:
        raise NotImplementedError(
            "batch_norm: momentum=None (a cumulative moving average) is not supported; pass a float"
        )
    m = _number("batch_norm", "momentum", momentum)
    e = _eps("batch_norm", eps)
    for name, param in (("weight", weight), ("bias", bias)):
        if param is not None and _shape(param) != (channels,):
            raise ValueError(
                f"batch_norm: {name} of shape {_shape(param)} does not match the "
                f"input's {channels} channels (input of shape {tuple(x.shape)})"
            )
    axes = (0, *range(2, x.ndim))
    per_channel = (channels,) + (1,) * (x.ndim - 2)
    if training:
        count = int(np.prod([x.shape[a] for a in axes]))
        if count <= 1:
            raise ValueError(
                "batch_norm: expected more than 1 value per channel when training, got input "
                f"of shape {tuple(x.shape)}"
            )
        for name, stat in (("running_mean", running_mean), ("running_var", running_var)):
            if stat is not None:
                _running_stat(name, stat, channels)
        y = _batch_norm(x, axes, e)
        data = _real(_values(x))
        if running_mean is not None:
            running_mean *= 1 - m
            running_mean += m * np.mean(data, axis=axes)
        if running_var is not None:
            running_var *= 1 - m
            running_var += m * np.var(data, axis=axes, ddof=1)
    else:
        if running_mean is None or running_var is None:
            raise ValueError(
                "batch_norm: running_mean and running_var must be given in evaluation mode "
                "(training=False)"
            )
        stats = []
        for name, stat in (("running_mean", running_mean), ("running_var", running_var)):
            if _shape(stat) != (channels,):
                raise ValueError(
                    f"batch_norm: {name} of shape {_shape(stat)} does not match the "
                    f"input's {channels} channels (input of shape {tuple(x.shape)})"
                )
            if not isinstance(stat, Tensor) and dtype_kind(x.dtype) == "f":
                stat = asarray(stat, dtype=x.dtype)
            stats.append(reshape(stat, per_channel))
        y = ((x if isinstance(x, Tensor) else Tensor(x)) - stats[0]) / sqrt(stats[1] + e)
    if weight is not None:
        y = y * reshape(weight, per_channel)
    if bias is not None:
        y = y + reshape(bias, per_channel)
    return y


# ---------------------------------------------------------------------------- dropout
_default_rng = np.random.default_rng()


def _generator(op: str, rng: Any) -> np.random.Generator:
    if rng is None:
        return _default_rng
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, (bool, np.bool_)):
        return np.random.default_rng(int(rng))
    raise TypeError(f"{op}: rng must be a numpy.random.Generator, an int seed or None, got {rng!r}")


def _probability(op: str, name: str, p: Any) -> float:
    value = _number(op, name, p)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{op}: {name} must be between 0 and 1, got {p!r}")
    return value


def dropout(
    input: Any,
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
    *,
    rng: Any = None,
) -> Tensor:
    """Zero each element with probability ``p``; scale the others by ``1 / (1 - p)``.

    A fresh mask is drawn on every call.  The gradient is the mask times the scale.

    Parameters
    ----------
    input
        A Tensor or array.
    p
        The probability of an element being zeroed, in ``[0, 1]``; ``p=1`` gives zeros.
    training
        With ``False`` the input is returned unchanged (the same Tensor).
    inplace
        Not supported (``True`` raises NotImplementedError); kept for PyTorch's signature.
    rng
        A ``numpy.random.Generator`` to draw the mask from, an int (the seed of a new
        Generator), or ``None`` (a Generator of this module, seeded once by the OS).

    Returns
    -------
    Tensor
        Of ``input``'s shape; float inputs keep their dtype.

    Raises
    ------
    ValueError
        If ``p`` is outside ``[0, 1]``.
    TypeError
        If ``p`` is not a real number, or ``rng`` is none of the above.
    NotImplementedError
        For ``inplace=True``.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> x = ag.Tensor(np.ones(8), requires_grad=True)
    >>> y = ag.dropout(x, 0.5, rng=0)
    >>> sorted(set(y.data.tolist()))  # kept elements are doubled
    [0.0, 2.0]
    >>> y.sum().backward()
    >>> bool(np.all(x.grad == y.data))
    True
    >>> ag.dropout(x, training=False) is x
    True
    """
    prob = _probability("dropout", "p", p)
    _no_inplace("dropout", inplace)
    generator = _generator("dropout", rng)
    x = _as_input(input)
    if not training:
        return x if isinstance(x, Tensor) else Tensor(x)
    dtype = x.dtype if dtype_kind(x.dtype) == "f" else np.dtype(np.float64)
    # An int seed is kept as the seed: each call (and each run of a compiled program)
    # starts a new generator from it, as a Generator is drawn from again and again.
    source = int(rng) if isinstance(rng, (int, np.integer)) else generator
    recorder = current_recorder()
    scaled: Any
    if recorder is not None:  # inside ag.compile: the program draws a new mask every run
        scaled = recorder.record_draw(_dropout_scale, source, (x.shape, prob, dtype))
    else:
        scaled = _dropout_scale(source, x.shape, prob, dtype)
    return multiply(x, scaled)


def _dropout_scale(
    source: np.random.Generator | int, shape: tuple[int, ...], p: float, dtype: np.dtype[Any]
) -> np.ndarray:
    """``1 / (1 - p)`` where an element is kept (probability ``1 - p``), else 0."""
    dtype = np.dtype(dtype)
    if p == 1.0:
        return np.zeros(shape, dtype=dtype)
    generator = source if isinstance(source, np.random.Generator) else np.random.default_rng(source)
    keep = generator.random(shape) >= p
    scale: np.ndarray = np.where(keep, dtype.type(1.0 / (1.0 - p)), dtype.type(0.0))
    return scale


# ---------------------------------------------------------------------------- embedding
def _embedding_forward(weight, indices, num_embeddings, padding_idx, mask_padding=False):  # type: ignore[no-untyped-def]
    """The rows of ``weight`` at ``indices``: shape ``indices.shape + (dim,)``.

    With ``mask_padding`` (the adjoint of the scatter, in higher derivatives) the rows
    picked by ``padding_idx`` are zero.
    """
    rows = np.take(weight, indices, axis=0)
    if mask_padding and padding_idx is not None:
        rows = rows * (indices != padding_idx)[..., None]
    return rows


def _embedding_backward_forward(g, indices, num_embeddings, padding_idx):  # type: ignore[no-untyped-def]
    """``g`` (``indices.shape + (dim,)``) added into rows ``indices`` of a zero weight.

    Repeated indices accumulate; the ``padding_idx`` row stays zero.
    """
    dim = g.shape[-1]
    out = np.zeros_like(g, shape=(num_embeddings, dim))
    np.add.at(out, indices.reshape(-1), g.reshape(-1, dim))
    if padding_idx is not None:
        out[padding_idx] = 0
    return out


_embedding = Primitive(_embedding_forward, name="embedding")
_embedding_backward = Primitive(_embedding_backward_forward, name="embedding_backward")
# The gather and the scatter are each other's adjoints (the scatter skips padding_idx,
# so its adjoint gathers zeros there).
_embedding.defvjp(
    lambda g, out, weight, indices, n, padding_idx, mask=False: _embedding_backward(
        g, indices, n, padding_idx
    ),
)
_embedding_backward.defvjp(
    lambda h, out, g, indices, n, padding_idx: _embedding(h, indices, n, padding_idx, True),
)


def embedding(
    input: Any,
    weight: Any,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """The rows of ``weight`` at the integer indices ``input``: a lookup table.

    Parameters
    ----------
    input
        Integer indices (a Tensor, array, list or int) of any shape, each in
        ``[0, num_embeddings)``.
    weight
        Shape ``(num_embeddings, embedding_dim)``.
    padding_idx
        A row (negative counts from the end) that gets no gradient; its value is still
        looked up.
    max_norm, norm_type, scale_grad_by_freq, sparse
        Not supported (anything but the defaults raises NotImplementedError); kept for
        PyTorch's signature.

    Returns
    -------
    Tensor
        Shape ``input.shape + (embedding_dim,)``, of ``weight``'s dtype.  The gradient for
        ``weight`` adds up over repeated indices; it is itself differentiable (its VJP is a
        gather), so higher derivatives work.

    Raises
    ------
    TypeError
        If the indices are not integers (booleans included).
    IndexError
        If an index is outside ``[0, num_embeddings)``.
    ValueError
        If ``weight`` is not 2-D or ``padding_idx`` is outside
        ``[-num_embeddings, num_embeddings)``.
    NotImplementedError
        For ``max_norm``, ``scale_grad_by_freq`` or ``sparse``.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> w = ag.Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    >>> ag.embedding(np.array([[2, 0], [2, 2]]), w).data
    array([[[4., 5.],
            [0., 1.]],
    <BLANKLINE>
           [[4., 5.],
            [4., 5.]]])
    >>> ag.embedding([2, 0, 2], w, padding_idx=0).sum().backward()
    >>> w.grad
    array([[0., 0.],
           [0., 0.],
           [2., 2.]])
    """
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError(
            "embedding: max_norm, scale_grad_by_freq and sparse are not supported"
        )
    w = _as_input(weight)
    if w.ndim != 2:
        raise ValueError(
            "embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape "
            f"{tuple(w.shape)}"
        )
    n = int(w.shape[0])
    indices = _values(input)
    if dtype_kind(indices.dtype) not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {indices.dtype}")
    if indices.size and not is_traced(indices):
        bad = indices[(indices < 0) | (indices >= n)]
        if bad.size:
            raise IndexError(
                f"embedding: index {bad.reshape(-1)[0]} is out of range for num_embeddings "
                f"{n} (weight of shape {tuple(w.shape)})"
            )
    pad = None
    if padding_idx is not None:
        if not isinstance(padding_idx, (int, np.integer)) or isinstance(padding_idx, bool):
            raise TypeError(f"embedding: padding_idx must be an int or None, got {padding_idx!r}")
        if not -n <= padding_idx < n:
            raise ValueError(
                f"embedding: padding_idx {padding_idx} must be within num_embeddings {n}"
            )
        pad = int(padding_idx) % n
    return _embedding(w, indices, n, pad)


# ---------------------------------------------------------------------------- attention
def _check_attention(q: Any, k: Any, v: Any) -> None:
    shapes = (
        f"query of shape {tuple(q.shape)}, key of shape {tuple(k.shape)} and value of "
        f"shape {tuple(v.shape)}"
    )
    op = "scaled_dot_product_attention"
    if min(q.ndim, k.ndim, v.ndim) < 2:
        raise ValueError(f"{op}: {shapes}: each must have at least 2 dimensions")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"{op}: {shapes}: query and key must have the same last dimension")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(f"{op}: {shapes}: key and value must have the same length (axis -2)")
    try:
        np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except ValueError:
        raise ValueError(f"{op}: {shapes}: the batch dimensions do not broadcast") from None


def _grouped(q: Any, k: Any, v: Any) -> tuple[Any, Any]:
    """``k`` and ``v`` with each head repeated to match the query's heads (axis -3)."""
    op = "scaled_dot_product_attention"
    if min(q.ndim, k.ndim, v.ndim) < 3:
        raise ValueError(f"{op}: enable_gqa=True needs a heads axis (-3) in query, key, value")
    heads, kv_heads = q.shape[-3], k.shape[-3]
    if v.shape[-3] != kv_heads or heads % kv_heads:
        raise ValueError(
            f"{op}: enable_gqa=True needs key and value with the same number of heads, "
            f"dividing the query's: query {tuple(q.shape)}, key {tuple(k.shape)}, "
            f"value {tuple(v.shape)}"
        )
    r = heads // kv_heads
    return repeat(k, r, axis=-3), repeat(v, r, axis=-3)


def scaled_dot_product_attention(
    query: Any,
    key: Any,
    value: Any,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
    *,
    rng: Any = None,
) -> Tensor:
    """``softmax(query @ key^T * scale + mask) @ value``, over the key axis.

    Parameters
    ----------
    query
        Shape ``(..., L, E)``.
    key
        Shape ``(..., S, E)``.
    value
        Shape ``(..., S, Ev)``.  The batch dimensions ``...`` of the three broadcast.
    attn_mask
        Broadcastable to ``(..., L, S)``: boolean (``True``: the key takes part) or float
        (added to the scores; ``-inf`` excludes a key).  A query whose keys are all
        excluded gets zero weights (its output is 0), as in PyTorch.
    dropout_p
        Dropout probability applied to the attention weights (see :func:`dropout`).
    is_causal
        Query ``i`` sees keys ``j <= i`` only (the lower triangle of an ``(L, S)`` mask);
        not together with ``attn_mask``.
    scale
        The factor of the scores; ``1 / sqrt(E)`` by default.
    enable_gqa
        Grouped-query attention: the heads (axis -3) of ``key`` and ``value`` are each
        repeated to match the query's, whose number they must divide.
    rng
        Keyword only: the random source of the dropout (see :func:`dropout`).

    Returns
    -------
    Tensor
        Shape ``(..., L, Ev)``.  It is a composition of differentiable ops (``matmul``,
        ``softmax``, ``where``), so it can be differentiated any number of times.

    Raises
    ------
    ValueError
        If the shapes do not fit (naming all three), the mask does not broadcast to
        ``(..., L, S)``, ``is_causal`` is given with ``attn_mask``, ``dropout_p`` is
        outside ``[0, 1]``, or ``E`` is 0 and no ``scale`` is given.
    TypeError
        If the mask is neither boolean nor float, or ``scale`` or ``dropout_p`` is not a
        real number.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> q = ag.Tensor(np.eye(2), requires_grad=True)
    >>> v = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> ag.scaled_dot_product_attention(q, q, v, is_causal=True).data.round(4)
    array([[1.    , 0.    ],
           [0.3302, 0.6698]])
    """
    op = "scaled_dot_product_attention"
    q, k, v = _as_input(query), _as_input(key), _as_input(value)
    if enable_gqa:
        k, v = _grouped(q, k, v)
    _check_attention(q, k, v)
    if is_causal and attn_mask is not None:
        raise ValueError(f"{op}: attn_mask must not be given with is_causal=True")
    p = _probability(op, "dropout_p", dropout_p)
    L, S, E = q.shape[-2], k.shape[-2], q.shape[-1]
    if scale is None and E == 0:
        raise ValueError(
            f"{op}: query of shape {tuple(q.shape)} has no embedding dimension (E = 0), so "
            "there is no default scale 1 / sqrt(E)"
        )
    factor = 1 / math.sqrt(E) if scale is None else _number(op, "scale", scale)
    scores = matmul(q, swapaxes(k, -1, -2)) * factor
    mask = np.tril(np.ones((L, S), dtype=bool)) if is_causal else attn_mask
    dead = None  # the queries whose keys are all excluded
    if mask is not None:
        mask = _as_input(mask)
        try:
            fits = np.broadcast_shapes(mask.shape, scores.shape) == scores.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(
                f"{op}: attn_mask of shape {tuple(mask.shape)} does not broadcast to the "
                f"scores' shape {tuple(scores.shape)} (..., L, S)"
            )
        values = _values(mask)
        if dtype_kind(values.dtype) == "b":
            scores = where(values, scores, -np.inf)
            dead = ~np.any(values, axis=-1, keepdims=True)
        elif dtype_kind(values.dtype) == "f":
            if not isinstance(mask, Tensor):
                mask = values.astype(scores.dtype, copy=False)
            scores = scores + mask
            dead = np.all(np.isneginf(values), axis=-1, keepdims=True)
        else:
            raise TypeError(f"{op}: attn_mask must be boolean or float, got dtype {values.dtype}")
        if not is_traced(dead) and not dead.any():
            dead = None
    if dead is not None:
        # softmax of a row of -inf is 0/0: such a row gets finite scores and zero weights.
        weights = where(dead, 0, softmax(where(dead, 0, scores), axis=-1))
    else:
        weights = softmax(scores, axis=-1)
    if p > 0:
        weights = dropout(weights, p, rng=rng)
    return matmul(weights, v)
