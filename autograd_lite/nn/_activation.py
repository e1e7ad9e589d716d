"""Activation modules beyond the tutorial's three: GELU, SiLU, Softplus, LeakyReLU, ELU, Softmax."""

from __future__ import annotations

from typing import Any

from .._ops_layers import elu, gelu, leaky_relu, silu, softplus
from .._ops_nn import softmax
from .._tensor import Tensor
from ._module import Module


class GELU(Module):
    """``x Φ(x)``, Φ the standard normal CDF; ``approximate="tanh"`` uses the tanh formula.

    Examples
    --------
    >>> from autograd_lite import nn
    >>> nn.GELU()([0.0, 1.0]).data.round(4)
    array([0.    , 0.8413])
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Any) -> Tensor:
        return gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """``x σ(x)`` (also called swish)."""

    def forward(self, x: Any) -> Tensor:
        return silu(x)


class Softplus(Module):
    """``log(1 + exp(βx)) / β``, the identity where ``βx > threshold``."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, x: Any) -> Tensor:
        return softplus(x, beta=self.beta, threshold=self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class LeakyReLU(Module):
    """``x`` where positive, ``negative_slope · x`` elsewhere."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Any) -> Tensor:
        return leaky_relu(x, negative_slope=self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """``x`` where positive, ``α (exp(x) - 1)`` elsewhere."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: Any) -> Tensor:
        return elu(x, alpha=self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softmax(Module):
    """Softmax along ``dim`` (PyTorch's name for the axis; ``None`` means the last).

    Examples
    --------
    >>> from autograd_lite import nn
    >>> nn.Softmax(dim=-1)([0.0, 0.0]).data
    array([0.5, 0.5])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Any) -> Tensor:
        return softmax(x, axis=-1 if self.dim is None else self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
