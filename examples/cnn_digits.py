"""A small convolutional network on the 8x8 handwritten digits.

Two 3x3 convolutions (32 and 64 channels, ReLU), a 2x2 max pool and two linear layers,
trained with Adam under a cosine learning-rate schedule on images shifted at random by
up to one pixel.  The training step runs through ``ag.compile``.

Run with ``python examples/cnn_digits.py`` (one seed) or ``--seeds 5`` (the mean over
five seeds), after ``pip install 'autograd_lite[examples]'``; ``--eager`` runs the step
without compiling it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import autograd_lite as ag
from autograd_lite import data, nn, optim


def make_model(rng: np.random.Generator, channels: tuple[int, int] = (32, 64)) -> nn.Module:
    """``(N, 1, 8, 8)`` images to ``(N, 10)`` logits."""
    a, b = channels
    return nn.Sequential(
        nn.Conv2d(1, a, 3, padding=1, rng=rng),
        nn.ReLU(),
        nn.Conv2d(a, b, 3, padding=1, rng=rng),
        nn.ReLU(),
        nn.MaxPool2d(2),  # 8x8 -> 4x4
        nn.Flatten(),
        nn.Linear(b * 4 * 4, 128, rng=rng),
        nn.ReLU(),
        nn.Linear(128, 10, rng=rng),
    )


def shifted(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each ``(1, 8, 8)`` image moved by -1, 0 or 1 pixel along each axis (zeros shifted in)."""
    n = len(images)
    padded = np.pad(images[:, 0], ((0, 0), (1, 1), (1, 1)))
    dy, dx = rng.integers(0, 3, (2, n))
    rows = (dy[:, None] + np.arange(8))[:, :, None]
    cols = (dx[:, None] + np.arange(8))[:, None, :]
    return padded[np.arange(n)[:, None, None], rows, cols][:, None]


def accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    model.eval()
    with ag.no_grad():
        predicted = model(X).data.argmax(axis=1)
    model.train()
    return float(np.mean(predicted == y))


def main(
    epochs: int = 40,
    seed: int = 0,
    compiled: bool = True,
    channels: tuple[int, int] = (32, 64),
    verbose: bool = True,
) -> float:
    """Train on 80% of the digits and return the accuracy on the other 20%."""
    X, y = data.load_digits()
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.2, rng=seed)
    X_train = (X_train / 16.0).reshape(-1, 1, 8, 8)  # pixel values are 0..16
    X_test = (X_test / 16.0).reshape(-1, 1, 8, 8)

    rng = np.random.default_rng(seed)
    model = make_model(rng, channels)
    opt = optim.Adam(model.parameters(), lr=2e-3)
    schedule = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    loader = data.DataLoader(X_train, y_train, batch_size=32, shuffle=True, rng=seed)

    def train_step(Xb: np.ndarray, yb: np.ndarray) -> ag.Tensor:
        opt.zero_grad()
        loss = ag.cross_entropy(model(Xb), yb)
        loss.backward()
        opt.step()
        return loss

    step = ag.compile(train_step) if compiled else train_step
    for epoch in range(1, epochs + 1):
        total = 0.0
        for Xb, yb in loader:
            total += step(shifted(Xb, rng), yb).item() * len(yb)
        schedule.step()
        if verbose and (epoch % 10 == 0 or epoch == epochs):
            print(
                f"epoch {epoch:3d}  loss {total / len(y_train):.4f}  "
                f"test accuracy {accuracy(model, X_test, y_test):.4f}"
            )
    return accuracy(model, X_test, y_test)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1, help="train with seeds 0, 1, ...")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--eager", action="store_true", help="do not compile the step")
    args = parser.parse_args()
    results = []
    for s in range(args.seeds):
        start = time.perf_counter()
        acc = main(args.epochs, seed=s, compiled=not args.eager, verbose=args.seeds == 1)
        results.append(acc)
        print(f"seed {s}: test accuracy {acc:.4f} in {time.perf_counter() - start:.1f} s")
    if args.seeds > 1:
        print(f"mean {np.mean(results):.4f}, lowest {np.min(results):.4f}")
