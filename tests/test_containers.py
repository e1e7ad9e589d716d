"""Transforms over nested dicts, lists and tuples of arrays, against finite differences."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite._tree import flatten, unflatten

Layer = namedtuple("Layer", ["W", "b"])


def _params() -> dict[str, Any]:
    rng = np.random.default_rng(0)
    return {
        "layers": [
            Layer(rng.normal(size=(3, 2)), rng.normal(size=(3, 1))),
            Layer(rng.normal(size=(1, 3)), rng.normal(size=(1, 1))),
        ],
        "scale": np.array(0.7),
    }


X = np.random.default_rng(1).normal(size=(2, 4))


def _loss(params: dict[str, Any]) -> ag.Tensor:
    h: Any = X
    for layer in params["layers"]:
        h = ag.tanh(layer.W @ h + layer.b)
    return (params["scale"] * h * h).sum()


def _numeric_grad(f: Any, tree: Any, eps: float = 1e-6) -> list[np.ndarray]:
    """Central differences of a scalar ``f`` for each leaf of ``tree``, in flatten's order."""
    leaves, structure = flatten(tree)
    grads = []
    for i, leaf in enumerate(leaves):
        leaf = np.asarray(leaf, dtype=float)
        g = np.zeros_like(leaf)
        for k in np.ndindex(leaf.shape):
            values = []
            for step in (eps, -eps):
                moved = leaf.copy()
                moved[k] += step
                trial = [*leaves[:i], moved, *leaves[i + 1 :]]
                values.append(float(f(unflatten(structure, trial)).item()))
            g[k] = (values[0] - values[1]) / (2 * eps)
        grads.append(g)
    return grads


def test_grad_of_nested_parameters_keeps_their_structure_and_matches_finite_differences() -> None:
    params = _params()
    grads = ag.grad(_loss)(params)
    assert isinstance(grads, dict) and list(grads) == ["layers", "scale"]
    assert isinstance(grads["layers"], list) and len(grads["layers"]) == 2
    assert all(type(layer) is Layer for layer in grads["layers"])
    got, _ = flatten(grads)
    for g, leaf, expected in zip(got, flatten(params)[0], _numeric_grad(_loss, params)):
        assert g.shape == np.shape(leaf)
        np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-8)


def test_value_and_grad_with_several_argnums_of_containers() -> None:
    def f(p: dict[str, Any], xs: list[Any], c: float) -> ag.Tensor:
        return (p["a"] * xs[0]).sum() + c * (p["b"] ** 2).sum() * xs[1]

    p = {"a": np.array([1.0, 2.0]), "b": np.array([3.0])}
    xs = [np.array([4.0, 5.0]), np.array(0.5)]
    value, (gp, gx) = ag.value_and_grad(f, argnums=(0, 1))(p, xs, 2.0)
    assert float(value) == pytest.approx(14.0 + 2.0 * 9.0 * 0.5)
    np.testing.assert_allclose(gp["a"], [4.0, 5.0])
    np.testing.assert_allclose(gp["b"], [2.0 * 2.0 * 3.0 * 0.5])
    assert isinstance(gx, list)
    np.testing.assert_allclose(gx[0], [1.0, 2.0])
    np.testing.assert_allclose(gx[1], 2.0 * 9.0)


def test_jacobian_of_a_function_returning_a_tuple_is_one_block_per_output() -> None:
    x = np.array([1.0, 2.0, 3.0])
    first, second = ag.jacobian(lambda t: (t[:2] * 2.0, t[2:] ** 2))(x)
    np.testing.assert_allclose(first, [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    np.testing.assert_allclose(second, [[0.0, 0.0, 6.0]])


def test_hessian_over_a_dict_is_nested_by_both_arguments() -> None:
    # f = a^2 b: f_aa = 2b, f_ab = 2a, f_bb = 0
    h = ag.hessian(lambda p: (p["a"] ** 2 * p["b"]).sum())({"a": np.array(1.5), "b": np.array(2.0)})
    assert float(h["a"]["a"]) == pytest.approx(4.0)
    assert float(h["a"]["b"]) == pytest.approx(3.0)
    assert float(h["b"]["a"]) == pytest.approx(3.0)
    assert float(h["b"]["b"]) == pytest.approx(0.0)


def test_hvp_over_containers_matches_the_hessian_times_v() -> None:
    def f(p: list[Any]) -> ag.Tensor:
        return (p[0] ** 3).sum() + (p[0][0] * p[1] ** 2).sum()

    x = [np.array([1.0, 2.0]), np.array(3.0)]
    v = [np.array([0.5, -1.0]), np.array(2.0)]
    got = ag.hvp(f, x, v)
    # H = [[6 x0, 0, 2 x1], [0, 6 x1_, 0], [2 x1, 0, 2 x0]] over (x[0][0], x[0][1], x[1])
    a, b, c = 1.0, 2.0, 3.0
    hessian = np.array([[6 * a, 0, 2 * c], [0, 6 * b, 0], [2 * c, 0, 2 * a]])
    expected = hessian @ np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(got[0], expected[:2])
    np.testing.assert_allclose(got[1], expected[2])
    with pytest.raises(ValueError, match="hvp: v has 1"):
        ag.hvp(f, x, [np.ones(2)])


def test_compile_takes_containers_of_arrays_as_inputs_not_constants() -> None:
    step = ag.compile(ag.value_and_grad(_loss))
    params = _params()
    value, grads = step(params)
    eager_value, eager_grads = ag.value_and_grad(_loss)(params)
    assert float(value) == pytest.approx(float(eager_value))
    for g, e in zip(flatten(grads)[0], flatten(eager_grads)[0]):
        np.testing.assert_allclose(g, e, rtol=1e-12)
    moved = unflatten(flatten(params)[1], [np.asarray(leaf * 0.5) for leaf in flatten(params)[0]])
    value2, _ = step(moved)  # new values, same structure: the same trace, new inputs
    assert float(value2) == pytest.approx(float(ag.value_and_grad(_loss)(moved)[0]))
    assert len(step.cache_info()) == 1
    assert "params_layers_0_W" in step.source(params)


def test_a_list_argument_is_a_container_of_leaves() -> None:
    grads = ag.grad(lambda xs: xs[0] * xs[1])([2.0, 5.0])
    assert isinstance(grads, list)
    assert [float(g) for g in grads] == [5.0, 2.0]


def test_unflatten_refuses_the_wrong_number_of_leaves() -> None:
    _, structure = flatten({"a": 1, "b": [2, 3]})
    assert unflatten(structure, [4, 5, 6]) == {"a": 4, "b": [5, 6]}
    with pytest.raises(ValueError, match="fewer leaves"):
        unflatten(structure, [4, 5])
    with pytest.raises(ValueError, match="more leaves"):
        unflatten(structure, [4, 5, 6, 7])
