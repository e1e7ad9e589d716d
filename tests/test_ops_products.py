"""Exact cases of the products: einsum, dot, vdot, inner, outer, kron, tensordot."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.testing import check_grad


def test_outer_gradient_is_the_other_operand_weighed_by_g() -> None:
    a = ag.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = ag.Tensor([[4.0], [5.0]], requires_grad=True)  # flattened, as np.outer does
    g = np.array([[1.0, -1.0], [2.0, 0.5], [0.0, 3.0]])
    out = ag.outer(a, b)
    np.testing.assert_array_equal(out.data, np.outer(a.data, b.data))
    out.backward(g)
    np.testing.assert_array_equal(a.grad, g @ np.array([4.0, 5.0]))
    np.testing.assert_array_equal(b.grad, (g.T @ np.array([1.0, 2.0, 3.0]))[:, None])


@pytest.mark.parametrize("subscripts", ["ii->", "ii"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_einsum_trace_gradient_is_the_identity(subscripts: str, dtype: type) -> None:
    x = ag.Tensor(np.arange(9.0, dtype=dtype).reshape(3, 3), requires_grad=True)
    out = ag.einsum(subscripts, x)
    assert out.shape == () and out.item() == 0 + 4 + 8 and out.dtype == dtype
    out.backward()
    assert x.grad is not None and x.grad.dtype == dtype
    np.testing.assert_array_equal(x.grad, np.eye(3))


def test_einsum_diagonal_gradient_is_g_on_the_diagonal() -> None:
    x = ag.Tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
    out = ag.einsum("ii->i", x)
    np.testing.assert_array_equal(out.data, [0.0, 4.0, 8.0])
    out.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.grad, np.diag([1.0, 2.0, 3.0]))


def test_einsum_label_summed_in_one_operand_broadcasts_the_gradient_back() -> None:
    a = ag.Tensor(np.ones((2, 3)), requires_grad=True)
    b = ag.Tensor([1.0, 2.0], requires_grad=True)
    ag.einsum("ij,k->ki", a, b).backward(np.array([[1.0, 2.0], [3.0, 4.0]]))  # out[k, i]
    # d/da[i, j] = sum_k g[k, i] b[k]: the same for every j.
    np.testing.assert_array_equal(a.grad, [[7.0] * 3, [10.0] * 3])
    np.testing.assert_array_equal(b.grad, [3 * 3.0, 3 * 7.0])


@pytest.mark.parametrize(
    ("subscripts", "shapes"),
    [(",i->i", [(), (3,)]), (",->", [(), ()]), ("i,j->ij", [(2,), (3,)]),
     ("iij,j->i", [(3, 3, 2), (2,)]), ("ij,k->ki", [(2, 3), (4,)])],
)  # fmt: skip
def test_einsum_operands_of_different_ranks(subscripts: str, shapes: list[tuple[int, ...]]) -> None:
    """Rows the op table cannot hold (its compile test gives every input the same shape)."""
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=s) for s in shapes]
    out = ag.einsum(subscripts, *xs)
    np.testing.assert_allclose(out.data, np.einsum(subscripts, *xs), rtol=1e-14)
    w = rng.normal(size=out.shape)
    check_grad(lambda *ts: (ag.einsum(subscripts, *ts) * w).sum(), *xs)


def test_einsum_hessian_of_a_quadratic_form() -> None:
    A = np.array([[2.0, 1.0], [0.0, 3.0]])
    H = ag.hessian(lambda x: ag.einsum("i,ij,j->", x, A, x))(np.array([0.5, -1.0]))
    np.testing.assert_array_equal(H, A + A.T)


def test_einsum_forms_agree_with_numpy() -> None:
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    expected = np.einsum("ij,jk->ik", a, b)
    for out in (
        ag.einsum("ij,jk", a, b),  # implicit output
        ag.einsum(" ij , jk -> ik ", a, b),  # spaces
        ag.einsum(a, [0, 1], b, [1, 2], [0, 2]),  # sublists
        ag.einsum("...j,jk->...k", a, b),
        ag.einsum("ij,jk->ik", a, b, optimize=True),
        np.einsum("ij,jk->ik", ag.Tensor(a, requires_grad=True), b, optimize="greedy"),
    ):
        assert isinstance(out, ag.Tensor)
        np.testing.assert_allclose(out.data, expected, rtol=1e-15)
    # The implicit output is in ASCII order (upper case first), ellipsis dimensions first.
    assert ag.einsum("ba", a).shape == (3, 2)
    assert ag.einsum("Ba", a).shape == (2, 3)
    assert ag.einsum("bj,...a", a, np.ones((4, 5))).shape == (4, 5, 2, 3)


@pytest.mark.parametrize(
    ("subscripts", "shapes", "message"),
    [
        ("...i->i", [(2, 3)], "no '...' ellipsis"),
        ("ij,jk", [(2, 3)], "2 operand"),
        ("ijk", [(2, 3)], "dimension"),
        ("i.j", [(2, 3)], "ellipsis"),
        ("i1", [(2, 3)], "not a letter"),
        ("ij->k", [(2, 3)], "never appeared"),
    ],
)
def test_einsum_bad_subscripts_raise_value_errors_naming_einsum(
    subscripts: str, shapes: list[tuple[int, ...]], message: str
) -> None:
    with pytest.raises(ValueError, match=f"einsum: .*{message}"):
        ag.einsum(subscripts, *[np.ones(s) for s in shapes])


def test_dot_follows_numpy_for_each_rank() -> None:
    rng = np.random.default_rng(0)
    for sa, sb in [((), (2,)), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (4, 3, 5))]:
        a, b = rng.normal(size=sa), rng.normal(size=sb)
        out = ag.dot(a, b)
        assert out.shape == np.dot(a, b).shape
        np.testing.assert_allclose(out.data, np.dot(a, b), rtol=1e-14)
    with pytest.raises(ValueError, match="dot: shapes"):
        ag.dot(np.ones(3), np.ones(2))


def test_tensordot_and_kron_gradients() -> None:
    a = ag.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = ag.Tensor(np.ones((3, 2)), requires_grad=True)
    ag.tensordot(a, b, axes=([0, 1], [1, 0])).backward()  # sum_ij a[i, j] b[j, i]
    np.testing.assert_array_equal(a.grad, np.ones((2, 3)))
    np.testing.assert_array_equal(b.grad, np.arange(6.0).reshape(2, 3).T)
    with pytest.raises(ValueError, match="tensordot: shape-mismatch"):
        ag.tensordot(np.ones((2, 3)), np.ones((2, 3)), axes=1)
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    y = ag.kron(x, np.array([[1.0, 10.0]]))
    np.testing.assert_array_equal(y.data, [[1.0, 10.0, 2.0, 20.0]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [11.0, 11.0])


def test_vdot_flattens_and_np_vdot_dispatches() -> None:
    a = ag.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    out = np.vdot(a, np.arange(6.0))
    assert isinstance(out, ag.Tensor) and out.item() == np.vdot(np.arange(6.0), np.arange(6.0))
    out.backward()
    np.testing.assert_array_equal(a.grad, np.arange(6.0).reshape(2, 3))
