"""Functional transforms and higher-order derivatives, each against an independent answer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import closed_form
from autograd_lite.errors import NotDifferentiableError
from autograd_lite.testing import strategies as ags

from .networks import random_network
from .op_table import OPS, TABLE_SETTINGS, OpCase
from .test_ops import op_inputs

scalars = st.floats(-3, 3, allow_nan=False)


def _softplus(x):  # type: ignore[no-untyped-def]
    return ag.log(1 + ag.exp(x))


SECOND_DERIVATIVES = {
    # name: (f, f'' in closed form, domain)
    "sigmoid": (ag.sigmoid, lambda x: (s := 1 / (1 + np.exp(-x))) * (1 - s) * (1 - 2 * s), scalars),
    "tanh": (ag.tanh, lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2), scalars),
    "exp": (ag.exp, np.exp, scalars),
    "log": (ag.log, lambda x: -1 / x**2, st.floats(0.1, 5)),
    "power": (lambda x: x**3.5, lambda x: 3.5 * 2.5 * x**1.5, st.floats(0.1, 5)),
    "softplus": (_softplus, lambda x: (s := 1 / (1 + np.exp(-x))) * (1 - s), scalars),
}


@pytest.mark.parametrize("name", sorted(SECOND_DERIVATIVES))
@given(data=st.data())
def test_second_derivatives_match_closed_forms(name: str, data: st.DataObject) -> None:
    f, d2f, domain = SECOND_DERIVATIVES[name]
    x = data.draw(domain)
    np.testing.assert_allclose(ag.grad(ag.grad(f))(x), d2f(x), rtol=1e-10, atol=1e-12)


@given(scalars)
def test_third_derivative_of_tanh(x: float) -> None:
    t = np.tanh(x)
    expected = -2 * (1 - t**2) * (1 - 3 * t**2)
    np.testing.assert_allclose(ag.grad(ag.grad(ag.grad(ag.tanh)))(x), expected, atol=1e-12)


def test_nested_calls_do_not_confuse_variables() -> None:
    def f(x):  # type: ignore[no-untyped-def]
        return ag.grad(lambda y: x * y)(x)

    assert ag.grad(f)(2.0) == 1.0  # not 2


def test_top_level_gives_arrays_nested_gives_tensors() -> None:
    seen = []

    def f(x):  # type: ignore[no-untyped-def]
        g = ag.grad(lambda y: (y**3).sum())(x)
        seen.append(type(g))
        return (g * x).sum()

    result = ag.grad(f)(np.array([1.0, 2.0]))
    assert isinstance(result, np.ndarray)
    assert seen == [ag.Tensor]
    np.testing.assert_allclose(result, 9 * np.array([1.0, 2.0]) ** 2)


def test_argnums_tuple_and_value() -> None:
    value, (ga, gb) = ag.value_and_grad(lambda a, b: (a * b**2).sum(), argnums=(0, 1))(
        np.array([1.0, 2.0]), np.array([3.0, 4.0])
    )
    assert value == 1 * 9 + 2 * 16
    np.testing.assert_array_equal(ga, [9.0, 16.0])
    np.testing.assert_array_equal(gb, [6.0, 16.0])


def test_unreached_argument_gets_zeros_and_grad_leaves_dot_grad_alone() -> None:
    w = ag.Tensor([1.0, 2.0], requires_grad=True)
    g = ag.grad(lambda x, y: (x * w).sum(), argnums=1)(np.ones(2), np.ones(3))
    np.testing.assert_array_equal(g, np.zeros(3))
    assert w.grad is None


def test_grad_needs_a_scalar_output() -> None:
    with pytest.raises(ValueError, match="jacobian"):
        ag.grad(lambda x: x * 2)(np.ones(3))


def test_gradient_penalty_flows_into_tensor_backward() -> None:
    """grad() on a Tensor that requires grad stays in the graph, so .backward() sees it."""
    x = ag.Tensor([0.5, -1.0], requires_grad=True)
    g = ag.grad(lambda y: (y**3).sum())(x)  # 3 x²
    (g**2).sum().backward()  # Σ 9 x⁴ → 36 x³
    np.testing.assert_allclose(x.grad, 36 * x.data**3)


# ---------------------------------------------------------------- Hessians against closed forms
@st.composite
def logistic_problems(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m, n = draw(st.integers(2, 8)), draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.normal(size=(m, n)), (rng.random(m) < 0.5) * 1.0, rng.normal(size=n)


def logistic_loss(w, X, y):  # type: ignore[no-untyped-def]
    return ag.binary_cross_entropy_with_logits(X @ w, y)


@given(logistic_problems(), st.data())
def test_logistic_regression_hessian_and_hvp(problem, data: st.DataObject) -> None:  # type: ignore[no-untyped-def]
    X, y, w = problem
    p = 1 / (1 + np.exp(-X @ w))
    H = X.T @ np.diag(p * (1 - p)) @ X / len(y)
    np.testing.assert_allclose(ag.hessian(logistic_loss)(w, X, y), H, rtol=1e-10, atol=1e-12)
    v = data.draw(ags.arrays(w.shape))
    hv = ag.hvp(lambda w_: logistic_loss(w_, X, y), w, v)
    np.testing.assert_allclose(hv, H @ v, rtol=1e-10, atol=1e-12)


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_two_layer_loss_hessian_in_W2(n1: int, n2: int, m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    params, X, Y = random_network(rng, 3, n1, n2, m)
    cache = closed_form.two_layer_forward(params, X, "tanh")
    A1, A2 = cache.A1, cache.A2
    # J = (1/m) Σ bce(sigmoid(W2 A1 + b2)), so
    # d²J / dW2[i,j] dW2[k,l] = δ_ik Σ_e s'(Z2[i,e]) A1[j,e] A1[l,e] / m
    expected = np.einsum("ik,ie,je,le->ijkl", np.eye(n2), A2 * (1 - A2), A1, A1) / m

    def loss(W2):  # type: ignore[no-untyped-def]
        Z2 = W2 @ A1 + params["b2"]
        return ag.binary_cross_entropy_with_logits(Z2, Y, reduction="sum") / m

    np.testing.assert_allclose(ag.hessian(loss)(params["W2"]), expected, rtol=1e-9, atol=1e-12)


def test_jacobian_of_a_vector_function() -> None:
    x = np.array([0.3, -0.7, 1.1])
    J = ag.jacobian(ag.softmax)(x)
    s = np.exp(x) / np.exp(x).sum()
    np.testing.assert_allclose(J, np.diag(s) - np.outer(s, s), rtol=1e-12)


# ---------------------------------------------------------------- every op, twice
@pytest.mark.parametrize("case", [c for c in OPS if c.second_order], ids=lambda c: c.name)
@given(data=st.data())
@TABLE_SETTINGS
def test_every_op_is_differentiable_twice(case: OpCase, data: st.DataObject) -> None:
    """Hessian-vector products against finite differences of the first-order gradient."""
    arrays = data.draw(op_inputs(case))
    out_shape = case.fn(*[ag.Tensor(a) for a in arrays]).shape
    weights = data.draw(ags.arrays(out_shape, min_value=-1, max_value=1))
    directions = [data.draw(ags.arrays(a.shape, min_value=-1, max_value=1)) for a in arrays]
    argnums = tuple(range(len(arrays)))

    def f(*xs):  # type: ignore[no-untyped-def]
        # Squared so that linear ops have a non-zero second derivative too.
        return ((case.fn(*xs) * weights) ** 2).sum()

    first = ag.grad(f, argnums)

    def directional(*xs):  # type: ignore[no-untyped-def]
        return sum(((g * v).sum() for g, v in zip(first(*xs), directions)), ag.Tensor(0.0))

    hvps = ag.grad(directional, argnums)(*arrays)
    eps = 1e-5
    plus = first(*[a + eps * v for a, v in zip(arrays, directions)])
    minus = first(*[a - eps * v for a, v in zip(arrays, directions)])
    for hv, p, m in zip(hvps, plus, minus):
        np.testing.assert_allclose(hv, (p - m) / (2 * eps), rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- non-differentiable VJPs
@ag.primitive
def raw_sin(x):  # type: ignore[no-untyped-def]
    return np.sin(x)


raw_sin.defvjp(lambda g, out, x: g * np.cos(np.asarray(x)))  # plain arrays: first order only


def test_raw_numpy_vjp_works_at_first_order() -> None:
    x = ag.Tensor([0.1, 0.2], requires_grad=True)
    raw_sin(x).sum().backward()
    np.testing.assert_allclose(x.grad, np.cos([0.1, 0.2]))
    np.testing.assert_allclose(ag.grad(lambda t: raw_sin(t).sum())(np.array([0.3])), np.cos([0.3]))


def test_raw_numpy_vjp_refuses_second_order_naming_the_op() -> None:
    with pytest.raises(NotDifferentiableError, match="raw_sin"):
        ag.grad(ag.grad(lambda t: raw_sin(t).sum()))(np.array([0.3]))
