"""A graph a million ops deep: no recursion anywhere, and the exact chain-rule product.

The chain alternates ``tanh`` and a multiplication by ``c`` slightly above 1, so each
element drifts towards a fixed point where the per-op derivative ``c (1 - y**2)`` is just
below 1: after 10**6 ops the gradient is neither 0 nor overflowed, and each element
of ``x`` ends up with a different value.  It is compared with the product of the
derivatives computed in plain NumPy along the same forward values.

On the reference machine (2 cores) the 10**6-op chain takes about 9 s to build and
differentiate (about 6 us per op forward, 3 us backward) and 0.6 GB of memory.
"""

from __future__ import annotations

import sys

import numpy as np

import autograd_lite as ag

N_OPS = 1_000_000
C = 1 + 1e-7
X0 = np.array([1e-4, 5e-4, 1e-3, 1e-2])


def numpy_chain_derivative(x0: np.ndarray, steps: int) -> np.ndarray:
    """d/dx0 of sum(y) for y <- c * tanh(y), repeated ``steps`` times, by the product rule."""
    y = x0.copy()
    derivative = np.ones_like(x0)
    for _ in range(steps):
        y = np.tanh(y)
        derivative *= (1 - y * y) * C
        y = y * C
    return derivative


def test_million_op_chain_differentiates_exactly() -> None:
    assert N_OPS > 100 * sys.getrecursionlimit()  # recursion could not reach the leaf
    x = ag.Tensor(X0, requires_grad=True)
    y = x
    for _ in range(N_OPS // 2):
        y = ag.tanh(y) * C
    loss = y.sum()
    loss.backward()
    expected = numpy_chain_derivative(X0, N_OPS // 2)
    assert (expected > 1e-3).all() and (expected < 2).all()  # a product far from trivial
    # The product is rounded in a different order backwards: ~1e6 roundings of 1e-16.
    np.testing.assert_allclose(x.grad, expected, rtol=1e-8)
    # Freeing the million nodes, each reached only through the next, must not overflow the
    # C stack (CPython's deallocation of nested objects is recursive but bounded).
    del y, loss
