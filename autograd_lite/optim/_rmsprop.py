"""RMSprop, as ``torch.optim.RMSprop`` (without ``maximize``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._tensor import Tensor
from ._optimizer import Optimizer, ParamsLike

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012): divide the gradient by a running root mean square of itself.

    For each parameter with gradient ``g``::

        g = g + weight_decay * p
        s = alpha * s + (1 - alpha) * g²
        a = alpha * a + (1 - alpha) * g         (centered only)
        d = √(s - a²) + eps   if centered  else  d = √s + eps
        b = momentum * b + g / d;  p = p - lr * b     (momentum > 0)
        p = p - lr * g / d                            (momentum = 0)

    Parameters
    ----------
    params
        Tensors to optimise, or parameter-group dicts.
    lr
        Learning rate (>= 0).
    alpha
        Smoothing constant of the running averages (>= 0).
    eps
        Added to the denominator (>= 0).
    weight_decay
        L2 penalty added to the gradient (>= 0).
    momentum
        Momentum factor (>= 0).
    centered
        Divide by an estimate of the gradient's variance instead of its second moment.

    Raises
    ------
    ValueError
        For a negative ``lr``, ``alpha``, ``eps``, ``weight_decay`` or ``momentum``.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> w = ag.nn.Parameter([1.0, -2.0])
    >>> opt = ag.optim.RMSprop([w], lr=0.01, alpha=0.75, eps=0.0)
    >>> (w * w).sum().backward()
    >>> opt.step()  # s = g² / 4, so each entry moves by 2 lr
    >>> w
    Parameter([ 0.98, -1.98])
    """

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
        }
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        for name in ("alpha", "eps", "momentum"):
            if group[name] < 0:
                raise ValueError(f"invalid {name}: {group[name]!r} (must be >= 0)")

    def _update(
        self, p: Tensor, grad: NDArray[Any], group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        alpha = group["alpha"]
        g = self._l2_decayed(grad, p, group)
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p.data)
        if group["momentum"] and "momentum_buffer" not in state:
            state["momentum_buffer"] = np.zeros_like(p.data)
        if group["centered"] and "grad_avg" not in state:
            state["grad_avg"] = np.zeros_like(p.data)
        state["step"] += 1
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * g * g
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg *= alpha
            grad_avg += (1 - alpha) * g
            denom = np.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            denom = np.sqrt(square_avg) + group["eps"]
        if group["momentum"]:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += g / denom
            p.data -= group["lr"] * buf
        else:
            p.data -= group["lr"] * g / denom
