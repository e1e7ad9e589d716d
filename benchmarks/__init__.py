"""Benchmarks of autograd_lite against hand-written NumPy computing the same formulas.

Run ``python -m benchmarks`` (``--quick`` for a short run, ``--json PATH`` to keep the
results).  Every workload is a pair of steps over the same data: one written naturally
with autograd_lite, one with the post's formulas in plain NumPy.  The runner checks once
that both pairs compute the same parameters, then times them interleaved with BLAS pinned
to one thread and reports the ratio of the medians.
"""

from __future__ import annotations

from .runner import Result, run_suite

__all__ = ["Result", "run_suite"]
