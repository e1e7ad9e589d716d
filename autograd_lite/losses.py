"""Loss functions, each one fused op with a numerically stable forward and derivative.

``reduction`` is ``"mean"`` (over all elements, or all examples for ``cross_entropy``),
``"sum"``, or ``"none"`` (the unreduced per-element losses).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ._arrays import asarray, is_traced, runtime_check
from ._ops_elementwise import log, maximum, sigmoid, sigmoid_from_exp
from ._ops_nn import log_softmax, softmax
from ._primitive import Residuals, primitive
from ._tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")
_LOG_FLOOR = -100.0  # log(p) is clamped here so that p = 0 or 1 gives a finite loss
_PROB_EPS = 1e-12  # keeps the derivative of binary_cross_entropy finite at p = 0 or 1


def _check_reduction(op: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _reduce(loss: np.ndarray, reduction: str) -> Any:
    if reduction == "sum":
        return _add_reduce(loss, None)
    if reduction == "mean":
        if loss.size and loss.dtype.itemsize >= 4:
            # ``ndarray.mean``'s own arithmetic, without its Python wrapper (which also
            # sums float16 in float32, and warns about empty input: those go to it).
            return _add_reduce(loss, None) / loss.size
        return loss.mean()
    return loss


_add_reduce = np.add.reduce


def _scale(g: Any, count: int, reduction: str) -> Any:
    """The upstream gradient of a reduced loss, as seen by each element."""
    return g / count if reduction == "mean" else g


def _float_input(op: str, x: Any) -> Tensor:
    try:
        t = x if isinstance(x, Tensor) else Tensor(x)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{op}: {exc}") from exc
    if t._data.dtype.kind != "f":
        raise TypeError(f"{op}: expects floating-point input, got dtype {t._data.dtype}")
    return t


def _targets_like(op: str, inputs: Tensor, targets: Any) -> Any:
    """Targets checked against the inputs' shape and converted to the inputs' float dtype."""
    data = targets._data if isinstance(targets, Tensor) else asarray(targets)
    dtype = data.dtype
    if dtype.kind not in "biuf":
        raise TypeError(f"{op}: targets must be real numbers, got dtype {dtype}")
    expected = inputs._data
    if data.shape != expected.shape:
        raise ValueError(
            f"{op}: targets of shape {data.shape} do not match input of shape {expected.shape}"
        )
    if dtype is not expected.dtype and dtype != expected.dtype:
        with np.errstate(over="ignore"):  # a target too large for float32 becomes inf
            if isinstance(targets, Tensor):
                return targets.astype(inputs.dtype)
            return data.astype(inputs.dtype)
    return targets


# --------------------------------------------------------------------- binary cross-entropy
@primitive
def _bce(p, t, reduction):  # type: ignore[no-untyped-def]
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), _LOG_FLOOR)
        log_q = np.maximum(np.log1p(-p), _LOG_FLOOR)
    return _reduce(-(t * log_p + (1 - t) * log_q), reduction)


_bce.defvjp(
    lambda g, out, p, t, reduction: (
        _scale(g, p.size, reduction) * (p - t) / maximum(p * (1 - p), _PROB_EPS)
    ),
    lambda g, out, p, t, reduction: (
        _scale(g, p.size, reduction) * (log(maximum(1 - p, _PROB_EPS)) - log(maximum(p, _PROB_EPS)))
    ),
)


def binary_cross_entropy(probs: Any, targets: Any, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy ``-(t log p + (1 - t) log(1 - p))`` of probabilities ``p``.

    ``log`` is clamped at -100 so that probabilities of exactly 0 or 1 give a finite loss,
    and the derivative's denominator ``p (1 - p)`` is kept above 1e-12.  Prefer
    :func:`binary_cross_entropy_with_logits` on the logits, which needs neither.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> ag.binary_cross_entropy(ag.Tensor([0.5]), ag.Tensor([1.0])).item()  # log 2
    0.6931471805599453
    """
    _check_reduction("binary_cross_entropy", reduction)
    probs = _float_input("binary_cross_entropy", probs)
    return _bce(probs, _targets_like("binary_cross_entropy", probs, targets), reduction)


@primitive
def _bce_logits(z, t, reduction):  # type: ignore[no-untyped-def]
    # max(z, 0) - z t + log(1 + exp(-|z|)): every term finite for any z.  The same
    # exp(-|z|) gives sigmoid(z) for the derivative.
    e = np.exp(-np.abs(z))
    loss = _reduce(np.maximum(z, 0) - z * t + np.log1p(e), reduction)
    return Residuals.fresh(loss, exp_neg_abs=e)


def _sigmoid_from(z: Any, exp_neg_abs: Any) -> Any:
    """``sigmoid(z)``, given ``exp(-|z|)`` (or ``None``: recompute it, recorded)."""
    return sigmoid(z) if exp_neg_abs is None else sigmoid_from_exp(z, exp_neg_abs)


_bce_logits.defvjp(
    lambda g, out, z, t, reduction, *, exp_neg_abs=None: (
        _scale(g, z.size, reduction) * (_sigmoid_from(z, exp_neg_abs) - t)
    ),
    lambda g, out, z, t, reduction, *, exp_neg_abs=None: _scale(g, z.size, reduction) * -z,
)


def binary_cross_entropy_with_logits(logits: Any, targets: Any, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of ``sigmoid(logits)``, fused so that it is stable for any logit.

    Its derivative with respect to the logits is ``sigmoid(z) - t``: the post's
    ``dZ2 = A2 - Y``.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> z = ag.Tensor([1000.0, -1000.0], requires_grad=True)
    >>> loss = ag.binary_cross_entropy_with_logits(z, ag.Tensor([1.0, 0.0]))
    >>> loss.item()
    0.0
    """
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    logits = _float_input("binary_cross_entropy_with_logits", logits)
    targets = _targets_like("binary_cross_entropy_with_logits", logits, targets)
    return _bce_logits(logits, targets, reduction)


# --------------------------------------------------------------------- cross-entropy
@primitive
def _cross_entropy(z, t, axis, reduction, count):  # type: ignore[no-untyped-def]
    shifted = z - z.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=axis, keepdims=True)
    log_probs = shifted - np.log(total)
    loss = _reduce(-np.sum(t * log_probs, axis=axis), reduction)
    return Residuals.fresh(loss, exp=e, total=total, log_probs=log_probs)


def _ce_scale(g: Any, axis: int, reduction: str, count: int) -> Any:
    g = g / count if reduction == "mean" else g
    # An unreduced loss lacks the class axis; put it back so the gradient broadcasts.
    return g[(slice(None),) * axis + (None,)] if reduction == "none" else g


def _softmax_from(z: Any, axis: int, exp: Any, total: Any) -> Any:
    """``softmax(z)`` from the forward's ``exp`` and ``total`` (``None``: recompute, recorded)."""
    return softmax(z, axis=axis) if exp is None else exp / total


_cross_entropy.defvjp(
    lambda g, out, z, t, axis, reduction, count, *, exp=None, total=None, log_probs=None: (
        _ce_scale(g, axis, reduction, count)
        * (_softmax_from(z, axis, exp, total) * t.sum(axis=axis, keepdims=True) - t)
    ),
    lambda g, out, z, t, axis, reduction, count, *, exp=None, total=None, log_probs=None: (
        _ce_scale(g, axis, reduction, count)
        * -(log_softmax(z, axis=axis) if log_probs is None else log_probs)
    ),
)


@functools.lru_cache(maxsize=8)
def _row_numbers(n: int) -> np.ndarray:
    """``np.arange(n)``, made once per batch size and shared: read-only."""
    rows = np.arange(n)
    rows.setflags(write=False)
    return rows


def _check_classes(classes: np.ndarray, depth: int) -> None:
    """Raise IndexError unless every class index lies in ``[0, depth)``."""
    # One pass: seen as unsigned, a negative index is larger than any depth.
    if classes.size and _largest_class(classes) >= depth:
        raise IndexError(
            f"cross_entropy: class indices must lie in [0, {depth}), got values from "
            f"{classes.min()} to {classes.max()}"
        )


def _largest_class(classes: np.ndarray) -> Any:
    """The largest class index, in one pass that also sees negative ones (as huge)."""
    unsigned = _UNSIGNED.get(classes.dtype)
    if unsigned is None:  # not a native integer dtype
        unsigned = classes.dtype.str.replace("i", "u")
    return _max_reduce(classes.view(unsigned), axis=None)


# Signed integer codes are lower case, their unsigned twins the same letter upper case.
_UNSIGNED = {np.dtype(code): np.dtype(code.upper()) for code in np.typecodes["Integer"]} | {
    np.dtype(code): np.dtype(code) for code in np.typecodes["UnsignedInteger"]
}
_max_reduce = np.maximum.reduce


def _class_index(classes: np.ndarray, axis: int) -> tuple[Any, ...]:
    """The index selecting, at every position, the element of class ``classes[...]`` on ``axis``.

    Each class index appears once per position, so ``a[index] -= 1`` is safe.
    """
    if classes.ndim == 1:  # a batch of examples: the common case
        rows = _row_numbers(classes.shape[0])
        return (rows, classes) if axis == 1 else (classes, rows)
    ndim = classes.ndim
    grids = [
        np.arange(n).reshape((1,) * k + (n,) + (1,) * (ndim - k - 1))
        for k, n in enumerate(classes.shape)
    ]
    return (*grids[:axis], classes, *grids[axis:])


@primitive
def _cross_entropy_indices(z, index, axis, reduction, count):  # type: ignore[no-untyped-def]
    # ``index`` picks each position's class along ``axis`` (see ``_class_index``).
    shifted = z - z.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=axis, keepdims=True)
    picked = shifted[index]
    loss = _reduce(np.log(total.reshape(picked.shape)) - picked, reduction)
    return Residuals.fresh(loss, exp=e, total=total)


@primitive
def _minus_one_at(p, index):  # type: ignore[no-untyped-def]
    """``p`` with 1 subtracted at each class ``index``: ``p - onehot``."""
    p = p.copy()
    p[index] -= 1
    return p


_minus_one_at.defvjp(lambda g, out, p, index: g)


def _ce_indices_vjp(  # type: ignore[no-untyped-def]
    g, out, z, index, axis, reduction, count, *, exp=None, total=None
):
    if exp is None:  # a recorded backward pass
        return _ce_scale(g, axis, reduction, count) * _minus_one_at(softmax(z, axis=axis), index)
    # g (softmax - onehot), as g softmax less g at the labels: one pass over the logits.
    if reduction == "none":
        picked = g  # one upstream gradient per position
        scale = _ce_scale(g, axis, reduction, count)
    else:  # a scalar loss; an empty batch (count 0) has nothing to scale
        # A Python number where possible (a trace keeps g an array: it changes per call).
        g_value = g if is_traced(g) else g.item()
        picked = scale = g_value / count if reduction == "mean" and count else g_value
    delta = exp * (scale / total)
    delta[index] -= picked
    return delta


_cross_entropy_indices.defvjp(_ce_indices_vjp, None)

# The fused losses' primitives go by their public names in error messages and programs.
_bce.name = "binary_cross_entropy"
_bce_logits.name = "binary_cross_entropy_with_logits"
_cross_entropy.name = _cross_entropy_indices.name = "cross_entropy"


def cross_entropy(logits: Any, targets: Any, axis: int = -1, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy of ``logits`` along ``axis``.

    ``targets`` are either integer class indices (the shape of ``logits`` without
    ``axis``) or probabilities of the same shape as ``logits``.  ``"mean"`` averages over
    examples (every position except ``axis``).  The derivative with respect to the logits
    is ``softmax(z) - onehot(t)``.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> z = ag.Tensor([[0.0, 0.0], [0.0, 0.0]])
    >>> round(ag.cross_entropy(z, [0, 1]).item(), 6)  # log 2
    0.693147
    """
    if reduction not in _REDUCTIONS:
        _check_reduction("cross_entropy", reduction)
    if type(logits) is not Tensor or logits._data.dtype.kind != "f":
        logits = _float_input("cross_entropy", logits)
    shape = logits._data.shape
    ndim = len(shape)
    if ndim == 0:
        raise ValueError("cross_entropy: logits must have at least one axis (the classes)")
    if type(axis) is not int and (
        not isinstance(axis, (int, np.integer)) or isinstance(axis, bool)
    ):
        raise TypeError(f"cross_entropy: axis must be an integer, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"cross_entropy: axis {axis} is out of range for logits of shape {shape}")
    axis %= ndim
    depth = shape[axis]
    t_data = targets._data if isinstance(targets, Tensor) else asarray(targets)
    if t_data.dtype.kind in "iu":
        expected = shape[:axis] + shape[axis + 1 :]
        if t_data.shape != expected:
            raise ValueError(
                f"cross_entropy: class-index targets must have shape {expected} for logits of "
                f"shape {shape} (axis={axis}), got {t_data.shape}"
            )
        runtime_check(_check_classes, t_data, depth)
        # The graph keeps the index with a copy of the classes, so the caller's array
        # stays theirs to change (an array of its own would need write protection).
        index = _class_index(t_data.copy(), axis)
        return _cross_entropy_indices(logits, index, axis, reduction, t_data.size)
    if t_data.dtype.kind == "f":
        targets = _targets_like("cross_entropy", logits, targets)
    else:
        raise TypeError(
            f"cross_entropy: targets must be integer class indices or float probabilities, "
            f"got dtype {t_data.dtype}"
        )
    count = logits.size // depth if depth else 0
    return _cross_entropy(logits, targets, axis, reduction, count)
