"""MultiheadAttention: PyTorch's layer of scaled dot-product attention over several heads."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from .._ops_elementwise import where
from .._ops_layers import dropout
from .._ops_nn import softmax
from .._tensor import Tensor
from ._layers import Linear, _affine
from ._module import Module
from ._parameter import Parameter
from .init import RNGLike, as_generator


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


class MultiheadAttention(Module):
    """Attention of ``num_heads`` heads, with PyTorch's parameters and conventions.

    Queries, keys and values are projected by the rows of ``in_proj_weight``
    ``(3·embed_dim, embed_dim)`` (plus ``in_proj_bias``), split into heads of size
    ``embed_dim / num_heads``, attended with ``softmax(q kᵀ / √d)``, joined and projected
    by ``out_proj``.  Inputs are ``(L, N, E)``, or ``(N, L, E)`` with
    ``batch_first=True``, or unbatched ``(L, E)``.

    Parameters
    ----------
    embed_dim, num_heads
        Model width and number of heads (which must divide it).
    dropout
        Probability of dropping an attention weight while training.
    bias
        Whether the projections have biases.
    batch_first
        Whether the batch axis comes first.
    rng, dtype
        Generator (or seed) for the initial values (Xavier-uniform input projection, zero
        biases) and dtype of the parameters.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd_lite import nn
    >>> mha = nn.MultiheadAttention(8, 2, batch_first=True, rng=0)
    >>> x = np.ones((3, 5, 8))
    >>> out, weights = mha(x, x, x)
    >>> out.shape, weights.shape
    ((3, 5, 8), (3, 5, 5))
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        batch_first: bool = False,
        *,
        rng: RNGLike = None,
        dtype: DTypeLike = np.float64,
    ) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim ({embed_dim}) must be a positive multiple of "
                f"num_heads ({num_heads})"
            )
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1], got {dropout!r}")
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        gen = as_generator(rng)
        limit = math.sqrt(6.0 / (embed_dim + 3 * embed_dim))  # Xavier-uniform of (3E, E)
        self.in_proj_weight = Parameter(
            gen.uniform(-limit, limit, (3 * embed_dim, embed_dim)), dtype=dtype
        )
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * embed_dim), dtype=dtype)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, rng=gen, dtype=dtype)
        if self.out_proj.bias is not None:
            self.out_proj.bias.data[...] = 0.0
        self._generator = gen

    def _heads(self, x: Tensor, n: int) -> Tensor:
        """``(N, L, E)`` to ``(N, heads, L, head_dim)``."""
        return x.reshape(n, x.shape[1], self.num_heads, self.head_dim).transpose(0, 2, 1, 3)

    def forward(
        self,
        query: Any,
        key: Any,
        value: Any,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend ``query`` to ``key``/``value``; returns the output and the weights.

        ``key_padding_mask`` ``(N, S)`` and a boolean ``attn_mask`` ``(L, S)`` or
        ``(N·heads, L, S)`` mark with ``True`` the keys that may NOT be attended (PyTorch's
        meaning for this layer); a float ``attn_mask`` is added to the scores.
        ``is_causal=True`` without a mask builds the causal one.  The weights are
        ``(N, L, S)`` averaged over heads, ``(N, heads, L, S)`` with
        ``average_attn_weights=False``, or ``None`` when ``need_weights`` is false.
        """
        q, k, v = _as_tensor(query), _as_tensor(key), _as_tensor(value)
        e = self.embed_dim
        for name, t in (("query", q), ("key", k), ("value", v)):
            if t.ndim not in (2, 3) or t.shape[-1] != e:
                raise ValueError(
                    f"MultiheadAttention: {name} must be (L, N, {e}), (N, L, {e}) or (L, {e}), "
                    f"got shape {t.shape}"
                )
        unbatched = q.ndim == 2
        if unbatched:
            q, k, v = q[None], k[None], v[None]
        elif not self.batch_first:
            q, k, v = q.transpose(1, 0, 2), k.transpose(1, 0, 2), v.transpose(1, 0, 2)
        n, tgt, src = q.shape[0], q.shape[1], k.shape[1]
        if k.shape[:2] != v.shape[:2] or k.shape[0] != n:
            raise ValueError(
                f"MultiheadAttention: key {k.shape} and value {v.shape} do not match query "
                f"{q.shape} (batch-first)"
            )
        w, b = self.in_proj_weight, self.in_proj_bias
        projected = []
        for i, t in enumerate((q, k, v)):
            bias = None if b is None else b[i * e : (i + 1) * e]
            projected.append(self._heads(_affine(t, w[i * e : (i + 1) * e], bias), n))
        qh, kh, vh = projected
        scores = (qh @ kh.swapaxes(-1, -2)) * (1.0 / math.sqrt(self.head_dim))
        blocked = self._blocked(attn_mask, key_padding_mask, is_causal, n, tgt, src)
        if isinstance(blocked, np.ndarray) and blocked.dtype == bool:
            scores = where(blocked, -np.inf, scores)
        elif blocked is not None:
            scores = scores + blocked
        weights = softmax(scores, axis=-1)
        if self.training and self.dropout > 0:
            attended = dropout(weights, self.dropout, training=True, rng=self._generator)
        else:
            attended = weights
        out = (attended @ vh).transpose(0, 2, 1, 3).reshape(n, tgt, e)
        out = self.out_proj(out)
        if unbatched:
            out = out[0]
        elif not self.batch_first:
            out = out.transpose(1, 0, 2)
        if not need_weights:
            return out, None
        returned = weights.mean(axis=1) if average_attn_weights else weights
        return out, (returned[0] if unbatched else returned)

    def _blocked(
        self, attn_mask: Any, key_padding_mask: Any, is_causal: bool, n: int, tgt: int, src: int
    ) -> Any:
        """The mask as one array of shape ``(N, heads, L, S)``: bool (True = blocked) or float."""
        heads = self.num_heads
        mask: Any = None
        if attn_mask is None and is_causal:
            mask = np.triu(np.ones((tgt, src), dtype=bool), k=1)
        elif attn_mask is not None:
            mask = np.asarray(attn_mask.data if isinstance(attn_mask, Tensor) else attn_mask)
            if mask.shape == (n * heads, tgt, src):
                mask = mask.reshape(n, heads, tgt, src)
            elif mask.shape != (tgt, src):
                raise ValueError(
                    f"MultiheadAttention: attn_mask must be ({tgt}, {src}) or "
                    f"({n * heads}, {tgt}, {src}), got shape {mask.shape}"
                )
        if key_padding_mask is not None:
            pad = np.asarray(
                key_padding_mask.data if isinstance(key_padding_mask, Tensor) else key_padding_mask
            )
            if pad.ndim == 1:
                pad = pad[None]
            if pad.shape != (n, src):
                raise ValueError(
                    f"MultiheadAttention: key_padding_mask must be ({n}, {src}), got shape "
                    f"{pad.shape}"
                )
            pad = pad[:, None, None, :]
            if pad.dtype != bool:
                mask = pad if mask is None else mask + pad
            elif mask is None or mask.dtype == bool:
                mask = pad if mask is None else mask | pad
            else:
                mask = np.where(pad, -np.inf, mask)
        return mask

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}"
