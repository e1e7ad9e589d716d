"""Random parameters and data for the post's two-layer network, shared by the tests."""

from __future__ import annotations

import numpy as np


def random_network(
    rng: np.random.Generator, n0: int, n1: int, n2: int, m: int
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Normal ``W1 b1 W2 b2`` in column convention, ``X`` of shape ``(n0, m)``, 0/1 ``Y``."""
    params = {
        "W1": rng.normal(size=(n1, n0)),
        "b1": rng.normal(size=(n1, 1)),
        "W2": rng.normal(size=(n2, n1)),
        "b2": rng.normal(size=(n2, 1)),
    }
    X = rng.normal(size=(n0, m))
    Y = (rng.random((n2, m)) < 0.5).astype(np.float64)
    return params, X, Y
