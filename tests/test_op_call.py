"""Two-input ufunc ops have a call of their own: it must record what the general call does."""

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


def _read_only(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def _summary(result: ag.Tensor, inputs: tuple[Any, Any]) -> dict[str, Any]:
    """What a call recorded, in terms that do not depend on which call recorded it."""
    arrays = [x._data if isinstance(x, ag.Tensor) else x for x in inputs]
    node = result._node
    summary: dict[str, Any] = {
        "value": result._data.tolist(),
        "dtype": result.dtype,
        "owned": result._owned is result._data,
        "recorded": node is not None,
    }
    if node is not None:
        summary |= {
            "argnums": node.argnums,
            "parents": [p is getattr(x, "_node", None) for p, x in zip(node.parents, inputs)],
            "saved": [s is a if s is not None else None for s, a in zip(node.args, arrays)],
            "out": node.out is result._data if node.out is not None else None,
            "guarded": sorted(id(g.array) for g in node.guarded),
            "kwargs": node.kwargs,
            "shape": node.shape,
        }
    return summary


CASES = [
    pytest.param(op, first, second, id=f"{op.name}-{first}-{second}")
    for op in (ag.add, ag.subtract, ag.multiply, ag.divide, ag.matmul)
    for first, second in itertools.product(OPERANDS, repeat=2)
    # At least one array; matmul takes no scalars.
    if "scalar" not in (first, second) or (op is not ag.matmul and first != second)
]


@pytest.mark.parametrize(("op", "first", "second"), CASES)
def test_the_two_input_call_records_what_the_general_call_records(
    op: Primitive, first: str, second: str
) -> None:
    a, b = OPERANDS[first](), OPERANDS[second]()
    fast = op(a, b)
    general = Primitive.__call__(op, a, b)
    assert type(op).__call__ is not Primitive.__call__  # the fast call is the one tested
    assert _summary(fast, (a, b)) == _summary(general, (a, b))
    if fast.requires_grad:
        fast.sum().backward(retain_graph=True)
        fast_grads = [getattr(x, "grad", None) for x in (a, b)]
        for x in (a, b):
            if isinstance(x, ag.Tensor):
                x.grad = None
        general.sum().backward()
        for got, x in zip(fast_grads, (a, b)):
            if isinstance(x, ag.Tensor) and x.is_leaf and x.requires_grad:
                np.testing.assert_array_equal(got, x.grad)


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
