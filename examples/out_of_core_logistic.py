"""Logistic regression on a data set larger than the memory this script allows itself.

The data (by default 2,000,000 x 20 float64 features, 320 MB) is written to ``.npy``
files chunk by chunk and read back through a memory map, one chunk per task, so it is
never held in memory whole.  Each worker holds a few chunk-sized arrays at a time (the
chunk, its logits, the gradient's intermediates): with the default chunks of 100,000
rows (16 MB), about 4 x 16 MB x 2 workers = 128 MB in all.  Full-batch gradient descent
fits the model, ``ag.distributed.value_and_grad`` computing each gradient chunk by chunk
on a local Dask cluster.  The in-memory computation (``ag.value_and_grad`` on arrays
loaded whole) is timed first on a subset that fits, and both throughputs are printed in
examples per second of one gradient evaluation.

    python examples/out_of_core_logistic.py                 # 2e6 rows, 30 steps
    python examples/out_of_core_logistic.py --rows 200000   # smaller and quicker
    python examples/out_of_core_logistic.py --scheduler threads   # Dask without a cluster
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import autograd_lite as ag
from autograd_lite import distributed

FEATURES = 20


def write_dataset(
    directory: Path, rows: int, block_rows: int = 100_000, seed: int = 0
) -> tuple[Path, Path]:
    """Write features ``X.npy`` and 0/1 labels ``y.npy``, ``block_rows`` rows at a time.

    The blocks do not depend on the chunks the data is read in later, so every chunk
    size sees the same data.
    """
    rng = np.random.default_rng(seed)
    w_true = rng.normal(size=FEATURES) / np.sqrt(FEATURES) * 3
    b_true = 0.5
    x_path, y_path = directory / "X.npy", directory / "y.npy"
    # Plain writes after a .npy header: the file is never mapped whole while it is written.
    with open(x_path, "wb") as x_file, open(y_path, "wb") as y_file:
        _write_header(x_file, (rows, FEATURES))
        _write_header(y_file, (rows,))
        for start in range(0, rows, block_rows):
            m = min(block_rows, rows - start)
            block = rng.normal(size=(m, FEATURES))
            probability = 1 / (1 + np.exp(-(block @ w_true + b_true)))
            block.tofile(x_file)
            (rng.random(m) < probability).astype(np.float64).tofile(y_file)
    return x_path, y_path


class NpyFile:
    """A ``.npy`` file as an array for ``da.from_array``, read through a memory map.

    ``da.from_array(np.load(path, mmap_mode="r"))`` would do on Dask's threaded scheduler,
    but a distributed Client pickles the task graph, and a ``np.memmap`` pickles as its
    whole contents.  This object pickles as its path and maps the file for each read.
    """

    def __init__(self, path: Path) -> None:
        mapped = np.load(path, mmap_mode="r")
        self.path = str(path)
        self.shape, self.dtype, self.ndim = mapped.shape, mapped.dtype, mapped.ndim
        # Reads map the data past the header directly: np.load parses the header with
        # ast.literal_eval, which CPython 3.11 can fail at when threads call it together.
        self.offset = mapped.offset

    def __dask_tokenize__(self) -> tuple[str, int]:
        return self.path, os.stat(self.path).st_mtime_ns

    def __getitem__(self, index: Any) -> np.ndarray:
        mapped = np.memmap(self.path, self.dtype, "r", self.offset, self.shape)
        return np.asarray(mapped[index])


def _write_header(file: Any, shape: tuple[int, ...]) -> None:
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float64)), "fortran_order": False}
    np.lib.format.write_array_header_1_0(file, {**header, "shape": shape})


def loss(params: dict[str, Any], X: Any, y: Any) -> ag.Tensor:
    """The summed cross-entropy of the chunk: a sum, as ``ag.distributed`` requires."""
    return ag.binary_cross_entropy_with_logits(X @ params["w"] + params["b"], y, reduction="sum")


def _one_blas_thread() -> Any:
    """Limit BLAS to one thread: Dask runs one chunk per core, and threaded BLAS on top of
    that oversubscribes the cores (here, matrix-vector products of 20 columns ran 3x slower)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _peak_memory_mb() -> float | None:
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1e3  # bytes there, KiB on Linux


def main(
    rows: int = 2_000_000,
    steps: int = 30,
    chunk_rows: int = 100_000,
    workers: int = 2,
    lr: float = 4.0,
    subset_rows: int = 200_000,
    scheduler: str = "cluster",
) -> dict[str, float]:
    """Write the data, fit it out of core, time in-memory NumPy on a subset; returns the figures.

    The in-memory gradient is timed on the first ``subset_rows`` rows.  ``scheduler`` is
    ``"cluster"`` (a local ``dask.distributed`` cluster of ``workers`` one-thread workers)
    or ``"threads"`` (Dask's default scheduler with ``workers`` threads).
    """
    import dask
    import dask.array as da
    from dask.distributed import Client, LocalCluster

    if scheduler not in ("cluster", "threads"):
        raise ValueError(f"scheduler must be 'cluster' or 'threads', got {scheduler!r}")
    chunk_mb = chunk_rows * FEATURES * 8 / 1e6
    chunks = -(-rows // chunk_rows)
    print(
        f"data: {rows} x {FEATURES} float64 = {rows * FEATURES * 8 / 1e6:.0f} MB on disk, "
        f"{chunks} chunks of {chunk_rows} rows ({chunk_mb:.0f} MB); memory allowed: a few "
        f"chunks per worker, about 4 x {chunk_mb:.0f} MB x {workers} = "
        f"{4 * chunk_mb * workers:.0f} MB"
    )
    with tempfile.TemporaryDirectory() as scratch, _one_blas_thread():
        x_path, y_path = write_dataset(Path(scratch), rows)
        X = da.from_array(NpyFile(x_path), chunks=(chunk_rows, FEATURES))
        y = da.from_array(NpyFile(y_path), chunks=chunk_rows)
        vg = distributed.value_and_grad(loss)
        params = {"w": np.zeros(FEATURES), "b": np.zeros(())}

        # Timed first, in a process where no scheduler runs yet (a cluster's threads, idle
        # or not, share the interpreter with it).
        m = min(subset_rows, rows)
        X_mem = np.array(np.load(x_path, mmap_mode="r")[:m])
        y_mem = np.array(np.load(y_path, mmap_mode="r")[:m])
        in_memory_s = []
        for _ in range(10):
            start = time.perf_counter()
            ag.value_and_grad(loss)(params, X_mem, y_mem)
            in_memory_s.append(time.perf_counter() - start)
        del X_mem, y_mem

        with contextlib.ExitStack() as stack:
            if scheduler == "cluster":
                cluster = stack.enter_context(
                    LocalCluster(
                        processes=False,
                        n_workers=workers,
                        threads_per_worker=1,
                        dashboard_address=":0",
                    )
                )
                stack.enter_context(Client(cluster))
            else:
                stack.enter_context(dask.config.set(scheduler="threads", num_workers=workers))
            out_of_core_s = []
            for step in range(steps):
                start = time.perf_counter()
                value, grads = vg(params, X, y)
                out_of_core_s.append(time.perf_counter() - start)
                if step % 10 == 0:
                    print(f"step {step:3d}  mean loss {float(value) / rows:.6f}")
                params = {k: params[k] - lr * grads[k] / rows for k in params}
            final_loss = float(vg(params, X, y)[0]) / rows
            correct = ((X @ params["w"] + params["b"] > 0) == (y > 0.5)).sum().compute()
        peak = _peak_memory_mb()
    out_of_core = rows / statistics.median(out_of_core_s)
    in_memory = m / statistics.median(in_memory_s)
    accuracy = float(correct) / rows
    print(f"after {steps} steps: mean loss {final_loss:.6f}, accuracy {accuracy:.4f}")
    if peak is not None:
        print(f"peak resident memory: {peak:.0f} MB (Python, Dask and the {m}-row subset included)")
    print(
        f"examples/s per gradient evaluation: out of core (Dask {scheduler}, {workers} workers) "
        f"{out_of_core:,.0f}; in memory (NumPy, {m} rows) {in_memory:,.0f}; "
        f"ratio {out_of_core / in_memory:.2f}"
    )
    return {
        "loss": final_loss,
        "accuracy": accuracy,
        "out_of_core_examples_per_s": out_of_core,
        "in_memory_examples_per_s": in_memory,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--lr", type=float, default=4.0)
    parser.add_argument("--subset-rows", type=int, default=200_000)
    parser.add_argument("--scheduler", choices=["cluster", "threads"], default="cluster")
    args = parser.parse_args()
    main(
        args.rows,
        args.steps,
        args.chunk_rows,
        args.workers,
        args.lr,
        args.subset_rows,
        args.scheduler,
    )
