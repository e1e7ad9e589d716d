"""Dropout: zeroes entries at random in training mode, the identity in evaluation mode."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._ops_layers import dropout
from .._tensor import Tensor
from ._module import Module
from .init import RNGLike, as_generator


class Dropout(Module):
    """Zero each entry with probability ``p`` and scale the rest by ``1/(1-p)`` while training.

    The mask is drawn afresh on every call, from ``rng`` (a Generator or int seed, kept
    by the module) or, without one, from the library's default generator.  After
    :meth:`eval` the input passes through unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd_lite import nn
    >>> drop = nn.Dropout(0.5, rng=0)
    >>> sorted(set(drop(np.ones(100)).data.tolist()))
    [0.0, 2.0]
    >>> drop.eval()(np.ones(3)).data
    array([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, *, rng: RNGLike = None) -> None:
        super().__init__()
        if not isinstance(p, (int, float, np.floating)) or not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p!r}")
        self.p = float(p)
        self.generator = None if rng is None else as_generator(rng)

    def forward(self, x: Any) -> Tensor:
        return dropout(x, self.p, training=self.training, rng=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"
