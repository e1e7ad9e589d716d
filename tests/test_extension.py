"""The one extension path: primitive + defvjp, as a user defining new ops would use it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite.testing import check_grad
from autograd_lite.testing import strategies as ags


@ag.primitive
def softplus(x):  # type: ignore[no-untyped-def]
    return np.logaddexp(0.0, x)


@softplus.defvjp
def _(g, out, x):  # type: ignore[no-untyped-def]
    return g * ag.sigmoid(x)


@ag.primitive
def hypot(x, y):  # type: ignore[no-untyped-def]
    return np.hypot(x, y)


hypot.defvjp(
    lambda g, out, x, y: g * x / out,
    lambda g, out, x, y: g * y / out,
)


@given(ags.arrays())
def test_softplus_gradient_is_sigmoid(x: np.ndarray) -> None:
    t = ag.Tensor(x, requires_grad=True)
    softplus(t).sum().backward()
    np.testing.assert_allclose(t.grad, 1 / (1 + np.exp(-x)), rtol=1e-12)


@given(
    ags.broadcastable_shapes(2).flatmap(
        lambda shapes: st.tuples(*(ags.arrays(s, min_value=0.5) for s in shapes))
    )
)
def test_hypot_over_broadcast_shapes(pair: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = pair
    check_grad(lambda a, b: hypot(a, b).sum(), x, y)
    tx, ty = ag.Tensor(x, requires_grad=True), ag.Tensor(y, requires_grad=True)
    hypot(tx, ty).sum().backward()
    assert tx.grad is not None and ty.grad is not None
    assert tx.grad.shape == x.shape and ty.grad.shape == y.shape  # summed back by the engine


def test_only_vjps_of_inputs_that_need_grad_are_called() -> None:
    calls: list[str] = []

    @ag.primitive
    def mul(a, b):  # type: ignore[no-untyped-def]
        return a * b

    def vjp_a(g, out, a, b):  # type: ignore[no-untyped-def]
        calls.append("a")
        return g * b

    def vjp_b(g, out, a, b):  # type: ignore[no-untyped-def]
        calls.append("b")
        return g * a

    mul.defvjp(vjp_a, vjp_b)
    w = ag.Tensor(np.ones((2, 2)), requires_grad=True)
    mul(w, np.full((2, 2), 3.0)).sum().backward()
    assert calls == ["a"]
    np.testing.assert_array_equal(w.grad, np.full((2, 2), 3.0))


def test_the_data_matrix_gets_no_gradient_work() -> None:
    W1 = ag.Tensor(np.ones((3, 4)), requires_grad=True)
    X = ag.Tensor(np.ones((4, 5)))
    Z = W1 @ X
    assert Z._node is not None and Z._node.argnums == (0,)
    # Only what W1's VJP reads (X) is kept; the product itself is not.
    assert Z._node.args is not None and Z._node.args[0] is None and Z._node.out is None


def test_none_declares_an_input_non_differentiable() -> None:
    @ag.primitive
    def scale(x, factor):  # type: ignore[no-untyped-def]
        return x * factor

    scale.defvjp(lambda g, out, x, factor: g * factor, None)
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    scale(x, 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])
    # A factor that requires grad receives nothing through scale, and still receives
    # its gradients along other paths.
    x.grad = None
    factor = ag.Tensor(2.0, requires_grad=True)
    y = scale(x, factor)
    assert y._node is not None and y._node.argnums == (0,)
    (y.sum() + factor * 5.0).backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])
    assert float(factor.grad) == 5.0
    # Only inputs without a VJP require grad: the result is not part of any graph.
    z = scale(ag.Tensor([1.0]), factor)
    assert not z.requires_grad


@pytest.mark.parametrize("mode", ["default", "anomaly", "compiled", "second order"])
def test_none_vjp_inputs_get_nothing_in_every_mode(mode) -> None:  # type: ignore[no-untyped-def]
    @ag.primitive
    def weighted(x, w):  # type: ignore[no-untyped-def]
        return x * w

    weighted.defvjp(lambda g, out, x, w: g * w, None)

    def loss(x, w):
        return (weighted(x, w) + w * x).sum()

    x, w = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    if mode == "default":
        gx, gw = ag.grad(loss, argnums=(0, 1))(x, w)
    elif mode == "anomaly":
        with ag.detect_anomaly():
            gx, gw = ag.grad(loss, argnums=(0, 1))(x, w)
    elif mode == "compiled":
        gx, gw = ag.compile(ag.grad(loss, argnums=(0, 1)))(x, w)
    else:
        gx, gw = ag.grad(lambda x, w: ag.grad(loss, argnums=1)(x, w).sum(), argnums=(0, 1))(x, w)
        np.testing.assert_array_equal(gx, [1.0, 1.0])  # d/dx of sum(x), from w * x only
        np.testing.assert_array_equal(gw, [0.0, 0.0])
        return
    np.testing.assert_array_equal(gx, 2 * w)  # both terms
    np.testing.assert_array_equal(gw, x)  # the w * x term only


def test_check_grad_catches_a_wrong_vjp() -> None:
    @ag.primitive
    def cube(x):  # type: ignore[no-untyped-def]
        return x**3

    cube.defvjp(lambda g, out, x: g * 2 * x**2)  # should be 3 x²
    with pytest.raises(AssertionError, match="input 0"):
        check_grad(lambda x: cube(x).sum(), np.array([1.0, 2.0]))


def test_vjp_returning_an_unfit_shape_is_reported() -> None:
    @ag.primitive
    def ident(x):  # type: ignore[no-untyped-def]
        return x

    ident.defvjp(lambda g, out, x: np.ones(7))
    x = ag.Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"ident.*\(7,\).*\(3,\)"):
        ident(x).sum().backward()


def test_forward_errors_name_the_op() -> None:
    with pytest.raises(ValueError, match="hypot"):
        hypot(ag.Tensor(np.ones(2)), np.ones(3))


# ---------------------------------------------------------------- residuals
recomputed: list[int] = []


@ag.primitive
def logsumexp(x):  # type: ignore[no-untyped-def]
    shift = x.max()
    e = np.exp(x - shift)
    total = e.sum()
    return ag.Residuals(shift + np.log(total), probs=e / total)


@logsumexp.defvjp
def _(g, out, x, *, probs=None):  # type: ignore[no-untyped-def]
    if probs is None:  # a recorded backward pass: recompute, recorded
        recomputed.append(1)
        probs = ag.exp(x - out)
    return g * probs


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()  # type: ignore[no-any-return]


@given(ags.arrays(ags.shapes(min_dims=1, max_dims=1, min_side=1)))
def test_residuals_reach_the_vjp_at_first_order(x: np.ndarray) -> None:
    recomputed.clear()
    t = ag.Tensor(x, requires_grad=True)
    loss = logsumexp(t)
    np.testing.assert_allclose(loss.item(), np.log(np.exp(x - x.max()).sum()) + x.max())
    loss.backward()
    np.testing.assert_allclose(t.grad, _softmax(x), rtol=1e-12)
    assert not recomputed  # the forward's probabilities were used
    check_grad(logsumexp, x)  # the functional form (a first-order pass too)
    assert not recomputed


@given(ags.arrays(ags.shapes(min_dims=1, max_dims=1, min_side=1)))
def test_residuals_are_recomputed_for_second_derivatives(x: np.ndarray) -> None:
    recomputed.clear()
    p = _softmax(x)
    np.testing.assert_allclose(ag.hessian(logsumexp)(x), np.diag(p) - np.outer(p, p), atol=1e-12)
    assert recomputed


def test_residuals_survive_retain_graph_and_are_freed_by_backward() -> None:
    import weakref

    x = ag.Tensor([0.5, -1.0, 2.0], requires_grad=True)
    loss = logsumexp(x)
    probs = weakref.ref(loss._node.kwargs["probs"])  # type: ignore[union-attr]
    loss.backward(retain_graph=True)
    first = x.grad.copy()  # type: ignore[union-attr]
    x.grad = None
    loss.backward()
    np.testing.assert_array_equal(x.grad, first)
    assert probs() is None  # released with the node's saved arrays, not with the graph


def test_residuals_work_in_anomaly_mode() -> None:
    x = ag.Tensor([0.5, -1.0], requires_grad=True)
    with ag.detect_anomaly():
        logsumexp(x).backward()
    np.testing.assert_allclose(x.grad, _softmax(x.data), rtol=1e-12)


def test_a_residual_named_like_a_keyword_argument_is_refused() -> None:
    @ag.primitive
    def scaled(x, factor=1.0):  # type: ignore[no-untyped-def]
        return ag.Residuals(x * factor, factor=factor)

    scaled.defvjp(lambda g, out, x, factor=1.0: g * factor)
    with pytest.raises(TypeError, match=r"scaled.*\['factor'\]"):
        scaled(ag.Tensor([1.0], requires_grad=True), factor=2.0)


def test_a_residual_that_is_the_result_is_not_the_users_to_change() -> None:
    @ag.primitive
    def normalise(x):  # type: ignore[no-untyped-def]
        p = np.exp(x - x.max())
        p /= p.sum()
        return ag.Residuals(p, probs=p)  # the result itself, handed on

    @normalise.defvjp
    def _(g, out, x, *, probs=None):  # type: ignore[no-untyped-def]
        if probs is None:
            probs = ag.softmax(x)
        return probs * (g - (g * probs).sum())

    w = np.array([1.0, -2.0, 0.5])
    x = ag.Tensor([0.1, 0.2, 0.3], requires_grad=True)
    y = normalise(x)
    y.data[:] = 0.0  # an edit of the result the user holds: not of what the VJP reads
    (y * w).sum().backward()
    p = _softmax(np.array([0.1, 0.2, 0.3]))
    np.testing.assert_allclose(x.grad, p * (w - (w * p).sum()), rtol=1e-12)


def test_only_a_nodes_own_residuals_are_left_out_of_a_recorded_pass() -> None:
    @ag.primitive
    def scaled_square(x, c=None):  # type: ignore[no-untyped-def]
        if c is None:  # the default scale, handed on as a residual named like the keyword
            return ag.Residuals(x * x, c=np.float64(1.0))
        return c * x * x

    scaled_square.defvjp(lambda g, out, x, c=None: 2 * g * (1.0 if c is None else c) * x)
    scaled_square(ag.Tensor([1.0], requires_grad=True))  # a call that returns the residual

    def f(x):  # type: ignore[no-untyped-def]
        return scaled_square(x, c=3.0).sum()  # a call that passes c itself

    np.testing.assert_allclose(ag.grad(f)(np.array([2.0])), [12.0])
    np.testing.assert_allclose(ag.hessian(f)(np.array([2.0])), [[6.0]])


def test_residuals_handed_over_are_kept_as_they_are_and_others_are_copied() -> None:
    made: list[Any] = []

    @ag.primitive
    def double(x):  # type: ignore[no-untyped-def]
        kept, handed = np.exp(x), np.exp(x)
        made.extend([kept, handed])
        return ag.Residuals(x * 2, kept=kept)

    @ag.primitive
    def triple(x):  # type: ignore[no-untyped-def]
        handed = np.exp(x)
        made.append(handed)
        return ag.Residuals.fresh(x * 3, handed=handed)

    double.defvjp(lambda g, out, x, *, kept=None: g * 2)
    triple.defvjp(lambda g, out, x, *, handed=None: g * 3)
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    y = double(x)
    z = triple(x)
    assert not np.shares_memory(y._node.kwargs["kept"], made[0])  # type: ignore[union-attr]
    assert z._node.kwargs["handed"] is made[2]  # type: ignore[union-attr]
    made[0][:] = 0  # the forward's own array changes; the node's copy does not
    np.testing.assert_array_equal(y._node.kwargs["kept"], np.exp([1.0, 2.0]))  # type: ignore[union-attr]


def test_handed_over_residuals_that_are_views_inputs_or_the_result_are_copied() -> None:
    class Marked(np.ndarray):
        pass

    @ag.primitive
    def double(x):  # type: ignore[no-untyped-def]
        out = x * 2
        return ag.Residuals.fresh(
            out, view=x[:1], same=x, result=out, marked=np.exp(x).view(Marked)
        )

    double.defvjp(lambda g, out, x, **residuals: g * 2)
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    y = double(x)
    kwargs = y._node.kwargs  # type: ignore[union-attr]
    assert not np.shares_memory(kwargs["view"], x.data)
    assert not np.shares_memory(kwargs["same"], x.data)
    assert not np.shares_memory(kwargs["result"], y._data)
    assert type(kwargs["marked"]) is Marked and kwargs["marked"].base is None


def test_residuals_the_forward_kept_or_that_view_an_input_are_copied() -> None:
    kept: list[Any] = []

    class Marked(np.ndarray):
        pass

    @ag.primitive
    def double(x):  # type: ignore[no-untyped-def]
        result = ag.Residuals(x * 2, doubled=np.exp(x), marked=x.view(Marked))
        kept.append(result)  # the forward keeps its Residuals: its arrays are not private
        return result

    double.defvjp(lambda g, out, x, *, doubled=None, marked=None: g * 2)
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    y = double(x)
    node_kwargs = y._node.kwargs  # type: ignore[union-attr]
    assert not np.shares_memory(node_kwargs["doubled"], kept[0].saved["doubled"])
    assert not np.shares_memory(node_kwargs["marked"], x.data)


def test_none_vjp_on_a_two_input_ufunc_op() -> None:
    hypot = ag.primitive(np.hypot)
    hypot.defvjp(lambda g, out, a, b: g * a / out, None)
    a = ag.Tensor([3.0], requires_grad=True)
    b = ag.Tensor([4.0], requires_grad=True)
    (hypot(a, b) + b).sum().backward()
    np.testing.assert_allclose(a.grad, [0.6])
    np.testing.assert_array_equal(b.grad, [1.0])
