"""Draw the recorded graph of the tutorial's two-layer network for the engine page.

Run from the repository root (needs Graphviz's ``dot`` program)::

    python docs/scripts/two_layer_graph.py

It writes ``docs/assets/images/two-layer-graph.dot`` (the text, which a test compares with
what ``ag.viz.to_dot`` gives today) and renders it to ``two-layer-graph.svg`` beside it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

import autograd_lite as ag

OUT = Path(__file__).resolve().parents[1] / "assets" / "images"


def network_dot() -> str:
    """DOT text of J = BCE(W2 tanh(W1 X + b1) + b2, Y) summed / m, as in the post."""
    rng = np.random.default_rng(0)
    n0, n1, n2, m = 2, 3, 1, 4
    X = rng.normal(size=(n0, m))
    Y = (rng.random((n2, m)) > 0.5).astype(float)
    params = {
        "W1": ag.Tensor(rng.normal(size=(n1, n0)), requires_grad=True),
        "b1": ag.Tensor(np.zeros((n1, 1)), requires_grad=True),
        "W2": ag.Tensor(rng.normal(size=(n2, n1)), requires_grad=True),
        "b2": ag.Tensor(np.zeros((n2, 1)), requires_grad=True),
    }
    Z1 = params["W1"] @ X + params["b1"]
    A1 = ag.tanh(Z1)
    Z2 = params["W2"] @ A1 + params["b2"]
    J = ag.binary_cross_entropy_with_logits(Z2, Y, reduction="sum") / m
    return ag.viz.to_dot(J, params=params) + "\n"


def main() -> None:
    dot = network_dot()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "two-layer-graph.dot").write_text(dot, encoding="utf-8")
    svg = subprocess.run(
        ["dot", "-Tsvg"], input=dot, capture_output=True, text=True, check=True
    ).stdout
    (OUT / "two-layer-graph.svg").write_text(svg, encoding="utf-8")
    print(f"wrote {OUT / 'two-layer-graph.svg'}")


if __name__ == "__main__":
    main()
