"""The ops in ``torch.nn.functional``'s spellings: ``import autograd_lite.nn.functional as F``.

Each function takes PyTorch's argument names and defaults: ``dim`` for the axis, the
class axis 1 for the losses, and ``pad`` as a flat tuple of widths for the last axes
first.  The ops themselves are those at ``autograd_lite.<name>``, where the axis is
NumPy's ``axis`` and ``pad`` is ``np.pad``.
"""

from __future__ import annotations

from typing import Any

from .. import losses as _losses
from .._ops_arrange import pad as _np_pad
from .._ops_conv import avg_pool2d, conv1d, conv2d, max_pool2d
from .._ops_elementwise import relu, sigmoid, tanh
from .._ops_layers import (
    batch_norm,
    dropout,
    elu,
    embedding,
    gelu,
    layer_norm,
    leaky_relu,
    scaled_dot_product_attention,
    silu,
    softplus,
)
from .._ops_nn import log_softmax as _log_softmax
from .._ops_nn import softmax as _softmax
from .._tensor import Tensor

__all__ = [
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv1d",
    "conv2d",
    "cross_entropy",
    "dropout",
    "elu",
    "embedding",
    "gelu",
    "huber_loss",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "pad",
    "relu",
    "scaled_dot_product_attention",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softplus",
    "tanh",
]

mse_loss = _losses.mse_loss
l1_loss = _losses.l1_loss
huber_loss = _losses.huber_loss
smooth_l1_loss = _losses.smooth_l1_loss
binary_cross_entropy = _losses.binary_cross_entropy
binary_cross_entropy_with_logits = _losses.binary_cross_entropy_with_logits


def _dim(op: str, dim: int | None) -> int:
    if dim is None:
        raise TypeError(f"{op}: pass dim (the axis to normalize over); it has no default here")
    return dim


def softmax(input: Any, dim: int | None = None) -> Tensor:
    """``autograd_lite.softmax`` along ``dim``, which must be given."""
    return _softmax(input, axis=_dim("softmax", dim))


def log_softmax(input: Any, dim: int | None = None) -> Tensor:
    """``autograd_lite.log_softmax`` along ``dim``, which must be given."""
    return _log_softmax(input, axis=_dim("log_softmax", dim))


def linear(input: Any, weight: Any, bias: Any = None) -> Tensor:
    """``input @ weight.T + bias``, with ``weight`` of shape ``(out_features, in_features)``."""
    x = input if isinstance(input, Tensor) else Tensor(input)
    w = weight if isinstance(weight, Tensor) else Tensor(weight)
    y: Tensor = x @ w.T
    return y if bias is None else y + bias


def _class_axis(input: Any) -> int:
    return 0 if len(getattr(input, "shape", ())) < 2 else 1


def cross_entropy(
    input: Any,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy of logits ``(N, C, ...)`` (classes on axis 1) or ``(C,)``."""
    return _losses.cross_entropy(
        input,
        target,
        axis=_class_axis(input),
        reduction=reduction,
        weight=weight,
        ignore_index=ignore_index,
        label_smoothing=label_smoothing,
    )


def nll_loss(
    input: Any, target: Any, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"
) -> Tensor:
    """Negative log-likelihood of log-probabilities ``(N, C, ...)`` or ``(C,)``."""
    return _losses.nll_loss(
        input, target, weight=weight, ignore_index=ignore_index, reduction=reduction
    )


_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(input: Any, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """PyTorch's ``pad``: ``pad = (left, right, top, bottom, ...)`` widths of the last axes.

    ``mode`` is ``"constant"`` (with ``value``, default 0), ``"reflect"``, ``"replicate"``
    or ``"circular"``; ``autograd_lite.pad`` is NumPy's ``np.pad``.  Negative widths
    (cropping) are refused.
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    widths = tuple(pad)
    if len(widths) % 2 or len(widths) // 2 > x.ndim:
        raise ValueError(
            f"pad: needs an even number of widths, at most two per axis; got {len(widths)} "
            f"for an input of shape {x.shape}"
        )
    if not all(isinstance(w, int) and not isinstance(w, bool) for w in widths):
        raise TypeError(f"pad: widths must be ints, got {widths!r}")
    if min(widths, default=0) < 0:
        raise ValueError(f"pad: negative widths (cropping) are not supported, got {widths!r}")
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of {sorted(_PAD_MODES)}, got {mode!r}")
    if value is not None and mode != "constant":
        raise ValueError(f"pad: value is only used with mode 'constant', not {mode!r}")
    pairs = [(0, 0)] * x.ndim
    for i in range(len(widths) // 2):
        pairs[x.ndim - 1 - i] = (widths[2 * i], widths[2 * i + 1])
    fill = {"constant_values": 0.0 if value is None else value} if mode == "constant" else {}
    out: Tensor = _np_pad(x, pairs, mode=_PAD_MODES[mode], **fill)
    return out
