"""Backward through graphs of any shape: shared subexpressions, fan-out, long and short paths.

The ops and the expected derivatives are simple; what is attacked here is the order in
which the engine visits nodes.  Every node must receive the gradients of all its
consumers before its own VJPs run, whatever the mix of one- and two-input ops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite.testing import check_grad, numerical_grad

# Each step of a program: (op, first operand, second operand), operands as indices into
# the values built so far.  The ops keep values bounded, so any program is well scaled.
OPS: list[Callable[[Any, Any], Any]] = [
    lambda a, b: ag.tanh(a),
    lambda a, b: ag.sigmoid(a) * 2.0,
    lambda a, b: a * 0.5,
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * ag.tanh(b),
    lambda a, b: ag.tanh(a * b),
]

programs = st.lists(
    st.tuples(st.integers(0, len(OPS) - 1), st.integers(0, 63), st.integers(0, 63)),
    min_size=1,
    max_size=14,
)


def run(program: list[tuple[int, int, int]], outputs: list[int]) -> Callable[..., Any]:
    def f(x: Any, y: Any) -> Any:
        values = [x, y]
        for op, i, j in program:
            values.append(OPS[op](values[i % len(values)], values[j % len(values)]))
        # The loss reads several values, so that inner ones have many consumers.
        loss = values[-1].sum()
        for k in outputs:
            loss = loss + values[k % len(values)].sum() * 0.25
        return loss

    return f


@given(program=programs, outputs=st.lists(st.integers(0, 63), max_size=4))
def test_gradients_of_random_graphs_match_finite_differences(
    program: list[tuple[int, int, int]], outputs: list[int]
) -> None:
    x = np.array([0.3, -0.8, 1.1])
    y = np.array([-0.5, 0.9, 0.2])
    f = run(program, outputs)
    check_grad(f, x, y, rtol=1e-5, atol=1e-8)  # the functional form, ag.grad
    # ``Tensor.backward``, which walks the graph by its own route.
    tx, ty = ag.Tensor(x, requires_grad=True), ag.Tensor(y, requires_grad=True)
    f(tx, ty).backward()
    for t, expected in zip((tx, ty), numerical_grad(f, x, y)):
        got = np.zeros(3) if t.grad is None else t.grad
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-8)


def test_a_shared_one_input_node_waits_for_all_its_consumers() -> None:
    # u feeds a two-input sum through v = exp(u) and through w = u * 2; w is newer than v,
    # so the walk reaches w first, and u must not be visited before v has been.
    x = ag.Tensor([0.2, -0.4], requires_grad=True)
    u = ag.tanh(x)
    v = ag.exp(u)
    w = u * 2.0
    (v + w).sum().backward()
    t = np.tanh([0.2, -0.4])
    np.testing.assert_allclose(x.grad, (np.exp(t) + 2.0) * (1 - t**2))


def test_an_op_result_used_twice_by_one_op_gets_both_gradients() -> None:
    x = ag.Tensor([0.2, -0.4], requires_grad=True)
    u = ag.tanh(x)
    (u * u).sum().backward()  # u is both inputs of one node
    t = np.tanh([0.2, -0.4])
    np.testing.assert_allclose(x.grad, 2 * t * (1 - t**2))


def test_an_input_waits_for_a_newer_sibling_that_depends_on_it() -> None:
    # u * v: u comes first among the inputs, but v = 2 u is newer and feeds u too, so
    # u must wait for v.
    x = ag.Tensor([0.2, -0.4], requires_grad=True)
    u = ag.tanh(x)
    v = u * 2.0
    (u * v).sum().backward()  # 2 u²
    t = np.tanh([0.2, -0.4])
    np.testing.assert_allclose(x.grad, 4 * t * (1 - t**2))
