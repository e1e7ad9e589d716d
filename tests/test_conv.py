"""conv1d, conv2d, max_pool2d, avg_pool2d and their modules: PyTorch, finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

import autograd_lite as ag
from autograd_lite._ops_conv import avg_pool2d, conv1d, conv2d, max_pool2d
from autograd_lite.nn._conv import AvgPool2d, Conv1d, Conv2d, MaxPool2d
from autograd_lite.testing import check_grad, numerical_grad

# PyTorch warns that it copies the input for padding="same" with an even kernel.
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")

RNG = np.random.default_rng(20240601)


def _normal(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def _ours(fn, arrays, g, **kwargs):  # type: ignore[no-untyped-def]
    """Value and gradients (for every array) of ``fn(*arrays, **kwargs)`` seeded with ``g``."""
    tensors = [None if a is None else ag.Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors, **kwargs)
    out.backward(g)
    return out.data, [None if t is None else t.grad for t in tensors]


def _torch(torch, fn, arrays, g, **kwargs):  # type: ignore[no-untyped-def]
    tensors = [None if a is None else torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors, **kwargs)
    out.backward(torch.tensor(g))
    return out.detach().numpy(), [None if t is None else t.grad.numpy() for t in tensors]


def _agree(torch, ours_fn, torch_fn, arrays, **kwargs):  # type: ignore[no-untyped-def]
    """Our op and PyTorch's give the same value and gradients (float64)."""
    with torch.no_grad():
        shape = torch_fn(*[None if a is None else torch.tensor(a) for a in arrays], **kwargs).shape
    g = _normal(*shape)
    value, grads = _ours(ours_fn, arrays, g, **kwargs)
    t_value, t_grads = _torch(torch, torch_fn, arrays, g, **kwargs)
    assert value.shape == t_value.shape
    np.testing.assert_allclose(value, t_value, rtol=1e-10, atol=1e-12)
    for ours, theirs in zip(grads, t_grads, strict=True):
        if theirs is not None:
            assert ours.shape == theirs.shape
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


# (input shape, weight shape, bias?, keyword arguments)
CONV2D_CASES = [
    ((2, 3, 6, 5), (4, 3, 3, 3), True, {}),
    ((2, 3, 7, 6), (4, 3, 3, 3), True, {"stride": 2, "padding": 1}),
    ((2, 2, 9, 8), (3, 2, 3, 3), True, {"dilation": 2, "padding": 2}),
    ((2, 4, 6, 6), (6, 2, 3, 3), True, {"groups": 2, "padding": 1}),
    ((2, 4, 5, 5), (4, 1, 3, 3), False, {"groups": 4}),  # depthwise
    ((2, 3, 5, 4), (5, 3, 1, 1), True, {}),
    ((2, 3, 7, 6), (2, 3, 2, 3), True, {"stride": (2, 1), "padding": (1, 0)}),
    ((2, 2, 8, 7), (3, 2, 3, 2), False, {"stride": (1, 2), "dilation": (2, 1), "padding": (0, 2)}),
    ((2, 2, 6, 5), (3, 2, 2, 3), True, {"padding": "same"}),
    ((2, 2, 6, 5), (3, 2, 3, 2), True, {"padding": "same", "dilation": 2}),
    ((2, 2, 6, 5), (3, 2, 3, 3), True, {"padding": "valid", "stride": 2}),
    ((6, 6, 5), (4, 3, 3, 3), True, {"groups": 2, "padding": 1}),  # unbatched
    ((1, 6, 7, 7), (6, 2, 3, 3), True, {"groups": 3, "stride": 3, "dilation": 2, "padding": 2}),
]


@pytest.mark.parametrize(("x_shape", "w_shape", "bias", "kwargs"), CONV2D_CASES)
def test_conv2d_matches_torch(x_shape, w_shape, bias, kwargs):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    arrays = [_normal(*x_shape), _normal(*w_shape), _normal(w_shape[0]) if bias else None]
    _agree(torch, conv2d, torch.nn.functional.conv2d, arrays, **kwargs)


CONV1D_CASES = [
    ((2, 3, 9), (4, 3, 3), True, {}),
    ((2, 4, 11), (6, 2, 3), True, {"stride": 2, "padding": 1, "groups": 2, "dilation": 2}),
    ((2, 3, 6), (2, 3, 1), False, {}),
    ((2, 2, 7), (3, 2, 4), True, {"padding": "same"}),
    ((3, 8), (2, 3, 2), True, {"stride": (3,), "padding": (1,)}),  # unbatched, 1-tuples
]


@pytest.mark.parametrize(("x_shape", "w_shape", "bias", "kwargs"), CONV1D_CASES)
def test_conv1d_matches_torch(x_shape, w_shape, bias, kwargs):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    arrays = [_normal(*x_shape), _normal(*w_shape), _normal(w_shape[0]) if bias else None]
    _agree(torch, conv1d, torch.nn.functional.conv1d, arrays, **kwargs)


@settings(max_examples=10, deadline=None)
@given(
    batch=hst.integers(1, 2),
    groups=hst.integers(1, 2),
    cin=hst.integers(1, 2),
    cout=hst.integers(1, 2),
    k=hst.tuples(hst.integers(1, 3), hst.integers(1, 3)),
    stride=hst.tuples(hst.integers(1, 3), hst.integers(1, 3)),
    dilation=hst.tuples(hst.integers(1, 2), hst.integers(1, 2)),
    padding=hst.tuples(hst.integers(0, 2), hst.integers(0, 2)),
    size=hst.tuples(hst.integers(5, 8), hst.integers(5, 8)),
)
def test_conv2d_random_configurations_match_torch(  # type: ignore[no-untyped-def]
    batch, groups, cin, cout, k, stride, dilation, padding, size
):
    torch = pytest.importorskip("torch")
    x = _normal(batch, cin * groups, *size)
    w = _normal(cout * groups, cin, *k)
    kwargs = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    _agree(torch, conv2d, torch.nn.functional.conv2d, [x, w, _normal(cout * groups)], **kwargs)


# Random normal inputs have no ties within a window, where the two tie rules differ.
MAX_POOL_CASES = [
    ((2, 3, 6, 6), {"kernel_size": 2}),
    ((2, 3, 7, 6), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((2, 2, 7, 8), {"kernel_size": (2, 3), "stride": (1, 2)}),
    ((2, 2, 9, 8), {"kernel_size": (3, 2), "dilation": 2, "padding": 1}),
    ((2, 2, 7, 6), {"kernel_size": 2, "ceil_mode": True}),
    ((2, 2, 7, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ((3, 5, 5), {"kernel_size": 2, "stride": 1}),  # unbatched, overlapping
]


@pytest.mark.parametrize(("x_shape", "kwargs"), MAX_POOL_CASES)
def test_max_pool2d_matches_torch(x_shape, kwargs):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    _agree(torch, max_pool2d, torch.nn.functional.max_pool2d, [_normal(*x_shape)], **kwargs)


AVG_POOL_CASES = [
    ((2, 3, 6, 6), {"kernel_size": 2}),
    ((2, 3, 7, 6), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((2, 3, 7, 6), {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    ((2, 2, 7, 8), {"kernel_size": (2, 3), "stride": (1, 2), "padding": (1, 0)}),
    ((2, 2, 7, 6), {"kernel_size": 2, "ceil_mode": True}),
    ((2, 2, 7, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    (
        (2, 2, 7, 7),
        {
            "kernel_size": 3,
            "stride": 2,
            "padding": 1,
            "ceil_mode": True,
            "count_include_pad": False,
        },
    ),
    ((2, 2, 6, 6), {"kernel_size": 2, "divisor_override": 3}),
    ((3, 5, 5), {"kernel_size": 2, "stride": 1}),
]


@pytest.mark.parametrize(("x_shape", "kwargs"), AVG_POOL_CASES)
def test_avg_pool2d_matches_torch(x_shape, kwargs):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    _agree(torch, avg_pool2d, torch.nn.functional.avg_pool2d, [_normal(*x_shape)], **kwargs)


# ---------------------------------------------------------------------------- finite differences
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"stride": 2, "padding": 1},
        {"dilation": (2, 1), "padding": (2, 0)},
        {"groups": 2, "stride": (1, 2)},
        {"padding": "same"},
    ],
)
def test_conv2d_gradients_match_finite_differences(kwargs):  # type: ignore[no-untyped-def]
    x, w, b = _normal(2, 4, 5, 4), _normal(2, 4 // kwargs.get("groups", 1), 2, 3), _normal(2)
    check_grad(lambda x, w, b: (conv2d(x, w, b, **kwargs) ** 2).sum() * 0.5, x, w, b)


def test_conv1d_gradients_match_finite_differences():  # type: ignore[no-untyped-def]
    x, w, b = _normal(2, 4, 7), _normal(4, 2, 3), _normal(4)
    kwargs = {"stride": 2, "padding": 1, "groups": 2}
    check_grad(lambda x, w, b: ag.tanh(conv1d(x, w, b, **kwargs)).sum(), x, w, b)


@pytest.mark.parametrize(
    ("pool", "kwargs"),
    [
        (max_pool2d, {"kernel_size": 2}),
        (max_pool2d, {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
        (avg_pool2d, {"kernel_size": 3, "stride": 2, "padding": 1}),
        (avg_pool2d, {"kernel_size": 2, "ceil_mode": True, "count_include_pad": False}),
    ],
)
def test_pool_gradients_match_finite_differences(pool, kwargs):  # type: ignore[no-untyped-def]
    x = _normal(2, 2, 5, 5)
    check_grad(lambda x: (pool(x, **kwargs) ** 2).sum(), x)


# ---------------------------------------------------------------------------- second derivatives
def test_conv2d_second_derivatives_match_finite_differences():  # type: ignore[no-untyped-def]
    x, w, b = _normal(2, 4, 5, 4), _normal(2, 2, 2, 3), _normal(2)
    kwargs = {"stride": (2, 1), "padding": 1, "dilation": (1, 2), "groups": 2}

    def loss(x, w, b):  # type: ignore[no-untyped-def]
        return ag.tanh(conv2d(x, w, b, **kwargs)).sum()

    vx, vw = _normal(*x.shape), _normal(*w.shape)
    # Directional derivatives of the first derivatives: every path through
    # conv2d_input_grad and conv2d_weight_grad, and their own VJPs, is exercised.
    check_grad(lambda x, w, b: (ag.grad(loss, 0)(x, w, b) * vx).sum(), x, w, b)
    check_grad(lambda x, w, b: (ag.grad(loss, 1)(x, w, b) * vw).sum(), x, w, b)


def test_conv2d_hessian_matches_torch():  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    x, w = _normal(1, 2, 4, 4), _normal(2, 2, 2, 2)

    def ours(w):  # type: ignore[no-untyped-def]
        return (ag.tanh(conv2d(x, w, stride=2, padding=1)) ** 2).sum()

    def theirs(w):  # type: ignore[no-untyped-def]
        y = torch.nn.functional.conv2d(torch.tensor(x), w, stride=2, padding=1)
        return (torch.tanh(y) ** 2).sum()

    expected = torch.autograd.functional.hessian(theirs, torch.tensor(w)).numpy()
    np.testing.assert_allclose(ag.hessian(ours)(w), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("pool", "kwargs"),
    [
        (max_pool2d, {"kernel_size": 3, "stride": 2, "padding": 1}),
        (avg_pool2d, {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    ],
)
def test_pool_second_derivatives_match_finite_differences(pool, kwargs):  # type: ignore[no-untyped-def]
    x, v = _normal(2, 2, 5, 4), _normal(2, 2, 5, 4)

    def first(x):  # type: ignore[no-untyped-def]
        return (ag.grad(lambda x: (pool(x, **kwargs) ** 3).sum())(x) * v).sum()

    check_grad(first, x)


# ---------------------------------------------------------------------------- conventions
def test_max_pool2d_splits_the_gradient_among_tied_maxima():
    x = ag.Tensor(np.ones((1, 1, 4, 4)), requires_grad=True)
    max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((1, 1, 4, 4), 0.25))
    # Overlapping windows: a position that is the unique maximum of two windows gets both.
    y = ag.Tensor(np.array([[[[0.0, 1.0, 0.0]]]]), requires_grad=True)
    max_pool2d(y, (1, 2), stride=1).sum().backward()
    np.testing.assert_array_equal(y.grad, [[[[0.0, 2.0, 0.0]]]])


def test_max_pool2d_padding_is_never_the_maximum():
    x = -np.arange(1.0, 10.0).reshape(1, 1, 3, 3)  # all negative: a zero pad would win
    out = max_pool2d(x, 3, stride=1, padding=1).data
    assert out.max() < 0
    assert out[0, 0, 0, 0] == -1.0


@pytest.mark.parametrize(
    "call",
    [
        lambda x, w, b: conv2d(x, w, b, stride=2, padding=1, groups=2),
        lambda x, w, b: conv1d(x[:, :, 0], w[:, :, 0], b, padding=1, groups=2),
        lambda x, w, b: max_pool2d(x, 2, padding=1),
        lambda x, w, b: avg_pool2d(x, 3, stride=2, padding=1),
    ],
    ids=["conv2d", "conv1d", "max_pool2d", "avg_pool2d"],
)
def test_float32_stays_float32(call):  # type: ignore[no-untyped-def]
    x = ag.Tensor(_normal(2, 4, 5, 5).astype(np.float32), requires_grad=True)
    w = ag.Tensor(_normal(4, 2, 3, 3).astype(np.float32), requires_grad=True)
    b = ag.Tensor(_normal(4).astype(np.float32), requires_grad=True)
    out = call(x, w, b)
    assert out.dtype == np.float32
    out.sum().backward()
    for t in (x, w, b):
        assert t.grad is None or t.grad.dtype == np.float32


def test_inputs_are_not_modified():
    x, w, b = _normal(2, 2, 5, 5), _normal(3, 2, 3, 3), _normal(3)
    copies = [a.copy() for a in (x, w, b)]
    tensors = [ag.Tensor(a, requires_grad=True) for a in (x, w, b)]
    y = conv2d(*tensors, padding=1)
    (max_pool2d(y, 2, padding=1).sum() + avg_pool2d(y, 2).sum()).backward()
    for a, c in zip((x, w, b), copies, strict=True):
        np.testing.assert_array_equal(a, c)


def test_conv2d_accepts_plain_arrays_and_constant_weights():
    x, w = _normal(1, 2, 4, 4), _normal(3, 2, 2, 2)
    plain = conv2d(x, w)
    assert isinstance(plain, ag.Tensor) and not plain.requires_grad
    xt = ag.Tensor(x, requires_grad=True)
    conv2d(xt, w).sum().backward()  # only the input requires grad
    assert xt.grad is not None and xt.grad.shape == x.shape


def test_an_empty_batch_gives_an_empty_output_as_in_torch():
    torch = pytest.importorskip("torch")
    x = ag.Tensor(np.zeros((0, 2, 5, 5)), requires_grad=True)
    w = ag.Tensor(_normal(3, 2, 3, 3), requires_grad=True)
    y = conv2d(x, w, padding=1)
    assert y.shape == tuple(
        torch.nn.functional.conv2d(torch.zeros(0, 2, 5, 5), torch.ones(3, 2, 3, 3), padding=1).shape
    )
    (max_pool2d(y, 2).sum() + avg_pool2d(y, 2).sum()).backward()
    assert x.grad.shape == (0, 2, 5, 5)
    np.testing.assert_array_equal(w.grad, np.zeros((3, 2, 3, 3)))


def test_graph_nodes_carry_the_ops_names():
    x = ag.Tensor(_normal(1, 2, 4, 4), requires_grad=True)
    assert "grad_fn=<conv2d>" in repr(conv2d(x, _normal(1, 2, 2, 2)))
    assert "grad_fn=<max_pool2d>" in repr(max_pool2d(x, 2))
    assert "grad_fn=<avg_pool2d>" in repr(avg_pool2d(x, 2))


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("x_shape", "w_shape", "bias_shape", "kwargs", "words"),
    [
        ((2, 3, 5, 5), (4, 2, 3, 3), None, {}, "channels"),
        ((2, 4, 5, 5), (4, 3, 3, 3), None, {"groups": 2}, "channels"),
        ((2, 4, 5, 5), (3, 2, 3, 3), None, {"groups": 2}, "divisible"),
        ((3, 5, 5, 5, 5), (4, 3, 3, 3), None, {}, "input"),
        ((2, 3), (4, 3, 3, 3), None, {}, "input"),
        ((2, 3, 5, 5), (4, 3, 3), None, {}, "weight"),
        ((2, 3, 5, 5), (4, 3, 3, 3), (3,), {}, "bias"),
        ((2, 3, 2, 5), (4, 3, 3, 3), None, {}, "smaller"),
        ((2, 3, 5, 5), (4, 3, 3, 3), None, {"dilation": 3}, "smaller"),
    ],
)
def test_conv2d_bad_shapes_raise_value_error_naming_both_shapes(  # type: ignore[no-untyped-def]
    x_shape, w_shape, bias_shape, kwargs, words
):
    x, w = np.zeros(x_shape), np.zeros(w_shape)
    b = None if bias_shape is None else np.zeros(bias_shape)
    with pytest.raises(ValueError, match="conv2d") as info:
        conv2d(x, w, b, **kwargs)
    message = str(info.value)
    shown_x = x_shape[1:] if len(x_shape) == 3 and words == "smaller" else x_shape
    assert str(tuple(shown_x)) in message and str(tuple(w_shape)) in message, message
    assert words in message, message


def test_conv_bad_arguments_raise():
    x, w = np.zeros((1, 2, 5, 5)), np.zeros((2, 2, 3, 3))
    with pytest.raises(ValueError, match="conv2d: padding='same'"):
        conv2d(x, w, padding="same", stride=2)
    with pytest.raises(ValueError, match="conv2d: padding must be"):
        conv2d(x, w, padding="full")
    with pytest.raises(ValueError, match="conv2d: stride"):
        conv2d(x, w, stride=0)
    with pytest.raises(TypeError, match="conv2d: padding"):
        conv2d(x, w, padding=(1, 2, 3))
    with pytest.raises(ValueError, match="conv2d: groups"):
        conv2d(x, w, groups=0)


def test_conv1d_bad_shapes_name_conv1d_and_both_shapes():
    with pytest.raises(ValueError, match=r"conv1d: input of shape \(2, 3, 8\) and weight of shape"):
        conv1d(np.zeros((2, 3, 8)), np.zeros((4, 2, 3)))
    with pytest.raises(ValueError, match=r"conv1d: input of shape \(2, 3, 2\).*\(4, 3, 3\)"):
        conv1d(np.zeros((2, 3, 2)), np.zeros((4, 3, 3)))


def test_pool_bad_arguments_raise():
    x = np.zeros((1, 1, 4, 4))
    with pytest.raises(ValueError, match="max_pool2d: padding"):
        max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match="avg_pool2d: padding"):
        avg_pool2d(x, 3, padding=2)
    with pytest.raises(ValueError, match="max_pool2d: input of shape"):
        max_pool2d(x, 5)
    with pytest.raises(ValueError, match="avg_pool2d: expected a 4-D"):
        avg_pool2d(np.zeros((4, 4)), 2)
    with pytest.raises(NotImplementedError, match="return_indices"):
        max_pool2d(x, 2, return_indices=True)


# ---------------------------------------------------------------------------- modules
def _copy_from_torch(ours, theirs):  # type: ignore[no-untyped-def]
    ours.weight.data = theirs.weight.detach().numpy().copy()
    if theirs.bias is not None:
        ours.bias.data = theirs.bias.detach().numpy().copy()


@pytest.mark.parametrize(
    ("args", "kwargs", "x_shape"),
    [
        ((3, 4, 3), {"padding": 1}, (2, 3, 6, 6)),
        ((4, 6, (2, 3)), {"stride": 2, "groups": 2, "bias": False}, (2, 4, 7, 8)),
        ((2, 3, 3), {"dilation": 2, "padding": "same"}, (2, 2, 7, 6)),
    ],
)
def test_conv2d_module_with_torch_weights_matches_torch(args, kwargs, x_shape):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Conv2d(*args, **kwargs, dtype=torch.float64)
    ours = Conv2d(*args, **kwargs, rng=0)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert repr(ours) == repr(theirs)
    _copy_from_torch(ours, theirs)
    x = _normal(*x_shape)
    xt = ag.Tensor(x, requires_grad=True)
    out = ours(xt)
    g = _normal(*out.shape)
    out.backward(g)
    tx = torch.tensor(x, requires_grad=True)
    t_out = theirs(tx)
    t_out.backward(torch.tensor(g))
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-10)
    if theirs.bias is not None:
        np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=1e-10)


def test_conv1d_module_with_torch_weights_matches_torch():  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2, dtype=torch.float64)
    ours = Conv1d(4, 6, 3, stride=2, padding=1, groups=2, rng=0)
    assert repr(ours) == repr(theirs)
    _copy_from_torch(ours, theirs)
    x = _normal(2, 4, 9)
    out = ours(x)
    out.sum().backward()
    t_out = theirs(torch.tensor(x))
    t_out.sum().backward()
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((1, 16, 3), {}),
        ((4, 8, (1, 5)), {"stride": (1, 2), "padding": (0, 2), "dilation": 3, "groups": 4}),
        ((2, 2, 3), {"padding": "valid", "bias": False}),
    ],
)
def test_conv_module_repr_is_torchs(args, kwargs):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    assert repr(Conv2d(*args, **kwargs)) == repr(torch.nn.Conv2d(*args, **kwargs))
    one_d = {k: v for k, v in kwargs.items() if k in ("bias", "groups")}
    assert repr(Conv1d(args[0], args[1], 3, **one_d)) == repr(
        torch.nn.Conv1d(args[0], args[1], 3, **one_d)
    )


@pytest.mark.parametrize(
    ("ours", "theirs_name", "args", "kwargs"),
    [
        (MaxPool2d, "MaxPool2d", (2,), {}),
        (MaxPool2d, "MaxPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}),
        (AvgPool2d, "AvgPool2d", (2,), {}),
        (
            AvgPool2d,
            "AvgPool2d",
            ((3, 2),),
            {"stride": 1, "padding": 1, "count_include_pad": False},
        ),
    ],
)
def test_pool_modules_match_torch(ours, theirs_name, args, kwargs):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, theirs_name)(*args, **kwargs)
    mine = ours(*args, **kwargs)
    assert repr(mine) == repr(theirs)
    assert list(mine.parameters()) == []
    x = _normal(2, 3, 7, 6)
    xt = ag.Tensor(x, requires_grad=True)
    out = mine(xt)
    out.sum().backward()
    tx = torch.tensor(x, requires_grad=True)
    theirs(tx).sum().backward()
    np.testing.assert_allclose(out.data, theirs(torch.tensor(x)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), rtol=1e-12)


def test_conv_module_initialisation_is_pytorchs_and_seeded():
    conv = Conv2d(6, 8, (3, 2), groups=2, rng=0)
    k = 1 / np.sqrt(3 * 3 * 2)  # fan_in = in_channels / groups * kH * kW
    assert conv.weight.shape == (8, 3, 3, 2) and conv.bias is not None
    assert np.all(np.abs(conv.weight.data) < k) and np.all(np.abs(conv.bias.data) < k)
    assert np.abs(conv.weight.data).max() > 0.8 * k  # uniform over the whole range
    np.testing.assert_array_equal(
        Conv2d(6, 8, (3, 2), groups=2, rng=0).weight.data, conv.weight.data
    )
    assert not np.array_equal(Conv2d(6, 8, (3, 2), groups=2, rng=1).weight.data, conv.weight.data)
    c32 = Conv1d(2, 3, 4, bias=False, rng=0, dtype=np.float32)
    assert c32.weight.dtype == np.float32 and c32.bias is None
    assert [n for n, _ in c32.named_parameters()] == ["weight"]
    assert c32(np.ones((1, 2, 6), dtype=np.float32)).dtype == np.float32


def test_conv_module_bad_arguments_raise():
    with pytest.raises(ValueError, match="Conv2d: in_channels=3 must be divisible by groups=2"):
        Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="Conv2d: out_channels=3"):
        Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="Conv2d: padding='same'"):
        Conv2d(4, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode"):
        Conv1d(4, 4, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="Conv1d: kernel_size"):
        Conv1d(4, 4, (3, 3))


def test_small_cnn_training_step_matches_torch():  # type: ignore[no-untyped-def]
    """conv -> relu -> max pool -> conv -> avg pool -> linear -> cross-entropy, one SGD step."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    t_layers = [
        torch.nn.Conv2d(1, 4, 3, padding=1, dtype=torch.float64),
        torch.nn.Conv2d(4, 6, 3, stride=1, groups=2, dtype=torch.float64),
        torch.nn.Linear(6 * 1 * 1, 3, dtype=torch.float64),
    ]
    convs = [Conv2d(1, 4, 3, padding=1), Conv2d(4, 6, 3, groups=2)]
    linear = ag.nn.Linear(6, 3)
    for ours, theirs in zip([*convs, linear], t_layers, strict=True):
        _copy_from_torch(ours, theirs)
    x = _normal(5, 1, 8, 8)
    labels = np.array([0, 2, 1, 1, 0])

    def ours_forward(x):  # type: ignore[no-untyped-def]
        h = max_pool2d(ag.relu(convs[0](x)), 2)  # (5, 4, 4, 4)
        h = avg_pool2d(convs[1](h), 2)  # (5, 6, 1, 1)
        return ag.cross_entropy(linear(h.reshape(5, 6)), labels)

    def torch_forward(x):  # type: ignore[no-untyped-def]
        F = torch.nn.functional
        h = F.max_pool2d(F.relu(t_layers[0](x)), 2)
        h = F.avg_pool2d(t_layers[1](h), 2)
        return F.cross_entropy(t_layers[2](h.reshape(5, 6)), torch.tensor(labels))

    loss = ours_forward(x)
    loss.backward()
    t_loss = torch_forward(torch.tensor(x))
    t_loss.backward()
    np.testing.assert_allclose(loss.item(), t_loss.item(), rtol=1e-12)
    ours_params = [p for m in (*convs, linear) for p in m.parameters()]
    theirs_params = [p for m in t_layers for p in m.parameters()]
    for p, q in zip(ours_params, theirs_params, strict=True):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_numerical_grad_sanity_of_the_pool_tie_rule():
    """Where windows tie, finite differences see a kink; away from ties they agree."""
    x = _normal(1, 1, 4, 4)
    (num,) = numerical_grad(lambda x: max_pool2d(x, 2).sum(), x)
    xt = ag.Tensor(x, requires_grad=True)
    max_pool2d(xt, 2).sum().backward()
    np.testing.assert_allclose(xt.grad, num, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_benchmark_conv_workload_sides_agree(dtype):  # type: ignore[no-untyped-def]
    pytest.importorskip("benchmarks", reason="run from the repository root")
    from benchmarks import workloads

    assert [row[0] for row in workloads.CONV2D_SHAPES] == [
        "conv2d fwd+bwd 8x8 digits shape",
        "conv2d fwd+bwd 32x32x3",
    ]
    pair = workloads.conv2d_layer("conv2d tiny", 3, 2, 4, 6, dtype)
    for _ in range(3):
        pair.check()
    assert all(a.dtype == np.dtype(dtype) for a in pair.autograd_params())
    pair.numpy_params()[2] += 1.0  # the weight (after the output and the input gradient)
    with pytest.raises(AssertionError):
        pair.check()


def test_a_compiled_training_step_of_a_cnn_equals_the_eager_one() -> None:
    """ag.compile follows every NumPy call of the conv and pool ops (none is a constant)."""
    from autograd_lite import nn, optim

    def make() -> tuple[nn.Module, optim.Optimizer]:
        rng = np.random.default_rng(0)
        model = nn.Sequential(
            Conv2d(1, 4, 3, padding=1, rng=rng),
            nn.ReLU(),
            MaxPool2d(2),
            Conv2d(4, 4, 3, stride=2, padding=1, dilation=1, rng=rng),
            AvgPool2d(2, padding=1),
            nn.Linear(2, 3, rng=rng),
        )
        return model, optim.Adam(model.parameters(), lr=0.01)

    final = []
    for compiled in (False, True):
        model, opt = make()

        def step(
            x: np.ndarray, y: np.ndarray, model: nn.Module = model, opt: optim.Optimizer = opt
        ) -> ag.Tensor:
            opt.zero_grad()
            loss = ag.cross_entropy(model(x).reshape(len(y), -1), y)
            loss.backward()
            opt.step()
            return loss

        run = ag.compile(step) if compiled else step
        rng = np.random.default_rng(1)
        losses = [run(rng.standard_normal((4, 1, 8, 8)), rng.integers(0, 24, 4)).item()
                  for _ in range(4)]  # fmt: skip
        final.append((losses, [p.data.copy() for p in model.parameters()]))
    (eager_losses, eager), (compiled_losses, compiled_params) = final
    np.testing.assert_allclose(compiled_losses, eager_losses, rtol=1e-12)
    for a, b in zip(eager, compiled_params, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)
