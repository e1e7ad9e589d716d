"""The table's ops against PyTorch's autograd, where PyTorch is installed (never required).

Rows whose function is the op itself (``OpCase("sin", ag.sin, ...)``) are compared with
the PyTorch function of the same meaning: values and the gradient of a random projection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite.testing import strategies as ags

from .op_table import OPS, TABLE_SETTINGS, OpCase
from .test_ops import op_inputs

torch = pytest.importorskip("torch")


def _all_dims(f: Callable[..., Any]) -> Callable[..., Any]:
    """A PyTorch reduction over every axis (NumPy's ``axis=None``)."""
    return lambda x: f(x, dim=tuple(range(x.ndim))) if x.ndim else f(x, dim=())


def _matrix(x: Any) -> Any:
    """NumPy's tril/triu read a vector as the rows of a square matrix."""
    return x if x.ndim >= 2 else x.expand(x.shape[-1], x.shape[-1])


TORCH: dict[Any, Callable[..., Any]] = {
    ag.add: torch.add, ag.subtract: torch.sub, ag.multiply: torch.mul, ag.divide: torch.div,
    ag.power: torch.pow, ag.negative: torch.neg, ag.exp: torch.exp, ag.log: torch.log,
    ag.sqrt: torch.sqrt, ag.sigmoid: torch.sigmoid, ag.tanh: torch.tanh, ag.relu: torch.relu,
    ag.absolute: torch.abs, ag.fabs: torch.abs, ag.maximum: torch.maximum,
    ag.minimum: torch.minimum, ag.sin: torch.sin, ag.cos: torch.cos, ag.tan: torch.tan,
    ag.arcsin: torch.asin, ag.arccos: torch.acos, ag.arctan: torch.atan, ag.sinh: torch.sinh,
    ag.cosh: torch.cosh, ag.arcsinh: torch.asinh, ag.arccosh: torch.acosh,
    ag.arctanh: torch.atanh, ag.exp2: torch.exp2, ag.expm1: torch.expm1, ag.log2: torch.log2,
    ag.log10: torch.log10, ag.log1p: torch.log1p, ag.square: torch.square,
    ag.logaddexp: torch.logaddexp, ag.logaddexp2: torch.logaddexp2, ag.hypot: torch.hypot,
    ag.deg2rad: torch.deg2rad, ag.rad2deg: torch.rad2deg, ag.sum: torch.sum,
    ag.mean: torch.mean, ag.prod: torch.prod,
    ag.var: lambda x: torch.var(x, dim=tuple(range(x.ndim)) or None, correction=0),
    ag.std: lambda x: torch.std(x, dim=tuple(range(x.ndim)) or None, correction=0),
    ag.logsumexp: _all_dims(torch.logsumexp), ag.matmul: torch.matmul,
    ag.ravel: torch.ravel, ag.kron: torch.kron,
    ag.trace: lambda x: torch.diagonal(x, dim1=0, dim2=1).sum(-1),
    ag.tril: lambda x: torch.tril(_matrix(x)), ag.triu: lambda x: torch.triu(_matrix(x)),
    ag.fliplr: torch.fliplr, ag.flipud: torch.flipud,
    ag.outer: lambda a, b: torch.outer(a.reshape(-1), b.reshape(-1)),
    ag.vdot: lambda a, b: torch.dot(a.reshape(-1), b.reshape(-1)),
    ag.sort: lambda x: torch.sort(x, dim=-1).values if x.ndim else x,
}  # fmt: skip

CASES = [c for c in OPS if any(c.fn is op for op in TORCH)]


def test_the_comparison_covers_the_families() -> None:
    assert len(CASES) >= 50


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@given(data=st.data())
@TABLE_SETTINGS
def test_values_and_gradients_match_pytorch(case: OpCase, data: st.DataObject) -> None:
    arrays = data.draw(op_inputs(case))
    tensors = [ag.Tensor(a, requires_grad=True) for a in arrays]
    out = case.fn(*tensors)
    weights = data.draw(ags.arrays(out.shape, min_value=-1, max_value=1))
    (out * weights).sum().backward()

    torch_in = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    torch_out = TORCH[case.fn](*torch_in)
    np.testing.assert_allclose(out.data, torch_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    (torch_out * torch.tensor(weights)).sum().backward()
    for t, ref in zip(tensors, torch_in):
        np.testing.assert_allclose(t.grad, ref.grad.numpy(), rtol=1e-9, atol=1e-11)
