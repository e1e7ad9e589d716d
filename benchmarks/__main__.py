"""``python -m benchmarks``: the table of every workload; ``--help`` lists the options."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time

from . import runner, torch_side


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer samples, no largest sizes")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="run benchmarks whose name contains NAME"
    )
    parser.add_argument(
        "--clock",
        choices=sorted(runner.CLOCKS),
        default="cpu",
        help="process CPU time (default) or elapsed time",
    )
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch column")
    parser.add_argument(
        "--malloc",
        choices=["keep", "default"],
        default="keep",
        help="keep freed memory in glibc's allocator (default), or leave its defaults",
    )
    parser.add_argument(
        "--backend",
        metavar="LIBRARY",
        help="instead of the CPU table: the post's training step on arrays of LIBRARY "
        "(cupy, torch, array_api_strict) against the same step hand-written in it",
    )
    args = parser.parse_args(argv)
    if args.backend:
        from . import backends

        rows = backends.rows(args.backend, quick=args.quick)
        print(backends.format_rows(rows))
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"backend": args.backend, "rows": rows}, f, indent=1)
        return 0
    malloc = args.malloc
    if malloc == "keep" and not runner.keep_freed_memory():
        malloc = "default (keep is not supported by this C library)"

    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if os.environ.get(var):
            print(
                f"note: {var} is set; it can select a slower BLAS kernel (see docs/performance.md)",
                file=sys.stderr,
            )
    if importlib.util.find_spec("threadpoolctl") is None:
        parser.error("threadpoolctl is needed to pin BLAS to one thread: pip install -e '.[bench]'")
    config = runner.Config(quick=args.quick, only=args.only, clock=args.clock)
    start = time.perf_counter()
    results = runner.run_suite(config, log=lambda s: print(f"running {s}", file=sys.stderr))
    if not args.no_torch and torch_side.available():
        print("running PyTorch side", file=sys.stderr)
        runner.attach_torch(
            results, torch_side.measure(quick=args.quick, clock=args.clock, malloc=args.malloc)
        )
    elapsed = time.perf_counter() - start
    info = runner.machine_info()
    print(runner.format_table(results))
    print()
    blas = ", ".join(
        f"{b['internal_api']} {b['version']} {b['architecture']}" for b in info["blas"]
    )
    print(
        f"Python {info['python']}, NumPy {info['numpy']}, {info['processor']} "
        f"({info['cpus']} CPUs), BLAS {blas} pinned to 1 thread; "
        f"{args.clock} clock; malloc {malloc}; {elapsed:.0f} s"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                runner.to_json(
                    results, {"quick": args.quick, "seconds": elapsed, "malloc": malloc}
                ),
                f,
                indent=1,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
