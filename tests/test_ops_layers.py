"""Functional layers: activations, erf, normalization, dropout, embedding, attention.

Checked against PyTorch where it is installed (float64, rtol 1e-10) and always against
finite differences, to first and second order.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite._ops_layers import (
    batch_norm,
    dropout,
    elu,
    embedding,
    erf,
    gelu,
    layer_norm,
    leaky_relu,
    scaled_dot_product_attention,
    silu,
    softplus,
)
from autograd_lite.testing import check_grad, numerical_grad

RNG = np.random.default_rng(20240602)


def _normal(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def _away_from(x: np.ndarray, kink: float, gap: float = 0.1) -> np.ndarray:
    """``x`` with the elements within ``gap`` of ``kink`` pushed out to ``kink ± gap``."""
    near = np.abs(x - kink) < gap
    return np.where(near, kink + np.where(x >= kink, gap, -gap), x)


def _agree(torch, ours_fn, torch_fn, arrays):  # type: ignore[no-untyped-def]
    """Value and gradients (of every array) agree with PyTorch's, in float64."""
    tensors = [ag.Tensor(a, requires_grad=True) for a in arrays]
    out = ours_fn(*tensors)
    g = _normal(*out.shape)
    out.backward(g)
    t_tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    t_out = torch_fn(*t_tensors)
    t_out.backward(torch.tensor(g))
    assert out.shape == tuple(t_out.shape)
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    for t, tt in zip(tensors, t_tensors, strict=True):
        expected = np.zeros_like(t.data) if tt.grad is None else tt.grad.numpy()
        np.testing.assert_allclose(t.grad, expected, rtol=1e-10, atol=1e-12)


def _second_order(loss, *arrays):  # type: ignore[no-untyped-def]
    """Directional derivatives of every first derivative of ``loss`` match finite differences."""
    for i, a in enumerate(arrays):
        v = _normal(*a.shape)
        check_grad(lambda *xs, i=i, v=v: (ag.grad(loss, i)(*xs) * v).sum(), *arrays)


# ---------------------------------------------------------------------------- erf
def test_erf_matches_math_erf_to_float64_accuracy():
    x = np.concatenate(
        [
            np.linspace(-7.0, 7.0, 20001),
            np.geomspace(1e-300, 10.0, 400),
            -np.geomspace(1e-300, 10.0, 400),
            [0.0, -0.0, 0.5, -0.5, 4.0, -4.0, 5.9, 6.0, 27.0, 1e300, np.inf, -np.inf],
        ]
    )
    expected = np.array([math.erf(v) for v in x])
    got = erf(x).data
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=0)
    assert np.signbit(erf(np.array(-0.0)).data)
    assert np.isnan(erf(np.array([np.nan])).data).all()


def test_erf_matches_torch_and_keeps_float32():
    torch = pytest.importorskip("torch")
    x = _normal(50) * 3
    np.testing.assert_allclose(erf(x).data, torch.erf(torch.tensor(x)).numpy(), rtol=1e-14)
    x32 = ag.Tensor(x.astype(np.float32), requires_grad=True)
    out = erf(x32)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x32.grad.dtype == np.float32
    np.testing.assert_allclose(out.data, np.array([math.erf(v) for v in x32.data]), rtol=1e-6)
    assert erf(np.arange(3)).dtype == np.float64
    with pytest.raises(TypeError, match="erf"):
        erf(np.array([1j]))


def test_erf_first_and_second_derivatives():
    x = _normal(7) * 1.5
    check_grad(lambda x: erf(x).sum(), x)
    _second_order(lambda x: (erf(x) ** 2).sum(), x)
    xt = ag.Tensor(x, requires_grad=True)
    erf(xt).sum().backward()
    np.testing.assert_allclose(xt.grad, 2 / np.sqrt(np.pi) * np.exp(-x * x), rtol=1e-14)


# ---------------------------------------------------------------------------- activations
# (id, ours, torch's name, keyword arguments, the kink to keep the inputs away from)
ACTIVATIONS = [
    ("gelu", gelu, "gelu", {}, None),
    ("gelu_tanh", gelu, "gelu", {"approximate": "tanh"}, None),
    ("silu", silu, "silu", {}, None),
    ("softplus", softplus, "softplus", {}, None),
    ("softplus_beta_threshold", softplus, "softplus", {"beta": 2.0, "threshold": 1.0}, 0.5),
    ("softplus_negative_beta", softplus, "softplus", {"beta": -1.5}, None),
    ("leaky_relu", leaky_relu, "leaky_relu", {}, 0.0),
    ("leaky_relu_0.2", leaky_relu, "leaky_relu", {"negative_slope": 0.2}, 0.0),
    ("elu", elu, "elu", {}, 0.0),
    ("elu_alpha", elu, "elu", {"alpha": 0.7}, 0.0),
]


def _activation_input(kink):  # type: ignore[no-untyped-def]
    x = _normal(3, 5) * 2
    return x if kink is None else _away_from(x, kink)


@pytest.mark.parametrize(("ours", "name", "kwargs", "kink"), [r[1:] for r in ACTIVATIONS],
                         ids=[r[0] for r in ACTIVATIONS])  # fmt: skip
def test_activation_matches_torch(ours, name, kwargs, kink):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn.functional, name)
    x = _activation_input(kink)
    x[0, :3] = [-30.0, 25.0, 40.0]  # the tails (softplus: past the threshold)
    _agree(torch, lambda x: ours(x, **kwargs), lambda x: theirs(x, **kwargs), [x])


@pytest.mark.parametrize(("ours", "name", "kwargs", "kink"), [r[1:] for r in ACTIVATIONS],
                         ids=[r[0] for r in ACTIVATIONS])  # fmt: skip
def test_activation_derivatives_match_finite_differences(ours, name, kwargs, kink):  # type: ignore[no-untyped-def]
    x = _activation_input(kink)
    check_grad(lambda x: (ours(x, **kwargs) * np.arange(1.0, 16.0).reshape(3, 5)).sum(), x)
    _second_order(lambda x: (ours(x, **kwargs) ** 2).sum(), x)


@pytest.mark.parametrize(("ours", "name", "kwargs", "kink"), [r[1:] for r in ACTIVATIONS],
                         ids=[r[0] for r in ACTIVATIONS])  # fmt: skip
def test_activation_hessian_matches_torch(ours, name, kwargs, kink):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn.functional, name)
    x = _activation_input(kink)[0]
    expected = torch.autograd.functional.hessian(
        lambda x: (theirs(x, **kwargs) ** 3).sum(), torch.tensor(x)
    ).numpy()
    got = ag.hessian(lambda x: (ours(x, **kwargs) ** 3).sum())(x)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_activation_conventions_at_kinks_follow_torch():
    x = ag.Tensor(np.zeros(2), requires_grad=True)
    leaky_relu(x, 0.3).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.3, 0.3])
    x.grad = None
    elu(x, alpha=0.7).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.7, 0.7])
    # softplus is x itself above the threshold: derivative exactly 1, and no overflow.
    big = ag.Tensor(np.array([1e3, 21.0]), requires_grad=True)
    out = softplus(big)
    np.testing.assert_array_equal(out.data, [1e3, 21.0])
    out.sum().backward()
    np.testing.assert_array_equal(big.grad, [1.0, 1.0])
    # elu far below 0 and far above: finite values and derivatives of both orders.
    far = np.array([-800.0, 800.0])
    assert np.isfinite(ag.hessian(lambda x: elu(x).sum())(far)).all()
    np.testing.assert_allclose(elu(far).data, [-1.0, 800.0])


@pytest.mark.parametrize("call", [
    lambda x: gelu(x), lambda x: gelu(x, "tanh"), silu, lambda x: softplus(x, 2.0),
    lambda x: leaky_relu(x, 0.2), elu, erf,
], ids=["gelu", "gelu_tanh", "silu", "softplus", "leaky_relu", "elu", "erf"])  # fmt: skip
def test_activation_float32_stays_float32(call):  # type: ignore[no-untyped-def]
    x = ag.Tensor(_normal(4, 3).astype(np.float32), requires_grad=True)
    out = call(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


def test_activation_bad_arguments_raise():
    x = np.ones(3)
    with pytest.raises(ValueError, match="gelu: approximate"):
        gelu(x, approximate="erf")
    with pytest.raises(ValueError, match="softplus: beta"):
        softplus(x, beta=0)
    with pytest.raises(TypeError, match="softplus: threshold"):
        softplus(x, threshold="20")
    with pytest.raises(TypeError, match="leaky_relu: negative_slope"):
        leaky_relu(x, negative_slope=None)
    with pytest.raises(TypeError, match="elu: alpha"):
        elu(x, alpha=True)
    for op in (silu, leaky_relu, elu):
        with pytest.raises(NotImplementedError, match="inplace"):
            op(x, inplace=True)
    with pytest.raises(TypeError, match="silu"):
        silu(np.array(["a"]))


# ---------------------------------------------------------------------------- layer_norm
LAYER_NORM_CASES = [
    ((4, 5), 5, True, True),
    ((2, 3, 4), (3, 4), True, True),
    ((2, 3, 4), [4], False, False),
    ((3, 6), (6,), True, False),
    ((2, 2, 3), 3, False, True),
]


@pytest.mark.parametrize(("shape", "normalized", "has_w", "has_b"), LAYER_NORM_CASES)
def test_layer_norm_matches_torch(shape, normalized, has_w, has_b):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    ns = (normalized,) if isinstance(normalized, int) else tuple(normalized)
    arrays = [_normal(*shape)]
    if has_w:
        arrays.append(_normal(*ns))
    if has_b:
        arrays.append(_normal(*ns))

    def call(fn, x, *params, tensor=lambda a: a):  # type: ignore[no-untyped-def]
        params = list(params)
        w = params.pop(0) if has_w else None
        b = params.pop(0) if has_b else None
        return fn(x, tensor(normalized), w, b, eps=1e-4)

    _agree(
        torch,
        lambda *a: call(layer_norm, *a),
        lambda *a: call(torch.nn.functional.layer_norm, *a, tensor=lambda n: ns),
        arrays,
    )


def test_layer_norm_derivatives_match_finite_differences():
    x, w, b = _normal(3, 2, 4), _normal(2, 4), _normal(2, 4)
    weights = _normal(3, 2, 4)

    def loss(x, w, b):  # type: ignore[no-untyped-def]
        return (ag.tanh(layer_norm(x, (2, 4), w, b)) * weights).sum()

    check_grad(loss, x, w, b)
    _second_order(loss, x, w, b)


def test_layer_norm_hessian_matches_torch():
    torch = pytest.importorskip("torch")
    x, w = _normal(2, 4), _normal(4)

    def theirs(x):  # type: ignore[no-untyped-def]
        return (torch.nn.functional.layer_norm(x, (4,), torch.tensor(w)) ** 3).sum()

    expected = torch.autograd.functional.hessian(theirs, torch.tensor(x)).numpy()
    got = ag.hessian(lambda x: (layer_norm(x, 4, w) ** 3).sum())(x)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_layer_norm_float32_and_graph_name():
    x = ag.Tensor(_normal(3, 4).astype(np.float32), requires_grad=True)
    w = ag.Tensor(np.ones(4, np.float32), requires_grad=True)
    out = layer_norm(x, 4, w)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32
    assert "grad_fn=<layer_norm>" in repr(layer_norm(x, 4))


def test_layer_norm_bad_shapes_raise():
    x = np.zeros((3, 5))
    message = (
        r"layer_norm: normalized_shape \(4,\) does not match the input's trailing "
        r"dimensions \(5,\)"
    )
    with pytest.raises(ValueError, match=message):
        layer_norm(x, 4)
    with pytest.raises(ValueError, match=r"trailing dimensions \(3, 5\)"):
        layer_norm(x, (2, 5))
    with pytest.raises(ValueError, match=r"layer_norm: normalized_shape \(2, 3, 5\)"):
        layer_norm(x, (2, 3, 5))
    with pytest.raises(ValueError, match=r"layer_norm: weight of shape \(4,\)"):
        layer_norm(x, 5, np.ones(4))
    with pytest.raises(ValueError, match=r"layer_norm: bias of shape \(5, 1\)"):
        layer_norm(x, 5, None, np.ones((5, 1)))
    with pytest.raises(ValueError, match="empty"):
        layer_norm(x, ())
    with pytest.raises(TypeError, match="layer_norm: normalized_shape"):
        layer_norm(x, 5.0)


# ---------------------------------------------------------------------------- batch_norm
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 4, 3)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_training_matches_torch_and_updates_running_stats(shape, affine):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    C = shape[1]
    mean, var = _normal(C), np.abs(_normal(C)) + 0.5
    t_mean, t_var = torch.tensor(mean), torch.tensor(var)
    w, b = _normal(C), _normal(C)
    for _step in range(3):
        x = _normal(*shape) * 2 + 1
        if affine:
            ours = lambda x, w, b: batch_norm(x, mean, var, w, b, True, 0.2, 1e-3)  # noqa: E731
            theirs = lambda x, w, b: F.batch_norm(x, t_mean, t_var, w, b, True, 0.2, 1e-3)  # noqa: E731
            _agree(torch, ours, theirs, [x, w, b])
        else:
            _agree(
                torch,
                lambda x: batch_norm(x, mean, var, training=True),
                lambda x: F.batch_norm(x, t_mean, t_var, training=True),
                [x],
            )
        # _agree ran each forward once: the running statistics moved in step.
        np.testing.assert_allclose(mean, t_mean.numpy(), rtol=1e-12)
        np.testing.assert_allclose(var, t_var.numpy(), rtol=1e-12)


@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4, 2)])
def test_batch_norm_eval_matches_torch(shape):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    C = shape[1]
    mean, var = _normal(C), np.abs(_normal(C)) + 0.5
    before = mean.copy(), var.copy()
    _agree(
        torch,
        lambda x, w, b: batch_norm(x, mean, var, w, b, eps=1e-3),
        lambda x, w, b: torch.nn.functional.batch_norm(
            x, torch.tensor(mean), torch.tensor(var), w, b, eps=1e-3
        ),
        [_normal(*shape), _normal(C), _normal(C)],
    )
    np.testing.assert_array_equal(mean, before[0])  # evaluation never updates them
    np.testing.assert_array_equal(var, before[1])


def test_batch_norm_derivatives_match_finite_differences():
    x, w, b = _normal(4, 2, 3), _normal(2), _normal(2)
    weights = _normal(4, 2, 3)

    def train_loss(x, w, b):  # type: ignore[no-untyped-def]
        return (ag.tanh(batch_norm(x, None, None, w, b, training=True)) * weights).sum()

    check_grad(train_loss, x, w, b)
    _second_order(train_loss, x, w, b)
    mean, var = _normal(2), np.abs(_normal(2)) + 0.5

    def eval_loss(x, w, b):  # type: ignore[no-untyped-def]
        return (ag.tanh(batch_norm(x, mean, var, w, b)) * weights).sum()

    check_grad(eval_loss, x, w, b)
    _second_order(eval_loss, x, w, b)


def test_batch_norm_eval_gives_gradients_to_tensor_running_stats():
    x, mean, var = _normal(4, 3), _normal(3), np.abs(_normal(3)) + 0.5
    check_grad(lambda x, m, v: (batch_norm(x, m, v, eps=0.1) ** 3).sum(), x, mean, var)
    np.testing.assert_allclose(
        batch_norm(x, ag.Tensor(mean), ag.Tensor(var), eps=0.1).data,
        (x - mean) / np.sqrt(var + 0.1),
        rtol=1e-14,
    )


def test_batch_norm_float32_and_momentum_none():
    x = ag.Tensor(_normal(4, 3).astype(np.float32), requires_grad=True)
    mean, var = np.zeros(3, np.float32), np.ones(3, np.float32)
    for training in (True, False):
        out = batch_norm(x, mean, var, np.ones(3, np.float32), None, training)
        assert out.dtype == np.float32
        out.sum().backward()
        assert x.grad.dtype == np.float32
    assert mean.dtype == np.float32 and np.any(mean != 0)
    with pytest.raises(NotImplementedError, match="momentum=None"):
        batch_norm(x, mean, var, training=True, momentum=None)


def test_batch_norm_bad_arguments_raise():
    x = np.zeros((4, 3))
    mean, var = np.zeros(3), np.ones(3)
    with pytest.raises(ValueError, match=r"batch_norm: expected an input of shape \(N, C"):
        batch_norm(np.zeros(3), mean, var)
    with pytest.raises(ValueError, match="evaluation mode"):
        batch_norm(x, None, var)
    with pytest.raises(ValueError, match=r"running_mean of shape \(4,\)"):
        batch_norm(x, np.zeros(4), var)
    with pytest.raises(ValueError, match=r"running_var of shape \(2,\)"):
        batch_norm(x, mean, np.ones(2), training=True)
    with pytest.raises(ValueError, match=r"batch_norm: weight of shape \(2,\)"):
        batch_norm(x, mean, var, np.ones(2))
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*\(1, 3\)"):
        batch_norm(np.zeros((1, 3)), mean, var, training=True)
    with pytest.raises(TypeError, match="batch_norm: running_mean must be a NumPy array"):
        batch_norm(x, ag.Tensor(mean), var, training=True)
    with pytest.raises(TypeError, match="batch_norm: running_var must be a writeable float"):
        batch_norm(x, mean, np.ones(3, dtype=np.int64), training=True)
    with pytest.raises(TypeError, match="batch_norm: momentum"):
        batch_norm(x, mean, var, training=True, momentum="0.1")


# ---------------------------------------------------------------------------- dropout
def test_dropout_scales_kept_elements_and_its_gradient_is_the_mask():
    x = ag.Tensor(_normal(20, 30), requires_grad=True)
    out = dropout(x, 0.25, rng=np.random.default_rng(1))
    kept = out.data != 0
    np.testing.assert_allclose(out.data[kept], x.data[kept] / 0.75, rtol=1e-15)
    g = _normal(20, 30)
    out.backward(g)
    np.testing.assert_allclose(x.grad, np.where(kept, g / 0.75, 0.0), rtol=1e-15)
    check_grad(lambda x: (dropout(x, 0.25, rng=7) ** 2).sum(), x.data)  # a fixed mask


def test_dropout_mask_is_fresh_per_call_and_seeds_repeat():
    x = np.ones(1000)
    rng = np.random.default_rng(3)
    first, second = dropout(x, 0.5, rng=rng).data, dropout(x, 0.5, rng=rng).data
    assert not np.array_equal(first, second)
    assert not np.array_equal(dropout(x).data, dropout(x).data)  # the module's Generator
    np.testing.assert_array_equal(dropout(x, rng=5).data, dropout(x, rng=5).data)


def test_dropout_preserves_the_mean():
    x = np.ones(200_000)
    for p in (0.1, 0.5, 0.8):
        out = dropout(x, p, rng=np.random.default_rng(11)).data
        assert abs(out.mean() - 1.0) < 5 * math.sqrt(p / (1 - p) / x.size)
        assert abs((out == 0).mean() - p) < 0.01


def test_dropout_edge_probabilities_and_eval_mode():
    x = ag.Tensor(_normal(5, 4), requires_grad=True)
    assert dropout(x, 0.3, training=False) is x
    np.testing.assert_array_equal(dropout(x, 0.0).data, x.data)
    out = dropout(x, 1.0)
    np.testing.assert_array_equal(out.data, np.zeros((5, 4)))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros((5, 4)))
    x32 = ag.Tensor(np.ones(6, np.float32), requires_grad=True)
    out32 = dropout(x32, 0.5, rng=0)
    assert out32.dtype == np.float32
    out32.sum().backward()
    assert x32.grad.dtype == np.float32


def test_dropout_second_derivative_is_the_mask_squared():
    x, v = _normal(8), _normal(8)
    mask_scale = dropout(np.ones(8), 0.4, rng=2).data

    def loss(x):  # type: ignore[no-untyped-def]
        return (dropout(x, 0.4, rng=2) ** 2).sum()

    np.testing.assert_allclose(ag.hvp(loss, x, v), 2 * mask_scale**2 * v, rtol=1e-14)


def test_dropout_bad_arguments_raise():
    with pytest.raises(ValueError, match=r"dropout: p must be between 0 and 1, got 1.5"):
        dropout(np.ones(3), 1.5)
    with pytest.raises(ValueError, match="dropout: p"):
        dropout(np.ones(3), -0.1)
    with pytest.raises(ValueError, match="dropout: p"):
        dropout(np.ones(3), float("nan"))
    with pytest.raises(TypeError, match="dropout: p"):
        dropout(np.ones(3), None)
    with pytest.raises(TypeError, match="dropout: rng"):
        dropout(np.ones(3), rng=np.random.RandomState(0))
    with pytest.raises(NotImplementedError, match="inplace"):
        dropout(np.ones(3), inplace=True)


# ---------------------------------------------------------------------------- embedding
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
@pytest.mark.parametrize("index_shape", [(7,), (3, 4), ()])
def test_embedding_matches_torch(padding_idx, index_shape):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    idx = RNG.integers(0, 5, size=index_shape)
    if idx.ndim:
        idx.reshape(-1)[:3] = [2, 2, 4]  # repeated, and the padding rows
    _agree(
        torch,
        lambda w: embedding(idx, w, padding_idx),
        lambda w: torch.nn.functional.embedding(torch.tensor(idx), w, padding_idx),
        [_normal(5, 3)],
    )


def test_embedding_gradient_accumulates_over_repeated_indices():
    w = ag.Tensor(_normal(4, 2), requires_grad=True)
    idx = ag.Tensor(np.array([[1, 1], [3, 1]]))
    out = embedding(idx, w)
    assert out.shape == (2, 2, 2)
    out.sum().backward()
    np.testing.assert_array_equal(w.grad, [[0, 0], [3, 3], [0, 0], [1, 1]])
    assert "grad_fn=<embedding>" in repr(out)


def test_embedding_derivatives_match_finite_differences():
    idx = np.array([[0, 2, 2], [3, 0, 1]])
    w, v = _normal(4, 3), _normal(4, 3)

    def loss(w, padding_idx=None):  # type: ignore[no-untyped-def]
        # The positions of a row meet in the cube: second derivatives couple the rows of w.
        return (embedding(idx, w, padding_idx).sum(axis=1) ** 3).sum()

    check_grad(loss, w)
    _second_order(loss, w)
    # padding_idx=2: the derivatives are the true ones with row 2 set to zero, by design
    # (the row's value is still looked up, so finite differences see it).
    for f in (
        lambda w: loss(w, 2),
        lambda w: (ag.grad(loss)(w, 2) * v).sum(),
    ):
        expected = numerical_grad(f, w)[0]
        expected[2] = 0
        np.testing.assert_allclose(ag.grad(f)(w), expected, rtol=1e-6, atol=1e-8)


def test_embedding_float32_and_bad_input_raise():
    w = ag.Tensor(_normal(5, 2).astype(np.float32), requires_grad=True)
    out = embedding([0, 4], w)
    assert out.dtype == np.float32
    out.sum().backward()
    assert w.grad.dtype == np.float32
    with pytest.raises(
        IndexError, match=r"embedding: index 5 is out of range for num_embeddings 5"
    ):
        embedding(np.array([1, 5]), w)
    with pytest.raises(IndexError, match=r"embedding: index -1 is out of range"):
        embedding(np.array([-1]), w)
    with pytest.raises(TypeError, match="embedding: indices must be integers"):
        embedding(np.array([1.0]), w)
    with pytest.raises(TypeError, match="embedding: indices must be integers"):
        embedding(np.array([True]), w)
    with pytest.raises(ValueError, match=r"embedding: weight must be 2-D.*\(5,\)"):
        embedding([0], np.ones(5))
    with pytest.raises(ValueError, match="embedding: padding_idx 5 must be within"):
        embedding([0], w, padding_idx=5)
    with pytest.raises(NotImplementedError, match="max_norm"):
        embedding([0], w, max_norm=1.0)


# ---------------------------------------------------------------------------- attention
def _qkv(batch=(2,), L=3, S=4, E=5, Ev=2):  # type: ignore[no-untyped-def]
    return _normal(*batch, L, E), _normal(*batch, S, E), _normal(*batch, S, Ev)


ATTENTION_CASES = [
    ("plain", {}, None),
    ("scale", {"scale": 0.3}, None),
    ("causal_short", {"is_causal": True}, None),
    ("causal_long", {"is_causal": True, "L": 5, "S": 3}, None),
    ("bool_mask", {}, "bool"),
    ("bool_mask_dead_row", {}, "dead"),
    ("float_mask", {}, "float"),
    ("heads", {"batch": (2, 2)}, None),
    ("unbatched", {"batch": ()}, None),
]


def _mask(kind, L, S):  # type: ignore[no-untyped-def]
    if kind == "float":
        return _normal(L, S)
    mask = RNG.random((L, S)) > 0.4
    mask[:, 0] = True
    if kind == "dead":
        mask[1] = False
    return mask


@pytest.mark.parametrize(("kwargs", "mask_kind"), [c[1:] for c in ATTENTION_CASES],
                         ids=[c[0] for c in ATTENTION_CASES])  # fmt: skip
def test_attention_matches_torch(kwargs, mask_kind):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    sizes = {k: kwargs[k] for k in ("batch", "L", "S") if k in kwargs}
    options = {k: v for k, v in kwargs.items() if k not in sizes}
    q, k, v = _qkv(**sizes)
    mask = None if mask_kind is None else _mask(mask_kind, q.shape[-2], k.shape[-2])
    _agree(
        torch,
        lambda q, k, v: scaled_dot_product_attention(q, k, v, mask, **options),
        lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(
            q, k, v, None if mask is None else torch.tensor(mask), **options
        ),
        [q, k, v],
    )


def test_attention_float_mask_gets_a_gradient_and_broadcasts():
    torch = pytest.importorskip("torch")
    q, k, v = _qkv(batch=(2, 2))
    mask = _normal(2, 1, 3, 4)
    mask[0, 0, 2] = -np.inf  # a row with no key left: zero weights
    mask[1, 0, 0, 1] = -np.inf
    _agree(
        torch,
        scaled_dot_product_attention,
        torch.nn.functional.scaled_dot_product_attention,
        [q, k, v, mask],
    )


def test_attention_grouped_query_heads_match_torch():
    torch = pytest.importorskip("torch")
    q, k, v = _normal(2, 4, 3, 5), _normal(2, 2, 4, 5), _normal(2, 2, 4, 3)
    _agree(
        torch,
        lambda q, k, v: scaled_dot_product_attention(q, k, v, enable_gqa=True),
        lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(q, k, v, enable_gqa=True),
        [q, k, v],
    )


def test_attention_derivatives_match_finite_differences():
    q, k, v = _qkv(batch=(1,), L=2, S=3, E=3, Ev=2)
    mask = np.array([[True, False, True], [False, False, False]])  # the second row is dead
    weights = _normal(1, 2, 2)

    for options in ({"attn_mask": mask}, {"is_causal": True, "scale": 0.7}):

        def loss(q, k, v, options=options):  # type: ignore[no-untyped-def]
            return (scaled_dot_product_attention(q, k, v, **options) * weights).sum()

        check_grad(loss, q, k, v)
        _second_order(lambda q, k, v, loss=loss: loss(q, k, v) ** 2, q, k, v)


def test_attention_dropout_is_dropout_of_the_weights():
    q, k, v = _qkv()
    out = scaled_dot_product_attention(q, k, v, dropout_p=0.5, rng=np.random.default_rng(4))
    weights = ag.softmax(ag.matmul(q, k.swapaxes(-1, -2)) / np.sqrt(5), axis=-1)
    expected = ag.matmul(dropout(weights, 0.5, rng=np.random.default_rng(4)), v)
    np.testing.assert_allclose(out.data, expected.data, rtol=1e-14)
    check_grad(lambda q: scaled_dot_product_attention(q, k, v, dropout_p=0.3, rng=9).sum(), q)
    assert out.shape == (2, 3, 2)


@pytest.mark.parametrize("options", [
    {"attn_mask": _normal(3, 4)}, {"attn_mask": _mask("dead", 3, 4)}, {"is_causal": True},
    {"dropout_p": 0.3, "rng": 0},
], ids=["float_mask", "bool_mask", "causal", "dropout"])  # fmt: skip
def test_attention_float32_stays_float32(options):  # type: ignore[no-untyped-def]
    q, k, v = (ag.Tensor(a.astype(np.float32), requires_grad=True) for a in _qkv())
    out = scaled_dot_product_attention(q, k, v, **options)
    assert out.dtype == np.float32
    out.sum().backward()
    assert all(t.grad.dtype == np.float32 and np.isfinite(t.grad).all() for t in (q, k, v))


def test_attention_bad_arguments_raise():
    q, k, v = _qkv()
    op = "scaled_dot_product_attention"
    with pytest.raises(ValueError, match=rf"{op}: query of shape \(2, 3, 5\), key of shape"):
        scaled_dot_product_attention(q, k[..., :4], v)
    with pytest.raises(ValueError, match="key and value must have the same length"):
        scaled_dot_product_attention(q, k, v[:, :3])
    with pytest.raises(ValueError, match="batch dimensions"):
        scaled_dot_product_attention(q, _normal(3, 4, 5), _normal(3, 4, 2))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        scaled_dot_product_attention(q[0, 0], k, v)
    with pytest.raises(ValueError, match="attn_mask must not be given with is_causal"):
        scaled_dot_product_attention(q, k, v, np.ones((3, 4), bool), is_causal=True)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(4, 3\) does not broadcast"):
        scaled_dot_product_attention(q, k, v, np.ones((4, 3), bool))
    with pytest.raises(TypeError, match="attn_mask must be boolean or float"):
        scaled_dot_product_attention(q, k, v, np.ones((3, 4), int))
    with pytest.raises(ValueError, match="dropout_p"):
        scaled_dot_product_attention(q, k, v, dropout_p=2.0)
    with pytest.raises(ValueError, match="enable_gqa"):
        scaled_dot_product_attention(_normal(2, 3, 3, 5), _normal(2, 2, 4, 5), _normal(2, 2, 4, 2),
                                     enable_gqa=True)  # fmt: skip
