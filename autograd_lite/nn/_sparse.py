"""Embedding: a lookup table of learned vectors indexed by integers."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from .._ops_layers import embedding
from .._tensor import Tensor
from ._module import Module
from ._parameter import Parameter
from .init import RNGLike, as_generator


class Embedding(Module):
    """Row ``i`` of ``weight`` for each index ``i``, PyTorch's ``Embedding``.

    ``weight`` has shape ``(num_embeddings, embedding_dim)`` and starts standard normal;
    the row ``padding_idx`` (if given) starts at zero and gets no gradient.  An index
    used several times in a batch accumulates its gradients.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd_lite import nn
    >>> emb = nn.Embedding(10, 3, rng=0)
    >>> emb(np.array([[1, 2], [1, 9]])).shape
    (2, 2, 3)
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        *,
        rng: RNGLike = None,
        dtype: DTypeLike = np.float64,
    ) -> None:
        super().__init__()
        if num_embeddings <= 0 or embedding_dim <= 0:
            raise ValueError(
                f"Embedding: sizes must be positive, got num_embeddings={num_embeddings}, "
                f"embedding_dim={embedding_dim}"
            )
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx {padding_idx} is out of range for "
                    f"{num_embeddings} embeddings"
                )
            padding_idx %= num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        values = as_generator(rng).standard_normal((num_embeddings, embedding_dim))
        if padding_idx is not None:
            values[padding_idx] = 0.0
        self.weight = Parameter(values, dtype=dtype)

    def forward(self, indices: Any) -> Tensor:
        return embedding(indices, self.weight, padding_idx=self.padding_idx)

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"
