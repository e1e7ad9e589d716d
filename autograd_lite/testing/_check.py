"""Central finite differences against reverse-mode gradients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._mode import no_grad
from .._tensor import Tensor


def _scalar_of(f: Callable[..., Any], arrays: list[NDArray[Any]]) -> float:
    with no_grad():
        out = f(*[Tensor(a) for a in arrays])
    data = out.data if isinstance(out, Tensor) else np.asarray(out)
    if data.size != 1:
        raise ValueError(f"check_grad: f must return one element, got shape {data.shape}")
    return float(data.reshape(()))


def numerical_grad(
    f: Callable[..., Any], *inputs: Any, eps: float = 1e-6
) -> list[NDArray[np.float64]]:
    """Central finite differences ``(f(x + eps e_i) - f(x - eps e_i)) / 2 eps`` for every input.

    ``f`` takes Tensors and returns a one-element Tensor; it is evaluated in float64.
    """
    arrays = [np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64) for x in inputs]
    grads = []
    for a in arrays:
        grad = np.zeros_like(a)
        flat, gflat = a.reshape(-1), grad.reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            up = _scalar_of(f, arrays)
            flat[i] = orig - eps
            down = _scalar_of(f, arrays)
            flat[i] = orig
            gflat[i] = (up - down) / (2 * eps)
        grads.append(grad)
    return grads


def check_grad(
    f: Callable[..., Any],
    *inputs: Any,
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> None:
    """Assert that autograd's gradient of ``f`` matches central finite differences.

    ``f`` takes one Tensor per input and returns a one-element Tensor.  Every input is
    converted to float64 and differentiated.  On a mismatch an ``AssertionError`` reports,
    per input, the worst element, both values and their difference.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> from autograd_lite.testing import check_grad
    >>> check_grad(lambda x: (x * x).sum(), np.array([1.0, 2.0]))
    """
    arrays = [np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64) for x in inputs]
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = f(*tensors)
    if not isinstance(out, Tensor) or out.size != 1:
        raise ValueError("check_grad: f must return a one-element Tensor")
    if out.requires_grad:
        out.backward()
    numeric = numerical_grad(f, *arrays, eps=eps)
    problems = []
    for k, (t, num) in enumerate(zip(tensors, numeric)):
        analytic = np.zeros_like(num) if t.grad is None else t.grad
        bad = ~np.isclose(analytic, num, rtol=rtol, atol=atol, equal_nan=False)
        if bad.any():
            diff = np.abs(analytic - num)
            worst = np.unravel_index(np.argmax(np.where(bad, diff, -1)), diff.shape)
            problems.append(
                f"input {k} (shape {num.shape}): {int(bad.sum())} of {num.size} elements differ; "
                f"worst at index {tuple(int(i) for i in worst)}: autograd {analytic[worst]!r}, "
                f"finite differences {num[worst]!r}, |difference| {diff[worst]:.3e} "
                f"(rtol={rtol}, atol={atol})"
            )
    if problems:
        raise AssertionError("gradient check failed:\n  " + "\n  ".join(problems))
