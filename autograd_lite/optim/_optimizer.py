"""The base class of the optimizers: parameter groups, per-parameter state, state dicts."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._tensor import Tensor
from ..compiler.values import current as current_recorder

__all__ = ["Optimizer", "ParamsLike"]

ParamsLike = Iterable[Tensor] | Iterable[dict[str, Any]]


class Optimizer:
    """Base class: holds parameter groups and per-parameter state.

    Parameters
    ----------
    params
        Tensors that require grad (e.g. ``model.parameters()``), or dicts with a
        ``"params"`` entry and per-group hyperparameters overriding ``defaults``.
    defaults
        The hyperparameters of every group that does not set its own.

    Attributes
    ----------
    param_groups : list of dict
        Each with ``"params"`` (a list of Tensors) and the hyperparameters; changing
        ``group["lr"]`` between steps changes the learning rate.
    state : dict
        Per-parameter arrays (momentum buffers, moment estimates, step counts).
    """

    def __init__(self, params: ParamsLike, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, dict[str, Any]] = {}
        items = list(params)
        if not items:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        groups = items if isinstance(items[0], dict) else [{"params": items}]
        seen: set[int] = set()
        for group in groups:
            if not isinstance(group, dict):
                raise TypeError("params must be all Tensors or all dicts with a 'params' entry")
            group = {**self.defaults, **group}
            ps = group["params"]
            group["params"] = [ps] if isinstance(ps, Tensor) else list(ps)
            for p in group["params"]:
                if not isinstance(p, Tensor):
                    raise TypeError(f"optimizers take Tensors, got {type(p).__name__}")
                if not p.is_leaf or not p.requires_grad:
                    raise ValueError("optimizers update leaf Tensors that require grad")
                if id(p) in seen:
                    raise ValueError("a parameter appears more than once in the parameter list")
                seen.add(id(p))
            self._validate(group)
            self.param_groups.append(group)

    def _validate(self, group: dict[str, Any]) -> None:
        lr = group.get("lr")
        if not isinstance(lr, (int, float)) or lr < 0:
            raise ValueError(f"invalid learning rate: {lr!r} (must be a number >= 0)")
        wd = group.get("weight_decay", 0.0)
        if wd < 0:
            raise ValueError(f"invalid weight_decay: {wd!r} (must be >= 0)")

    def zero_grad(self) -> None:
        """Reset the ``.grad`` of every parameter to ``None``."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        recorder = current_recorder()
        if recorder is not None:  # inside ag.compile's trace: hyperparameters become inputs
            recorder.track_optimizer(self)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self._update(p, p.grad, group, self.state.setdefault(p, {}))

    def _update(
        self, p: Tensor, grad: NDArray[Any], group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        raise NotImplementedError

    @staticmethod
    def _l2_decayed(grad: NDArray[Any], p: Tensor, group: dict[str, Any]) -> NDArray[Any]:
        """``grad + weight_decay * p``: weight decay as an L2 penalty in the gradient."""
        decay = group["weight_decay"]
        return grad + decay * p.data if decay else grad

    def state_dict(self) -> dict[str, Any]:
        """The state and hyperparameters, with parameters replaced by their position.

        ``{"state": {index: {name: array or number}}, "param_groups": [{..., "params":
        [indices]}]}``, as in PyTorch; everything is copied.
        """
        index = {id(p): i for i, p in enumerate(self._all_params())}
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items() if s}
        groups = [
            {
                **{k: v for k, v in g.items() if k != "params"},
                "params": [index[id(p)] for p in g["params"]],
            }
            for g in self.param_groups
        ]
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (for the same parameters, in order).

        Raises
        ------
        ValueError
            If the number of groups, a group's size, or the shape of a state array does
            not match; nothing is changed then.
        """
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state has {len(groups)} parameter groups, the optimizer has "
                f"{len(self.param_groups)}"
            )
        params = self._all_params()
        for saved, own in zip(groups, self.param_groups):
            if len(saved["params"]) != len(own["params"]):
                raise ValueError(
                    f"a loaded parameter group has {len(saved['params'])} parameters, the "
                    f"optimizer's has {len(own['params'])}"
                )
        new_state: dict[Tensor, dict[str, Any]] = {}
        for i, s in state_dict["state"].items():
            i = int(i)
            if not 0 <= i < len(params):
                raise ValueError(f"loaded state refers to parameter {i}, which does not exist")
            p = params[i]
            for name, value in s.items():
                if isinstance(value, np.ndarray) and value.shape != p.shape:
                    raise ValueError(
                        f"state '{name}' of parameter {i} has shape {value.shape}, the "
                        f"parameter has shape {p.shape}"
                    )
            new_state[p] = {
                k: v.astype(p.dtype, copy=True) if isinstance(v, np.ndarray) else v
                for k, v in s.items()
            }
        for saved, own in zip(groups, self.param_groups):
            for key, value in saved.items():
                if key != "params":
                    own[key] = copy.deepcopy(value)
        self.state = new_state

    def _all_params(self) -> list[Tensor]:
        return [p for g in self.param_groups for p in g["params"]]

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(g.items()) if k != "params"]
        return "\n".join(lines) + "\n)"
