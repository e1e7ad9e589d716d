"""Exact cases of sort, partition, take, take_along_axis, index_add: permutations, ties, repeats."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag


def test_sort_gradient_is_g_sent_back_through_the_inverse_permutation() -> None:
    x = ag.Tensor([3.0, 1.0, 2.0], requires_grad=True)
    out = ag.sort(x)
    np.testing.assert_array_equal(out.data, [1.0, 2.0, 3.0])
    out.backward(np.array([10.0, 20.0, 30.0]))
    # Output k came from input perm[k] = argsort(x)[k] = [1, 2, 0]: grad[perm] = g.
    np.testing.assert_array_equal(x.grad, [30.0, 10.0, 20.0])


def test_sort_ties_are_matched_in_order_of_position() -> None:
    x = ag.Tensor([[2.0, 1.0, 2.0]], requires_grad=True)
    ag.sort(x, axis=-1).backward(np.array([[10.0, 20.0, 30.0]]))
    np.testing.assert_array_equal(x.grad, [[20.0, 10.0, 30.0]])  # the first 2 gets g[1]


def test_sort_along_axis0_and_flattened() -> None:
    data = np.array([[3.0, 0.0], [1.0, 5.0]])
    x = ag.Tensor(data, requires_grad=True)
    np.testing.assert_array_equal(np.sort(x, axis=0).data, np.sort(data, axis=0))
    out = ag.sort(x, axis=None)
    np.testing.assert_array_equal(out.data, [0.0, 1.0, 3.0, 5.0])
    out.backward(np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(x.grad, [[3.0, 1.0], [2.0, 4.0]])
    with pytest.raises(np.exceptions.AxisError, match="sort"):
        ag.sort(np.array(1.0))


def test_partition_gives_numpys_values_and_ties_follow_position() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        data = rng.integers(0, 3, size=(3, 6)).astype(np.float64)  # many ties
        kth = int(rng.integers(0, 6))
        np.testing.assert_array_equal(ag.partition(data, kth).data, np.partition(data, kth))
    x = ag.Tensor([2.0, 0.0, 2.0, 1.0, 2.0], requires_grad=True)
    out = ag.partition(x, 1)
    np.testing.assert_array_equal(out.data, np.partition(x.data, 1))
    g = np.array([1.0, 10.0, 100.0, 1000.0, 10000.0])
    out.backward(g)
    # Each output's gradient goes to the first input of its value not yet matched.
    expected, free = np.zeros(5), list(range(5))
    for p, value in enumerate(out.data):
        j = next(j for j in free if x.data[j] == value)
        free.remove(j)
        expected[j] = g[p]
    np.testing.assert_array_equal(x.grad, expected)


def test_take_repeated_indices_accumulate() -> None:
    x = ag.Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    out = ag.take(x, [0, 0, 5, 0])
    np.testing.assert_array_equal(out.data, [1.0, 1.0, 6.0, 1.0])
    out.backward(np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(x.grad, [[7.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    x.grad = None
    out = ag.take(x, np.array([[2, -1]]), axis=1)  # shape a.shape[:1] + (1, 2)
    assert out.shape == (2, 1, 2)
    out.backward(np.ones((2, 1, 2)))
    np.testing.assert_array_equal(x.grad, [[0.0, 0.0, 2.0], [0.0, 0.0, 2.0]])


def test_take_modes_and_errors() -> None:
    x = np.arange(4.0)
    np.testing.assert_array_equal(ag.take(x, [5, -6], mode="wrap").data, [1.0, 2.0])
    np.testing.assert_array_equal(ag.take(x, [5, -6], mode="clip").data, [3.0, 0.0])
    np.testing.assert_array_equal(ag.take(x, np.array([True, False])).data, [1.0, 0.0])
    with pytest.raises(IndexError, match="take: index 4"):
        ag.take(x, [4])
    with pytest.raises(TypeError, match="take: out="):
        ag.take(x, [0], out=np.empty(1))


def test_take_along_axis_repeated_indices_accumulate() -> None:
    x = ag.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    out = np.take_along_axis(x, np.array([[1, 1, 1], [0, 1, 0]]), axis=1)
    assert isinstance(out, ag.Tensor)
    np.testing.assert_array_equal(out.data, [[2.0, 2.0, 2.0], [3.0, 4.0, 3.0]])
    out.backward(np.ones((2, 3)))
    np.testing.assert_array_equal(x.grad, [[0.0, 3.0], [2.0, 1.0]])
    with pytest.raises(IndexError, match="integer"):
        ag.take_along_axis(x, np.array([[0.0]]), axis=0)


def test_index_add_repeated_indices_accumulate_and_x_is_unchanged() -> None:
    data = np.zeros(4)
    x = ag.Tensor(data, requires_grad=True)
    v = ag.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = ag.index_add(x, [0, 0, 3], v)
    np.testing.assert_array_equal(out.data, [3.0, 0.0, 0.0, 3.0])
    np.testing.assert_array_equal(data, np.zeros(4))
    g = np.array([10.0, 20.0, 30.0, 40.0])
    out.backward(g)
    np.testing.assert_array_equal(x.grad, g)
    np.testing.assert_array_equal(v.grad, [10.0, 10.0, 40.0])  # g[index]


def test_index_add_broadcast_values_and_tuple_index() -> None:
    x = ag.Tensor(np.zeros((2, 3), dtype=np.float32), requires_grad=True)
    v = ag.Tensor(np.float32(1.5), requires_grad=True)
    out = ag.index_add(x, (np.array([0, 0, 1]), np.array([2, 2, 0])), v)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data, [[0.0, 0.0, 3.0], [1.5, 0.0, 0.0]])
    out.backward(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    assert v.grad is not None and v.grad.dtype == np.float32
    assert v.grad == 2.0 + 2.0 + 3.0
    np.testing.assert_array_equal(x.grad, np.arange(6.0).reshape(2, 3))
