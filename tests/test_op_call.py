"""The op call records what each node's VJPs read, and guards what the user can reach.

Every op goes through ``Primitive.__call__``.  These tests state, for the two-input ops
the models use most, what a node must keep: the operands and output its VJPs read for
the inputs that need a gradient, and nothing else; read-only guards on exactly the
saved arrays the user could still write to (a view's base included); and a result
array that its Tensor owns.  The gradients are checked against the analytic derivatives.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite._primitive import Primitive

OPERANDS: dict[str, Callable[[], Any]] = {
    "leaf": lambda: ag.Tensor([1.5, -2.0, 0.5], requires_grad=True),
    "result": lambda: ag.Tensor([1.5, -2.0, 0.5], requires_grad=True) * 1.0,
    "constant Tensor": lambda: ag.Tensor([0.25, 3.0, -1.0]),
    "array": lambda: np.array([0.25, 3.0, -1.0]),
    "read-only array": lambda: _read_only(np.array([0.25, 3.0, -1.0])),
    "view": lambda: np.arange(6.0).reshape(2, 3)[1],
    "scalar": lambda: 2.0,
    "int array": lambda: np.array([1, 2, 3]),
}

# For each op and each argnum: (its VJP reads ``out``, the inputs it reads), from the
# rules in _ops_arith.py as a reader would list them.
READS: dict[str, tuple[tuple[bool, set[int]], tuple[bool, set[int]]]] = {
    "add": ((False, set()), (False, set())),
    "subtract": ((False, set()), (False, set())),
    "multiply": ((False, {1}), (False, {0})),
    "divide": ((False, {1}), (True, {1})),
    "matmul": ((False, {1}), (False, {0})),
}

# The analytic partial derivatives of sum(op(a, b)) for 1-D a, b (matmul: the dot product).
PARTIALS: dict[str, tuple[Callable[[Any, Any], Any], Callable[[Any, Any], Any]]] = {
    "add": (lambda a, b: np.ones_like(a), lambda a, b: np.ones_like(b)),
    "subtract": (lambda a, b: np.ones_like(a), lambda a, b: -np.ones_like(b)),
    "multiply": (lambda a, b: b + 0 * a, lambda a, b: a + 0 * b),
    "divide": (lambda a, b: 1 / b + 0 * a, lambda a, b: -a / b**2),
    "matmul": (lambda a, b: b, lambda a, b: a),
}


def _read_only(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def _array(x: Any) -> Any:
    return x._data if isinstance(x, ag.Tensor) else x


CASES = [
    pytest.param(op, first, second, id=f"{op.name}-{first}-{second}")
    for op in (ag.add, ag.subtract, ag.multiply, ag.divide, ag.matmul)
    for first, second in itertools.product(OPERANDS, repeat=2)
    # At least one array; matmul takes no scalars.
    if "scalar" not in (first, second) or (op is not ag.matmul and first != second)
]


@pytest.mark.parametrize(("op", "first", "second"), CASES)
def test_a_node_keeps_what_its_vjps_read_and_guards_what_the_user_can_write(
    op: Primitive, first: str, second: str
) -> None:
    a, b = OPERANDS[first](), OPERANDS[second]()
    inputs = (a, b)
    writeable = [isinstance(_array(x), np.ndarray) and _array(x).flags.writeable for x in inputs]
    result = op(a, b)
    expected_value = getattr(np, op.name)(np.asarray(_array(a)), np.asarray(_array(b)))
    np.testing.assert_array_equal(result._data, expected_value)

    needs = [i for i, x in enumerate(inputs) if isinstance(x, ag.Tensor) and x.requires_grad]
    node = result._node
    assert result.requires_grad == bool(needs)
    if not needs:
        assert node is None
        return
    assert node is not None
    assert result._owned is result._data  # a fresh array, for the Tensor alone
    assert node.argnums == tuple(needs)
    assert [p is inputs[i]._node for p, i in zip(node.parents, needs)] == [True] * len(needs)

    read_out = any(READS[op.name][i][0] for i in needs)
    read_in = set().union(*(READS[op.name][i][1] for i in needs))
    for i, x in enumerate(inputs):
        if i in read_in:
            assert node.args[i] is _array(x), f"input {i} is read by a VJP: saved as it is"
        else:
            assert node.args[i] is None, f"input {i} is read by no VJP: not kept"
    assert (node.out is result._data) if read_out else node.out is None

    # Anything saved but an op result's own array can be written to through a name the
    # user holds (a leaf's array through ``.data``).
    writable = [
        _array(inputs[i])
        for i in read_in
        if writeable[i]
        and not (isinstance(inputs[i], ag.Tensor) and inputs[i]._owned is _array(inputs[i]))
    ]
    expected_guarded = {id(x) for x in writable} | {
        id(x.base) for x in writable if x.base is not None
    }
    assert {id(g.array) for g in node.guarded} == expected_guarded
    for x in writable:
        assert not x.flags.writeable, "a saved array the user holds is read-only"
        with pytest.raises(ValueError, match="read-only"):
            x[0] = 9.0
    for i in read_in:
        if isinstance(inputs[i], ag.Tensor) and inputs[i]._owned is not None:
            assert inputs[i]._saved, "a Tensor's own saved array is handed out as a copy"

    result.sum().backward()
    plain = [np.asarray(_array(x), dtype=float) for x in inputs]
    for i in needs:
        x = inputs[i]
        if x.is_leaf:
            np.testing.assert_allclose(x.grad, PARTIALS[op.name][i](*plain))
    del node, result
    for x in writable:
        assert x.flags.writeable, "the guard goes with the graph"


def test_misuse_goes_to_the_general_call_and_names_the_op() -> None:
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="multiply: takes 2 input"):
        ag.multiply(x)
    with pytest.raises(TypeError, match="multiply: takes 2 input"):
        ag.multiply(x, x, x)
    with pytest.raises(TypeError, match="multiply: takes 2 input"):
        ag.multiply(x, x, out=np.empty(2))
    with pytest.raises(ValueError, match=r"add: .*\(2,\).*\(3,\)"):
        ag.add(x, np.ones(3))


def test_no_inputs_at_all_is_reported_by_the_op() -> None:
    with pytest.raises(TypeError, match="add: takes 2 input"):
        ag.add()


def test_no_decision_in_the_package_reads_reference_counts() -> None:
    import pathlib

    package = pathlib.Path(ag.__file__).parent
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "getrefcount" not in text, path


def test_a_graph_result_saved_by_a_later_op_is_handed_out_as_a_copy() -> None:
    x = ag.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = ag.Tensor(np.array([3.0, 4.0]), requires_grad=True)
    y = x + 1.0  # add keeps nothing of its own
    z = y * w  # but this saves y's array, for w's gradient
    y.data[:] = 0.0  # a copy: the graph keeps what it computed with
    z.sum().backward()
    np.testing.assert_allclose(w.grad, [2.0, 3.0])
    v = x + 1.0
    u = v * 2.0  # v's gradient needs only the 2.0: v's array is not saved
    array = v._data
    assert v.data is array  # handed out as it is, no copy
    assert u.requires_grad
