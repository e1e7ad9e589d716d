"""The engine's gradients of the post's network equal the post's closed-form formulas."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import closed_form

from .networks import random_network

ACTIVATIONS = {"sigmoid": ag.sigmoid, "tanh": ag.tanh, "relu": ag.relu}


@st.composite
def networks(draw: st.DrawFn) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, str]:
    n0, n1, n2, m = (draw(st.integers(1, 6)) for _ in range(4))
    activation = draw(st.sampled_from(sorted(ACTIVATIONS)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    params, X, Y = random_network(rng, n0, n1, n2, m)
    if activation == "relu":
        # Keep pre-activations off ReLU's kink, where the convention (derivative 0) is tested
        # separately; here both sides agree by construction only away from it.
        Z1 = params["W1"] @ X + params["b1"]
        params["b1"] = params["b1"] + np.where(np.abs(Z1).min(axis=1, keepdims=True) < 1e-3, 0.1, 0)
    # Keep the output off sigmoid's saturation, where binary_cross_entropy's documented floor
    # on p (1 - p) changes the derivative (tested on its own below).
    while True:
        A2 = closed_form.two_layer_forward(params, X, activation).A2
        if (A2 * (1 - A2)).min() > 1e-9:
            break
        params["W2"], params["b2"] = params["W2"] / 2, params["b2"] / 2
    return params, X, Y, activation


def autograd_forward(params: dict[str, ag.Tensor], X: np.ndarray, Y: np.ndarray, activation: str):
    m = X.shape[1]
    Z1 = params["W1"] @ X + params["b1"]
    A1 = ACTIVATIONS[activation](Z1)
    Z2 = params["W2"] @ A1 + params["b2"]
    A2 = ag.sigmoid(Z2)
    loss = ag.binary_cross_entropy(A2, Y, reduction="sum") / m
    return Z1, A1, Z2, A2, loss


@given(networks())
def test_graph_gradients_equal_the_posts_formulas(net) -> None:
    params, X, Y, activation = net
    m = X.shape[1]
    tensors = {k: ag.Tensor(v, requires_grad=True) for k, v in params.items()}
    Z1, _A1, Z2, A2, loss = autograd_forward(tensors, X, Y, activation)
    Z1.retain_grad()
    Z2.retain_grad()
    loss.backward()

    cache = closed_form.two_layer_forward(params, X, activation)
    grads = closed_form.two_layer_backward(params, cache, X, Y, activation)

    np.testing.assert_allclose(A2.data, cache.A2, rtol=1e-12)
    np.testing.assert_allclose(loss.item(), closed_form.two_layer_loss(cache, Y), rtol=1e-10)
    tol = {"rtol": 1e-7, "atol": 1e-10}
    np.testing.assert_allclose(tensors["W1"].grad, grads.dW1, **tol)
    np.testing.assert_allclose(tensors["b1"].grad, grads.db1, **tol)
    np.testing.assert_allclose(tensors["W2"].grad, grads.dW2, **tol)
    np.testing.assert_allclose(tensors["b2"].grad, grads.db2, **tol)
    np.testing.assert_allclose(Z2.grad * m, grads.dZ2, **tol)
    np.testing.assert_allclose(Z1.grad * m, grads.dZ1, **tol)


@given(networks())
def test_fused_logits_loss_gives_dZ2_exactly(net) -> None:
    """With the fused loss the chain never divides by A2(1 - A2): dZ2 = A2 - Y to rounding."""
    params, X, Y, activation = net
    m = X.shape[1]
    t = {k: ag.Tensor(v, requires_grad=True) for k, v in params.items()}
    Z2 = t["W2"] @ ACTIVATIONS[activation](t["W1"] @ X + t["b1"]) + t["b2"]
    Z2.retain_grad()
    (ag.binary_cross_entropy_with_logits(Z2, Y, reduction="sum") / m).backward()
    cache = closed_form.two_layer_forward(params, X, activation)
    grads = closed_form.two_layer_backward(params, cache, X, Y, activation)
    np.testing.assert_allclose(Z2.grad * m, grads.dZ2, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(t["W1"].grad, grads.dW1, rtol=1e-9, atol=1e-13)


def test_relu_kink_convention_matches_closed_form() -> None:
    """At Z1 == 0 both sides use relu'(0) = 0."""
    params = {
        "W1": np.array([[1.0, -1.0]]),
        "b1": np.array([[0.0]]),
        "W2": np.array([[2.0]]),
        "b2": np.array([[0.5]]),
    }
    X = np.array([[1.0, 2.0], [1.0, 1.0]])  # first column gives Z1 = 0 exactly
    Y = np.array([[1.0, 0.0]])
    t = {k: ag.Tensor(v, requires_grad=True) for k, v in params.items()}
    *_, loss = autograd_forward(t, X, Y, "relu")
    loss.backward()
    grads = closed_form.two_layer_backward(
        params, closed_form.two_layer_forward(params, X, "relu"), X, Y, "relu"
    )
    np.testing.assert_allclose(t["W1"].grad, grads.dW1, rtol=1e-12)
    assert grads.dZ1[0, 0] == 0.0


def test_closed_form_rejects_unknown_activation() -> None:
    with pytest.raises(ValueError, match="activation"):
        closed_form.activation("softsign", np.zeros(2))


def test_at_saturation_the_probability_loss_follows_its_floor_and_the_logit_loss_is_exact() -> None:
    # A2 = sigmoid(30) is within 1e-13 of 1, so p (1 - p) < 1e-12: binary_cross_entropy's
    # derivative divides by the floor 1e-12 instead (as PyTorch's does), while the fused
    # loss on the logits gives the post's dZ2 = A2 - Y exactly.
    z = np.array([[30.0, -2.0]])
    y = np.array([[0.0, 1.0]])
    a = 1 / (1 + np.exp(-z))
    logits = ag.Tensor(z, requires_grad=True)
    ag.binary_cross_entropy(ag.sigmoid(logits), y, reduction="sum").backward()
    floor = np.maximum(a * (1 - a), 1e-12)
    np.testing.assert_allclose(logits.grad, (a - y) / floor * a * (1 - a), rtol=1e-9)
    assert abs(logits.grad[0, 0] - (a - y)[0, 0]) > 0.5  # visibly not the closed form
    exact = ag.Tensor(z, requires_grad=True)
    ag.binary_cross_entropy_with_logits(exact, y, reduction="sum").backward()
    np.testing.assert_allclose(exact.grad, a - y, rtol=1e-12)
