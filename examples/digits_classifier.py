"""Classify 8x8 handwritten digits with a one-hidden-layer softmax network.

Run with ``python examples/digits_classifier.py`` after
``pip install 'autograd_lite[examples]'`` (the digits come with scikit-learn); the
training step runs through ``ag.compile``, and ``--eager`` runs it without.
"""

from __future__ import annotations

import numpy as np

import autograd_lite as ag
from autograd_lite import data, nn, optim


def accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    with ag.no_grad():
        predicted = model(X).data.argmax(axis=1)
    return float(np.mean(predicted == y))


def main(epochs: int = 10, seed: int = 0, compiled: bool = True) -> float:
    """Train and return the test accuracy; ``compiled=False`` runs the same step eagerly."""
    X, y = data.load_digits()
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.2, rng=seed)
    X_train, X_test = data.standardize(X_train, X_test)

    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(64, 64, rng=rng), nn.Tanh(), nn.Linear(64, 10, rng=rng))
    opt = optim.Adam(model.parameters(), lr=3e-3)
    loader = data.DataLoader(X_train, y_train, batch_size=32, shuffle=True, rng=seed)

    def train_step(Xb: np.ndarray, yb: np.ndarray) -> ag.Tensor:
        opt.zero_grad()
        loss = ag.cross_entropy(model(Xb), yb)
        loss.backward()
        opt.step()
        return loss

    # Traced on the first batch (and the last, shorter one), then run as NumPy code.
    step = ag.compile(train_step) if compiled else train_step
    for epoch in range(1, epochs + 1):
        model.train()
        total = 0.0
        for Xb, yb in loader:
            total += step(Xb, yb).item() * len(yb)
        model.eval()
        print(
            f"epoch {epoch:2d}  loss {total / len(y_train):.4f}  "
            f"test accuracy {accuracy(model, X_test, y_test):.4f}"
        )
    return accuracy(model, X_test, y_test)


if __name__ == "__main__":
    import sys

    main(compiled="--eager" not in sys.argv)
