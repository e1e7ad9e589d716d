"""What a machine with a GPU runs: autograd_lite on CuPy, checked and timed in a few minutes.

    python benchmarks/gpu_check.py --out results/          # CuPy, the default
    python benchmarks/gpu_check.py --library array_api_strict --quick --out /tmp/r   # on CPU

Each stage writes ``<out>/<stage>.json`` as soon as it finishes, so a run cut short still
leaves what it measured:

1. ``conformance``: every row of the op table (``tests/op_table.py``) on the library's
   float64 arrays against NumPy: value, gradient and result type; rows that raise are
   listed with their error.
2. ``scatter_add``: the gradient of indexing with repeated indices (``x[[0, 2, 0]]``).
3. ``no_host_transfer``: a training step of the post's network under
   ``cupyx.allow_synchronize(False)``, so a hidden copy to the host fails it (CuPy only).
4. ``step_times``: the S/M/L steps of ``benchmarks/backends.py`` (GPU time on CuPy).
5. ``models``: one step of an MLP, a small CNN and a transformer block on the library,
   against the same step on NumPy (loss and every gradient).
6. ``memory_pool``: CuPy's memory pool after the steps (used and held bytes).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from typing import Any

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import autograd_lite as ag  # noqa: E402
from benchmarks import backends  # noqa: E402


def _write(out: str, stage: str, result: Any) -> None:
    with open(os.path.join(out, f"{stage}.json"), "w") as f:
        json.dump(result, f, indent=1, default=str)
    print(f"{stage}: written", file=sys.stderr)


def conformance(library: str, quick: bool) -> dict[str, Any]:
    from tests.op_table import OPS
    from tests.test_array_api import _default_inputs

    xp = backends.namespace(library)
    array_type = type(xp.asarray(0.0))
    passed, failed = [], {}
    for case in OPS[:40] if quick else OPS:
        try:
            arrays = _default_inputs(case) if case.shapes is None else None
            if arrays is None:
                from hypothesis import HealthCheck, Phase, find, settings

                from tests.test_ops import op_inputs

                arrays = find(op_inputs(case), lambda a: True, settings=settings(
                    database=None, derandomize=True, phases=[Phase.generate],
                    suppress_health_check=list(HealthCheck)))  # fmt: skip
            expected = case.fn(*[ag.Tensor(a) for a in arrays])
            ours = [ag.Tensor(xp.asarray(a), requires_grad=True) for a in arrays]
            out = case.fn(*ours)
            if type(out.data) is not array_type:
                raise TypeError(f"result is a {type(out.data)}")
            np.testing.assert_allclose(out.numpy(), expected.data, rtol=1e-10, atol=1e-12)
            weights = np.random.default_rng(1).uniform(-1, 1, size=expected.shape)
            plain = [ag.Tensor(a, requires_grad=True) for a in arrays]
            (case.fn(*plain) * weights).sum().backward()
            (out * ag.Tensor(xp.asarray(weights))).sum().backward()
            for t, p in zip(ours, plain):
                if type(t.grad) is not array_type:
                    raise TypeError(f"gradient is a {type(t.grad)}")
                np.testing.assert_allclose(backends.host(t.grad), p.grad, rtol=1e-9, atol=1e-12)
            passed.append(case.name)
        except Exception as exc:
            failed[case.name] = f"{type(exc).__name__}: {str(exc)[:200]}"
    return {"library": library, "passed": len(passed), "failed": len(failed),
            "passed_ops": passed, "failures": failed}  # fmt: skip


def scatter_add(library: str) -> dict[str, Any]:
    xp = backends.namespace(library)
    x = ag.Tensor(xp.asarray([1.0, 2.0, 3.0, 4.0]), requires_grad=True)
    index = xp.asarray([0, 2, 0, 0])
    y = ag.Tensor(xp.asarray([1.0, 10.0, 100.0, 1000.0]))
    (x[index] * y).sum().backward()
    got = backends.host(x.grad)
    expected = np.array([1101.0, 0.0, 10.0, 0.0])
    return {"gradient": got.tolist(), "expected": expected.tolist(),
            "ok": bool(np.array_equal(got, expected))}  # fmt: skip


def no_host_transfer(library: str) -> dict[str, Any]:
    if library != "cupy":
        return {"skipped": "needs CuPy (cupyx.allow_synchronize)"}
    import cupy
    import cupyx

    pair = backends.two_layer_pair(cupy, 784, 128, 256, cupy.float64)
    pair.autograd_step()  # the first call makes the ops' variants
    cupy.cuda.get_current_stream().synchronize()
    try:
        with cupyx.allow_synchronize(False):
            for _ in range(3):
                pair.autograd_step()
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}",
                "where": traceback.format_exc(limit=-6)}  # fmt: skip


def _models() -> dict[str, Any]:
    nn = ag.nn
    rng = np.random.default_rng(0)
    return {
        "mlp": (lambda: nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)),
                rng.normal(size=(16, 64)), rng.integers(0, 10, 16)),
        "cnn": (lambda: nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Flatten(), nn.Linear(8 * 4 * 4, 10)),
                rng.normal(size=(16, 1, 8, 8)), rng.integers(0, 10, 16)),
        "transformer block": (lambda: _Block(), rng.normal(size=(4, 6, 16)), None),
    }  # fmt: skip


class _Block(ag.nn.Module):
    """A pre-norm transformer block (causal attention, GELU MLP), as in the tiny transformer."""

    def __init__(self) -> None:
        super().__init__()
        nn = ag.nn
        self.norm1, self.norm2 = nn.LayerNorm(16), nn.LayerNorm(16)
        self.attention = nn.MultiheadAttention(16, 4, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.Linear(32, 16))

    def forward(self, x: Any) -> Any:
        h = self.norm1(x)
        x = x + self.attention(h, h, h, is_causal=True, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


def models(library: str) -> dict[str, Any]:
    """One training step of each model on the library's arrays, against the NumPy step."""
    xp = backends.namespace(library)
    results: dict[str, Any] = {}
    for name, (make, x, labels) in _models().items():
        try:
            losses = []
            for lib in ("numpy", library):
                model = make()
                data = ag.Tensor(x) if lib == "numpy" else ag.Tensor(xp.asarray(x))
                if lib != "numpy":
                    for p in model.parameters():
                        p.data = xp.asarray(p.data)
                out = model(data)
                if labels is None:
                    loss = (out * out).mean()
                else:
                    t = labels if lib == "numpy" else xp.asarray(labels)
                    loss = ag.cross_entropy(out, t)
                loss.backward()
                grads = [backends.host(p.grad) for p in model.parameters()]
                losses.append((float(backends.host(loss.data)), grads))
            (a, ga), (b, gb) = losses
            same = abs(a - b) <= 1e-9 * abs(a) and all(
                np.allclose(u, v, rtol=1e-8, atol=1e-12) for u, v in zip(ga, gb)
            )
            results[name] = {"ok": bool(same), "loss": [a, b]}
        except Exception as exc:
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    return results


def memory_pool(library: str) -> dict[str, Any]:
    if library != "cupy":
        return {"skipped": "needs CuPy"}
    import cupy

    pool = cupy.get_default_memory_pool()
    return {"used_bytes": pool.used_bytes(), "total_bytes": pool.total_bytes()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", default="cupy")
    parser.add_argument("--out", default="gpu_check_results")
    parser.add_argument("--quick", action="store_true", help="40 op rows, no L step")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    start = time.perf_counter()
    stages = [
        ("conformance", lambda: conformance(args.library, args.quick)),
        ("scatter_add", lambda: scatter_add(args.library)),
        ("no_host_transfer", lambda: no_host_transfer(args.library)),
        ("models", lambda: models(args.library)),
        ("step_times", lambda: backends.rows(args.library, quick=args.quick)),
        ("memory_pool", lambda: memory_pool(args.library)),
    ]
    for stage, run in stages:
        t0 = time.perf_counter()
        try:
            result: Any = run()
        except Exception as exc:
            result = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
        _write(args.out, stage, {"seconds": time.perf_counter() - t0, "result": result})
    print(f"done in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
