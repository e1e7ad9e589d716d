"""Layers: Linear, Sequential and the activation modules."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, overload

import numpy as np
from numpy.typing import DTypeLike

from .._ops_elementwise import relu, sigmoid, tanh
from .._tensor import Tensor
from ._module import Module
from ._parameter import Parameter
from .init import RNGLike, as_generator


def _affine(x: Any, weight: Tensor, bias: Tensor | None) -> Tensor:
    """``x @ weight.T + bias`` over the last axis of ``x``.

    A stack of rows ``(..., n, in)`` is multiplied as one matrix ``(N·n, in)``: one matrix
    product forward and for each gradient, where a stacked product would make the
    weight's gradient a sum of small products.
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    if x.ndim > 2:
        rows = x.reshape(-1, x.shape[-1])
        y: Tensor = (rows @ weight.T).reshape(*x.shape[:-1], weight.shape[0])
    else:
        y = x @ weight.T
    return y if bias is None else y + bias


class Linear(Module):
    """Affine map of batch-first inputs: ``y = x Wᵀ + b``.

    Weight and bias start uniform in ``(-k, k)``, ``k = 1/√in_features`` (PyTorch's
    default).

    Parameters
    ----------
    in_features, out_features
        Sizes of the last axis of the input and of the output.
    bias
        Whether to add a learned bias.
    rng
        Generator (or int seed) for the initial values; ``None`` uses a fresh unseeded one.
    dtype
        Floating dtype of the parameters.

    Attributes
    ----------
    weight : Parameter
        Shape ``(out_features, in_features)``.
    bias : Parameter or None
        Shape ``(out_features,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd_lite import nn
    >>> layer = nn.Linear(3, 2, rng=0)
    >>> layer(np.ones((4, 3))).shape
    (4, 2)
    """

    weight: Parameter
    bias: Parameter | None

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        rng: RNGLike = None,
        dtype: DTypeLike = np.float64,
    ) -> None:
        super().__init__()
        if in_features <= 0 or out_features <= 0:
            raise ValueError(
                f"Linear: feature sizes must be positive, got in_features={in_features}, "
                f"out_features={out_features}"
            )
        self.in_features = in_features
        self.out_features = out_features
        gen = as_generator(rng)
        k = 1.0 / math.sqrt(in_features)
        self.weight = Parameter(gen.uniform(-k, k, (out_features, in_features)), dtype=dtype)
        self.bias = Parameter(gen.uniform(-k, k, out_features), dtype=dtype) if bias else None
        if not bias:
            self.register_parameter("bias", None)

    def forward(self, x: Any) -> Tensor:
        return _affine(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Sequential(Module):
    """Modules applied one after the other; the children are named ``"0"``, ``"1"``, ...

    Examples
    --------
    >>> from autograd_lite import nn
    >>> net = nn.Sequential(nn.Linear(4, 8, rng=0), nn.Tanh(), nn.Linear(8, 2, rng=1))
    >>> len(net), type(net[1]).__name__
    (3, 'Tanh')
    >>> [name for name, _ in net.named_parameters()]
    ['0.weight', '0.bias', '2.weight', '2.bias']
    """

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def __len__(self) -> int:
        return len(self.__dict__["_modules"])

    def __iter__(self) -> Iterator[Module]:
        return self.children()

    @overload
    def __getitem__(self, index: int) -> Module: ...

    @overload
    def __getitem__(self, index: slice) -> Sequential: ...

    def __getitem__(self, index: int | slice) -> Module | Sequential:
        modules = list(self.children())
        if isinstance(index, slice):
            return Sequential(*modules[index])
        try:
            return modules[index]
        except IndexError:
            raise IndexError(
                f"Sequential index {index} is out of range for {len(modules)} modules"
            ) from None

    def forward(self, x: Any) -> Any:
        for module in self.children():
            x = module(x)
        return x


class Tanh(Module):
    """Elementwise hyperbolic tangent."""

    def forward(self, x: Any) -> Tensor:
        return tanh(x)


class ReLU(Module):
    """Elementwise ``max(x, 0)`` (gradient 0 at 0)."""

    def forward(self, x: Any) -> Tensor:
        return relu(x)


class Sigmoid(Module):
    """Elementwise logistic function ``1 / (1 + exp(-x))``."""

    def forward(self, x: Any) -> Tensor:
        return sigmoid(x)


ACTIVATIONS: dict[str, type[Module]] = {"sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU}


def activation(name: str) -> Module:
    """The activation module called ``name`` (``"sigmoid"``, ``"tanh"`` or ``"relu"``)."""
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}"
        ) from None


class Identity(Module):
    """Returns its input; takes (and ignores) any constructor arguments, as PyTorch's does."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x


class Flatten(Module):
    """Join the axes ``start_dim`` to ``end_dim`` into one (by default all but the batch axis).

    Examples
    --------
    >>> import numpy as np
    >>> from autograd_lite import nn
    >>> nn.Flatten()(np.ones((2, 3, 4, 5))).shape
    (2, 60)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x: Any) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        nd = max(x.ndim, 1)
        start, end = self.start_dim, self.end_dim
        if not (-nd <= start < nd and -nd <= end < nd):
            raise IndexError(
                f"Flatten: dimensions ({start}, {end}) are out of range for an input of shape "
                f"{x.shape}"
            )
        start, end = start % nd, end % nd
        if start > end:
            raise ValueError(
                f"Flatten: start_dim {self.start_dim} comes after end_dim {self.end_dim}"
            )
        if x.ndim == 0:
            shape: tuple[int, ...] = (1,)
        else:
            joined = math.prod(x.shape[start : end + 1])
            shape = (*x.shape[:start], joined, *x.shape[end + 1 :])
        out: Tensor = x.reshape(shape)
        return out

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
