"""Every op in the table: forward against NumPy, VJPs against finite differences, invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag
from autograd_lite.testing import check_grad
from autograd_lite.testing import strategies as ags

from .op_table import OPS, TABLE_SETTINGS, OpCase


@st.composite
def op_inputs(draw: st.DrawFn, case: OpCase, dtype: type = np.float64) -> list[np.ndarray]:
    if case.shapes is not None:
        shapes = draw(case.shapes)
    elif case.name == "matmul":
        shapes = draw(
            hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=3, max_side=4)
        ).input_shapes
    elif case.broadcasts:
        shapes = draw(ags.broadcastable_shapes(case.arity, min_dims=case.min_dims))
    else:
        shape = draw(ags.shapes(min_dims=case.min_dims))
        shapes = (shape,) * case.arity
    arrays = [
        draw(ags.arrays(s, dtype=dtype, min_value=case.low, max_value=case.high, avoid=case.avoid))
        for s in shapes
    ]
    if case.distinct:
        # Finite differences must not straddle a tie, where the derivative jumps.
        values = np.sort(np.concatenate([a.ravel() for a in arrays]).astype(np.float64))
        assume(values.size < 2 or np.diff(values).min() > 1e-3)
    return arrays


def _ids(case: OpCase) -> str:
    return case.name


@pytest.mark.parametrize("case", OPS, ids=_ids)
@given(data=st.data())
@TABLE_SETTINGS
def test_forward_matches_numpy(case: OpCase, data: st.DataObject) -> None:
    arrays = data.draw(op_inputs(case))
    out = case.fn(*[ag.Tensor(a) for a in arrays])
    assert isinstance(out, ag.Tensor)
    np.testing.assert_allclose(out.data, case.reference(*arrays), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", OPS, ids=_ids)
@given(data=st.data())
@TABLE_SETTINGS
def test_vjp_matches_finite_differences(case: OpCase, data: st.DataObject) -> None:
    arrays = data.draw(op_inputs(case))
    out_shape = case.fn(*[ag.Tensor(a) for a in arrays]).shape
    # A random projection turns the op into a scalar, so every output element is weighed.
    weights = data.draw(ags.arrays(out_shape, min_value=-1, max_value=1))
    check_grad(lambda *xs: (case.fn(*xs) * weights).sum(), *arrays, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", OPS, ids=_ids)
@given(data=st.data())
@TABLE_SETTINGS
def test_numpy_functions_on_tensors_record_the_same_op(case: OpCase, data: st.DataObject) -> None:
    """``np.<name>(tensor)`` dispatches to autograd_lite: same values, same gradients."""
    arrays = data.draw(op_inputs(case))
    numpy_fn = case.numpy_fn or case.reference
    through_numpy = [ag.Tensor(a, requires_grad=True) for a in arrays]
    direct = [ag.Tensor(a, requires_grad=True) for a in arrays]
    out = numpy_fn(*through_numpy)
    expected = case.fn(*direct)
    assert isinstance(out, ag.Tensor), f"{case.name}: NumPy's call returned {type(out)}"
    np.testing.assert_allclose(out.data, expected.data, rtol=1e-12, atol=1e-12)
    weights = data.draw(ags.arrays(out.shape, min_value=-1, max_value=1))
    (out * weights).sum().backward()
    (expected * weights).sum().backward()
    for t, d in zip(through_numpy, direct):
        if d.grad is None:
            assert t.grad is None
        else:
            np.testing.assert_allclose(t.grad, d.grad, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", OPS, ids=_ids)
@given(data=st.data())
@TABLE_SETTINGS
def test_float32_stays_float32(case: OpCase, data: st.DataObject) -> None:
    arrays = data.draw(op_inputs(case, dtype=np.float32))
    tensors = [ag.Tensor(a, requires_grad=True) for a in arrays]
    out = case.fn(*tensors)
    assert out.dtype == np.float32
    (out * 2.0).sum().backward()
    for t in tensors:
        assert t.grad is None or t.grad.dtype == np.float32


@pytest.mark.parametrize("case", OPS, ids=_ids)
@given(data=st.data())
@TABLE_SETTINGS
def test_inputs_unchanged_and_grads_independent(case: OpCase, data: st.DataObject) -> None:
    arrays = data.draw(op_inputs(case))
    copies = [a.copy() for a in arrays]
    tensors = [ag.Tensor(a, requires_grad=True) for a in arrays]
    out = case.fn(*tensors)
    out.backward(np.ones(out.shape))
    for a, c in zip(arrays, copies):
        np.testing.assert_array_equal(a, c)
    grads = [t.grad for t in tensors if t.grad is not None]
    for i, g in enumerate(grads):
        assert g.flags.writeable
        for other in [*arrays, *grads[:i]]:
            assert not np.shares_memory(g, other)


# ---------------------------------------------------------------- losses, every reduction
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(data=st.data())
def test_cross_entropy_gradient_over_axes_and_reductions(
    reduction: str, dtype: type, data: st.DataObject
) -> None:
    """g (softmax - onehot) at every position, against finite differences too."""
    shape = data.draw(ags.shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    z = data.draw(ags.arrays(shape, dtype=dtype, min_value=-3, max_value=3))
    rest = shape[: axis % len(shape)] + shape[axis % len(shape) + 1 :]
    classes = data.draw(hnp.arrays(np.int64, rest, elements=st.integers(0, shape[axis] - 1)))
    loss = ag.cross_entropy(ag.Tensor(z), classes, axis=axis, reduction=reduction)
    g = data.draw(ags.arrays(loss.shape, dtype=dtype, min_value=-2, max_value=2))

    t = ag.Tensor(z, requires_grad=True)
    ag.cross_entropy(t, classes, axis=axis, reduction=reduction).backward(g)

    shifted = z.astype(np.float64) - z.max(axis=axis, keepdims=True)
    softmax = np.exp(shifted) / np.exp(shifted).sum(axis=axis, keepdims=True)
    onehot = np.moveaxis(np.eye(shape[axis])[classes], -1, axis % len(shape))
    count = classes.size if reduction == "mean" else 1
    upstream = np.expand_dims(g, axis % len(shape)) if reduction == "none" else g
    expected = upstream * (softmax - onehot) / max(count, 1)
    assert t.grad is not None and t.grad.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(t.grad, expected, rtol=tol, atol=tol)
    if dtype == np.float64:
        check_grad(
            lambda x: (ag.cross_entropy(x, classes, axis=axis, reduction=reduction) * g).sum(), z
        )
