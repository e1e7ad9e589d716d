"""Loss functions with ``torch.nn.functional``'s names, arguments and formulas.

The cross-entropies are fused ops with a numerically stable forward and derivative; the
regression losses and ``nll_loss`` are compositions of autograd_lite's ops.  Every loss
can be differentiated again (its derivative rules are written in autograd_lite's ops).

``reduction`` is ``"mean"`` (over all elements, or all examples for ``cross_entropy`` and
``nll_loss``, weighted by their class weights), ``"sum"``, or ``"none"`` (the unreduced
per-element losses).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from ._arrays import (
    array_copy,
    array_sum,
    asarray,
    dtype_kind,
    index_into,
    is_numpy_array,
    is_traced,
    read_only,
    reshape,
    runtime_check,
    subtract_at,
)
from ._backends import composite
from ._ops_elementwise import absolute, log, maximum, minimum, sigmoid, sigmoid_from_exp
from ._ops_math import logaddexp
from ._ops_nn import log_softmax, softmax
from ._ops_shape import getitem
from ._primitive import Residuals, primitive
from ._tensor import Tensor

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
]

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
        if loss.size and (not is_numpy_array(loss) or loss.dtype.itemsize >= 4):
            # ``ndarray.mean``'s own arithmetic, without its Python wrapper (which also
            # sums float16 in float32, and warns about empty input: those go to it).
            return _add_reduce(loss, None) / loss.size
        return np.mean(loss)
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
    if dtype_kind(t._data.dtype) != "f":
        raise TypeError(f"{op}: expects floating-point input, got dtype {t._data.dtype}")
    return t


def _targets_like(op: str, inputs: Tensor, targets: Any) -> Any:
    """Targets checked against the inputs' shape and converted to the inputs' float dtype."""
    if not isinstance(targets, Tensor) and inputs._foreign is not None:
        targets = Tensor(targets)  # the same library, or an error that says so
    data = targets._data if isinstance(targets, Tensor) else asarray(targets)
    dtype = data.dtype
    if dtype_kind(dtype) not in "biuf":
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


def _reduced(loss: Tensor, reduction: str) -> Tensor:
    """A composed loss, reduced with autograd_lite's own (differentiable) ``mean`` or ``sum``."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _constant_weight(op: str, name: str, weight: Any, inputs: Tensor) -> Any:
    """``weight`` as an array of the inputs' dtype that broadcasts to their shape (a constant)."""
    data = weight._data if isinstance(weight, Tensor) else asarray(weight)
    if dtype_kind(data.dtype) not in "biuf":
        raise TypeError(f"{op}: {name} must be real numbers, got dtype {data.dtype}")
    shape = inputs._data.shape
    try:
        fits = np.broadcast_shapes(data.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"{op}: {name} of shape {data.shape} does not broadcast to input of shape {shape}"
        )
    return data.astype(inputs.dtype, copy=False)


def _real_number(op: str, name: str, value: Any, low: float, low_inclusive: bool) -> float:
    """``value`` as a float, checked to lie above ``low`` (or at it, if inclusive)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"{op}: {name} must be a real number, got {value!r}")
    number = float(value)
    if not (number >= low if low_inclusive else number > low):  # NaN fails both
        bound = "at least" if low_inclusive else "greater than"
        raise ValueError(f"{op}: {name} must be {bound} {low}, got {value!r}")
    return number


# --------------------------------------------------------------------- regression losses
def _regression_inputs(op: str, input: Any, target: Any, reduction: str) -> tuple[Tensor, Any]:
    _check_reduction(op, reduction)
    x = _float_input(op, input)
    return x, _targets_like(op, x, target)


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Squared error ``(input - target) ** 2``, reduced.

    Parameters
    ----------
    input
        Predictions, floating point.
    target
        Values of the same shape (converted to ``input``'s dtype); a Tensor target that
        requires grad receives its gradient too.
    reduction
        ``"mean"`` over all elements, ``"sum"``, or ``"none"``.

    Returns
    -------
    Tensor
        A scalar, or the elementwise losses for ``reduction="none"``.

    Raises
    ------
    TypeError
        If ``input`` is not floating point or ``target`` is not real.
    ValueError
        If the shapes differ or ``reduction`` is unknown.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> ag.mse_loss(ag.Tensor([1.0, 2.0]), ag.Tensor([1.0, 4.0])).item()
    2.0
    """
    x, t = _regression_inputs("mse_loss", input, target, reduction)
    diff = x - t
    return _reduced(diff * diff, reduction)


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Absolute error ``|input - target|``, reduced; its derivative at 0 is taken as 0.

    Parameters, Returns and Raises are those of :func:`mse_loss`.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> ag.l1_loss(ag.Tensor([1.0, 2.0]), ag.Tensor([1.5, 4.0]), reduction="sum").item()
    2.5
    """
    x, t = _regression_inputs("l1_loss", input, target, reduction)
    return _reduced(absolute(x - t), reduction)


def _quadratic_then_linear(diff: Tensor, width: float) -> Tensor:
    """``0.5 d² / width`` where ``|d| < width``, ``|d| - 0.5 width`` elsewhere (width > 0)."""
    # Squared only up to the width, so that no tail squares an overflowing |d|.
    size = absolute(diff)
    inner = minimum(size, width)
    return inner * inner * (0.5 / width) + (size - inner)


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Huber loss: ``0.5 d²`` where ``|d| < delta``, ``delta (|d| - 0.5 delta)`` elsewhere.

    ``d = input - target``.  Quadratic near zero and linear in the tails, with a
    continuous derivative ``clip(d, -delta, delta)``.

    Parameters
    ----------
    input, target, reduction
        As for :func:`mse_loss`.
    delta
        Where the loss turns from quadratic to linear; positive.

    Returns
    -------
    Tensor
        A scalar, or the elementwise losses for ``reduction="none"``.

    Raises
    ------
    TypeError
        As for :func:`mse_loss`, or if ``delta`` is not a real number.
    ValueError
        As for :func:`mse_loss`, or if ``delta`` is not positive.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> ag.huber_loss(ag.Tensor([0.5, 3.0]), ag.Tensor([0.0, 0.0]), reduction="none")
    Tensor([0.125, 2.5  ])
    """
    delta = _real_number("huber_loss", "delta", delta, 0.0, low_inclusive=False)
    x, t = _regression_inputs("huber_loss", input, target, reduction)
    return _reduced(_quadratic_then_linear(x - t, delta) * delta, reduction)


def smooth_l1_loss(input: Any, target: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Smooth L1 loss: ``0.5 d² / beta`` where ``|d| < beta``, ``|d| - 0.5 beta`` elsewhere.

    ``d = input - target``; ``huber_loss`` with ``delta = beta``, divided by ``beta``.
    ``beta=0`` gives :func:`l1_loss`.

    Parameters
    ----------
    input, target, reduction
        As for :func:`mse_loss`.
    beta
        Where the loss turns from quadratic to linear; non-negative.

    Returns
    -------
    Tensor
        A scalar, or the elementwise losses for ``reduction="none"``.

    Raises
    ------
    TypeError
        As for :func:`mse_loss`, or if ``beta`` is not a real number.
    ValueError
        As for :func:`mse_loss`, or if ``beta`` is negative.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> ag.smooth_l1_loss(ag.Tensor([0.5, 3.0]), ag.Tensor([0.0, 0.0]), reduction="none")
    Tensor([0.125, 2.5  ])
    """
    beta = _real_number("smooth_l1_loss", "beta", beta, 0.0, low_inclusive=True)
    x, t = _regression_inputs("smooth_l1_loss", input, target, reduction)
    if beta == 0.0:
        return _reduced(absolute(x - t), reduction)
    return _reduced(_quadratic_then_linear(x - t, beta), reduction)


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


def binary_cross_entropy(
    probs: Any, targets: Any, reduction: str = "mean", *, weight: Any = None
) -> Tensor:
    """Binary cross-entropy ``-(t log p + (1 - t) log(1 - p))`` of probabilities ``p``.

    ``log`` is clamped at -100 so that probabilities of exactly 0 or 1 give a finite loss,
    and the derivative's denominator ``p (1 - p)`` is kept above 1e-12.  Prefer
    :func:`binary_cross_entropy_with_logits` on the logits, which needs neither.
    ``weight`` (a constant that broadcasts to the input's shape) rescales each element's
    loss; ``"mean"`` still divides by the number of elements, as PyTorch does.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> ag.binary_cross_entropy(ag.Tensor([0.5]), ag.Tensor([1.0])).item()  # log 2
    0.6931471805599453
    """
    _check_reduction("binary_cross_entropy", reduction)
    probs = _float_input("binary_cross_entropy", probs)
    targets = _targets_like("binary_cross_entropy", probs, targets)
    if weight is None:
        return _bce(probs, targets, reduction)
    weight = _constant_weight("binary_cross_entropy", "weight", weight, probs)
    return _reduced(_bce(probs, targets, "none") * weight, reduction)


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


def binary_cross_entropy_with_logits(
    logits: Any,
    targets: Any,
    reduction: str = "mean",
    *,
    weight: Any = None,
    pos_weight: Any = None,
) -> Tensor:
    """Binary cross-entropy of ``sigmoid(logits)``, fused so that it is stable for any logit.

    Its derivative with respect to the logits is ``sigmoid(z) - t``: the post's
    ``dZ2 = A2 - Y``.  ``pos_weight`` multiplies the positive term,
    ``-(pos_weight t log sigmoid(z) + (1 - t) log(1 - sigmoid(z)))``, and ``weight``
    rescales each element's loss; both are constants that broadcast to the input's shape
    (``pos_weight`` typically one entry per class, along the last axis).

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
    if weight is None and pos_weight is None:
        return _bce_logits(logits, targets, reduction)
    if pos_weight is None:
        loss = _bce_logits(logits, targets, "none")
    else:
        pos = _constant_weight("binary_cross_entropy_with_logits", "pos_weight", pos_weight, logits)
        # -log sigmoid(z) = softplus(-z), -log(1 - sigmoid(z)) = z + softplus(-z).
        loss = (1 - targets) * logits + (1 + (pos - 1) * targets) * logaddexp(0.0, -logits)
    if weight is not None:
        loss = loss * _constant_weight("binary_cross_entropy_with_logits", "weight", weight, logits)
    return _reduced(loss, reduction)


# --------------------------------------------------------------------- cross-entropy
@primitive
def _cross_entropy(z, t, axis, reduction, count):  # type: ignore[no-untyped-def]
    shifted = z - _max_reduce(z, axis, keepdims=True)
    e = np.exp(shifted)
    total = _add_reduce(e, axis, keepdims=True)
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
        * (_softmax_from(z, axis, exp, total) * array_sum(t, axis=axis, keepdims=True) - t)
    ),
    lambda g, out, z, t, axis, reduction, count, *, exp=None, total=None, log_probs=None: (
        _ce_scale(g, axis, reduction, count)
        * -(log_softmax(z, axis=axis) if log_probs is None else log_probs)
    ),
)


@functools.lru_cache(maxsize=8)
def _row_numbers(n: int) -> np.ndarray:
    """``np.arange(n)``, made once per batch size and shared: read-only."""
    rows: np.ndarray = read_only(np.arange(n))
    return rows


def _check_classes(
    classes: np.ndarray, depth: int, op: str = "cross_entropy", ignore_index: int | None = None
) -> None:
    """Raise IndexError unless every class index (but ``ignore_index``) lies in ``[0, depth)``."""
    if ignore_index is not None:
        classes = classes[classes != ignore_index]
    # One pass: seen as unsigned, a negative index is larger than any depth.
    if classes.size and _largest_class(classes) >= depth:
        ignored = "" if ignore_index is None else f" (or equal ignore_index={ignore_index})"
        raise IndexError(
            f"{op}: class indices must lie in [0, {depth}){ignored}, got values from "
            f"{np.min(classes)} to {np.max(classes)}"
        )


def _largest_class(classes: np.ndarray) -> Any:
    """The largest class index, in one pass that also sees negative ones (as huge)."""
    if not is_numpy_array(classes):  # another library's array has no unsigned view
        return math.inf if bool(np.any(classes < 0)) else np.max(classes)
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
    shifted = z - _max_reduce(z, axis, keepdims=True)
    e = np.exp(shifted)
    total = _add_reduce(e, axis, keepdims=True)
    picked = index_into(shifted, index)
    loss = _reduce(np.log(reshape(total, picked.shape)) - picked, reduction)
    return Residuals.fresh(loss, exp=e, total=total)


@primitive
def _minus_one_at(p, index):  # type: ignore[no-untyped-def]
    """``p`` with 1 subtracted at each class ``index``: ``p - onehot``."""
    p = array_copy(p)
    subtract_at(p, index, 1.0)
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
        g_value = g if is_traced(g) else float(g)
        picked = scale = g_value / count if reduction == "mean" and count else g_value
    delta = exp * (scale / total)
    subtract_at(delta, index, picked)
    return delta


_cross_entropy_indices.defvjp(_ce_indices_vjp, None)


@primitive
def _weighted_mean(total, weight_sum):  # type: ignore[no-untyped-def]
    """``total / weight_sum``, and NaN when nothing carries weight (a mean over no targets)."""
    nonzero = weight_sum != 0
    return np.where(nonzero, total / np.where(nonzero, weight_sum, 1), np.nan)


def _reciprocal_or_zero(a: Any) -> Any:
    nonzero = a != 0
    return np.where(nonzero, 1 / np.where(nonzero, a, 1), 0)


# The weights are constants; when they sum to 0 the loss is NaN and its gradient 0 (torch's).
_weighted_mean.defvjp(lambda g, out, total, weight_sum: g * _reciprocal_or_zero(weight_sum), None)

# The fused losses' primitives go by their public names in error messages and programs.
_bce.name = "binary_cross_entropy"
_bce_logits.name = "binary_cross_entropy_with_logits"
_cross_entropy.name = _cross_entropy_indices.name = "cross_entropy"
_weighted_mean.name = "weighted_mean"


# --------------------------------------------------------------------- class-index options
def _ignore_index(op: str, ignore_index: Any) -> int:
    if isinstance(ignore_index, (bool, np.bool_)) or not isinstance(
        ignore_index, (int, np.integer)
    ):
        raise TypeError(f"{op}: ignore_index must be an integer, got {ignore_index!r}")
    return int(ignore_index)


def _class_weight(op: str, weight: Any, depth: int, dtype: Any) -> Any:
    """``weight``, one constant per class, in the input's dtype (``None`` stays ``None``)."""
    if weight is None:
        return None
    data = weight._data if isinstance(weight, Tensor) else asarray(weight)
    if dtype_kind(data.dtype) not in "biuf":
        raise TypeError(f"{op}: weight must be real numbers, got dtype {data.dtype}")
    if data.shape != (depth,):
        raise ValueError(
            f"{op}: weight of shape {data.shape} must have one entry per class, shape ({depth},)"
        )
    return data.astype(dtype, copy=False)


def _index_targets(op: str, data: Any, shape: tuple[int, ...], axis: int) -> None:
    """Raise unless ``data`` are integer class indices of ``shape`` without ``axis``."""
    if dtype_kind(data.dtype) not in "iu":
        raise TypeError(f"{op}: targets must be integer class indices, got dtype {data.dtype}")
    expected = shape[:axis] + shape[axis + 1 :]
    if data.shape != expected:
        raise ValueError(
            f"{op}: class-index targets must have shape {expected} for input of "
            f"shape {shape} (axis={axis}), got {data.shape}"
        )


def _kept_classes(
    op: str, classes: Any, depth: int, weight: Any, ignore_index: int, dtype: Any
) -> tuple[Any, Any]:
    """The classes with ignored ones replaced by 0, and each position's weight (0 if ignored)."""
    runtime_check(_check_classes, classes, depth, op, ignore_index)
    keep = classes != ignore_index
    safe = np.where(keep, classes, 0)
    if weight is None:
        coef = keep.astype(dtype)
    else:  # weight[safe], in a call that a trace records (it sees calls on its arrays only)
        coef = np.take_along_axis(weight, safe.reshape(-1), axis=0).reshape(safe.shape) * keep
    return safe, coef


def _nll(
    op: str,
    log_probs: Tensor,
    classes: Any,
    axis: int,
    weight: Any,
    ignore_index: int,
    reduction: str,
) -> Tensor:
    """``-weight[t] log_probs[t]`` at every position, reduced as torch's ``nll_loss``."""
    depth = log_probs._data.shape[axis]
    safe, coef = _kept_classes(op, classes, depth, weight, ignore_index, log_probs.dtype)
    loss: Tensor = getitem(log_probs, _class_index(safe, axis)) * -coef
    if reduction == "none":
        return loss
    total = loss.sum()
    return total if reduction == "sum" else _weighted_mean(total, coef.sum())


def nll_loss(
    input: Any,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class indices, given log-probabilities.

    The loss at each position is ``-weight[t] * input[t]``, picking class ``t`` along the
    class axis (axis 1, or axis 0 of an unbatched ``(C,)`` input).  Combined with
    :func:`~autograd_lite.log_softmax` it is :func:`cross_entropy`.

    Parameters
    ----------
    input
        Log-probabilities of shape ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``.
    target
        Integer class indices of shape ``(N,)``, ``(N, d1, ...)`` or ``()``, each in
        ``[0, C)`` or equal to ``ignore_index``.
    weight
        One weight per class, shape ``(C,)``: a constant (it receives no gradient).
    ignore_index
        Targets equal to it contribute nothing, to the loss nor to the mean's weight.
    reduction
        ``"mean"`` divides the sum by the total weight of the non-ignored targets (their
        number, without ``weight``; NaN if there are none), ``"sum"``, or ``"none"`` (the
        target's shape, 0 at ignored positions).

    Returns
    -------
    Tensor
        A scalar, or the per-position losses for ``reduction="none"``.

    Raises
    ------
    TypeError
        If ``input`` is not floating point, ``target`` not integers, or ``weight`` or
        ``ignore_index`` of the wrong type.
    ValueError
        If the shapes do not match, or ``reduction`` is unknown.
    IndexError
        If a target lies outside ``[0, C)`` and is not ``ignore_index``.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> log_p = ag.log(ag.Tensor([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]]))
    >>> round(ag.nll_loss(log_p, np.array([0, 1]), reduction="sum").item(), 6)  # -log .5 .8
    0.916291
    >>> round(ag.nll_loss(log_p, np.array([0, -100])).item(), 6)  # the second is ignored
    0.693147
    """
    _check_reduction("nll_loss", reduction)
    x = _float_input("nll_loss", input)
    shape = x._data.shape
    if not shape:
        raise ValueError("nll_loss: input must have at least one axis (the classes)")
    axis = 1 if len(shape) > 1 else 0
    classes = target._data if isinstance(target, Tensor) else asarray(target)
    _index_targets("nll_loss", classes, shape, axis)
    ignore_index = _ignore_index("nll_loss", ignore_index)
    weight = _class_weight("nll_loss", weight, shape[axis], x.dtype)
    return _nll("nll_loss", x, classes, axis, weight, ignore_index, reduction)


def _label_smoothing(value: Any) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"cross_entropy: label_smoothing must be a real number, got {value!r}")
    eps = float(value)
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must lie in [0, 1], got {value!r}")
    return eps


def _along(a: Any, axis: int, ndim: int) -> Any:
    """A per-class vector shaped to broadcast along ``axis`` of an ``ndim``-dimensional array."""
    return a.reshape(a.shape + (1,) * (ndim - axis - 1))


def _smoothed_cross_entropy(
    z: Tensor, classes: Any, axis: int, weight: Any, ignore_index: int, eps: float, reduction: str
) -> Tensor:
    """Cross-entropy against ``(1 - eps) onehot + eps / C``, weighted and with ignored targets.

    As torch: ``(1 - eps) nll + eps / C * sum_c -weight[c] log_softmax(z)[c]``, and
    ``"mean"`` divides by the total weight of the non-ignored targets.
    """
    shape = z._data.shape
    depth, ndim = shape[axis], len(shape)
    safe, coef = _kept_classes("cross_entropy", classes, depth, weight, ignore_index, z.dtype)
    on_axis = (*shape[:axis], 1, *shape[axis + 1 :])
    onehot = safe.reshape(on_axis) == _along(np.arange(depth), axis, ndim)
    mix = np.where(onehot, 1 - eps + eps / depth, eps / depth) * (coef != 0).reshape(on_axis)
    if weight is not None:
        mix = mix * _along(weight, axis, ndim)
    mix = mix.astype(z.dtype, copy=False)
    count = classes.size
    if reduction == "none":
        return _cross_entropy(z, mix, axis, "none", count)
    total = _cross_entropy(z, mix, axis, "sum", count)
    return total if reduction == "sum" else _weighted_mean(total, coef.sum())


@composite
def cross_entropy(
    logits: Any,
    targets: Any,
    axis: int = -1,
    reduction: str = "mean",
    *,
    weight: Any = None,
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy of ``logits`` along ``axis``.

    ``targets`` are either integer class indices (the shape of ``logits`` without
    ``axis``) or probabilities of the same shape as ``logits``.  ``"mean"`` averages over
    examples (every position except ``axis``).  The derivative with respect to the logits
    is ``softmax(z) - onehot(t)``.

    The keyword options follow ``torch.nn.functional.cross_entropy``:

    - ``weight``, one constant per class, multiplies each class's term; with class-index
      targets ``"mean"`` then divides by the total weight of the (non-ignored) targets,
      with probabilities by the number of examples.
    - ``ignore_index``: class-index targets equal to it contribute nothing, and are left
      out of the mean (NaN when every target is ignored).  Not for probability targets.
    - ``label_smoothing`` ``eps`` in ``[0, 1]`` mixes the targets with the uniform
      distribution: the loss is ``(1 - eps) nll + eps * mean over classes of
      -log_softmax`` (each class's term weighted by ``weight``).

    Inside :func:`~autograd_lite.compile` with none of these options, a target equal to
    ``ignore_index`` raises IndexError, as any other index out of range.

    Raises
    ------
    TypeError
        If the logits are not floating point, the targets neither integers nor floats, or
        an option of the wrong type.
    ValueError
        If the shapes do not match, ``axis`` is out of range, ``label_smoothing`` lies
        outside ``[0, 1]``, or ``ignore_index`` is given with probability targets.
    IndexError
        If a class index lies outside ``[0, C)`` and is not ``ignore_index``.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> z = ag.Tensor([[0.0, 0.0], [0.0, 0.0]])
    >>> round(ag.cross_entropy(z, [0, 1]).item(), 6)  # log 2
    0.693147
    >>> z = ag.Tensor([[2.0, 0.0], [0.0, 1.0]])
    >>> round(ag.cross_entropy(z, [0, -100]).item(), 6)  # the second target is ignored
    0.126928
    >>> round(ag.cross_entropy(z, [0, 1], label_smoothing=0.2).item(), 6)
    0.370095
    """
    if reduction not in _REDUCTIONS:
        _check_reduction("cross_entropy", reduction)
    if type(logits) is not Tensor or dtype_kind(logits._data.dtype) != "f":
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
    if type(ignore_index) is not int:
        ignore_index = _ignore_index("cross_entropy", ignore_index)
    eps = 0.0
    if type(label_smoothing) is not float or label_smoothing:
        eps = _label_smoothing(label_smoothing)
    if weight is not None:
        weight = _class_weight("cross_entropy", weight, depth, logits.dtype)
    t_data = targets._data if isinstance(targets, Tensor) else asarray(targets)
    if dtype_kind(t_data.dtype) in "iu":
        _index_targets("cross_entropy", t_data, shape, axis)
        plain = weight is None and not eps and not 0 <= ignore_index < depth
        if plain and not is_traced(t_data):
            # Where every index is a class, ignore_index (outside them) changes nothing.
            plain = not t_data.size or _largest_class(t_data) < depth
        elif plain:
            runtime_check(_check_classes, t_data, depth)
        if plain:
            # The graph keeps the index with a copy of the classes, so the caller's array
            # stays theirs to change (an array of its own would need write protection).
            index = _class_index(array_copy(t_data), axis)
            return _cross_entropy_indices(logits, index, axis, reduction, t_data.size)
        if not eps:
            log_probs = log_softmax(logits, axis=axis)
            return _nll("cross_entropy", log_probs, t_data, axis, weight, ignore_index, reduction)
        return _smoothed_cross_entropy(logits, t_data, axis, weight, ignore_index, eps, reduction)
    if dtype_kind(t_data.dtype) == "f":
        targets = _targets_like("cross_entropy", logits, targets)
    else:
        raise TypeError(
            f"cross_entropy: targets must be integer class indices or float probabilities, "
            f"got dtype {t_data.dtype}"
        )
    if ignore_index >= 0:
        raise ValueError(
            f"cross_entropy: ignore_index={ignore_index} applies to class-index targets, "
            "not to probabilities"
        )
    if eps:
        targets = targets * (1 - eps) + eps / depth
    if weight is not None:
        targets = targets * _along(weight, axis, ndim)
    count = logits.size // depth if depth else 0
    return _cross_entropy(logits, targets, axis, reduction, count)
