"""Gradient clipping, as ``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_``.

Both change the ``.grad`` arrays of the parameters in place, between ``backward()`` and
the optimizer's ``step()``; parameters without a gradient are skipped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _with_grads(parameters: Tensor | Iterable[Tensor], op: str) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        params = [parameters]
    else:
        try:
            params = list(parameters)
        except TypeError:
            raise TypeError(
                f"{op}: parameters must be a Tensor or an iterable of Tensors, got "
                f"{type(parameters).__name__}"
            ) from None
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"{op}: parameters must be Tensors, got a {type(p).__name__}")
    return [p for p in params if p.grad is not None]


def _scale(p: Tensor, factor: float) -> None:
    grad: Any = p.grad
    if isinstance(grad, np.ndarray):
        grad *= factor
    else:  # a NumPy scalar set by hand cannot change in place
        p.grad = grad * factor


def _number(op: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__}")
    return float(value)


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale the gradients so that their total norm is at most ``max_norm``.

    The total norm is the ``norm_type``-norm of all gradients together, as if they were
    one vector.  When it exceeds ``max_norm``, every gradient is multiplied in place by
    ``max_norm / (total + 1e-6)``.

    Parameters
    ----------
    parameters
        A Tensor or an iterable of Tensors; those whose ``.grad`` is None are skipped.
    max_norm
        The largest total norm left.
    norm_type
        The order of the norm: ``2.0`` (Euclidean), ``1.0``, any other order of
        ``np.linalg.norm`` for vectors, or ``float("inf")`` (the largest absolute entry).
    error_if_nonfinite
        Raise instead of scaling when the total norm is NaN or infinite.

    Returns
    -------
    float
        The total norm before clipping (0.0 when no parameter has a gradient).

    Raises
    ------
    TypeError
        If ``parameters`` holds something other than Tensors, or ``max_norm`` or
        ``norm_type`` is not a number.
    RuntimeError
        With ``error_if_nonfinite``, if the total norm is NaN or infinite (as PyTorch).

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> from autograd_lite.nn.utils import clip_grad_norm_
    >>> w = ag.nn.Parameter([0.0, 0.0])
    >>> w.grad = np.array([3.0, 4.0])
    >>> clip_grad_norm_([w], max_norm=1.0)
    5.0
    >>> np.round(w.grad, 6)
    array([0.6, 0.8])
    """
    op = "clip_grad_norm_"
    params = _with_grads(parameters, op)
    max_norm = _number(op, "max_norm", max_norm)
    order = _number(op, "norm_type", norm_type)
    if not params:
        return 0.0
    grads: list[NDArray[Any]] = [np.asarray(p.grad) for p in params]
    norms = [np.linalg.norm(g.ravel(), ord=order) if g.size else 0.0 for g in grads]
    total = float(np.linalg.norm(np.asarray(norms, dtype=np.float64), ord=order))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"{op}: the total norm of order {order} of the gradients is {total}, so they "
            "cannot be clipped; pass error_if_nonfinite=False to scale them by it anyway"
        )
    coef = max_norm / (total + 1e-6)
    if not coef >= 1.0:
        # An infinite or NaN norm makes NaN gradients, as in PyTorch: asked for, so silent.
        with np.errstate(invalid="ignore"):
            for p in params:
                _scale(p, coef)
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clip every gradient entry to ``[-clip_value, clip_value]``, in place.

    Parameters
    ----------
    parameters
        A Tensor or an iterable of Tensors; those whose ``.grad`` is None are skipped.
    clip_value
        The largest absolute value left.

    Raises
    ------
    TypeError
        If ``parameters`` holds something other than Tensors, or ``clip_value`` is not a
        number.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> from autograd_lite.nn.utils import clip_grad_value_
    >>> w = ag.nn.Parameter([0.0, 0.0, 0.0])
    >>> w.grad = np.array([-3.0, 0.5, 4.0])
    >>> clip_grad_value_(w, 1.0)
    >>> w.grad
    array([-1. ,  0.5,  1. ])
    """
    op = "clip_grad_value_"
    params = _with_grads(parameters, op)
    limit = _number(op, "clip_value", clip_value)
    for p in params:
        grad: Any = p.grad
        if isinstance(grad, np.ndarray):
            np.clip(grad, -limit, limit, out=grad)
        else:
            p.grad = np.clip(grad, -limit, limit)
