"""Loss modules with ``torch.nn``'s names and constructor arguments: ``loss(input, target)``.

Each module holds its options and calls the function of :mod:`autograd_lite.losses`.
``size_average`` and ``reduce``, PyTorch's deprecated spelling of ``reduction``, keep their
positions and meanings, with a DeprecationWarning.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import losses
from .._tensor import Tensor
from ._module import Module


def _legacy_reduction(
    name: str, size_average: bool | None, reduce: bool | None, reduction: str
) -> str:
    """``reduction`` from the deprecated ``size_average`` and ``reduce``, where given."""
    if size_average is None and reduce is None:
        losses._check_reduction(name, reduction)
        return reduction
    warnings.warn(
        f"{name}: size_average and reduce are deprecated; use reduction='mean', 'sum' or 'none'",
        DeprecationWarning,
        stacklevel=3,
    )
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


def _constant(weight: Any) -> Any:
    """A weight as an array of its own (``None`` stays ``None``)."""
    if weight is None:
        return None
    return np.array(weight.data if isinstance(weight, Tensor) else weight)


def _repr_args(**args: Any) -> str:
    """``name=value`` for each argument that differs from its default (``(value, default)``)."""
    parts = []
    for name, (value, default) in args.items():
        if value is None or (not isinstance(value, np.ndarray) and value == default):
            continue
        parts.append(f"{name}={value!r}")
    return ", ".join(parts)


class _Loss(Module):
    """What the losses share: ``reduction`` (and its deprecated spelling)."""

    def __init__(
        self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"
    ) -> None:
        super().__init__()
        self.reduction = _legacy_reduction(type(self).__name__, size_average, reduce, reduction)

    def extra_repr(self) -> str:
        return _repr_args(reduction=(self.reduction, "mean"))


class MSELoss(_Loss):
    """Mean squared error; see :func:`autograd_lite.losses.mse_loss`.

    Parameters
    ----------
    size_average, reduce
        Deprecated; use ``reduction``.
    reduction
        ``"mean"``, ``"sum"`` or ``"none"``.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> from autograd_lite import nn
    >>> nn.MSELoss()(ag.Tensor([1.0, 2.0]), ag.Tensor([1.0, 4.0])).item()
    2.0
    >>> nn.MSELoss(reduction="sum")
    MSELoss(reduction='sum')
    """

    def forward(self, input: Any, target: Any) -> Tensor:
        return losses.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error; see :func:`autograd_lite.losses.l1_loss`.

    Parameters are those of :class:`MSELoss`.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> from autograd_lite import nn
    >>> nn.L1Loss()(ag.Tensor([1.0, 2.0]), ag.Tensor([1.5, 4.0])).item()
    1.25
    """

    def forward(self, input: Any, target: Any) -> Tensor:
        return losses.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """Huber loss; see :func:`autograd_lite.losses.huber_loss`.

    Parameters
    ----------
    reduction
        ``"mean"``, ``"sum"`` or ``"none"``.
    delta
        Where the loss turns from quadratic to linear; positive.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> from autograd_lite import nn
    >>> nn.HuberLoss(delta=2.0)(ag.Tensor([0.5, 3.0]), ag.Tensor([0.0, 0.0])).item()
    2.0625
    >>> nn.HuberLoss(delta=2.0)
    HuberLoss(delta=2.0)
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = losses._real_number("HuberLoss", "delta", delta, 0.0, low_inclusive=False)

    def forward(self, input: Any, target: Any) -> Tensor:
        return losses.huber_loss(input, target, reduction=self.reduction, delta=self.delta)

    def extra_repr(self) -> str:
        return _repr_args(reduction=(self.reduction, "mean"), delta=(self.delta, 1.0))


class SmoothL1Loss(_Loss):
    """Smooth L1 loss; see :func:`autograd_lite.losses.smooth_l1_loss`.

    Parameters
    ----------
    size_average, reduce
        Deprecated; use ``reduction``.
    reduction
        ``"mean"``, ``"sum"`` or ``"none"``.
    beta
        Where the loss turns from quadratic to linear; non-negative (0 is the L1 loss).

    Examples
    --------
    >>> import autograd_lite as ag
    >>> from autograd_lite import nn
    >>> nn.SmoothL1Loss(beta=0.5)(ag.Tensor([0.25, 3.0]), ag.Tensor([0.0, 0.0])).item()
    1.40625
    """

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        beta: float = 1.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = losses._real_number("SmoothL1Loss", "beta", beta, 0.0, low_inclusive=True)

    def forward(self, input: Any, target: Any) -> Tensor:
        return losses.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)

    def extra_repr(self) -> str:
        return _repr_args(reduction=(self.reduction, "mean"), beta=(self.beta, 1.0))


class _WeightedLoss(_Loss):
    """A loss with an optional constant ``weight``."""

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.weight = _constant(weight)

    def extra_repr(self) -> str:
        return _repr_args(weight=(self.weight, None), reduction=(self.reduction, "mean"))


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices; see :func:`autograd_lite.losses.nll_loss`.

    The input holds log-probabilities with the classes on axis 1 (``(N, C, ...)``), or
    on axis 0 of an unbatched ``(C,)`` input.

    Parameters
    ----------
    weight
        One constant weight per class, shape ``(C,)``.
    size_average, reduce
        Deprecated; use ``reduction``.
    ignore_index
        Targets equal to it contribute nothing, to the loss nor to the mean.
    reduction
        ``"mean"`` (divided by the total weight of the non-ignored targets), ``"sum"`` or
        ``"none"``.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> from autograd_lite import nn
    >>> log_p = ag.log(ag.Tensor([[0.5, 0.5], [0.25, 0.75]]))
    >>> round(nn.NLLLoss(ignore_index=1)(log_p, np.array([0, 1])).item(), 6)
    0.693147
    >>> nn.NLLLoss(ignore_index=1)
    NLLLoss(ignore_index=1)
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = losses._ignore_index("NLLLoss", ignore_index)

    def forward(self, input: Any, target: Any) -> Tensor:
        return losses.nll_loss(
            input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction
        )

    def extra_repr(self) -> str:
        return _repr_args(
            weight=(self.weight, None),
            ignore_index=(self.ignore_index, -100),
            reduction=(self.reduction, "mean"),
        )


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy; see :func:`autograd_lite.cross_entropy`.

    The classes lie on axis 1 of the logits (``(N, C, ...)``), or on axis 0 of an
    unbatched ``(C,)`` input, as in PyTorch.  Targets are class indices (the logits' shape
    without the class axis) or probabilities (the logits' shape).

    Parameters
    ----------
    weight
        One constant weight per class, shape ``(C,)``.
    size_average, reduce
        Deprecated; use ``reduction``.
    ignore_index
        Class-index targets equal to it contribute nothing, to the loss nor to the mean.
    reduction
        ``"mean"``, ``"sum"`` or ``"none"``.
    label_smoothing
        In ``[0, 1]``: the targets are mixed with the uniform distribution by this much.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> from autograd_lite import nn
    >>> loss = nn.CrossEntropyLoss(label_smoothing=0.1)
    >>> loss
    CrossEntropyLoss(label_smoothing=0.1)
    >>> round(loss(ag.Tensor(np.zeros((2, 3, 4))), np.zeros((2, 4), dtype=int)).item(), 6)
    1.098612
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = losses._ignore_index("CrossEntropyLoss", ignore_index)
        self.label_smoothing = losses._label_smoothing(label_smoothing)

    def forward(self, input: Any, target: Any) -> Tensor:
        axis = 1 if np.ndim(input) > 1 else 0  # torch's class axis
        return losses.cross_entropy(
            input,
            target,
            axis=axis,
            reduction=self.reduction,
            weight=self.weight,
            ignore_index=self.ignore_index,
            label_smoothing=self.label_smoothing,
        )

    def extra_repr(self) -> str:
        return _repr_args(
            weight=(self.weight, None),
            ignore_index=(self.ignore_index, -100),
            reduction=(self.reduction, "mean"),
            label_smoothing=(self.label_smoothing, 0.0),
        )


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities; see :func:`autograd_lite.binary_cross_entropy`.

    Parameters
    ----------
    weight
        A constant rescaling each element's loss, broadcast to the input's shape.
    size_average, reduce
        Deprecated; use ``reduction``.
    reduction
        ``"mean"`` (over all elements), ``"sum"`` or ``"none"``.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> from autograd_lite import nn
    >>> round(nn.BCELoss()(ag.Tensor([0.5, 0.5]), ag.Tensor([1.0, 0.0])).item(), 6)  # log 2
    0.693147
    """

    def forward(self, input: Any, target: Any) -> Tensor:
        return losses.binary_cross_entropy(
            input, target, reduction=self.reduction, weight=self.weight
        )


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross-entropy of logits; see :func:`autograd_lite.binary_cross_entropy_with_logits`.

    Parameters
    ----------
    weight
        A constant rescaling each element's loss, broadcast to the input's shape.
    size_average, reduce
        Deprecated; use ``reduction``.
    reduction
        ``"mean"`` (over all elements), ``"sum"`` or ``"none"``.
    pos_weight
        A constant weight of the positive term, broadcast to the input's shape (typically
        one per class, along the last axis).

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> from autograd_lite import nn
    >>> loss = nn.BCEWithLogitsLoss(pos_weight=np.array([2.0]))
    >>> round(loss(ag.Tensor([0.0, 0.0]), ag.Tensor([1.0, 0.0])).item(), 6)  # 1.5 log 2
    1.039721
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        pos_weight: Any = None,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.pos_weight = _constant(pos_weight)

    def forward(self, input: Any, target: Any) -> Tensor:
        return losses.binary_cross_entropy_with_logits(
            input, target, reduction=self.reduction, weight=self.weight, pos_weight=self.pos_weight
        )

    def extra_repr(self) -> str:
        return _repr_args(
            weight=(self.weight, None),
            reduction=(self.reduction, "mean"),
            pos_weight=(self.pos_weight, None),
        )
