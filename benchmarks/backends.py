"""The post's training step on another array library: autograd_lite against hand-written code.

``python -m benchmarks --backend cupy`` prints these rows; ``benchmarks/gpu_check.py``
uses them for its step times.  Both sides run the same SGD step of the two-layer network
(tanh hidden layer, sigmoid output, binary cross-entropy) on the library's arrays: one
through Tensors, one written out with the post's closed-form gradients in the library's
Array API namespace.  CuPy is timed with ``cupyx.profiler.benchmark`` (GPU time); any
other library by the wall clock, with the device synchronised around each step.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import autograd_lite as ag

# (features, hidden units, examples): the S/M/L steps.
SIZES = {"S": (30, 16, 64), "M": (784, 128, 256), "L": (784, 1024, 4096)}


def namespace(library: str) -> Any:
    """The Array API namespace of ``library`` ("cupy", "torch", "array_api_strict")."""
    if library == "torch":
        from array_api_compat import torch as xp

        return xp
    return importlib.import_module(library)


@dataclass
class StepPair:
    """One SGD step two ways, on the same starting parameters, and a check that they agree."""

    autograd_step: Callable[[], None]
    hand_step: Callable[[], None]
    autograd_params: list[Any]
    hand_params: list[Any]


def two_layer_pair(xp: Any, n0: int, n1: int, m: int, dtype: Any, lr: float = 0.1) -> StepPair:
    rng = np.random.default_rng(0)
    start = [rng.normal(size=(n1, n0)) * 0.1, np.zeros((n1, 1)), rng.normal(size=(1, n1)) * 0.1,
             np.zeros((1, 1))]  # fmt: skip
    X = xp.asarray(rng.normal(size=(n0, m)), dtype=dtype)
    Y = xp.asarray((rng.random((1, m)) < 0.5).astype(np.float64), dtype=dtype)
    tensors = [ag.Tensor(xp.asarray(p, dtype=dtype, copy=True), requires_grad=True) for p in start]
    hand = [xp.asarray(p, dtype=dtype, copy=True) for p in start]
    Xt, Yt = ag.Tensor(X), ag.Tensor(Y)

    def autograd_step() -> None:
        W1, b1, W2, b2 = tensors
        A2 = ag.sigmoid(W2 @ ag.tanh(W1 @ Xt + b1) + b2)
        loss = ag.binary_cross_entropy(A2, Yt, reduction="sum") / m
        loss.backward()
        with ag.no_grad():
            for t in tensors:
                t -= lr * ag.Tensor(t.grad)
                t.grad = None

    def hand_step() -> None:
        W1, b1, W2, b2 = hand
        A1 = xp.tanh(W1 @ X + b1)
        A2 = 1 / (1 + xp.exp(-(W2 @ A1 + b2)))
        dZ2 = A2 - Y
        dW2 = dZ2 @ xp.matrix_transpose(A1) / m
        db2 = xp.sum(dZ2, axis=1, keepdims=True) / m
        dZ1 = (xp.matrix_transpose(W2) @ dZ2) * (1 - A1 * A1)
        dW1 = dZ1 @ xp.matrix_transpose(X) / m
        db1 = xp.sum(dZ1, axis=1, keepdims=True) / m
        hand[:] = [W1 - lr * dW1, b1 - lr * db1, W2 - lr * dW2, b2 - lr * db2]

    return StepPair(autograd_step, hand_step, tensors, hand)


def host(a: Any) -> np.ndarray:
    """A NumPy copy of an array of any library (or of a Tensor's data)."""
    return (a if isinstance(a, ag.Tensor) else ag.Tensor(a)).numpy()


def check(pair: StepPair, steps: int = 3, rtol: float = 1e-9) -> None:
    """Both sides take ``steps`` steps and end with the same parameters."""
    for _ in range(steps):
        pair.autograd_step()
        pair.hand_step()
    for a, b in zip(pair.autograd_params, pair.hand_params):
        np.testing.assert_allclose(host(a), host(b), rtol=rtol, atol=1e-12)


def sync(library: str) -> None:
    if library == "cupy":
        import cupy

        cupy.cuda.get_current_stream().synchronize()
    elif library == "torch":
        import torch

        if torch.cuda.is_available():
            torch.cuda.synchronize()


def time_step(library: str, step: Callable[[], None], repeat: int) -> float:
    """Seconds per call of ``step``: GPU time on CuPy, synchronised wall time elsewhere."""
    if library == "cupy":
        from cupyx.profiler import benchmark

        result = benchmark(step, n_repeat=repeat, n_warmup=3)
        return float(np.median(result.gpu_times))
    step()
    sync(library)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        step()
        sync(library)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def rows(
    library: str, quick: bool = False, sizes: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The S/M/L step times of both sides, float64 and float32, with their ratio."""
    xp = namespace(library)
    out = []
    for label, (n0, n1, m) in (sizes or SIZES).items():
        if quick and label == "L":
            continue
        for dtype in (xp.float64, xp.float32):
            pair = two_layer_pair(xp, n0, n1, m, dtype)
            check(pair, rtol=1e-9 if dtype == xp.float64 else 1e-4)
            repeat = 20 if quick else 100
            ours = time_step(library, pair.autograd_step, repeat)
            hand = time_step(library, pair.hand_step, repeat)
            out.append({
                "name": f"two-layer {label} {n0}-{n1} m={m} {str(dtype).split('.')[-1]}",
                "library": library, "autograd_s": ours, "hand_s": hand, "ratio": ours / hand,
            })  # fmt: skip
    return out


def format_rows(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| step | library | autograd_lite | hand-written | ratio |",
        "|---|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['library']} | {r['autograd_s'] * 1e6:.1f} us | "
            f"{r['hand_s'] * 1e6:.1f} us | {r['ratio']:.3f}x |"
        )
    return "\n".join(lines)
