"""ag.nn.functional: PyTorch's spellings of the ops, against torch.nn.functional."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag
import autograd_lite.nn.functional as F

RNG = np.random.default_rng(11)


def _both(torch, ours, theirs, x, g, **kwargs):  # type: ignore[no-untyped-def]
    """Value and input gradient of ``ours(x)`` and ``theirs(x)`` seeded with ``g``."""
    xo = ag.Tensor(x, requires_grad=True)
    yo = ours(xo, **kwargs)
    yo.backward(g(yo.shape))
    xt = torch.tensor(x, requires_grad=True)
    yt = theirs(xt, **kwargs)
    yt.backward(torch.tensor(g(tuple(yt.shape))))
    np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def _seed(shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(0).standard_normal(shape)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmaxes_take_dim(name: str, dim: int) -> None:
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((3, 4, 2))
    _both(torch, getattr(F, name), getattr(torch.nn.functional, name), x, _seed, dim=dim)


def test_softmax_without_dim_is_refused() -> None:
    with pytest.raises(TypeError, match="softmax: pass dim"):
        F.softmax(np.ones(3))


@pytest.mark.parametrize(
    ("pad", "mode", "value"),
    [
        ((1, 2), "constant", None),
        ((1, 0, 2, 1), "constant", 3.5),
        ((2, 1, 1, 2), "reflect", None),
        ((1, 2, 2, 0), "replicate", None),
        ((1, 1, 2, 2), "circular", None),
    ],
)
def test_pad_takes_torch_widths_last_axis_first(pad, mode, value) -> None:  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((2, 3, 4, 5))
    kwargs = {"pad": pad, "mode": mode} | ({} if value is None else {"value": value})
    _both(torch, F.pad, torch.nn.functional.pad, x, _seed, **kwargs)


def test_pad_refuses_cropping_and_odd_width_counts() -> None:
    with pytest.raises(ValueError, match="negative"):
        F.pad(np.ones((2, 2)), (1, -1))
    with pytest.raises(ValueError, match="even number"):
        F.pad(np.ones((2, 2)), (1, 1, 1))
    with pytest.raises(ValueError, match="mode"):
        F.pad(np.ones((2, 2)), (1, 1), mode="edge")


def test_linear_matches_pytorch_with_and_without_bias() -> None:
    torch = pytest.importorskip("torch")
    x, w, b = RNG.standard_normal((5, 3)), RNG.standard_normal((4, 3)), RNG.standard_normal(4)
    for bias in (b, None):
        ours = F.linear(x, w, bias).data
        theirs = torch.nn.functional.linear(
            torch.tensor(x), torch.tensor(w), None if bias is None else torch.tensor(bias)
        )
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("shape", [(4, 5), (5,), (3, 5, 2, 2)])
@pytest.mark.parametrize(
    "kwargs", [{}, {"label_smoothing": 0.1}, {"ignore_index": 1}, {"reduction": "sum"}]
)
def test_cross_entropy_and_nll_loss_read_classes_on_axis_one(shape, kwargs) -> None:  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal(shape)
    target_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    target = RNG.integers(0, 5, target_shape)
    tt = torch.tensor(target)
    tf = torch.nn.functional
    _both(torch, lambda t, **k: F.cross_entropy(t, target, **k),
          lambda t, **k: tf.cross_entropy(t, tt, **k), x, _seed, **kwargs)  # fmt: skip
    nll_kwargs = {k: v for k, v in kwargs.items() if k != "label_smoothing"}
    logp = np.log(np.exp(x) / np.exp(x).sum(axis=1 if len(shape) > 1 else 0, keepdims=True))
    _both(torch, lambda t, **k: F.nll_loss(t, target, **k),
          lambda t, **k: tf.nll_loss(t, tt, **k), logp, _seed, **nll_kwargs)  # fmt: skip


def test_functional_reexports_the_top_level_ops() -> None:
    for name in ["conv2d", "max_pool2d", "gelu", "layer_norm", "dropout", "embedding", "mse_loss",
                 "scaled_dot_product_attention", "relu", "sigmoid", "tanh"]:  # fmt: skip
        assert getattr(F, name) is getattr(ag, name)
    assert set(F.__all__) <= set(dir(F))
