"""NumPy's own functions on Tensors: twins run and record, the rest refuse graph Tensors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import _dispatch
from autograd_lite.errors import NumpyOnTensorError


def _leaf(values: object) -> ag.Tensor:
    return ag.Tensor(np.asarray(values, dtype=float), requires_grad=True)


def test_a_function_without_a_twin_refuses_a_graph_tensor_inside_a_list() -> None:
    x = _leaf([1.0, 2.0])
    with pytest.raises(NumpyOnTensorError, match=r"numpy\.block"):
        np.block([x, x])


def test_a_ufunc_method_without_a_twin_names_the_method() -> None:
    x = _leaf([1.0, 2.0])
    with pytest.raises(NumpyOnTensorError, match=r"numpy\.add\.outer"):
        np.add.outer(x, x)


def test_out_and_dtype_are_refused_rather_than_leaving_the_graph() -> None:
    x = _leaf([1.0, 2.0])
    with pytest.raises(NumpyOnTensorError, match="out"):
        np.multiply(x, 2.0, out=np.empty(2))
    with pytest.raises(TypeError, match=r"sum.*\['out'\]"):
        np.sum(x, out=np.empty(()))
    with pytest.raises(TypeError, match=r"\['dtype'\]"):
        np.add.reduce(x, dtype=np.float32)


def test_ufunc_reduce_runs_the_reduction_with_numpys_default_axis() -> None:
    x = _leaf(np.arange(6.0).reshape(2, 3))
    total = np.add.reduce(x)  # axis 0, as NumPy's default
    assert isinstance(total, ag.Tensor) and total.shape == (3,)
    largest = np.maximum.reduce(x, axis=1, keepdims=True)
    assert largest.shape == (2, 1)
    (total.sum() + largest.sum()).backward()
    expected = np.ones((2, 3))
    expected[:, 2] += 1  # the row maxima
    np.testing.assert_array_equal(x.grad, expected)


def test_functions_taking_sequences_and_keywords_dispatch() -> None:
    x, y = _leaf([1.0, 2.0]), _leaf([3.0])
    joined = np.concatenate([x, y], axis=0)
    stacked = np.stack((x, x * 2.0))
    assert isinstance(joined, ag.Tensor) and joined.shape == (3,)
    (joined.sum() + np.sum(stacked, axis=0).sum() + np.mean(np.reshape(x, (2, 1)))).backward()
    np.testing.assert_allclose(x.grad, [1 + 3 + 0.5, 1 + 3 + 0.5])
    np.testing.assert_allclose(y.grad, [1.0])


def test_constant_tensors_go_through_numpy_and_values_only_functions_read_values() -> None:
    c = ag.Tensor([3.0, 1.0, 2.0])
    assert np.sinc(c).shape == (3,)  # no graph to drop: plain NumPy
    x = _leaf([3.0, 1.0, 2.0])
    assert np.shape(x) == (3,) and np.ndim(x) == 1
    np.testing.assert_array_equal(np.argsort(x), [1, 2, 0])
    assert np.allclose(x, [3.0, 1.0, 2.0])


def test_every_registered_twin_is_callable_and_keys_are_numpy_callables() -> None:
    keys = _dispatch.registered()
    assert len(keys) > 40
    for owner, method in keys:
        if method == "__function__":
            assert callable(owner) and not isinstance(owner, np.ufunc)
        else:
            assert isinstance(owner, np.ufunc)
            assert method == "__call__" or hasattr(owner, method)
        assert callable(_dispatch.twin_of(owner, method))
