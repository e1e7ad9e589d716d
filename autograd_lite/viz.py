"""Drawing the recorded graph: Graphviz DOT text, and rendering it to an image.

:func:`to_dot` needs nothing; :func:`render` needs the ``graphviz`` Python package
(the ``viz`` extra) and Graphviz's ``dot`` program.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import Any

from ._graph import Node
from ._tensor import Tensor

__all__ = ["render", "to_dot"]


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def to_dot(tensor: Tensor, params: Mapping[str, Tensor] | None = None) -> str:
    """The graph that produced ``tensor``, as Graphviz DOT text.

    One box per recorded op (its name, output shape and dtype) and one per leaf that
    requires grad (light blue, named after ``params`` when given, e.g.
    ``dict(model.named_parameters())``); edges run from inputs to the op that used them.
    The output is drawn with a double border.  The walk is iterative, so graphs of any
    depth are drawn.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> from autograd_lite.viz import to_dot
    >>> w = ag.Tensor([1.0, 2.0], requires_grad=True)
    >>> print(to_dot((w * w).sum(), params={"w": w}))
    digraph autograd {
      node [shape=box, fontname="Helvetica"];
      n0 [label="w\\nleaf (2,) float64\\nrequires grad", style=filled, fillcolor=lightblue];
      n1 [label="multiply\\n(2,) float64"];
      n2 [label="sum\\n() float64", peripheries=2];
      n0 -> n1;
      n0 -> n1;
      n1 -> n2;
    }
    """
    header = ["digraph autograd {", '  node [shape=box, fontname="Helvetica"];']
    root = tensor._node
    if root is None:
        label = f"constant\n{_shape(tensor.shape)} {tensor.dtype}\nno graph recorded"
        return "\n".join([*header, f"  n0 [label={_quote(label)}, peripheries=2];", "}"])
    names = {id(t._node): name for name, t in (params or {}).items() if t._node is not None}
    seen: dict[int, Node] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        stack.extend(p for p in node.parents if id(p) not in seen)
    # Creation order (a topological order) makes the text the same on every run.
    order = sorted(seen.values(), key=lambda n: -n.key)
    ids = {id(n): f"n{i}" for i, n in enumerate(order)}
    lines = list(header)
    for node in order:
        desc = f"{_shape(node.shape)} {node.dtype}"
        if node.prim is None:
            label = f"{names.get(id(node), 'leaf')}\nleaf {desc}\nrequires grad"
            attrs = ", style=filled, fillcolor=lightblue"
        else:
            label = f"{node.name}\n{desc}"
            attrs = ""
        if node is root:
            attrs += ", peripheries=2"
        lines.append(f"  {ids[id(node)]} [label={_quote(label)}{attrs}];")
    for node in order:
        lines.extend(f"  {ids[id(p)]} -> {ids[id(node)]};" for p in node.parents)
    lines.append("}")
    return "\n".join(lines)


def render(
    tensor: Tensor, path: str | os.PathLike[str], params: Mapping[str, Tensor] | None = None
) -> str:
    """Draw the graph of ``tensor`` into an image file; the format follows the suffix.

    Returns the path written.

    Raises
    ------
    ImportError
        If the ``graphviz`` package is missing (install the ``viz`` extra).
    graphviz.ExecutableNotFound
        If Graphviz's ``dot`` program is not installed.
    """
    try:
        graphviz = importlib.import_module("graphviz")
    except ImportError as exc:
        raise ImportError(
            "render needs the graphviz package; install the viz extra: "
            "pip install 'autograd_lite[viz]' (and Graphviz's dot program); "
            "to_dot() works without it"
        ) from exc
    target = os.fspath(path)
    fmt = os.path.splitext(target)[1].lstrip(".") or "png"
    source: Any = graphviz.Source(to_dot(tensor, params), format=fmt)
    return str(source.render(outfile=target, cleanup=True))
