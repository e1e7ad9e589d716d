"""Containers that register their modules: ModuleList and ModuleDict."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, overload

from ._module import Module


def _checked(owner: str, module: Any) -> Module:
    if not isinstance(module, Module):
        raise TypeError(f"{owner}: expected a Module, got {type(module).__name__}")
    return module


class ModuleList(Module):
    """A list of modules whose parameters the owner sees (``"0.weight"``, ``"1.weight"``, ...).

    Examples
    --------
    >>> from autograd_lite import nn
    >>> layers = nn.ModuleList([nn.Linear(2, 2, rng=0) for _ in range(3)])
    >>> len(layers), len(list(layers.parameters()))
    (3, 6)
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _items(self) -> list[Module]:
        return list(self.children())

    def _index(self, index: int) -> int:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"ModuleList: index {index} is out of range for {n} modules")
        return index % n

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), _checked("ModuleList.append", module))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append every module of ``modules``; returns self."""
        for module in list(modules):
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``; the later ones are renumbered."""
        items = self._items()
        items.insert(index, _checked("ModuleList.insert", module))
        self._replace(items)

    def _replace(self, items: list[Module]) -> None:
        for name in list(self.__dict__["_modules"]):
            delattr(self, name)
        for i, module in enumerate(items):
            self.add_module(str(i), module)

    def __len__(self) -> int:
        return len(self.__dict__["_modules"])

    def __iter__(self) -> Iterator[Module]:
        return iter(self._items())

    @overload
    def __getitem__(self, index: int) -> Module: ...

    @overload
    def __getitem__(self, index: slice) -> ModuleList: ...

    def __getitem__(self, index: int | slice) -> Module | ModuleList:
        if isinstance(index, slice):
            return ModuleList(self._items()[index])
        return self._items()[self._index(index)]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(str(self._index(index)), _checked("ModuleList", module))

    def __delitem__(self, index: int | slice) -> None:
        items = self._items()
        if isinstance(index, slice):
            del items[index]
        else:
            del items[self._index(index)]
        self._replace(items)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleList has no forward(); iterate over its modules")


class ModuleDict(Module):
    """A dict of modules whose parameters the owner sees under their keys.

    Examples
    --------
    >>> from autograd_lite import nn
    >>> heads = nn.ModuleDict({"a": nn.Linear(2, 1, rng=0), "b": nn.Linear(2, 3, rng=0)})
    >>> list(heads.keys()), heads["b"].out_features
    (['a', 'b'], 3)
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        try:
            module: Module = self.__dict__["_modules"][key]
        except KeyError:
            raise KeyError(f"ModuleDict has no module {key!r}") from None
        return module

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(key, str):
            raise TypeError(f"ModuleDict: keys must be strings, got {key!r}")
        self.add_module(key, _checked("ModuleDict", module))

    def __delitem__(self, key: str) -> None:
        self[key]  # raises the KeyError for a missing key
        delattr(self, key)

    def __len__(self) -> int:
        return len(self.__dict__["_modules"])

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.__dict__["_modules"]))

    def __contains__(self, key: object) -> bool:
        return key in self.__dict__["_modules"]

    def keys(self) -> list[str]:
        """The keys, in insertion order."""
        return list(self)

    def values(self) -> list[Module]:
        """The modules, in insertion order."""
        return [self[k] for k in self]

    def items(self) -> list[tuple[str, Module]]:
        """``(key, module)`` pairs, in insertion order."""
        return [(k, self[k]) for k in self]

    def pop(self, key: str) -> Module:
        """Remove the module under ``key`` and return it."""
        module = self[key]
        del self[key]
        return module

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add (or replace) every ``key: module`` of a mapping or of ``(key, module)`` pairs."""
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, module in list(pairs):
            self[key] = module

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleDict has no forward(); call its modules by key")
