"""Weight initialisers (Glorot/Xavier, He/Kaiming, zeros) that fill a Tensor in place.

Each random initialiser draws from a ``numpy.random.Generator``.  With ``rng=None`` it
uses a fresh, unseeded Generator (``numpy.random.default_rng()``), so results differ
from run to run; pass a Generator or an integer seed for reproducible weights.
The formulas and the ``gain``/``mode``/``nonlinearity`` arguments are PyTorch's.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from .._tensor import Tensor

RNGLike = np.random.Generator | int | None

__all__ = [
    "calculate_gain",
    "kaiming_normal",
    "kaiming_uniform",
    "xavier_normal",
    "xavier_uniform",
    "zeros",
]


def as_generator(rng: RNGLike) -> np.random.Generator:
    """A Generator from a Generator (used as is), an integer seed, or ``None`` (fresh)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy.random.Generator, an int seed or None, got {rng!r}")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for an activation (PyTorch's table).

    ``linear``/``sigmoid``: 1, ``tanh``: 5/3, ``relu``: √2,
    ``leaky_relu``: √(2 / (1 + slope²)) with ``param`` the negative slope (default 0.01).

    Examples
    --------
    >>> from autograd_lite import nn
    >>> round(nn.init.calculate_gain("relu"), 4)
    1.4142
    """
    if nonlinearity in ("linear", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope**2))
    raise ValueError(
        f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected one of "
        "'linear', 'sigmoid', 'tanh', 'relu', 'leaky_relu'"
    )


def _fans(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *receptive field)."""
    if tensor.ndim < 2:
        raise ValueError(
            f"fan in and fan out need a Tensor of at least 2 dimensions, got shape {tensor.shape}"
        )
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    if tensor.data.dtype.kind != "f":
        raise TypeError(f"initialisers fill floating-point Tensors, got dtype {tensor.dtype}")
    np.copyto(tensor.data, values, casting="same_kind")
    return tensor


def xavier_uniform(tensor: Tensor, gain: float = 1.0, rng: RNGLike = None) -> Tensor:
    """Fill with U(-a, a), a = gain·√(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010).

    Returns the same Tensor.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd_lite import nn
    >>> w = nn.init.xavier_uniform(nn.Parameter(np.empty((3, 5))), rng=0)
    >>> bool(np.all(np.abs(w.data) <= np.sqrt(6 / 8)))
    True
    """
    fan_in, fan_out = _fans(tensor)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill(tensor, as_generator(rng).uniform(-a, a, size=tensor.shape))


def xavier_normal(tensor: Tensor, gain: float = 1.0, rng: RNGLike = None) -> Tensor:
    """Fill with N(0, std²), std = gain·√(2 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = _fans(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _fill(tensor, as_generator(rng).normal(0.0, std, size=tensor.shape))


def _kaiming_std(
    tensor: Tensor, a: float, mode: Literal["fan_in", "fan_out"], nonlinearity: str
) -> float:
    fan_in, fan_out = _fans(tensor)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform(
    tensor: Tensor,
    a: float = 0.0,
    mode: Literal["fan_in", "fan_out"] = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: RNGLike = None,
) -> Tensor:
    """Fill with U(-b, b), b = √3·gain/√fan (He et al., 2015).

    ``a`` is the negative slope of the leaky ReLU (0: plain ReLU, gain √2).  Returns the
    same Tensor.
    """
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return _fill(tensor, as_generator(rng).uniform(-bound, bound, size=tensor.shape))


def kaiming_normal(
    tensor: Tensor,
    a: float = 0.0,
    mode: Literal["fan_in", "fan_out"] = "fan_in",
    nonlinearity: str = "leaky_relu",
    rng: RNGLike = None,
) -> Tensor:
    """Fill with N(0, std²), std = gain/√fan (He et al., 2015).  Returns the same Tensor."""
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    return _fill(tensor, as_generator(rng).normal(0.0, std, size=tensor.shape))


def zeros(tensor: Tensor) -> Tensor:
    """Fill with zeros.  Returns the same Tensor."""
    return _fill(tensor, np.zeros(tensor.shape))
