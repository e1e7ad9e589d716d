"""Nested containers of arrays: dicts, lists and tuples flattened to leaves and rebuilt.

Functional training code holds its parameters as ``{"W1": ..., "b1": ...}`` or as a list
of arrays; the transforms differentiate every array in such a container and return
gradients in the same structure.  Anything that is not a dict, list or tuple is a leaf.
Dicts keep their insertion order; namedtuples are rebuilt as namedtuples.
"""

from __future__ import annotations

from typing import Any

# A structure: None for a leaf, else (container type, dict keys or None, child structures).
Structure = tuple[type, tuple[Any, ...] | None, tuple[Any, ...]] | None


def is_container(value: Any) -> bool:
    return isinstance(value, (dict, list, tuple))


def flatten(tree: Any) -> tuple[list[Any], Structure]:
    """The leaves of ``tree`` in order, and its structure for :func:`unflatten`."""
    leaves: list[Any] = []
    return leaves, _flatten_into(tree, leaves)


def _flatten_into(tree: Any, leaves: list[Any]) -> Structure:
    if isinstance(tree, dict):
        keys = tuple(tree)
        return type(tree), keys, tuple(_flatten_into(tree[k], leaves) for k in keys)
    if isinstance(tree, (list, tuple)):
        return type(tree), None, tuple(_flatten_into(v, leaves) for v in tree)
    leaves.append(tree)
    return None


def unflatten(structure: Structure, leaves: list[Any]) -> Any:
    """The container of ``structure`` holding ``leaves`` (in :func:`flatten`'s order)."""
    position = iter(leaves)
    tree = _build(structure, position)
    if next(position, _END) is not _END:
        raise ValueError("unflatten: more leaves than the structure holds")
    return tree


_END = object()


def _build(structure: Structure, leaves: Any) -> Any:
    if structure is None:
        value = next(leaves, _END)
        if value is _END:
            raise ValueError("unflatten: fewer leaves than the structure holds")
        return value
    kind, keys, children = structure
    values = [_build(child, leaves) for child in children]
    if keys is not None:
        return kind(zip(keys, values))
    if kind is list:
        return values
    if kind is tuple:
        return tuple(values)
    if hasattr(kind, "_fields"):  # a namedtuple
        return kind(*values)
    return kind(values)
