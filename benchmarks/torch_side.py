"""PyTorch's figures for the same workloads, measured in a subprocess of its own.

PyTorch is for comparison only and never a dependency: :func:`measure` returns nothing
when it is not installed.  Running it in a separate process keeps its thread pools and
allocator out of the process that times autograd_lite.  Run directly
(``python -m benchmarks.torch_side``) it prints its figures as JSON.
"""

from __future__ import annotations

import importlib.util
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from .runner import OP_CHAINS, TWO_LAYER_SIZES, keep_freed_memory


def available() -> bool:
    return importlib.util.find_spec("torch") is not None


def measure(
    quick: bool = False, clock: str = "cpu", malloc: str = "keep", timeout: float = 600.0
) -> dict[str, float]:
    """Seconds per step of each workload under PyTorch eager, keyed by benchmark name.

    ``malloc="keep"`` pins the allocator in PyTorch's process as in the main one.
    """
    if not available():
        return {}
    cmd = [sys.executable, "-m", "benchmarks.torch_side", "--clock", clock]
    cmd += ["--quick"] if quick else []
    cmd += ["--keep-freed-memory"] if malloc == "keep" else []
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        sys.stderr.write(f"PyTorch side failed:\n{proc.stderr}\n")
        return {}
    return {str(k): float(v) for k, v in json.loads(proc.stdout).items()}


_clock: Callable[[], float] = time.process_time


def _median_time(step: Callable[[], Any], repeats: int, min_time: float) -> float:
    number = 1
    while True:
        t0 = _clock()
        for _ in range(number):
            step()
        if _clock() - t0 >= min_time or number >= 1 << 20:
            break
        number *= 2
    samples = []
    for _ in range(repeats):
        t0 = _clock()
        for _ in range(number):
            step()
        samples.append((_clock() - t0) / number)
    return statistics.median(samples)


def _run(quick: bool) -> dict[str, float]:
    import numpy as np
    import torch

    torch.set_num_threads(1)
    repeats, min_time = (5, 0.02) if quick else (15, 0.05)
    out: dict[str, float] = {}
    lr = 0.1

    def sgd(params: list[Any]) -> None:
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None

    for n0, n1, m, _ in TWO_LAYER_SIZES:
        large = n1 * m >= 10**6
        for dtype in (torch.float64, torch.float32):
            rng = np.random.default_rng(0)
            X = torch.tensor(rng.standard_normal((n0, m))).to(dtype)
            Y = torch.tensor((rng.random((1, m)) < 0.5).astype(np.float64)).to(dtype)
            shapes = [(n1, n0), (n1, 1), (1, n1), (1, 1)]
            params = [
                (0.1 * torch.tensor(rng.standard_normal(s))).to(dtype).requires_grad_()
                for s in shapes
            ]

            def step(params: list[Any] = params, X: Any = X, Y: Any = Y, m: int = m) -> None:
                W1, b1, W2, b2 = params
                Z2 = W2 @ torch.tanh(W1 @ X + b1) + b2
                loss = (
                    torch.nn.functional.binary_cross_entropy_with_logits(Z2, Y, reduction="sum") / m
                )
                loss.backward()
                sgd(params)

            name = f"two-layer {n0}-{n1} m={m} {str(dtype).removeprefix('torch.')}"
            out[name] = _median_time(step, 3 if large else repeats, 0.0 if large else min_time)

    for dtype in (torch.float64, torch.float32):
        rng = np.random.default_rng(0)
        X = torch.tensor(rng.standard_normal((128, 64))).to(dtype)
        labels = torch.tensor(rng.integers(0, 10, size=128))
        params = [
            (0.1 * torch.tensor(rng.standard_normal(s))).to(dtype).requires_grad_()
            for s in [(64, 128), (128,), (128, 10), (10,)]
        ]

        def mlp(params: list[Any] = params, X: Any = X, labels: Any = labels) -> None:
            W1, b1, W2, b2 = params
            logits = torch.relu(X @ W1 + b1) @ W2 + b2
            torch.nn.functional.cross_entropy(logits, labels).backward()
            sgd(params)

        name = f"softmax MLP 64-128-10 batch=128 {str(dtype).removeprefix('torch.')}"
        out[name] = _median_time(mlp, repeats, min_time)

    from . import workloads

    for dtype in (torch.float64, torch.float32):
        for name, batch, c_in, c_out, size in workloads.CONV2D_SHAPES:
            rng = np.random.default_rng(0)
            x = torch.tensor(rng.standard_normal((batch, c_in, size, size))).to(dtype)
            x.requires_grad_()
            g = (torch.randn(batch, c_out, size, size) / (batch * size * size)).to(dtype)
            k = 1 / np.sqrt(9 * c_in)
            params = [
                torch.tensor(rng.uniform(-k, k, s)).to(dtype).requires_grad_()
                for s in [(c_out, c_in, 3, 3), (c_out,)]
            ]

            def conv(params: list[Any] = params, x: Any = x, g: Any = g) -> None:
                torch.nn.functional.conv2d(x, params[0], params[1], padding=1).backward(g)
                x.grad = None
                sgd(params)

            suffix = "" if dtype == torch.float64 else " float32"
            out[name + suffix] = _median_time(conv, repeats, min_time)

    for dtype in (torch.float64, torch.float32):
        for name, batch, length, width, heads in workloads.ATTENTION_SHAPES:
            layer = torch.nn.MultiheadAttention(width, heads, batch_first=True).to(dtype)
            x = torch.randn(batch, length, width, dtype=dtype, requires_grad=True)
            g = torch.randn(batch, length, width, dtype=dtype) / x.numel()
            causal = torch.triu(torch.ones(length, length, dtype=torch.bool), 1)
            params = list(layer.parameters())

            def attend(
                layer: Any = layer,
                x: Any = x,
                g: Any = g,
                causal: Any = causal,
                params: Any = params,
            ) -> None:
                y, _ = layer(x, x, x, need_weights=False, attn_mask=causal)
                y.backward(g)
                x.grad = None
                sgd(params)

            suffix = "" if dtype == torch.float64 else " float32"
            out[name + suffix] = _median_time(attend, repeats, min_time)

    for length, both, _ in OP_CHAINS:
        x = torch.randn(4, dtype=torch.float64, requires_grad=True)
        c = (1 + 0.01 * torch.randn(4, dtype=torch.float64)).requires_grad_(both)
        g = torch.ones(4, dtype=torch.float64)

        def chain(length: int = length, x: Any = x, c: Any = c, g: Any = g) -> None:
            z = x
            for _ in range(length):
                z = z * c
            z.backward(g)
            x.grad = None
            c.grad = None

        out[workloads.op_chain_name(length, both)] = _median_time(chain, repeats, min_time) / length

    return out


def main() -> None:
    global _clock
    from threadpoolctl import threadpool_limits

    if "--clock" in sys.argv:
        _clock = {"cpu": time.process_time, "wall": time.perf_counter}[
            sys.argv[sys.argv.index("--clock") + 1]
        ]
    if "--keep-freed-memory" in sys.argv:
        keep_freed_memory()
    with threadpool_limits(limits=1, user_api="blas"):
        print(json.dumps(_run("--quick" in sys.argv[1:])))


if __name__ == "__main__":
    main()
