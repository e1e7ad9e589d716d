"""Adam and AdamW, as ``torch.optim.Adam`` and ``torch.optim.AdamW`` (without ``maximize``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._tensor import Tensor
from ._optimizer import Optimizer, ParamsLike

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction; ``weight_decay`` is added to the gradient.

    For each parameter at step ``t`` (counted from 1)::

        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g²
        v̂ = max(v̂, v)   if amsgrad  else  v̂ = v
        p = p - lr / (1 - beta1**t) * m / (√v̂ / √(1 - beta2**t) + eps)

    Parameters
    ----------
    params
        Tensors to optimise, or parameter-group dicts.
    lr
        Learning rate (>= 0).
    betas
        Decay rates of the first and second moment estimates, each in [0, 1).
    eps
        Added to the denominator (>= 0).
    weight_decay
        L2 penalty added to the gradient (>= 0).
    amsgrad
        Divide by the largest second moment seen so far (Reddi et al., 2018).

    Raises
    ------
    ValueError
        For a negative ``lr``, ``eps`` or ``weight_decay``, or a beta outside [0, 1).

    Examples
    --------
    >>> import autograd_lite as ag
    >>> w = ag.nn.Parameter([1.0, -2.0])
    >>> opt = ag.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()  # the first step moves each entry by lr against the gradient's sign
    >>> w
    Parameter([ 0.9, -1.9])
    """

    _decoupled_weight_decay = False

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
        }
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        if group["eps"] < 0:
            raise ValueError(f"invalid eps: {group['eps']!r} (must be >= 0)")
        betas = group["betas"]
        if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"invalid betas: {betas!r} (two numbers in [0, 1))")

    def _update(
        self, p: Tensor, grad: NDArray[Any], group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        beta1, beta2 = group["betas"]
        if self._decoupled_weight_decay:
            if group["weight_decay"]:
                p.data *= 1 - group["lr"] * group["weight_decay"]
            g = grad
        else:
            g = self._l2_decayed(grad, p, group)
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_avg_sq"] = np.zeros_like(p.data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p.data)
        state["step"] += 1
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * g * g
        if group["amsgrad"]:
            v = state["max_exp_avg_sq"] = np.maximum(state["max_exp_avg_sq"], v)
        step_size = group["lr"] / (1 - beta1**t)
        denom = np.sqrt(v) / np.sqrt(1 - beta2**t) + group["eps"]
        p.data -= step_size * m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    The parameter shrinks by ``lr * weight_decay`` of itself before the Adam update,
    instead of the decay entering the gradient and the moment estimates::

        p = p * (1 - lr * weight_decay)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g²
        v̂ = max(v̂, v)   if amsgrad  else  v̂ = v
        p = p - lr / (1 - beta1**t) * m / (√v̂ / √(1 - beta2**t) + eps)

    Parameters
    ----------
    params
        Tensors to optimise, or parameter-group dicts.
    lr
        Learning rate (>= 0).
    betas
        Decay rates of the first and second moment estimates, each in [0, 1).
    eps
        Added to the denominator (>= 0).
    weight_decay
        Decoupled decay rate (>= 0).
    amsgrad
        Divide by the largest second moment seen so far.

    Raises
    ------
    ValueError
        For a negative ``lr``, ``eps`` or ``weight_decay``, or a beta outside [0, 1).

    Examples
    --------
    >>> import autograd_lite as ag
    >>> w = ag.nn.Parameter([1.0, -2.0])
    >>> opt = ag.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (w * w).sum().backward()
    >>> opt.step()  # shrink by 5 %, then move by lr against the gradient's sign
    >>> w
    Parameter([ 0.85, -1.8 ])
    """

    _decoupled_weight_decay = True

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
