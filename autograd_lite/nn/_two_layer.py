"""The tutorial's two-layer network, in its column convention."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from .._tensor import Tensor
from . import init
from ._layers import activation as make_activation
from ._module import Module
from ._parameter import Parameter


class TwoLayerNet(Module):
    """``Z2 = W2 g(W1 X + b1) + b2`` with one example per column, as in the tutorial.

    The parameters are named and shaped like the ``params`` of
    :mod:`autograd_lite.closed_form`, so ``net.state_dict()`` can be passed to
    ``closed_form.two_layer_forward`` as is.  ``forward`` returns the logits ``Z2``;
    apply ``ag.sigmoid`` for probabilities or train with
    ``ag.binary_cross_entropy_with_logits``.

    ``W1`` starts with Glorot (Xavier) uniform values for sigmoid and tanh, He (Kaiming)
    uniform values for relu; ``W2`` Glorot uniform; the biases zero.

    Parameters
    ----------
    n0, n1, n2
        Input features, hidden units, output units.
    activation
        Hidden activation: ``"sigmoid"``, ``"tanh"`` or ``"relu"``.
    rng
        Generator (or int seed) for the initial values; ``None`` uses a fresh unseeded one.
    dtype
        Floating dtype of the parameters.

    Attributes
    ----------
    W1, b1, W2, b2 : Parameter
        Shapes ``(n1, n0)``, ``(n1, 1)``, ``(n2, n1)``, ``(n2, 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd_lite import nn
    >>> net = nn.TwoLayerNet(4, 8, 1, rng=0)
    >>> net(np.zeros((4, 10))).shape  # X is (n0, m)
    (1, 10)
    """

    W1: Parameter
    b1: Parameter
    W2: Parameter
    b2: Parameter

    def __init__(
        self,
        n0: int,
        n1: int,
        n2: int,
        activation: str = "tanh",
        rng: init.RNGLike = None,
        dtype: DTypeLike = np.float64,
    ) -> None:
        super().__init__()
        self.g = make_activation(activation)
        self.activation = activation
        gen = init.as_generator(rng)
        self.W1 = Parameter(np.empty((n1, n0)), dtype=dtype)
        self.b1 = Parameter(np.zeros((n1, 1)), dtype=dtype)
        self.W2 = Parameter(np.empty((n2, n1)), dtype=dtype)
        self.b2 = Parameter(np.zeros((n2, 1)), dtype=dtype)
        if activation == "relu":
            init.kaiming_uniform(self.W1, nonlinearity="relu", rng=gen)
        else:
            init.xavier_uniform(self.W1, rng=gen)
        init.xavier_uniform(self.W2, rng=gen)

    def forward(self, X: Any) -> Tensor:
        Z1 = self.W1 @ X + self.b1
        A1 = self.g(Z1)
        result: Tensor = self.W2 @ A1 + self.b2
        return result

    def extra_repr(self) -> str:
        n1, n0 = self.W1.shape
        return f"n0={n0}, n1={n1}, n2={self.W2.shape[0]}, activation={self.activation!r}"
