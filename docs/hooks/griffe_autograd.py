"""Griffe extension for the API reference: what static analysis alone cannot see.

- Ops declared as ``add = primitive(np.add)`` get their docstring at import time
  (``add.__doc__ = ...``); griffe reads source, so it is fetched from the live object.
- Docstrings cite other objects with Sphinx roles (``:class:`~autograd_lite.Tensor```).
  These become mkdocstrings cross-references, so a reference to something that is not
  documented breaks ``mkdocs build --strict`` instead of printing a raw role.

Loaded by mkdocstrings (``extensions:`` in ``mkdocs.yml``); pytest also imports this file
(``--doctest-modules``), so it imports griffe lazily.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

try:
    from griffe import Extension
except ImportError:  # pragma: no cover - only without the docs extra
    Extension = object  # type: ignore[assignment,misc]

_ROLE = re.compile(
    r":(?:py:)?(?:class|func|meth|attr|mod|exc|obj|data):`(?P<tilde>~?)(?P<target>[\w.]+)`"
)


def _public_path(path: str) -> str:
    """``autograd_lite._tensor.Tensor.grad`` -> ``autograd_lite.Tensor.grad`` when exported."""
    parts = path.split(".")
    if len(parts) > 2 and parts[0] == "autograd_lite" and parts[1].startswith("_"):
        package = importlib.import_module("autograd_lite")
        if parts[2] in package.__all__:
            return ".".join([parts[0], *parts[2:]])
    return path


def _walk(obj: Any) -> Any:
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _walk(member)


class RuntimeDocs(Extension):  # type: ignore[misc]
    """Fill in the docstrings of ``primitive(...)`` attributes and link Sphinx roles."""

    def on_package(self, *, pkg: Any, loader: Any, **kwargs: Any) -> None:
        if pkg.path != "autograd_lite":
            return
        from griffe import Docstring

        for obj in _walk(pkg):
            if (
                obj.is_attribute
                and obj.docstring is None
                and str(obj.value).startswith("primitive(")
            ):
                live = getattr(importlib.import_module(obj.module.path), obj.name, None)
                doc = getattr(live, "__doc__", None)
                if doc:
                    obj.docstring = Docstring(doc, parent=obj)
                    obj.labels.add("primitive")
            elif obj.is_function and any(
                str(d.value) == "primitive" for d in getattr(obj, "decorators", [])
            ):
                obj.labels.add("primitive")
            if obj.docstring is not None:
                obj.docstring.value = _ROLE.sub(
                    lambda m, o=obj: self._link(m, o, loader), obj.docstring.value
                )

    @staticmethod
    def _link(match: re.Match[str], obj: Any, loader: Any) -> str:
        target = match.group("target")
        short = target.rsplit(".", 1)[-1] if match.group("tilde") else target
        scopes = [obj.path, obj.parent.path if obj.parent else "", obj.module.path, "autograd_lite"]
        for scope in ([""] if "." in target else []) + scopes:
            path = f"{scope}.{target}" if scope else target
            try:
                loader.modules_collection[path]
            except (KeyError, ValueError):
                continue
            return f"[`{short}`][{_public_path(path)}]"
        return f"`{short}`"
