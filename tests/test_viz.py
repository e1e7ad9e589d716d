"""ag.viz: DOT text of recorded graphs, and rendering through the graphviz package."""

from __future__ import annotations

import re
import shutil
import sys
import types

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import nn, viz


def _parse(dot):
    nodes = dict(re.findall(r'^  (n\d+) \[label="((?:[^"\\]|\\.)*)"', dot, re.M))
    edges = re.findall(r"^  (n\d+) -> (n\d+);", dot, re.M)
    return nodes, edges


def test_nodes_edges_and_labels_of_a_small_graph():
    w = ag.Tensor(np.ones((2, 3)), requires_grad=True)
    x = ag.Tensor(np.ones((3, 4)))  # a constant: not a node
    loss = ag.tanh(w @ x).sum()
    dot = viz.to_dot(loss, params={"w": w})
    assert dot.startswith("digraph autograd {") and dot.endswith("}")
    nodes, edges = _parse(dot)
    assert list(nodes.values()) == [
        "w\\nleaf (2, 3) float64\\nrequires grad",
        "matmul\\n(2, 4) float64",
        "tanh\\n(2, 4) float64",
        "sum\\n() float64",
    ]
    assert edges == [("n0", "n1"), ("n1", "n2"), ("n2", "n3")]
    lines = dot.splitlines()
    assert "fillcolor=lightblue" in lines[2]
    assert "peripheries=2" in next(line for line in lines if line.startswith("  n3 "))


def test_two_layer_net_graph_names_the_parameters_and_is_deterministic():
    net = nn.TwoLayerNet(3, 4, 1, rng=0)
    X = np.ones((3, 5))

    def build():
        loss = ag.binary_cross_entropy_with_logits(net(X), np.ones((1, 5)))
        return viz.to_dot(loss, params=dict(net.named_parameters()))

    dot = build()
    assert dot == build()
    nodes, edges = _parse(dot)
    labels = [label.split("\\n")[0] for label in nodes.values()]
    assert sorted(labels[:4]) == ["W1", "W2", "b1", "b2"]
    assert labels[4:] == [
        "matmul",
        "add",
        "tanh",
        "matmul",
        "add",
        "binary_cross_entropy_with_logits",
    ]
    assert len(edges) == 9


def test_shared_input_gives_two_edges_and_unnamed_leaves_say_leaf():
    a = ag.Tensor([1.0, 2.0], requires_grad=True)
    nodes, edges = _parse(viz.to_dot(a * a))
    assert nodes["n0"].startswith("leaf\\n") and edges == [("n0", "n1"), ("n0", "n1")]


def test_constant_tensor():
    dot = viz.to_dot(ag.Tensor([1.0, 2.0]))
    assert "no graph recorded" in dot and "(2,) float64" in dot


def test_deep_graph_is_walked_iteratively():
    x = ag.Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    nodes, edges = _parse(viz.to_dot(y))
    assert len(nodes) == 5001 and len(edges) == 5000


def test_labels_are_escaped():
    odd = ag.Primitive(lambda a: a * 2, name='say "hi"\\')
    odd.defvjp(lambda g, out, a: g * 2)
    dot = viz.to_dot(odd(ag.Tensor([1.0], requires_grad=True)))
    assert 'label="say \\"hi\\"\\\\\\n(1,) float64"' in dot


def test_render_without_graphviz_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    with pytest.raises(ImportError, match=r"autograd_lite\[viz\]"):
        viz.render(ag.Tensor([1.0], requires_grad=True) * 2, tmp_path / "g.png")


def test_render_hands_the_dot_text_to_graphviz(monkeypatch, tmp_path):
    calls = {}

    class Source:
        def __init__(self, text, format):
            calls["text"], calls["format"] = text, format

        def render(self, outfile, cleanup):
            calls["outfile"], calls["cleanup"] = outfile, cleanup
            return outfile

    monkeypatch.setitem(sys.modules, "graphviz", types.SimpleNamespace(Source=Source))
    t = ag.Tensor([1.0], requires_grad=True) * 2
    out = viz.render(t, tmp_path / "g.svg")
    assert calls == {
        "text": viz.to_dot(t), "format": "svg", "outfile": str(tmp_path / "g.svg"), "cleanup": True,
    }  # fmt: skip
    assert out == str(tmp_path / "g.svg")


def test_render_for_real(tmp_path):
    pytest.importorskip("graphviz")
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed")
    path = tmp_path / "g.png"
    viz.render(ag.Tensor([1.0], requires_grad=True) * 2, path)
    assert path.read_bytes()[:4] == b"\x89PNG"
