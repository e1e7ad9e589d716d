"""The graph picture on the engine page still matches what ``ag.viz.to_dot`` draws today.

If this fails, regenerate the picture: ``python docs/scripts/two_layer_graph.py`` (needs
Graphviz's ``dot``), and commit both files in ``docs/assets/images/``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_graph_picture_is_current() -> None:
    spec = importlib.util.spec_from_file_location(
        "two_layer_graph", DOCS / "scripts" / "two_layer_graph.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    committed = (DOCS / "assets" / "images" / "two-layer-graph.dot").read_text(encoding="utf-8")
    assert script.network_dot() == committed
    assert (DOCS / "assets" / "images" / "two-layer-graph.svg").is_file()
