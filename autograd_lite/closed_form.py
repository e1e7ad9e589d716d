"""The tutorial's two-layer network, forward and backward, in plain NumPy.

This module is the independent reference the engine is checked against: it never
imports the rest of autograd_lite.  Notation and layout follow the post (column
convention): ``X`` is ``(n0, m)`` with one example per column, ``W1`` is ``(n1, n0)``,
``b1`` is ``(n1, 1)``, ``W2`` is ``(n2, n1)``, ``b2`` is ``(n2, 1)``, ``Y`` is ``(n2, m)``.

The output layer is a sigmoid and the loss is the binary cross-entropy summed over the
output units and averaged over the ``m`` examples::

    J = -(1/m) sum_{units, examples} [ Y log A2 + (1 - Y) log(1 - A2) ]

Two slips in the post are corrected here: the second layer reads ``Z2 = W2 A1 + b2``
(the post writes ``W2 X``), and its two ``db`` lines are ``db2`` and ``db1``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating[Any]]

ACTIVATIONS = ("sigmoid", "tanh", "relu")


class Cache(NamedTuple):
    """The forward pass's intermediate values, named as in the post."""

    Z1: Array
    A1: Array
    Z2: Array
    A2: Array


class Gradients(NamedTuple):
    """The post's backward-pass quantities (``dZ`` unscaled, ``dW`` and ``db`` averaged over m)."""

    dZ2: Array
    dW2: Array
    db2: Array
    dZ1: Array
    dW1: Array
    db1: Array


def sigmoid(z: Array) -> Array:
    """Logistic function, computed without overflow for large ``|z|``."""
    e = np.exp(-np.abs(z))
    s: Array = np.where(z >= 0, 1, e) / (1 + e)
    return s


def activation(name: str, z: Array) -> Array:
    """The hidden activation g[1](z)."""
    if name == "sigmoid":
        return sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0)
    raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")


def activation_derivative(name: str, z: Array) -> Array:
    """g[1]'(z): sigmoid' = s(1 - s), tanh' = 1 - tanh², relu' = [z > 0] (0 at the kink)."""
    if name == "sigmoid":
        s = sigmoid(z)
        return s * (1 - s)
    if name == "tanh":
        return 1 - np.tanh(z) ** 2
    if name == "relu":
        return (z > 0).astype(z.dtype)
    raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")


def two_layer_forward(params: dict[str, Array], X: Array, activation_name: str) -> Cache:
    """Forward propagation, the post's four equations.

    Z1 = W1 X + b1;  A1 = g1(Z1);  Z2 = W2 A1 + b2 (corrected);  A2 = sigmoid(Z2).
    """
    Z1 = params["W1"] @ X + params["b1"]
    A1 = activation(activation_name, Z1)
    Z2 = params["W2"] @ A1 + params["b2"]
    A2 = sigmoid(Z2)
    return Cache(Z1, A1, Z2, A2)


def two_layer_backward(
    params: dict[str, Array], cache: Cache, X: Array, Y: Array, activation_name: str
) -> Gradients:
    """Backward propagation, the post's six equations.

    dZ2 = A2 - Y                              (sigmoid output + binary cross-entropy)
    dW2 = (1/m) dZ2 A1ᵀ
    db2 = (1/m) Σ_columns dZ2                 (the post's first ``db``)
    dZ1 = W2ᵀ dZ2 * g1'(Z1)                   (``*`` elementwise)
    dW1 = (1/m) dZ1 Xᵀ
    db1 = (1/m) Σ_columns dZ1                 (the post's second ``db``)

    ``dW`` and ``db`` are the gradients of J; ``dZ2`` and ``dZ1`` are ``m`` times the
    gradients of J with respect to Z2 and Z1.
    """
    m = X.shape[1]
    dZ2 = cache.A2 - Y
    dW2 = dZ2 @ cache.A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (params["W2"].T @ dZ2) * activation_derivative(activation_name, cache.Z1)
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return Gradients(dZ2, dW2, db2, dZ1, dW1, db1)


def two_layer_loss(cache: Cache, Y: Array) -> float:
    """J, the binary cross-entropy summed over output units and averaged over examples."""
    m = Y.shape[1]
    A2 = cache.A2
    with np.errstate(divide="ignore"):
        return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log1p(-A2)) / m)
