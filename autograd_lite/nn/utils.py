"""Gradient clipping, as ``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_``.

Both change the ``.grad`` arrays of the parameters in place, between ``backward()`` and
the optimizer's ``step()``; parameters without a gradient are skipped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

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


def _scale(p: Tensor, factor: Any) -> None:
    grad: Any = p.grad
    if isinstance(grad, np.ndarray):
        np.multiply(grad, factor, out=grad, casting="unsafe")
    else:  # a NumPy scalar set by hand cannot change in place
        p.grad = np.multiply(grad, factor, dtype=np.result_type(grad), casting="unsafe")


def _number(op: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__}")
    return float(value)


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Any:
    """Scale the gradients so that their total norm is at most ``max_norm``.

    The total norm is the ``norm_type``-norm of all gradients together, as if they were
    one vector.  Every gradient is multiplied in place by ``min(1, max_norm / (total +
    1e-6))``, as PyTorch does: without a branch on the norm, so that the same code runs
    inside :func:`autograd_lite.compile`, where the norm of each call decides.

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
    numpy.float64
        The total norm before clipping (0.0 when no parameter has a gradient); inside
        ``ag.compile``, the traced value, which the compiled function may return.

    Raises
    ------
    TypeError
        If ``parameters`` holds something other than Tensors, or ``max_norm`` or
        ``norm_type`` is not a number.
    RuntimeError
        With ``error_if_nonfinite``, if the total norm is NaN or infinite (as PyTorch).
        That check needs the norm's value, so inside ``ag.compile`` it is a
        :class:`~autograd_lite.errors.TraceError`.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> from autograd_lite.nn.utils import clip_grad_norm_
    >>> w = ag.nn.Parameter([0.0, 0.0])
    >>> w.grad = np.array([3.0, 4.0])
    >>> clip_grad_norm_([w], max_norm=1.0)
    np.float64(5.0)
    >>> np.round(w.grad, 6)
    array([0.6, 0.8])
    """
    op = "clip_grad_norm_"
    params = _with_grads(parameters, op)
    max_norm = _number(op, "max_norm", max_norm)
    order = _number(op, "norm_type", norm_type)
    if not params:
        return np.float64(0.0)
    # The gradients themselves, never np.asarray of them: ag.compile follows every step.
    grads: list[Any] = [p.grad for p in params]
    norms = [
        np.linalg.norm(np.ravel(g).astype(np.float64), ord=order)
        if np.size(g)
        else np.zeros((), dtype=np.float64)
        for g in grads
    ]
    total = np.linalg.norm(np.stack(norms), ord=order)
    if error_if_nonfinite and not math.isfinite(float(total)):
        raise RuntimeError(
            f"{op}: the total norm of order {order} of the gradients is {float(total)}, so "
            "they cannot be clipped; pass error_if_nonfinite=False to scale them by it anyway"
        )
    # An infinite or NaN norm makes NaN gradients, as in PyTorch: asked for, so silent.
    with np.errstate(invalid="ignore", divide="ignore"):
        coef = np.minimum(max_norm / (total + 1e-6), 1.0)
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
        if isinstance(grad, np.ndarray):  # two ufuncs (np.clip's out= is no ufunc's)
            np.minimum(grad, limit, out=grad, casting="unsafe")
            np.maximum(grad, -limit, out=grad, casting="unsafe")
        else:
            p.grad = np.clip(grad, -limit, limit)
