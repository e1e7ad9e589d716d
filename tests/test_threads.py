"""Threads: recording mode is per thread, and concurrent training is exactly sequential training.

Events and barriers force the overlap: each claim is checked at a moment when another
thread is provably inside the opposite mode, not merely started at about the same time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import autograd_lite as ag

TIMEOUT = 10.0
N_THREADS = 4
STEPS = 60


def run_threads(targets: list[Callable[[], Any]]) -> list[Any]:
    """Run each target in its own thread; re-raise the first failure in the caller."""
    results: list[Any] = [None] * len(targets)
    errors: list[BaseException] = []

    def wrap(i: int, target: Callable[[], Any]) -> None:
        try:
            results[i] = target()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=wrap, args=(i, t)) for i, t in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 3)
        assert not t.is_alive(), "a thread hung"
    if errors:
        raise errors[0]
    return results


def test_no_grad_in_one_thread_does_not_stop_recording_in_another() -> None:
    w = ag.Tensor([1.0, 2.0], requires_grad=True)
    inside = threading.Event()  # the no_grad thread is inside its block
    checked = threading.Event()  # the recording thread has recorded an op meanwhile

    def quiet() -> tuple[bool, bool, bool]:
        with ag.no_grad():
            inside.set()
            assert checked.wait(TIMEOUT)
            # Still inside the block, after the other thread recorded: still off here.
            return ag.is_grad_enabled(), (w * 2).requires_grad, True

    def recording() -> tuple[bool, bool, np.ndarray]:
        assert inside.wait(TIMEOUT)
        enabled = ag.is_grad_enabled()
        y = (w * 3).sum()
        checked.set()
        y.backward()
        return enabled, y.requires_grad, w.grad.copy()

    (q_enabled, q_records, _), (r_enabled, r_records, grad) = run_threads([quiet, recording])
    assert not q_enabled and not q_records
    assert r_enabled and r_records
    np.testing.assert_array_equal(grad, [3.0, 3.0])
    assert ag.is_grad_enabled()  # the main thread was never affected


def test_enable_grad_in_one_thread_does_not_leak_into_another_no_grad() -> None:
    w = ag.Tensor([1.0], requires_grad=True)
    barrier = threading.Barrier(2, timeout=TIMEOUT)

    def inner_enable() -> list[bool]:
        seen = []
        with ag.no_grad():
            barrier.wait()  # both threads inside no_grad
            with ag.enable_grad():
                barrier.wait()  # this one re-enabled; the other checks now
                seen.append((w * 2).requires_grad)
                barrier.wait()
        return seen

    def stay_quiet() -> list[bool]:
        seen = []
        with ag.no_grad():
            barrier.wait()
            barrier.wait()
            seen.append((w * 2).requires_grad)
            barrier.wait()
        return seen

    enabled_seen, quiet_seen = run_threads([inner_enable, stay_quiet])
    assert enabled_seen == [True] and quiet_seen == [False]


def make_problem(seed: int) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((16, 5))
    Y = rng.integers(0, 3, 16)
    params = [
        rng.standard_normal((5, 8)) * 0.5,
        np.zeros(8),
        rng.standard_normal((8, 3)) * 0.5,
        np.zeros(3),
    ]
    return params, X, Y


def train(seed: int, step_barrier: threading.Barrier | None = None) -> list[np.ndarray]:
    """Plain-Tensor two-layer net, full-batch gradient descent; returns params and last grads.

    With a barrier, every thread finishes each forward pass before any starts its no_grad
    update, and every update before the next forward: recording and no_grad blocks of
    different threads interleave at every step.
    """
    arrays, X, Y = make_problem(seed)
    params = [ag.Tensor(a, requires_grad=True) for a in arrays]
    W1, b1, W2, b2 = params
    for _ in range(STEPS):
        for p in params:
            p.grad = None
        loss = ag.cross_entropy(ag.tanh(X @ W1 + b1) @ W2 + b2, Y)
        if step_barrier is not None:
            step_barrier.wait()
        loss.backward()
        with ag.no_grad():
            if step_barrier is not None:
                step_barrier.wait()  # every thread is inside no_grad at once
            for p in params:
                p.data = p.data - 0.2 * p.grad
            assert not (W1 * 1.0).requires_grad
    return [p.data for p in params] + [p.grad for p in params]


def test_concurrent_training_matches_sequential_training_exactly() -> None:
    seeds = list(range(N_THREADS))
    alone = [train(seed) for seed in seeds]
    barrier = threading.Barrier(N_THREADS, timeout=TIMEOUT)
    together = run_threads([lambda s=s: train(s, barrier) for s in seeds])
    for seed, (a, b) in enumerate(zip(alone, together)):
        for i, (x, y) in enumerate(zip(a, b)):
            np.testing.assert_array_equal(y, x, err_msg=f"thread {seed}, array {i}")
    # The models differ from each other, so a shared-state mix-up could not go unseen.
    assert not np.array_equal(alone[0][0], alone[1][0])


def test_every_mode_switch_is_undone_in_the_count_that_ops_read_first() -> None:
    # Ops look at their thread's mode only while some thread is out of the default one
    # (recording, outside VJPs, no anomaly checks).  Every way in and out must keep that
    # count, or ops would skip the look; errors and other threads included.
    from autograd_lite import _mode

    # Once another library's array has been in a Tensor, one entry stays for good.
    base = int(_mode.state.foreign)
    assert len(_mode.unusual) == base
    w = ag.Tensor([1.0, 4.0], requires_grad=True)

    @ag.primitive
    def failing(x):  # type: ignore[no-untyped-def]
        return x * 1.0

    failing.defvjp(lambda g, out, x: 1 / 0)
    try:
        with ag.no_grad():
            assert len(_mode.unusual) == base + 1
            assert not (w * 2).requires_grad
            with ag.enable_grad():
                assert len(_mode.unusual) == base
                assert (w * 2).requires_grad
            raise KeyError("leave the block by an error")
    except KeyError:
        pass
    assert len(_mode.unusual) == base
    try:
        failing(w).sum().backward()
    except ZeroDivisionError:
        pass
    assert len(_mode.unusual) == base
    with ag.no_grad():
        w2 = ag.Tensor([2.0], requires_grad=True)
        with ag.enable_grad():
            y = (w2 * w2).sum()
        y.backward()  # a backward pass inside no_grad leaves it on
        assert not ag.is_grad_enabled() and not (w * 2).requires_grad
        assert len(_mode.unusual) == base + 1
    np.testing.assert_array_equal(w2.grad, [4.0])
    with ag.detect_anomaly():
        assert len(_mode.unusual) == base + 1
        ag.sqrt(w).sum().backward()
    assert len(_mode.unusual) == base
    ag.grad(lambda x: (x * x).sum())(w)
    ag.no_grad()(lambda: w * 2)()
    assert len(_mode.unusual) == base

    inside = threading.Event()
    done = threading.Event()

    def quiet() -> int:
        with ag.no_grad():
            inside.set()
            assert done.wait(TIMEOUT)
            return len(_mode.unusual) - base

    def recording() -> bool:
        assert inside.wait(TIMEOUT)
        seen = len(_mode.unusual) == base + 1 and (w * 2).requires_grad
        done.set()
        return seen

    assert run_threads([quiet, recording]) == [1, True]
    assert len(_mode.unusual) == base


def test_anomaly_mode_entered_inside_a_vjp_outlives_the_backward_pass() -> None:
    # A VJP that enters detect_anomaly and leaves it open (a generator suspended inside
    # the block) changes the thread's mode during the pass: the pass must restore only
    # what it switched itself, and keep the count that ops read first.
    from autograd_lite import _mode

    def checking() -> Iterator[None]:
        with ag.detect_anomaly():
            yield

    block = checking()

    @ag.primitive
    def enters_anomaly_mode(x):  # type: ignore[no-untyped-def]
        return x * 1.0

    enters_anomaly_mode.defvjp(lambda g, out, x: (next(block), g)[1])
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    try:
        enters_anomaly_mode(x).sum().backward()
        assert _mode.state.anomaly and len(_mode.unusual) == 1 + int(_mode.state.foreign)
        with pytest.raises(ag.errors.AnomalyError, match="op 'log'"):
            ag.log(ag.Tensor([0.0]))
    finally:
        assert next(block, "left") == "left"  # the generator leaves its block
    assert not _mode.state.anomaly and len(_mode.unusual) == int(_mode.state.foreign)
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])
