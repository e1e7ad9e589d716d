"""ag.distributed.value_and_grad: chunk-by-chunk gradients on Dask equal the whole-data ones."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import threading
from collections import namedtuple
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite._tree import flatten

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")

from autograd_lite import distributed  # noqa: E402

Layer = namedtuple("Layer", ["W", "b"])
RNG = np.random.default_rng(0)
X_NP = RNG.normal(size=(240, 3))
Y_NP = RNG.normal(size=240)


def _close(got: Any, want: Any) -> None:
    got_leaves, want_leaves = flatten(got), flatten(want)
    assert got_leaves[1] == want_leaves[1]  # the same container structure
    for g, w in zip(got_leaves[0], want_leaves[0]):
        assert isinstance(g, np.ndarray) and g.shape == np.shape(w) and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def squared_error(w: Any, X: Any, y: Any) -> ag.Tensor:
    return ((X @ w - y) ** 2).sum()


def mlp_loss(params: dict[str, Any], X: Any, y: Any) -> ag.Tensor:
    hidden = X
    for layer in params["layers"]:
        hidden = ag.tanh(hidden @ layer.W + layer.b)
    return ((hidden[:, 0] * params["scale"] - y) ** 2).sum()


def mlp_params() -> dict[str, Any]:
    rng = np.random.default_rng(1)
    return {
        "layers": [
            Layer(rng.normal(size=(3, 4)), rng.normal(size=4)),
            Layer(rng.normal(size=(4, 2)), rng.normal(size=2)),
        ],
        "scale": np.array(0.7),
    }


def chunked(rows: int = 40) -> tuple[Any, Any]:
    return da.from_array(X_NP, chunks=(rows, 3)), da.from_array(Y_NP, chunks=rows)


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    pytest.importorskip("distributed")
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(
            processes=False, n_workers=2, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


def test_importing_the_module_does_not_import_dask() -> None:
    code = "import sys, autograd_lite, autograd_lite.distributed; print('dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_equals_the_whole_data_computation_on_threads() -> None:
    w = np.array([0.5, -1.0, 2.0])
    X, y = chunked()
    threads: set[str] = set()

    def loss(w: Any, X: Any, y: Any) -> ag.Tensor:
        threads.add(threading.current_thread().name)
        return squared_error(w, X, y)

    with dask.config.set(scheduler="threads"):
        value, grad = distributed.value_and_grad(loss)(w, X, y)
    want_value, want_grad = ag.value_and_grad(squared_error)(w, X_NP, Y_NP)
    np.testing.assert_allclose(value, want_value, rtol=1e-10)
    _close(grad, want_grad)
    assert threading.current_thread().name not in threads  # the chunks ran on Dask's threads


def test_equals_the_whole_data_computation_on_a_cluster(client: Any) -> None:
    from distributed import get_task_stream

    params = mlp_params()
    X, y = chunked(rows=25)  # ten chunks, the last one shorter
    with get_task_stream(client) as tasks:
        value, grads = distributed.value_and_grad(mlp_loss)(params, X, y)
    want_value, want_grads = ag.value_and_grad(mlp_loss)(params, X_NP, Y_NP)
    np.testing.assert_allclose(value, want_value, rtol=1e-10)
    _close(grads, want_grads)
    assert isinstance(grads["layers"][0], Layer)
    ran = [t for t in tasks.data if "value_and_grad-chunk" in str(t["key"])]
    assert len(ran) == 10
    assert {t["worker"] for t in ran} <= set(client.scheduler_info()["workers"])


def test_argnums_tuple_and_parameters_after_the_data() -> None:
    def loss(X: Any, w: Any, y: Any, b: Any) -> ag.Tensor:
        return ((X @ w + b - y) ** 2).sum()

    w, b = np.array([0.1, 0.2, 0.3]), 0.5
    X, y = chunked()
    value, grads = distributed.value_and_grad(loss, argnums=(1, 3))(X, w, y, b)
    want_value, want_grads = ag.value_and_grad(loss, argnums=(1, 3))(X_NP, w, Y_NP, b)
    np.testing.assert_allclose(value, want_value, rtol=1e-10)
    assert isinstance(grads, tuple) and len(grads) == 2
    _close(grads, want_grads)
    single = distributed.value_and_grad(squared_error, argnums=(0,))(w, X, y)[1]
    assert isinstance(single, tuple) and len(single) == 1


def test_tensors_keywords_and_float32() -> None:
    def loss(w: Any, X: Any, y: Any, *, scale: float) -> ag.Tensor:
        return scale * squared_error(w, X, y)

    w = ag.Tensor([0.5, -1.0, 2.0], requires_grad=True)
    X, y = chunked()
    value, grad = distributed.value_and_grad(loss)(w, X, y, scale=3.0)
    want_value, want_grad = ag.value_and_grad(loss)(w.data, X_NP, Y_NP, scale=3.0)
    np.testing.assert_allclose(value, want_value, rtol=1e-10)
    _close(grad, want_grad)

    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    value, grad = distributed.value_and_grad(loss)(w.data.astype(np.float32), X32, y32, scale=3.0)
    assert value.dtype == np.float32 and grad.dtype == np.float32
    np.testing.assert_allclose(grad, want_grad, rtol=1e-4)


def test_numpy_inputs_are_one_chunk() -> None:
    w = np.array([0.5, -1.0, 2.0])
    f = distributed.value_and_grad(squared_error)
    job = f.lazy(w, X_NP, Y_NP)
    chunk_keys = [k for k in job.__dask_graph__() if "value_and_grad-chunk" in str(k)]
    assert len(chunk_keys) == 1
    value, grad = f(w, X_NP, Y_NP)
    want_value, want_grad = ag.value_and_grad(squared_error)(w, X_NP, Y_NP)
    np.testing.assert_allclose(value, want_value, rtol=1e-10)
    _close(grad, want_grad)
    # A Dask array of one chunk goes with NumPy arrays.
    np.testing.assert_allclose(f(w, da.from_array(X_NP), Y_NP)[0], want_value, rtol=1e-10)


def test_misaligned_data_is_refused() -> None:
    f = distributed.value_and_grad(squared_error)
    w = np.zeros(3)
    X = da.from_array(X_NP, chunks=(40, 3))
    with pytest.raises(ValueError, match=r"same first-axis chunks.*\(240, 3\).*\(240,\)"):
        f(w, X, da.from_array(Y_NP, chunks=60))
    with pytest.raises(ValueError, match="same first-axis chunks"):
        f(w, X, Y_NP)  # a NumPy array is one chunk, rechunked by nobody
    with pytest.raises(ValueError, match="same first-axis chunks"):
        f(w, X, da.from_array(Y_NP[:200], chunks=40))
    with pytest.raises(ValueError, match=r"chunked along axes other than the first"):
        f(w, da.from_array(X_NP, chunks=(40, 2)), da.from_array(Y_NP, chunks=40))
    unknown = X[da.from_array(Y_NP, chunks=40) > 0]
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        f(w, unknown, unknown[:, 0])
    with pytest.raises(ValueError, match="0-d"):
        f(w, X, 1.0)
    with pytest.raises(ValueError, match="argnums 3 is out of range"):
        distributed.value_and_grad(squared_error, argnums=3)(w, X, Y_NP)
    with pytest.raises(TypeError, match="no data argument"):
        distributed.value_and_grad(lambda w: (w * w).sum())(w)
    with pytest.raises(TypeError, match="keyword argument 'y' is a Dask collection"):
        distributed.value_and_grad(squared_error)(w, X, y=da.from_array(Y_NP, chunks=40))


def test_a_loss_that_is_not_a_sum_is_named() -> None:
    def per_example(w: Any, X: Any, y: Any) -> ag.Tensor:
        return (X @ w - y) ** 2

    X, y = chunked()
    with (
        dask.config.set(scheduler="sync"),
        pytest.raises(ValueError, match=r"loss 'per_example' must return one element.*\(40,\)"),
    ):
        distributed.value_and_grad(per_example)(np.zeros(3), X, y)


def test_building_computes_no_chunk() -> None:
    reads: list[int] = []

    def read(block: np.ndarray) -> np.ndarray:
        reads.append(len(block))
        return block

    X = da.map_blocks(read, da.from_array(X_NP, chunks=(30, 3)), meta=np.empty((0, 0)))
    y = da.from_array(Y_NP, chunks=30)
    job = distributed.value_and_grad(squared_error).lazy(np.zeros(3), X, y)
    assert reads == []
    with dask.config.set(scheduler="threads"):  # a Client would run a pickled copy of `read`
        value, _ = job.compute()
    assert sorted(reads) == [30] * 8
    np.testing.assert_allclose(value, ag.value_and_grad(squared_error)(np.zeros(3), X_NP, Y_NP)[0])


def test_the_graph_has_few_tasks_per_chunk_and_sums_in_a_tree() -> None:
    chunks = 120
    X, y = chunked(rows=2)
    assert X.numblocks[0] == chunks
    graph = distributed.value_and_grad(squared_error).lazy(np.zeros(3), X, y).__dask_graph__()
    # per chunk: a slice of X, one of y, the chunk's value and gradient; then the sums
    assert len(graph) <= 4 * chunks
    sums = [k for k in graph if "value_and_grad-sum" in str(k)]
    assert len(sums) == 15 + 2  # 120 -> 15 -> 2 -> the total
    dependencies = graph.get_all_dependencies()
    assert max(len(dependencies[k]) for k in sums) <= 8
    # The parameters are one key that every chunk's task depends on, not copied into each.
    shared = [k for k in graph if "value_and_grad-shared" in str(k)]
    assert len(shared) == 1
    assert sum(shared[0] in deps for deps in dependencies.values()) == chunks


def test_a_missing_dask_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask", None)
    with pytest.raises(ImportError, match=r"autograd_lite\[distributed\]"):
        distributed.value_and_grad(squared_error)(np.zeros(3), X_NP, Y_NP)


def test_out_of_core_example_runs_small(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("distributed")
    path = Path(__file__).resolve().parent.parent / "examples" / "out_of_core_logistic.py"
    spec = importlib.util.spec_from_file_location("out_of_core_logistic", path)
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    figures = example.main(rows=6000, steps=5, chunk_rows=1000, subset_rows=2000)
    assert figures["loss"] < 0.6 < figures["accuracy"]  # from log(2) = 0.69 and 0.5 at the start
    assert figures["out_of_core_examples_per_s"] > 0 and figures["in_memory_examples_per_s"] > 0
    assert "examples/s per gradient evaluation" in capsys.readouterr().out
