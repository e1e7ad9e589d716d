"""Module: the base class of layers and models, holding Parameters and submodules."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._tensor import Tensor
from ._parameter import Parameter


class IncompatibleKeys(NamedTuple):
    """What :meth:`Module.load_state_dict` found missing or unexpected (``strict=False``)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of every layer and model.

    Parameters and submodules are registered by assigning them to attributes
    (``self.weight = Parameter(...)``, ``self.hidden = Linear(...)``); subclasses must
    call ``super().__init__()`` before doing so.  Calling a module calls its
    :meth:`forward`.

    Attributes
    ----------
    training : bool
        ``True`` after :meth:`train`, ``False`` after :meth:`eval`; set on every submodule.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> from autograd_lite import nn
    >>> class Scale(nn.Module):
    ...     def __init__(self) -> None:
    ...         super().__init__()
    ...         self.factor = nn.Parameter(np.array([2.0]))
    ...     def forward(self, x):
    ...         return x * self.factor
    >>> m = Scale()
    >>> m(ag.Tensor([1.0, 3.0]))
    Tensor([2., 6.], grad_fn=<multiply>)
    >>> [name for name, _ in m.named_parameters()]
    ['factor']
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        modules = self.__dict__.get("_modules")
        if params is None or modules is None:
            if isinstance(value, (Parameter, Module)):
                raise AttributeError(
                    f"cannot assign {type(value).__name__} '{name}' before Module.__init__() "
                    "is called; call super().__init__() first in the subclass's __init__"
                )
            object.__setattr__(self, name, value)
            return
        buffers = self.__dict__["_buffers"]
        if name in buffers:
            if value is not None and not isinstance(value, np.ndarray):
                raise TypeError(
                    f"cannot assign {type(value).__name__} to buffer '{name}' "
                    "(a NumPy array or None is required)"
                )
            buffers[name] = value
            object.__setattr__(self, name, value)
            return
        params.pop(name, None)
        modules.pop(name, None)
        if isinstance(value, Parameter):
            params[name] = value
        elif isinstance(value, Module):
            modules[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self.__dict__["_parameters"].pop(name, None)
        self.__dict__["_modules"].pop(name, None)
        self.__dict__["_buffers"].pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name`` (``None`` records an absent parameter, e.g. a bias)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: '{name}' must be a Parameter or None")
        setattr(self, name, param)

    def register_buffer(self, name: str, tensor: NDArray[Any] | None) -> None:
        """Register a NumPy array that is state but not a parameter (batch norm's running mean).

        Buffers are saved and loaded by :meth:`state_dict` / :meth:`load_state_dict` and
        reached by :meth:`named_buffers`; optimizers never see them.  Assigning a new array
        to the attribute later replaces the buffer.
        """
        if not isinstance(name, str) or not name or "." in name:
            raise ValueError(
                f"register_buffer: invalid buffer name {name!r} (empty or contains '.')"
            )
        if tensor is not None and not isinstance(tensor, np.ndarray):
            raise TypeError(
                f"register_buffer: '{name}' must be a NumPy array or None, "
                f"got {type(tensor).__name__}"
            )
        if name in self.__dict__["_parameters"] or name in self.__dict__["_modules"]:
            raise KeyError(f"register_buffer: attribute '{name}' is already a parameter or module")
        self.__dict__["_buffers"][name] = tensor
        object.__setattr__(self, name, tensor)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as a child under ``name`` (any string, e.g. ``"0"``)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: '{name}' must be a Module, got {type(module).__name__}")
        if not name or "." in name:
            raise ValueError(f"add_module: invalid module name {name!r} (empty or contains '.')")
        setattr(self, name, module)

    # ------------------------------------------------------------------ traversal
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct submodules with their attribute names, in assignment order."""
        yield from self.__dict__["_modules"].items()

    def children(self) -> Iterator[Module]:
        """The direct submodules, in assignment order."""
        for _, module in self.named_children():
            yield module

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every descendant, with dotted names (this module's is ``prefix``)."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            kids = [(f"{name}.{k}" if name else k, m) for k, m in module.named_children()]
            stack.extend(reversed(kids))

    def modules(self) -> Iterator[Module]:
        """This module and every descendant."""
        for _, module in self.named_modules():
            yield module

    def named_parameters(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Every parameter with its dotted name (``"0.weight"``); a shared one appears once."""
        seen: set[int] = set()
        owners = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for owner, module in owners:
            for name, param in module.__dict__["_parameters"].items():
                if param is None or id(param) in seen:
                    continue
                seen.add(id(param))
                yield (f"{owner}.{name}" if owner else name), param

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter, in the order of :meth:`named_parameters`."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, NDArray[Any]]]:
        """Every buffer with its dotted name (``"0.running_mean"``)."""
        owners = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for owner, module in owners:
            for name, buf in module.__dict__["_buffers"].items():
                if buf is not None:
                    yield (f"{owner}.{name}" if owner else name), buf

    def buffers(self, recurse: bool = True) -> Iterator[NDArray[Any]]:
        """Every buffer, in the order of :meth:`named_buffers`."""
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    # ------------------------------------------------------------------ state
    def zero_grad(self) -> None:
        """Reset the gradient of every parameter to ``None``."""
        for param in self.parameters():
            param.grad = None

    def train(self, mode: bool = True) -> Module:
        """Put this module and all its submodules in training mode (or not); returns self."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Put this module and all its submodules in evaluation mode; returns self."""
        return self.train(False)

    def state_dict(self) -> dict[str, NDArray[Any]]:
        """A copy of every parameter's and buffer's values, keyed by dotted name."""
        state = {name: param.data.copy() for name, param in self.named_parameters()}
        state.update((name, buf.copy()) for name, buf in self.named_buffers())
        return state

    def _named_state(self) -> dict[str, Parameter | NDArray[Any]]:
        own: dict[str, Parameter | NDArray[Any]] = dict(self.named_parameters())
        own.update(self.named_buffers())
        return own

    def load_state_dict(
        self, state_dict: Mapping[str, ArrayLike], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy values into the existing parameters (which keep their identity).

        Everything is checked before anything is written, so a failed load leaves the
        module unchanged.

        Parameters
        ----------
        state_dict
            Parameter or buffer name to array (or Tensor), as returned by :meth:`state_dict`.
        strict
            Require the keys to match exactly.  With ``False`` missing and unexpected keys
            are allowed (and reported in the result); shapes and dtypes are still checked.

        Returns
        -------
        IncompatibleKeys
            The missing and unexpected keys (both empty after a strict load).

        Raises
        ------
        ValueError
            Listing the missing keys, the unexpected keys (when strict), and every
            parameter whose shape or dtype differs, with both shapes or dtypes.
        """
        own = self._named_state()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems: list[str] = []
        if strict and missing:
            problems.append("missing key(s): " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected key(s): " + ", ".join(unexpected))
        values: dict[str, NDArray[Any]] = {}
        for name, param in own.items():
            if name not in state_dict:
                continue
            raw = state_dict[name]
            value = raw.data if isinstance(raw, Tensor) else np.asarray(raw)
            if value.shape != param.shape:
                problems.append(
                    f"size mismatch for {name}: the state dict has shape {value.shape}, "
                    f"the module has shape {param.shape}"
                )
            elif value.dtype != param.dtype:
                problems.append(
                    f"dtype mismatch for {name}: the state dict has dtype {value.dtype}, "
                    f"the module has dtype {param.dtype}"
                )
            elif not isinstance(param, Parameter) and not param.flags.writeable:
                problems.append(f"buffer {name} is read-only")
            values[name] = value
        if problems:
            raise ValueError(
                f"error(s) loading state_dict for {type(self).__name__}: " + "; ".join(problems)
            )
        for name, value in values.items():
            entry = own[name]
            target = entry.data if isinstance(entry, Parameter) else entry
            if target.flags.writeable:
                np.copyto(target, value)
            elif isinstance(entry, Parameter):
                entry.data = value.copy()
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses override it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def extra_repr(self) -> str:
        """The constructor arguments shown by ``repr``; subclasses override it."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        kids = [f"({name}): " + repr(m).replace("\n", "\n  ") for name, m in self.named_children()]
        if not kids:
            return f"{type(self).__name__}({extra})"
        lines = ([extra] if extra else []) + kids
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"
