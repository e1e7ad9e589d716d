"""The tutorial's two-layer network, built from Tensors and trained by gradient descent.

At the first step it prints the gradients autograd found next to the post's closed-form
ones (the largest absolute difference per parameter); then the loss falls as it trains.

    python examples/two_layer_network.py
"""

from __future__ import annotations

import argparse

import numpy as np

import autograd_lite as ag
from autograd_lite import closed_form

ACTIVATIONS = {"sigmoid": ag.sigmoid, "tanh": ag.tanh, "relu": ag.relu}


def make_data(m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half-moons in the post's column layout: X is (2, m), Y is (1, m)."""
    angle = rng.uniform(0, np.pi, m)
    upper = rng.random(m) < 0.5
    x = np.where(upper, np.cos(angle), 1 - np.cos(angle))
    y = np.where(upper, np.sin(angle), 0.5 - np.sin(angle))
    X = np.stack([x, y]) + rng.normal(scale=0.1, size=(2, m))
    return X, upper[None, :].astype(np.float64)


def compare_gradients(
    params: dict[str, ag.Tensor], X: np.ndarray, Y: np.ndarray, activation: str
) -> dict[str, float]:
    """Max |autograd - closed form| for each parameter (and for dZ1, dZ2 via retain_grad)."""
    m = X.shape[1]
    Z1 = params["W1"] @ X + params["b1"]
    Z1.retain_grad()
    Z2 = params["W2"] @ ACTIVATIONS[activation](Z1) + params["b2"]
    Z2.retain_grad()
    loss = ag.binary_cross_entropy_with_logits(Z2, Y, reduction="sum") / m
    loss.backward()
    arrays = {k: v.data for k, v in params.items()}
    cache = closed_form.two_layer_forward(arrays, X, activation)
    grads = closed_form.two_layer_backward(arrays, cache, X, Y, activation)
    auto = {k: v.grad for k, v in params.items()}
    auto.update(Z1=Z1.grad * m, Z2=Z2.grad * m)  # the post's dZ are m times dJ/dZ
    reference = {
        "W1": grads.dW1, "b1": grads.db1, "W2": grads.dW2, "b2": grads.db2,
        "Z1": grads.dZ1, "Z2": grads.dZ2,
    }  # fmt: skip
    for p in params.values():
        p.grad = None
    return {k: float(np.max(np.abs(auto[k] - reference[k]))) for k in reference}


def train(
    activation: str = "tanh",
    hidden: int = 8,
    steps: int = 2000,
    lr: float = 1.0,
    seed: int = 0,
    compiled: bool = True,
) -> list[float]:
    """Train the network with plain gradient descent; return the loss at every step.

    With ``compiled=True`` the step is traced once by ``ag.compile`` and then runs as the
    NumPy program it recorded; ``compiled=False`` runs it eagerly, with the same results.
    """
    rng = np.random.default_rng(seed)
    X, Y = make_data(400, rng)
    m = X.shape[1]
    params = {
        "W1": ag.Tensor(rng.normal(scale=1.0, size=(hidden, 2)), requires_grad=True),
        "b1": ag.Tensor(np.zeros((hidden, 1)), requires_grad=True),
        "W2": ag.Tensor(
            rng.normal(scale=1 / np.sqrt(hidden), size=(1, hidden)), requires_grad=True
        ),
        "b2": ag.Tensor(np.zeros((1, 1)), requires_grad=True),
    }

    print(f"gradient check at the first step ({activation} hidden layer, m = {m}):")
    print(f"  {'':4} max |autograd - closed form|")
    for name, diff in compare_gradients(params, X, Y, activation).items():
        print(f"  d{name:3} {diff:.2e}")

    act = ACTIVATIONS[activation]

    def gradient_step(X: np.ndarray, Y: np.ndarray) -> tuple[ag.Tensor, ag.Tensor]:
        Z2 = params["W2"] @ act(params["W1"] @ X + params["b1"]) + params["b2"]
        loss = ag.binary_cross_entropy_with_logits(Z2, Y, reduction="sum") / m
        loss.backward()
        for p in params.values():
            p.data -= lr * p.grad
            p.grad = None
        return loss, Z2

    run = ag.compile(gradient_step) if compiled else gradient_step
    losses = []
    for step in range(steps):
        loss, Z2 = run(X, Y)
        losses.append(loss.item())
        if step % (steps // 10) == 0 or step == steps - 1:
            accuracy = np.mean((Z2.data > 0) == (Y > 0.5))
            print(f"step {step:5d}  loss {losses[-1]:.4f}  accuracy {accuracy:.3f}")
    return losses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activation", choices=sorted(ACTIVATIONS), default="tanh")
    parser.add_argument("--hidden", type=int, default=8)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--eager", action="store_true", help="run the step without ag.compile")
    args = parser.parse_args()
    train(args.activation, args.hidden, args.steps, args.lr, compiled=not args.eager)


if __name__ == "__main__":
    main()
