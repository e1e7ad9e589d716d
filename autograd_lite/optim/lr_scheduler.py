"""Learning-rate schedules that set ``group["lr"]`` between optimizer steps.

Names, arguments and values follow ``torch.optim.lr_scheduler``: a scheduler is made
after its optimizer (which sets ``group["initial_lr"]`` and, with ``last_epoch=-1``,
the first learning rate), and ``scheduler.step()`` is called after every
``optimizer.step()``.  The decaying schedules are recursive, as PyTorch's are: each
step scales the group's current ``lr``, so several schedulers of one optimizer compose
and changes made to ``group["lr"]`` by hand carry on.  ``state_dict()`` holds only
plain data (numbers, strings, lists and dicts), which :func:`autograd_lite.save` writes.
"""

from __future__ import annotations

import copy
import math
import types
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

from ._optimizer import Optimizer

__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "OneCycleLR",
    "StepLR",
]


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _require_int(owner: str, name: str, value: Any, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{owner}: {name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{owner}: {name} must be >= {minimum}, got {value}")


def _require_number(owner: str, name: str, value: Any) -> None:
    if not _is_number(value):
        raise TypeError(f"{owner}: {name} must be a number, got {type(value).__name__}")


def _per_group(owner: str, name: str, optimizer: Optimizer, value: Any) -> list[float]:
    """``value`` for every parameter group: one number for all, or a list with one per group."""
    n = len(optimizer.param_groups)
    values = list(value) if isinstance(value, (list, tuple)) else [value] * n
    if len(values) != n:
        raise ValueError(
            f"{owner}: {name} has {len(values)} values, the optimizer has {n} parameter groups"
        )
    for v in values:
        _require_number(owner, name, v)
    return values


class LRScheduler:
    """Base class: holds the optimizer, the epoch count and the base learning rates.

    Subclasses implement :meth:`get_lr`, the learning rates for ``last_epoch`` once it
    has been advanced.  Making a scheduler takes its first step, to epoch 0.

    Parameters
    ----------
    optimizer
        The optimizer whose ``param_groups`` get new learning rates.
    last_epoch
        The index of the last epoch done: ``-1`` starts the schedule; another value
        resumes it, and needs ``group["initial_lr"]`` in every group (as a loaded
        optimizer state has it).

    Attributes
    ----------
    base_lrs : list of float
        Each group's ``initial_lr``.
    last_epoch : int
        The number of :meth:`step` calls after the first, that is, the current epoch.

    Raises
    ------
    TypeError
        If ``optimizer`` is not an :class:`~autograd_lite.optim.Optimizer`.
    ValueError
        If ``last_epoch`` is not -1 and a group has no ``initial_lr``.
    """

    _not_saved: tuple[str, ...] = ("optimizer", "_is_initial")

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        name = type(self).__name__
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{name}: expected an Optimizer, got {type(optimizer).__name__}")
        _require_int(name, "last_epoch", last_epoch, -1)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise ValueError(
                        f"{name}: param_groups[{i}] has no 'initial_lr', which resuming with "
                        f"last_epoch={last_epoch} needs (load the optimizer's state first)"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rate of every group at ``last_epoch``, computed by the schedule."""
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and write the new learning rates into the optimizer's groups."""
        self._step_count += 1
        self.last_epoch += 1
        values = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates the last :meth:`step` set, one per parameter group."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer, copied: plain numbers, strings, lists and dicts."""
        return {
            key: copy.deepcopy(value)
            for key, value in self.__dict__.items()
            if key not in self._not_saved
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned; the optimizer's groups are not changed."""
        self.__dict__.update(copy.deepcopy(dict(state_dict)))

    def _current(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self._last_lr})"


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    ``lr = initial_lr * gamma ** (epoch // step_size)`` when nothing else changes it.

    Parameters
    ----------
    optimizer
        The optimizer to schedule.
    step_size
        The period of the decay, in epochs (>= 1).
    gamma
        The factor applied at every period.
    last_epoch
        The index of the last epoch (``-1`` to start).

    Raises
    ------
    TypeError
        If ``step_size`` is not an int or ``gamma`` not a number.
    ValueError
        If ``step_size < 1``.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> opt = ag.optim.SGD([ag.nn.Parameter([1.0])], lr=1.0)
    >>> sched = ag.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for _ in range(5):
    ...     opt.step()
    ...     sched.step()
    ...     lrs += sched.get_last_lr()
    >>> lrs
    [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        _require_int("StepLR", "step_size", step_size, 1)
        _require_number("StepLR", "gamma", gamma)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


class MultiStepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` at each epoch listed in ``milestones``.

    A milestone listed ``n`` times multiplies by ``gamma ** n``.

    Parameters
    ----------
    optimizer
        The optimizer to schedule.
    milestones
        Epoch indices (ints, increasing).
    gamma
        The factor applied at every milestone.
    last_epoch
        The index of the last epoch (``-1`` to start).

    Raises
    ------
    TypeError
        If a milestone is not an int or ``gamma`` not a number.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> opt = ag.optim.SGD([ag.nn.Parameter([1.0])], lr=1.0)
    >>> sched = ag.optim.lr_scheduler.MultiStepLR(opt, milestones=[1, 3], gamma=0.5)
    >>> lrs = []
    >>> for _ in range(4):
    ...     opt.step()
    ...     sched.step()
    ...     lrs += sched.get_last_lr()
    >>> lrs
    [0.5, 0.5, 0.25, 0.25]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        epochs = list(milestones)
        for m in epochs:
            _require_int("MultiStepLR", "milestones", m, 0)
        _require_number("MultiStepLR", "gamma", gamma)
        self.milestones: dict[int, int] = dict(Counter(epochs))
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        count = self.milestones.get(self.last_epoch, 0)
        if not count:
            return self._current()
        return [lr * self.gamma**count for lr in self._current()]


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch.

    Parameters
    ----------
    optimizer
        The optimizer to schedule.
    gamma
        The factor applied at every epoch.
    last_epoch
        The index of the last epoch (``-1`` to start).

    Raises
    ------
    TypeError
        If ``gamma`` is not a number.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> opt = ag.optim.SGD([ag.nn.Parameter([1.0])], lr=1.0)
    >>> sched = ag.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    >>> opt.step()
    >>> sched.step()
    >>> sched.get_last_lr()
    [0.5]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        _require_number("ExponentialLR", "gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


class CosineAnnealingLR(LRScheduler):
    """Anneal the learning rate from ``initial_lr`` to ``eta_min`` along half a cosine.

    ``lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2``,
    computed recursively from the group's current ``lr`` as PyTorch does; past
    ``T_max`` the cosine carries on, rising again (no restarts).

    Parameters
    ----------
    optimizer
        The optimizer to schedule.
    T_max
        Half the period, in epochs (>= 1).
    eta_min
        The smallest learning rate.
    last_epoch
        The index of the last epoch (``-1`` to start).

    Raises
    ------
    TypeError
        If ``T_max`` is not an int or ``eta_min`` not a number.
    ValueError
        If ``T_max < 1``.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> opt = ag.optim.SGD([ag.nn.Parameter([1.0])], lr=1.0)
    >>> sched = ag.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=2)
    >>> lrs = []
    >>> for _ in range(2):
    ...     opt.step()
    ...     sched.step()
    ...     lrs += [round(lr, 12) for lr in sched.get_last_lr()]
    >>> lrs
    [0.5, 0.0]
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        _require_int("CosineAnnealingLR", "T_max", T_max, 1)
        _require_number("CosineAnnealingLR", "eta_min", eta_min)
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current()
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if (t - 1 - T) % (2 * T) == 0:
            # At the trough the ratio below would be 0/0: step up from the bottom instead.
            rise = (1 - math.cos(math.pi / T)) / 2
            return [
                lr + (base - eta_min) * rise for lr, base in zip(self._current(), self.base_lrs)
            ]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - eta_min) + eta_min for lr in self._current()]


class LambdaLR(LRScheduler):
    """Set the learning rate to ``initial_lr * lr_lambda(epoch)``.

    Parameters
    ----------
    optimizer
        The optimizer to schedule.
    lr_lambda
        A function of the epoch index giving a factor, or a list with one per group.
    last_epoch
        The index of the last epoch (``-1`` to start).

    Raises
    ------
    TypeError
        If ``lr_lambda`` (or an entry of the list) is not callable.
    ValueError
        If the list's length is not the number of parameter groups.

    Notes
    -----
    :meth:`state_dict` does not save the functions: it saves ``None`` for a plain
    function, and a copy of its ``__dict__`` for a callable object, as PyTorch does.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> opt = ag.optim.SGD([ag.nn.Parameter([1.0])], lr=1.0)
    >>> sched = ag.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1 / (epoch + 1))
    >>> opt.step()
    >>> sched.step()
    >>> sched.get_last_lr()
    [0.5]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        n = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 0
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(
                    f"LambdaLR: got {len(lr_lambda)} lr_lambdas, the optimizer has {n} "
                    "parameter groups"
                )
            fns = list(lr_lambda)
        else:
            fns = [lr_lambda] * n
        for fn in fns:
            if not callable(fn):
                raise TypeError(f"LambdaLR: lr_lambda must be callable, got {type(fn).__name__}")
        self.lr_lambdas: list[Callable[[int], float]] = fns
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]

    _not_saved = (*LRScheduler._not_saved, "lr_lambdas")

    def state_dict(self) -> dict[str, Any]:
        """The state; for each lr_lambda ``None``, or a callable object's attributes."""
        state = super().state_dict()
        state["lr_lambdas"] = [
            None
            if isinstance(fn, types.FunctionType) or not hasattr(fn, "__dict__")
            else copy.deepcopy(vars(fn))
            for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned, callable objects' attributes too."""
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", None)
        super().load_state_dict(state)
        for fn, attributes in zip(self.lr_lambdas, saved or []):
            if attributes is not None:
                vars(fn).update(copy.deepcopy(attributes))


class LinearLR(LRScheduler):
    """Scale the learning rate by a factor moving linearly from ``start_factor`` to ``end_factor``.

    ``lr = initial_lr * (start + (end - start) * min(epoch, total_iters) / total_iters)``
    when nothing else changes it (computed recursively, as PyTorch does).

    Parameters
    ----------
    optimizer
        The optimizer to schedule.
    start_factor
        The factor at epoch 0, in (0, 1].
    end_factor
        The factor from epoch ``total_iters`` on, in [0, 1].
    total_iters
        The number of epochs the factor takes to get there (>= 0).
    last_epoch
        The index of the last epoch (``-1`` to start).

    Raises
    ------
    TypeError
        If a factor is not a number or ``total_iters`` not an int.
    ValueError
        For a factor outside its range or a negative ``total_iters``.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> opt = ag.optim.SGD([ag.nn.Parameter([1.0])], lr=1.0)
    >>> sched = ag.optim.lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=2)
    >>> lrs = sched.get_last_lr()
    >>> for _ in range(3):
    ...     opt.step()
    ...     sched.step()
    ...     lrs += sched.get_last_lr()
    >>> lrs
    [0.5, 0.75, 1.0, 1.0]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        _require_number("LinearLR", "start_factor", start_factor)
        _require_number("LinearLR", "end_factor", end_factor)
        _require_int("LinearLR", "total_iters", total_iters, 0)
        if not 0 < start_factor <= 1:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor}")
        if not 0 <= end_factor <= 1:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor}")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._current()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current()
        change = self.end_factor - self.start_factor
        previous = self.total_iters * self.start_factor + (self.last_epoch - 1) * change
        return [lr * (1.0 + change / previous) for lr in self._current()]


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, 2017): warm up to ``max_lr``, then anneal far below.

    The learning rate goes from ``max_lr / div_factor`` up to ``max_lr`` over the first
    ``pct_start`` of ``total_steps``, then down to ``max_lr / div_factor /
    final_div_factor`` (with ``three_phase``: back down to the start first, then to the
    minimum).  With ``cycle_momentum`` the momentum (SGD's and RMSprop's ``momentum``,
    Adam's ``beta1``) moves the opposite way, between ``max_momentum`` and
    ``base_momentum``.  It is set from the step count, not recursively, so it does not
    compose with other schedulers.

    Parameters
    ----------
    optimizer
        The optimizer to schedule.
    max_lr
        The peak learning rate, or a list with one per group.
    total_steps
        The length of the cycle in steps; or give ``epochs`` and ``steps_per_epoch``.
    epochs, steps_per_epoch
        Their product is ``total_steps`` when that is not given.
    pct_start
        The fraction of the cycle spent rising, in [0, 1].
    anneal_strategy
        ``"cos"`` or ``"linear"``.
    cycle_momentum
        Cycle the momentum inversely to the learning rate.
    base_momentum, max_momentum
        The momentum at the peak of the learning rate and at its ends (or lists).
    div_factor
        ``initial_lr = max_lr / div_factor``.
    final_div_factor
        ``min_lr = initial_lr / final_div_factor``.
    three_phase
        Use the symmetric three-phase schedule of the paper.
    last_epoch
        The index of the last step (``-1`` to start).

    Raises
    ------
    TypeError
        For a number of steps that is not an int, or a rate that is not a number.
    ValueError
        For a missing or non-positive cycle length, ``pct_start`` outside [0, 1], an
        unknown ``anneal_strategy``, ``cycle_momentum`` with an optimizer that has no
        momentum, or a list with the wrong number of entries; and from :meth:`step`
        past ``total_steps``.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> opt = ag.optim.SGD([ag.nn.Parameter([1.0])], lr=0.1, momentum=0.9)
    >>> sched = ag.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    >>> round(opt.param_groups[0]["lr"], 12), opt.param_groups[0]["momentum"]
    (0.04, 0.95)
    >>> for _ in range(2):
    ...     opt.step()
    ...     sched.step()
    >>> opt.param_groups[0]["lr"], opt.param_groups[0]["momentum"]
    (1.0, 0.85)
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: Literal["cos", "linear"] = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        name = "OneCycleLR"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{name}: expected an Optimizer, got {type(optimizer).__name__}")
        if total_steps is not None:
            _require_int(name, "total_steps", total_steps, 1)
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            _require_int(name, "epochs", epochs, 1)
            _require_int(name, "steps_per_epoch", steps_per_epoch, 1)
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError(f"{name}: give total_steps, or both epochs and steps_per_epoch")
        _require_number(name, "pct_start", pct_start)
        if not 0 <= pct_start <= 1:
            raise ValueError(f"{name}: pct_start must be in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"{name}: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}"
            )
        _require_number(name, "div_factor", div_factor)
        _require_number(name, "final_div_factor", final_div_factor)
        self._anneal_func_type = anneal_strategy
        rise_end = float(pct_start * self.total_steps) - 1
        last = float(self.total_steps - 1)
        if three_phase:
            # Each phase: (its last step, lr from, lr to, momentum from, momentum to).
            phases = [
                (rise_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (
                    float(2 * pct_start * self.total_steps) - 2,
                    "max_lr",
                    "initial_lr",
                    "base_momentum",
                    "max_momentum",
                ),
                (last, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            phases = [
                (rise_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (last, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        keys = ("end_step", "start_lr", "end_lr", "start_momentum", "end_momentum")
        self._schedule_phases: list[dict[str, Any]] = [dict(zip(keys, phase)) for phase in phases]

        max_lrs = _per_group(name, "max_lr", optimizer, max_lr)
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(
                    f"{name}: cycle_momentum needs an optimizer with 'momentum' or 'betas', "
                    f"{type(optimizer).__name__} has neither (pass cycle_momentum=False)"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            highs = _per_group(name, "max_momentum", optimizer, max_momentum)
            lows = _per_group(name, "base_momentum", optimizer, base_momentum)
        _require_int(name, "last_epoch", last_epoch, -1)
        if last_epoch == -1:  # nothing is written into the groups before all is checked
            for peak, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = peak / div_factor
                group["max_lr"] = peak
                group["min_lr"] = group["initial_lr"] / final_div_factor
            if cycle_momentum:
                for high, low, group in zip(highs, lows, optimizer.param_groups):
                    self._set_momentum(group, high)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"OneCycleLR: stepped {step} times, past the cycle's total_steps={self.total_steps}"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end = phase["end_step"]
                if step <= end or i == len(self._schedule_phases) - 1:
                    pct = (step - start) / (end - start)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        momentum = self._anneal(
                            group[phase["start_momentum"]], group[phase["end_momentum"]], pct
                        )
                        self._set_momentum(group, momentum)
                    break
                start = end
        return lrs
