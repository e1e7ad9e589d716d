"""The benchmark suite runs, and both sides of every timed pair compute the same thing.

No timing is asserted: only that the runner works end to end on tiny inputs.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

benchmarks = pytest.importorskip("benchmarks", reason="run from the repository root")

from benchmarks import runner, workloads  # noqa: E402


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "make",
    [
        lambda dtype: workloads.two_layer(5, 4, 8, dtype),
        lambda dtype: workloads.softmax_mlp(6, 5, 3, 7, dtype),
    ],
    ids=["two-layer", "softmax-mlp"],
)
def test_both_sides_agree_over_several_steps(make, dtype):
    pair = make(dtype)
    for _ in range(3):
        pair.check()
    for a, b in zip(pair.autograd_params(), pair.numpy_params(), strict=True):
        assert a.dtype == np.dtype(dtype)
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_check_catches_a_different_computation():
    pair = workloads.two_layer(5, 4, 8)
    pair.numpy_params()[0] += 1.0
    with pytest.raises(AssertionError):
        pair.check()


def test_run_pair_and_table():
    config = runner.Config(repeats=2, min_time=0.0)
    result = runner.run_pair(workloads.two_layer(5, 4, 8), 2.0, config)
    assert result.ratio is not None and result.ratio > 0
    assert len(result.samples["autograd"]) == 2
    table = runner.format_table([result])
    assert "two-layer 5-4 m=8 float64" in table


def test_overhead_chain_and_memory_helpers(tmp_path):
    for both in (False, True):
        chain = workloads.op_chain(3, both=both)
        chain.check()  # the gradients agree with the chain differentiated by hand
        assert len(chain.autograd_params()) == (2 if both else 1)
    forward, backward = workloads.tanh_chain(50)
    backward(forward())
    flat = runner.run_flat_memory(5)
    assert flat.autograd is not None
    results = [flat]
    path = tmp_path / "out.json"
    path.write_text(json.dumps(runner.to_json(results)))
    assert json.loads(path.read_text())["results"][0]["name"].startswith("memory growth")


def test_the_allocator_can_be_pinned_where_glibc_runs() -> None:
    import platform

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt is glibc's")
    assert runner.keep_freed_memory()
