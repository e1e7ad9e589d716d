"""Timing, memory measurement and the results table.

Method: every pair is checked once for agreement, warmed up, then timed in alternating
samples (A B B A A B ...) so that drift in the machine's speed hits both sides alike.
A sample runs enough steps to last ``min_time``; the reported time is the median over
samples of the time per step, and the ratio is autograd_lite's median over NumPy's.
BLAS is pinned to one thread for the whole run.  The garbage collector stays enabled,
as in real use.

The clock is the process's CPU time by default (``time.process_time``): with BLAS on one
thread it equals the elapsed time on an idle machine, and it does not count the time
slices that other processes take on a busy one.  ``clock="wall"`` uses
``time.perf_counter`` instead.

The command line also pins glibc's allocator (:func:`keep_freed_memory`), as it pins BLAS.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from . import workloads

# (n0, n1, m, target ratio): the tutorial network at three sizes.
TWO_LAYER_SIZES = [
    (784, 1024, 4096, 1.03),
    (784, 128, 256, 1.05),
    (30, 16, 64, 2.0),
]
SOFTMAX_TARGET = 1.3
COMPILED_TARGET = 1.0  # every compiled training step, against the hand-written one
COMPILED_CHAIN_TARGET = 1.2
LAYER_TARGET = 1.1  # a conv2d or attention layer, against its hand-written NumPy formulation
OP_TARGET_US = 2.5
CHAIN_LENGTH = 100
DEEP_LENGTHS = [10**4, 10**5, 10**6]
DEEP_TARGET = 1.3
MEMORY_TARGET = 1.0
FLAT_STEPS = 1000
FLAT_SLACK_BYTES = 64 * 1024


@dataclass
class Result:
    """One row of the table.

    ``autograd`` and ``numpy`` are seconds per step (``unit="s"``) or bytes
    (``unit="B"``); ``ratio`` is what ``target`` bounds; ``torch`` is PyTorch's figure in
    the same unit as ``ratio`` when it was measured.
    """

    name: str
    unit: str
    autograd: float | None
    numpy: float | None
    ratio: float | None
    target: float | None
    met: bool | None
    torch: float | None = None
    note: str = ""
    samples: dict[str, list[float]] = field(default_factory=dict)


CLOCKS: dict[str, Callable[[], float]] = {"cpu": time.process_time, "wall": time.perf_counter}


@dataclass
class Config:
    """How long to measure.  ``quick`` skips the largest sizes and takes fewer samples."""

    quick: bool = False
    repeats: int = 15
    min_time: float = 0.05
    only: Iterable[str] | None = None  # substrings of benchmark names to keep
    clock: str = "cpu"  # or "wall"

    def __post_init__(self) -> None:
        if self.quick:
            self.repeats = min(self.repeats, 5)
            self.min_time = min(self.min_time, 0.02)

    def timer(self) -> Callable[[], float]:
        if self.clock not in CLOCKS:
            raise ValueError(f"clock must be one of {sorted(CLOCKS)}, got {self.clock!r}")
        return CLOCKS[self.clock]

    def wants(self, name: str) -> bool:
        return self.only is None or any(s in name for s in self.only)


# --------------------------------------------------------------------------- the allocator
_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD_MAX = 32 * 2**20  # the largest glibc accepts on 64-bit machines


def keep_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed memory for reuse rather than hand it back at once.

    By default glibc returns memory to the kernel by heuristics that depend on the heap's
    history, and a step's temporaries of 128 KiB and more may then be faulted in afresh
    on every step: importing ``numpy.testing`` alone once made the hand-written softmax-MLP
    step take 94 page faults per step and twice its time.  Which side of a comparison
    that hits is an accident of the process, not a property of the code, so the
    benchmarks pin the allocator as they pin BLAS.  Returns whether it took effect
    (not on other C libraries).
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX)) and bool(
        mallopt(_M_TRIM_THRESHOLD, 2**30)
    )


# --------------------------------------------------------------------------- timing
def pinned_blas() -> contextlib.AbstractContextManager[Any]:
    """BLAS limited to one thread (threadpoolctl, the ``bench`` extra), if installed."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _calibrate(step: Callable[[], Any], min_time: float, clock: Callable[[], float]) -> int:
    """How many calls of ``step`` one sample needs to last at least ``min_time``."""
    number = 1
    while True:
        t0 = clock()
        for _ in range(number):
            step()
        elapsed = clock() - t0
        if elapsed >= min_time or number >= 1 << 20:
            return number
        number = max(number * 2, int(number * min_time / max(elapsed, 1e-9) * 1.2))


def _sample(step: Callable[[], Any], number: int, clock: Callable[[], float]) -> float:
    t0 = clock()
    for _ in range(number):
        step()
    return (clock() - t0) / number


def time_interleaved(
    a: Callable[[], Any],
    b: Callable[[], Any],
    repeats: int,
    min_time: float,
    clock: Callable[[], float] = time.process_time,
) -> tuple[list[float], list[float]]:
    """Seconds per call of ``a`` and of ``b``, sampled alternately (A B B A A B ...)."""
    na, nb = _calibrate(a, min_time, clock), _calibrate(b, min_time, clock)
    ta: list[float] = []
    tb: list[float] = []
    for i in range(repeats):
        if i % 2 == 0:
            ta.append(_sample(a, na, clock))
            tb.append(_sample(b, nb, clock))
        else:
            tb.append(_sample(b, nb, clock))
            ta.append(_sample(a, na, clock))
    return ta, tb


def run_pair(pair: workloads.Pair, target: float | None, config: Config) -> Result:
    """Check that both sides agree, then time them interleaved."""
    pair.check()
    for _ in range(2):
        pair.autograd_step()
        pair.numpy_step()
    ta, tb = time_interleaved(
        pair.autograd_step, pair.numpy_step, config.repeats, config.min_time, config.timer()
    )
    return _ratio_result(pair.name, ta, tb, target)


def _ratio_result(name: str, ta: list[float], tb: list[float], target: float | None) -> Result:
    ma, mb = statistics.median(ta), statistics.median(tb)
    ratio = ma / mb
    pairwise = sorted(x / y for x, y in zip(ta, tb, strict=True))
    q1, q3 = pairwise[len(pairwise) // 4], pairwise[(3 * len(pairwise)) // 4]
    return Result(
        name=name,
        unit="s",
        autograd=ma,
        numpy=mb,
        ratio=ratio,
        target=target,
        met=None if target is None else ratio <= target,
        note=f"sample ratios {q1:.3f}-{q3:.3f} (quartiles)",
        samples={"autograd": ta, "numpy": tb},
    )


# --------------------------------------------------------------------------- engine overhead
# (length, both inputs require grad, target in us): the target is for the op with one
# input to differentiate, whose hand-written forward and backward are two NumPy calls.
OP_CHAINS = [(CHAIN_LENGTH, False, OP_TARGET_US), (CHAIN_LENGTH, True, None), (1, True, None)]


def run_op_overhead(config: Config) -> list[Result]:
    """Per-op cost of multiplies on ``(4,)`` arrays, forward plus backward, against by hand."""
    results = []
    for length, both, target in OP_CHAINS:
        pair = workloads.op_chain(length, both=both)
        pair.check()
        ta, tb = time_interleaved(
            pair.autograd_step, pair.numpy_step, config.repeats, config.min_time, config.timer()
        )
        per_op = statistics.median(ta) / length
        results.append(
            Result(
                name=pair.name,
                unit="us",
                autograd=per_op,
                numpy=statistics.median(tb) / length,
                ratio=per_op * 1e6,
                target=target,
                met=None if target is None else per_op * 1e6 <= target,
                note="us per op, forward+backward, both columns",
                samples={"autograd": ta, "numpy": tb},
            )
        )
    return results


def run_deep_chains(config: Config) -> list[Result]:
    """Per-node cost of a chain of tanh ops, forward plus backward, at growing depth."""
    lengths = [n for n in DEEP_LENGTHS if not (config.quick and n >= 10**6)]
    results: list[Result] = []
    base: float | None = None
    clock = config.timer()
    for n in lengths:
        forward, backward = workloads.tanh_chain(n)
        repeats = max(1, min(config.repeats, int(3 * 10**6 // n)))
        if config.quick:
            repeats = min(repeats, 3)
        run: list[float] = []
        release: list[float] = []
        for _ in range(repeats):
            gc.collect()
            t0 = clock()
            root = forward()
            backward(root)
            t1 = clock()
            del root
            t2 = clock()
            run.append((t1 - t0) / n)
            release.append((t2 - t1) / n)
        per_node = statistics.median(run)
        if base is None:
            base = per_node
        ratio = per_node / base
        results.append(
            Result(
                name=f"tanh chain {n:.0e} nodes".replace("+0", ""),
                unit="us",
                autograd=per_node,
                numpy=None,
                ratio=ratio,
                target=None if n == lengths[0] else DEEP_TARGET,
                met=None if n == lengths[0] else ratio <= DEEP_TARGET,
                note=(
                    f"{per_node * 1e6:.2f} us/node fwd+bwd, "
                    f"{statistics.median(release) * 1e6:.2f} us/node freeing; ratio to 1e4"
                ),
                samples={"autograd": run, "release": release},
            )
        )
    return results


def run_trace_time() -> Result:
    """How long ``ag.compile`` takes to trace the post's training step (30-16, m=64)."""
    pair = workloads.two_layer(30, 16, 64, compiled=True)
    t0 = time.perf_counter()
    pair.autograd_step()  # the first call: trace, then one run of the program
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    pair.autograd_step()
    later = time.perf_counter() - t0
    return Result(
        name="trace time, two-layer 30-16 m=64 step",
        unit="s",
        autograd=first,
        numpy=None,
        ratio=None,
        target=None,
        met=None,
        note=f"first call (trace + run) {first * 1e3:.1f} ms, a later call {later * 1e6:.0f} us",
    )


# --------------------------------------------------------------------------- memory
def _peak_bytes(step: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        step()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def run_peak_memory(n0: int, n1: int, m: int) -> Result:
    """Peak traced memory (NumPy reports its buffers to tracemalloc) of one step."""
    pair = workloads.two_layer(n0, n1, m)
    pair.check()
    a = _peak_bytes(pair.autograd_step)
    b = _peak_bytes(pair.numpy_step)
    return Result(
        name=f"peak memory, one step {n0}-{n1} m={m}",
        unit="B",
        autograd=a,
        numpy=b,
        ratio=a / b,
        target=MEMORY_TARGET,
        met=a / b <= MEMORY_TARGET,
        note=f"{a / 2**20:.1f} MiB vs {b / 2**20:.1f} MiB",
    )


def run_flat_memory(steps: int) -> Result:
    """Traced memory after ``steps`` small steps, less what it was after the warm-up."""
    pair = workloads.two_layer(30, 16, 64)
    pair.check()
    growth = []
    for side in (pair.autograd_step, pair.numpy_step):
        for _ in range(10):
            side()
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(steps):
                side()
            gc.collect()
            growth.append(tracemalloc.get_traced_memory()[0] - before)
        finally:
            tracemalloc.stop()
    a, b = growth
    return Result(
        name=f"memory growth over {steps} small steps",
        unit="B",
        autograd=a,
        numpy=b,
        ratio=None,
        target=None,
        met=a <= FLAT_SLACK_BYTES,
        note=f"bytes retained: {a} vs {b} (flat: <= {FLAT_SLACK_BYTES})",
    )


# --------------------------------------------------------------------------- the suite
def blas_info() -> list[dict[str, Any]]:
    """The BLAS libraries NumPy loaded, as threadpoolctl sees them (empty without it)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [
        {
            k: v
            for k, v in d.items()
            if k in ("internal_api", "architecture", "version", "num_threads")
        }
        for d in threadpool_info()
        if d.get("user_api") == "blas"
    ]


def machine_info() -> dict[str, Any]:
    with pinned_blas():
        blas = blas_info()
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "processor": _cpu_name(),
        "cpus": os.cpu_count(),
        "blas": blas,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
    }


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def run_suite(
    config: Config | None = None, log: Callable[[str], None] | None = None
) -> list[Result]:
    """Run every benchmark that ``config`` selects, with BLAS pinned to one thread."""
    config = config or Config()
    say = log or (lambda s: None)
    results: list[Result] = []
    with pinned_blas():
        for n0, n1, m, target in TWO_LAYER_SIZES:
            large = n1 * m >= 10**6
            for dtype in (np.float64, np.float32):
                pair_name = f"two-layer {n0}-{n1} m={m} {np.dtype(dtype).name}"
                if not config.wants(pair_name):
                    continue
                cfg = config
                if large:
                    cfg = Config(
                        repeats=3 if config.quick else max(5, config.repeats // 2),
                        min_time=0.0,
                        clock=config.clock,
                    )
                for compiled, goal in ((False, target), (True, COMPILED_TARGET)):
                    pair = workloads.two_layer(n0, n1, m, dtype, compiled=compiled)
                    if config.wants(pair.name):
                        say(pair.name)
                        results.append(run_pair(pair, goal, cfg))
        for dtype in (np.float64, np.float32):
            for compiled, goal in ((False, SOFTMAX_TARGET), (True, COMPILED_TARGET)):
                pair = workloads.softmax_mlp(dtype=dtype, compiled=compiled)
                if config.wants(pair.name):
                    say(pair.name)
                    results.append(run_pair(pair, goal, config))
        for dtype in (np.float64, np.float32):
            for name, batch, c_in, c_out, size in workloads.CONV2D_SHAPES:
                pair = workloads.conv2d_layer(name, batch, c_in, c_out, size, dtype)
                if config.wants(pair.name):
                    say(pair.name)
                    results.append(run_pair(pair, LAYER_TARGET, config))
            for name, batch, length, width, heads in workloads.ATTENTION_SHAPES:
                pair = workloads.attention_block(name, batch, length, width, heads, dtype)
                if config.wants(pair.name):
                    say(pair.name)
                    results.append(run_pair(pair, LAYER_TARGET, config))
        if config.wants("compiled chain"):
            say("compiled chain")
            pair = workloads.op_chain(CHAIN_LENGTH, compiled=True)
            result = run_pair(pair, COMPILED_CHAIN_TARGET, config)
            result.name = f"z*c compiled chain of {CHAIN_LENGTH}"
            results.append(result)
        if config.wants("trace time"):
            say("trace time")
            results.append(run_trace_time())
        if config.wants("per-op"):
            say("per-op overhead")
            results.extend(run_op_overhead(config))
        if config.wants("tanh chain"):
            say("deep chains")
            results.extend(run_deep_chains(config))
        if config.wants("peak memory"):
            say("peak memory")
            results.append(run_peak_memory(784, 1024, 4096))
        if config.wants("memory growth"):
            say("memory growth")
            results.append(run_flat_memory(200 if config.quick else FLAT_STEPS))
    return results


# --------------------------------------------------------------------------- reporting
def _fmt_time(seconds: float | None, unit: str) -> str:
    if seconds is None:
        return "-"
    if unit == "B":
        return f"{seconds / 2**20:.1f} MiB"
    us = seconds * 1e6
    if us >= 1e5:
        return f"{us / 1e3:.0f} ms"
    if us >= 1e3:
        return f"{us / 1e3:.2f} ms"
    return f"{us:.2f} us"


def format_table(results: list[Result]) -> str:
    """The results as a Markdown table."""
    head = "| benchmark | autograd_lite | NumPy | ratio | target | met | PyTorch |"
    lines = [head, "|---|---:|---:|---:|---:|:-:|---:|"]
    for r in results:
        if r.unit == "us":
            ratio = f"{r.ratio:.2f} us" if r.name.startswith("per-op") else f"{r.ratio:.2f}x"
            a = f"{r.autograd * 1e6:.2f} us" if r.autograd is not None else "-"
            b = "-" if r.numpy is None else f"{r.numpy * 1e6:.2f} us"
        elif r.unit == "B" and r.ratio is None:
            a, b, ratio = f"{r.autograd:.0f} B", f"{r.numpy:.0f} B", "-"
        else:
            a, b = _fmt_time(r.autograd, r.unit), _fmt_time(r.numpy, r.unit)
            ratio = "-" if r.ratio is None else f"{r.ratio:.3f}x"
        if r.target is None:
            target = "flat" if r.name.startswith("memory growth") else "-"
        elif r.name.startswith("per-op"):
            target = f"<= {r.target} us"
        else:
            target = f"<= {r.target}x"
        met = "-" if r.met is None else ("yes" if r.met else "NO")
        torch = "-"
        if r.torch is not None:
            torch = f"{r.torch:.2f} us" if r.name.startswith("per-op") else f"{r.torch:.3f}x"
        lines.append(f"| {r.name} | {a} | {b} | {ratio} | {target} | {met} | {torch} |")
    return "\n".join(lines)


def to_json(results: list[Result], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"machine": machine_info(), **(extra or {}), "results": [asdict(r) for r in results]}


def attach_torch(results: list[Result], torch_seconds: dict[str, float]) -> None:
    """Fill the PyTorch column: a ratio to this run's NumPy median, or microseconds per op."""
    for r in results:
        t = torch_seconds.get(r.name)
        if t is None:
            continue
        if r.name.startswith("per-op"):
            r.torch = t * 1e6
        elif r.numpy:
            r.torch = t / r.numpy
