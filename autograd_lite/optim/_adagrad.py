"""Adagrad, as ``torch.optim.Adagrad`` (dense gradients, without ``maximize``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._tensor import Tensor
from ._optimizer import Optimizer, ParamsLike

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): per-entry step sizes from the sum of squared gradients.

    For each parameter at step ``t`` (counted from 1)::

        g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g²                    (s starts at initial_accumulator_value)
        p = p - clr * g / (√s + eps)

    Parameters
    ----------
    params
        Tensors to optimise, or parameter-group dicts.
    lr
        Learning rate (>= 0).
    lr_decay
        Decay of the learning rate with the step count (>= 0).
    weight_decay
        L2 penalty added to the gradient (>= 0).
    initial_accumulator_value
        Starting value of the sum of squares (>= 0).
    eps
        Added to the denominator (>= 0).

    Raises
    ------
    ValueError
        For a negative hyperparameter.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> w = ag.nn.Parameter([1.0, -2.0])
    >>> opt = ag.optim.Adagrad([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()  # the first step moves each entry by lr against the gradient's sign
    >>> w
    Parameter([ 0.9, -1.9])
    """

    def __init__(
        self,
        params: ParamsLike,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "eps": eps,
        }
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        for name in ("lr_decay", "initial_accumulator_value", "eps"):
            if group[name] < 0:
                raise ValueError(f"invalid {name}: {group[name]!r} (must be >= 0)")

    def _update(
        self, p: Tensor, grad: NDArray[Any], group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        g = self._l2_decayed(grad, p, group)
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p.data, group["initial_accumulator_value"])
        state["step"] += 1
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        total = state["sum"]
        total += g * g
        p.data -= clr * g / (np.sqrt(total) + group["eps"])
