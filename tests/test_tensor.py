"""The Tensor contract: attributes, operators, backward semantics, modes and errors."""

from __future__ import annotations

import operator
import threading

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.errors import GraphFreedError, NumpyOnTensorError


def test_attributes_mirror_the_data() -> None:
    data = np.arange(6.0).reshape(2, 3)
    t = ag.Tensor(data, requires_grad=True)
    assert t.data is data  # no copy
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and t.dtype == np.float64
    assert t.requires_grad and t.is_leaf and t.grad is None
    np.testing.assert_array_equal(t.T.data, data.T)
    assert t.numpy() is data
    assert ag.Tensor([[2.5]]).item() == 2.5
    assert len(t) == 2


def test_default_dtypes() -> None:
    assert ag.Tensor(1.0).dtype == np.float64
    assert ag.Tensor([1, 2]).dtype == np.int64
    assert ag.Tensor([1, 2], dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.bool_, np.complex128])
def test_requires_grad_needs_a_float_dtype(dtype: type) -> None:
    with pytest.raises(TypeError, match="floating"):
        ag.Tensor(np.zeros(2, dtype=dtype), requires_grad=True)
    t = ag.Tensor(np.zeros(2, dtype=dtype))
    with pytest.raises(TypeError, match="floating"):
        t.requires_grad = True
    assert not t.requires_grad


def test_unsupported_data_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="dtype"):
        ag.Tensor(np.array(["a"]))
    with pytest.raises(TypeError, match="dtype"):
        ag.Tensor(np.array([object()]))


BINARY = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow]


@pytest.mark.parametrize("op", BINARY, ids=lambda op: op.__name__)
def test_operators_with_scalars_and_arrays_on_either_side(op) -> None:  # type: ignore[no-untyped-def]
    a = np.array([1.5, 2.0, 3.0])
    b = np.array([0.5, 1.0, 2.5])
    pairs = [(ag.Tensor(a), b), (a, ag.Tensor(b)), (ag.Tensor(a), 2.0), (2.0, ag.Tensor(b))]
    for left, right in pairs:
        out = op(left, right)
        assert isinstance(out, ag.Tensor), (left, right)
        expected = op(a if not np.isscalar(left) else left, b if not np.isscalar(right) else right)
        np.testing.assert_allclose(out.data, expected)


def test_ndarray_on_the_left_gives_a_tensor_for_matmul_and_comparisons() -> None:
    a = np.ones((2, 3))
    t = ag.Tensor(np.ones((3, 2)), requires_grad=True)
    out = a @ t
    assert isinstance(out, ag.Tensor) and out.requires_grad
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, np.full((3, 2), 2.0))
    assert isinstance(np.zeros(2) < ag.Tensor([1.0, -1.0]), ag.Tensor)
    assert isinstance(-ag.Tensor([1.0]), ag.Tensor)


def test_float32_is_not_upcast_by_python_scalars() -> None:
    x = ag.Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    y = (2.5 * x + 1.0) / 3.0 - x**2
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad is not None and x.grad.dtype == np.float32


def test_backward_without_grad_only_for_one_element() -> None:
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        (x * 2).backward()
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_backward_with_grad_of_the_wrong_shape() -> None:
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        (x * 2).backward(np.ones(3))
    assert x.grad is None


def test_backward_on_a_tensor_without_graph() -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.Tensor([1.0]).backward()


def test_leaf_gradients_accumulate_until_reset() -> None:
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, 3 * 2 * x.data)
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data)


def test_non_leaf_keeps_grad_only_after_retain_grad() -> None:
    x = ag.Tensor([1.0, -2.0], requires_grad=True)
    h = x * 3
    z = x * 3
    z.retain_grad()
    (h * h + z * z).sum().backward()
    assert h.grad is None
    np.testing.assert_array_equal(z.grad, 2 * z.data)
    assert not z.is_leaf


def test_second_backward_through_a_freed_graph_names_retain_graph() -> None:
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(GraphFreedError, match="retain_graph"):
        y.backward()


def test_retain_graph_allows_a_second_backward() -> None:
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad, 4 * np.exp(x.data))


def test_grad_arrays_never_alias_each_other_or_the_seed() -> None:
    a = ag.Tensor([1.0, 2.0], requires_grad=True)
    b = ag.Tensor([3.0, 4.0], requires_grad=True)
    seed = np.array([1.0, 1.0])
    (a + b).backward(seed)
    assert a.grad is not None and b.grad is not None
    assert not np.shares_memory(a.grad, b.grad)
    assert not np.shares_memory(a.grad, seed) and not np.shares_memory(b.grad, seed)
    a.grad += 1
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


def test_no_grad_records_nothing_and_works_as_decorator() -> None:
    x = ag.Tensor([1.0], requires_grad=True)
    with ag.no_grad():
        assert not (x * 2).requires_grad
        with ag.enable_grad():
            assert (x * 2).requires_grad
        assert not ag.is_grad_enabled()
    assert (x * 2).requires_grad

    @ag.no_grad()
    def f(t: ag.Tensor) -> ag.Tensor:
        return t * 2

    assert not f(x).requires_grad
    assert ag.is_grad_enabled()


def test_no_grad_is_thread_local() -> None:
    x = ag.Tensor([1.0], requires_grad=True)
    inside = threading.Event()
    checked = threading.Event()
    seen: list[bool] = []

    def other() -> None:
        inside.wait()
        seen.append((x * 2).requires_grad)
        checked.set()

    worker = threading.Thread(target=other)
    worker.start()
    with ag.no_grad():
        inside.set()
        checked.wait()
    worker.join()
    assert seen == [True]


def test_no_grad_restores_mode_after_an_exception() -> None:
    with pytest.raises(ZeroDivisionError), ag.no_grad():
        raise ZeroDivisionError
    assert ag.is_grad_enabled()


def test_detach_shares_data_and_drops_graph() -> None:
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf
    (x * d).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_numpy_refuses_to_silently_drop_a_graph() -> None:
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(NumpyOnTensorError):
        np.asarray(x)
    with pytest.raises(NumpyOnTensorError, match="heaviside"):
        np.heaviside(x, 0.5)  # a ufunc without an autograd_lite twin
    with pytest.raises(NumpyOnTensorError, match="sinc"):
        np.sinc(x)  # a function without one
    np.testing.assert_array_equal(np.asarray(x.detach()), [1.0, 2.0])
    np.testing.assert_allclose(np.exp(x).data, np.exp([1.0, 2.0]))  # dispatched to ag.exp


def test_indexing_basic_and_advanced_with_repeats() -> None:
    x = ag.Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    y = x[1:, ::2].sum() + x[[0, 0, 2], [1, 1, 3]].sum() + x[x.data > 9].sum()
    y.backward()
    expected = np.zeros((3, 4))
    expected[1:, ::2] += 1
    expected[0, 1] += 2
    expected[2, 3] += 1
    expected[x.data > 9] += 1
    np.testing.assert_array_equal(x.grad, expected)


def test_item_assignment_is_refused() -> None:
    x = ag.Tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="item assignment"):
        x[0] = 3.0


def test_shape_mismatch_names_the_op_and_both_shapes() -> None:
    a = ag.Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(2, 3\)"):
        a @ np.ones((2, 3))
    with pytest.raises(ValueError, match=r"add.*\(2, 3\).*\(4,\)"):
        a + np.ones(4)


def test_chain_of_100000_ops_has_no_recursion_limit() -> None:
    x = ag.Tensor(0.5, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0000001
    y.backward()
    np.testing.assert_allclose(x.grad, 1.0000001**100_000, rtol=1e-9)


def test_saved_arrays_are_freed_after_backward() -> None:
    x = ag.Tensor(np.ones(3), requires_grad=True)
    y = x.exp()
    node = y._node
    assert node is not None and node.out is not None
    y.sum().backward()
    assert node.out is None and node.args is None


def test_repr_shows_grad_state() -> None:
    assert "requires_grad=True" in repr(ag.Tensor([1.0], requires_grad=True))
    assert "grad_fn=<multiply>" in repr(ag.Tensor([1.0], requires_grad=True) * 2)
    assert "float32" in repr(ag.Tensor([1.0], dtype=np.float32))


# ---------------------------------------------------------------- PyTorch-style helpers
def test_requires_grad_underscore_switches_a_leaf_in_place() -> None:
    t = ag.Tensor([1.0, 2.0])
    assert t.requires_grad_() is t and t.requires_grad
    (t * t).sum().backward()
    np.testing.assert_array_equal(t.grad, [2.0, 4.0])
    assert not t.requires_grad_(False).requires_grad
    with pytest.raises(RuntimeError, match="leaf"):
        (ag.Tensor([1.0], requires_grad=True) * 2).requires_grad_(False)


def test_clone_copies_and_passes_the_gradient_back() -> None:
    x = ag.Tensor([1.0, -2.0], requires_grad=True)
    c = x.clone()
    assert not np.shares_memory(c.data, x.data)
    (c * c).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, -4.0])
    assert ag.Tensor([1, 2], dtype=np.int32).clone().dtype == np.int32


def test_tolist_argmax_argmin() -> None:
    data = np.array([[3.0, -1.0, 7.0], [0.5, 9.0, 2.0]])
    t = ag.Tensor(data, requires_grad=True)
    assert t.tolist() == data.tolist()
    for axis in (None, 0, 1, -1):
        np.testing.assert_array_equal(t.argmax(axis).data, data.argmax(axis))
        np.testing.assert_array_equal(t.argmin(axis).data, data.argmin(axis))
    assert not t.argmax().requires_grad


@pytest.mark.parametrize(
    ("shape", "method", "args", "expected"),
    [
        ((2, 1, 3), "flatten", (), (6,)),
        ((2, 1, 3, 1), "squeeze", (), (2, 3)),
        ((2, 1, 3, 1), "squeeze", (1,), (2, 3, 1)),
        ((2, 1, 3, 1), "squeeze", ((1, -1),), (2, 3)),
        ((2, 3), "unsqueeze", (0,), (1, 2, 3)),
        ((2, 3), "unsqueeze", (-1,), (2, 3, 1)),
        ((2, 3), "unsqueeze", ((0, 2),), (1, 2, 1, 3)),
    ],
)
def test_shape_helpers_match_numpy_and_pass_gradients_back(
    shape: tuple[int, ...], method: str, args: tuple[object, ...], expected: tuple[int, ...]
) -> None:
    data = np.arange(np.prod(shape), dtype=float).reshape(shape)
    x = ag.Tensor(data, requires_grad=True)
    y = getattr(x, method)(*args)
    assert y.shape == expected
    np.testing.assert_array_equal(y.data.ravel(), data.ravel())
    weights = np.arange(y.size, dtype=float).reshape(expected)
    (y * weights).sum().backward()
    np.testing.assert_array_equal(x.grad, weights.reshape(shape))


def test_shape_helpers_refuse_bad_axes_naming_the_method() -> None:
    x = ag.Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"squeeze:.*\(2, 3\)"):
        x.squeeze(1)
    with pytest.raises(ValueError, match=r"unsqueeze:.*\(2, 3\)"):
        x.unsqueeze(5)


def test_pow_and_matmul_methods_are_the_operators() -> None:
    a = ag.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    np.testing.assert_array_equal(a.pow(2).data, (a**2).data)
    np.testing.assert_array_equal(a.matmul(a).data, (a @ a).data)
    a.pow(3).sum().backward()
    np.testing.assert_array_equal(a.grad, 3 * a.data**2)


def test_a_failed_backward_pass_leaves_every_grad_as_it_was() -> None:
    @ag.primitive
    def fragile(x):  # type: ignore[no-untyped-def]
        return x * 1.0

    @fragile.defvjp
    def _(g, out, x):  # type: ignore[no-untyped-def]
        raise RuntimeError("this VJP fails")

    a = ag.Tensor([1.0, 2.0], requires_grad=True)
    fa = fragile(a)
    b = ag.Tensor([3.0, 4.0], requires_grad=True)  # newer than fragile's node: reached first
    b.grad = np.array([10.0, 10.0])
    with pytest.raises(RuntimeError, match="this VJP fails"):
        (fa + b * 2.0).sum().backward()
    assert a.grad is None
    np.testing.assert_array_equal(b.grad, [10.0, 10.0])


def test_a_grad_that_cannot_take_the_sum_changes_no_grad() -> None:
    a = ag.Tensor([1.0, 2.0], requires_grad=True)
    b = ag.Tensor([3.0, 4.0], requires_grad=True)
    b.grad = np.zeros(3)  # set by hand to something that does not add up
    with pytest.raises(ValueError):
        (a * b).sum().backward()
    assert a.grad is None
    np.testing.assert_array_equal(b.grad, np.zeros(3))


def test_a_failed_backward_pass_leaves_retained_grads_as_they_were_too() -> None:
    @ag.primitive
    def fragile(x):  # type: ignore[no-untyped-def]
        return x * 1.0

    fragile.defvjp(lambda g, out, x: (_ for _ in ()).throw(RuntimeError("this VJP fails")))
    a = ag.Tensor([1.0, 2.0], requires_grad=True)
    hidden = ag.tanh(fragile(a))
    hidden.retain_grad()  # reached before fragile's VJP fails
    with pytest.raises(RuntimeError, match="this VJP fails"):
        (hidden * 2.0).sum().backward()
    assert hidden.grad is None and a.grad is None


def test_a_tensor_whose_requires_grad_was_switched_off_and_on_gets_every_gradient() -> None:
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    x.requires_grad = False
    x.requires_grad = True  # a second leaf node for the same Tensor
    z = x * 5.0
    (y + z).sum().backward()
    np.testing.assert_array_equal(x.grad, [8.0, 8.0])
