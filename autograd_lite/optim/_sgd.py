"""Stochastic gradient descent, as ``torch.optim.SGD``."""

from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

from .._tensor import Tensor
from ._optimizer import Optimizer, ParamsLike

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum (heavy-ball or Nesterov).

    For each parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p
        b = g                                   (first step)
        b = momentum * b + (1 - dampening) * g  (later steps)
        g = g + momentum * b   if nesterov  else  g = b      (when momentum != 0)
        p = p - lr * g

    Parameters
    ----------
    params
        Tensors to optimise, or parameter-group dicts.
    lr
        Learning rate (>= 0).
    momentum, dampening, weight_decay
        As in the formulas (>= 0).
    nesterov
        Use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).

    Raises
    ------
    ValueError
        For a negative hyperparameter, or ``nesterov`` without momentum.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> w = ag.nn.Parameter([1.0, -2.0])
    >>> opt = ag.optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    Parameter([ 0.8, -1.6])
    """

    def __init__(
        self,
        params: ParamsLike,
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
        }
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        if group["momentum"] < 0:
            raise ValueError(f"invalid momentum: {group['momentum']!r} (must be >= 0)")
        if group["dampening"] < 0:
            raise ValueError(f"invalid dampening: {group['dampening']!r} (must be >= 0)")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires momentum > 0 and dampening = 0")

    def _update(
        self, p: Tensor, grad: NDArray[Any], group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        g = self._l2_decayed(grad, p, group)
        mu = group["momentum"]
        if mu:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.astype(p.dtype, copy=True)
            else:
                buf *= mu
                buf += (1 - group["dampening"]) * g
            g = g + mu * buf if group["nesterov"] else buf
        p.data -= group["lr"] * g
