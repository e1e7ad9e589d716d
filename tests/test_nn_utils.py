"""ag.nn.utils: clip_grad_norm_ and clip_grad_value_ against torch.nn.utils and by hand."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from autograd_lite import nn
from autograd_lite.nn.utils import clip_grad_norm_, clip_grad_value_

SHAPES = [(3, 4), (5,), (), (2, 1, 3)]


def _params(dtype=np.float64, seed=0, scale=1.0, without_grad=True):
    rng = np.random.default_rng(seed)
    params = [nn.Parameter(np.zeros(s, dtype=dtype)) for s in SHAPES]
    for p in params:
        p.grad = np.asarray(scale * rng.normal(size=p.shape), dtype=dtype)
    if without_grad:
        params.append(nn.Parameter(np.zeros(2, dtype=dtype)))  # .grad None: skipped
    return params


def _torch_params(params):
    torch = pytest.importorskip("torch")
    out = []
    for p in params:
        t = torch.zeros(p.shape, dtype=torch.float64, requires_grad=True)
        if p.grad is not None:
            t.grad = torch.tensor(p.grad.copy())
        out.append(t)
    return out


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 3.5, 0.5])
@pytest.mark.parametrize("max_norm", [0.3, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    params = _params()
    tparams = _torch_params(params)
    total = clip_grad_norm_(params, max_norm, norm_type=norm_type)
    want = torch.nn.utils.clip_grad_norm_(tparams, max_norm, norm_type=norm_type, foreach=False)
    assert isinstance(total, float)
    assert total == pytest.approx(float(want), rel=1e-12)
    for p, t in zip(params, tparams):
        if p.grad is None:
            assert t.grad is None
        else:
            np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_nonfinite_norms_scale_like_torch_or_raise(bad):
    torch = pytest.importorskip("torch")
    params = _params(without_grad=False)
    params[0].grad[0, 0] = bad
    tparams = _torch_params(params)
    total = clip_grad_norm_(params, 1.0)
    want = torch.nn.utils.clip_grad_norm_(tparams, 1.0, foreach=False)
    assert math.isnan(total) if math.isnan(bad) else total == math.inf
    assert float(want) == total or math.isnan(float(want))
    for p, t in zip(params, tparams):
        np.testing.assert_array_equal(p.grad, t.grad.numpy())
    params = _params()
    params[1].grad[2] = bad
    before = [None if p.grad is None else p.grad.copy() for p in params]
    with pytest.raises(RuntimeError, match="error_if_nonfinite"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p.grad, b)


def test_clip_grad_norm_by_hand():
    params = _params(scale=3.0)
    grads = [p.grad for p in params if p.grad is not None]
    total = math.sqrt(sum(float((g**2).sum()) for g in grads))
    originals = [g.copy() for g in grads]
    assert clip_grad_norm_(params, 2.0) == pytest.approx(total, rel=1e-14)
    assert all(p.grad is g for p, g in zip(params, grads))  # scaled in place
    for g, g0 in zip(grads, originals):
        np.testing.assert_allclose(g, g0 * 2.0 / (total + 1e-6), rtol=1e-14)
    after = math.sqrt(sum(float((g**2).sum()) for g in grads))
    assert after == pytest.approx(2.0, rel=1e-6)
    # Below the limit nothing changes; the inf norm is the largest absolute entry.
    assert clip_grad_norm_(params, 10.0, norm_type=math.inf) == pytest.approx(
        max(float(np.abs(g).max()) for g in grads)
    )
    for g, g0 in zip(grads, originals):
        np.testing.assert_allclose(g, g0 * 2.0 / (total + 1e-6), rtol=1e-14)


def test_single_tensor_generators_and_no_grads():
    p = nn.Parameter(np.zeros(2))
    assert clip_grad_norm_(p, 1.0) == 0.0 and p.grad is None
    p.grad = np.array([3.0, 4.0])
    assert clip_grad_norm_(p, 1.0) == 5.0
    np.testing.assert_allclose(p.grad, [0.6, 0.8], rtol=1e-6)
    q = nn.Parameter(np.zeros(2))
    q.grad = np.array([-2.0, 0.5])
    clip_grad_value_(iter([p, q]), 1.0)
    np.testing.assert_allclose(q.grad, [-1.0, 0.5])
    assert clip_grad_norm_([], 1.0) == 0.0
    s = nn.Parameter(np.array(0.0))
    s.grad = np.float32(-4.0)  # a NumPy scalar set by hand: replaced, not edited
    assert clip_grad_norm_(s, 2.0) == 4.0
    assert s.grad == pytest.approx(-2.0, rel=1e-6) and s.grad.dtype == np.float32
    clip_grad_value_(s, 1.0)
    assert s.grad == -1.0 and s.grad.dtype == np.float32


@pytest.mark.parametrize("clip_value", [0.5, 1.2, 0.0])
def test_clip_grad_value_matches_torch(clip_value):
    torch = pytest.importorskip("torch")
    params = _params()
    tparams = _torch_params(params)
    grads = [p.grad for p in params]
    clip_grad_value_(params, clip_value)
    torch.nn.utils.clip_grad_value_(tparams, clip_value, foreach=False)
    for p, g, t in zip(params, grads, tparams):
        assert p.grad is g  # in place
        if g is not None:
            np.testing.assert_array_equal(p.grad, t.grad.numpy())


def test_clip_grad_value_by_hand():
    p = nn.Parameter(np.zeros(4))
    p.grad = np.array([-3.0, -0.2, 0.7, 9.0])
    clip_grad_value_([p], 0.5)
    np.testing.assert_array_equal(p.grad, [-0.5, -0.2, 0.5, 0.5])


def test_float32_gradients_stay_float32():
    params = _params(dtype=np.float32, scale=5.0)
    total = clip_grad_norm_(params, 1.0)
    clip_grad_value_(params, 0.1)
    assert isinstance(total, float)
    for p in params:
        assert p.grad is None or p.grad.dtype == np.float32


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda ps: clip_grad_norm_([*ps, np.ones(2)], 1.0), "Tensors"),
        (lambda ps: clip_grad_norm_(3, 1.0), "iterable"),
        (lambda ps: clip_grad_norm_(ps, "1.0"), "max_norm"),
        (lambda ps: clip_grad_norm_(ps, 1.0, norm_type=None), "norm_type"),
        (lambda ps: clip_grad_value_(ps, None), "clip_value"),
        (lambda ps: clip_grad_value_(ps, True), "clip_value"),
        (lambda ps: clip_grad_value_([ps[0], "w"], 1.0), "Tensors"),
    ],
)
def test_wrong_types_are_refused(call, match):
    with pytest.raises(TypeError, match=match):
        call(_params())


def test_clipping_inside_a_compiled_step_decides_on_each_calls_norm() -> None:
    """The norm of each call, not the traced one, scales the gradients of a compiled step."""
    import autograd_lite as ag
    from autograd_lite.nn.utils import clip_grad_norm_, clip_grad_value_

    w = ag.nn.Parameter(np.zeros(2))

    def step(x: np.ndarray) -> Any:
        w.grad = None
        (w * x).sum().backward()
        norm = clip_grad_norm_([w], max_norm=1.0)
        clip_grad_value_([w], 0.7)
        return norm

    compiled = ag.compile(step)
    for x in ([30.0, 40.0], [300.0, -400.0], [0.03, 0.04], [0.9, 0.1]):
        norm = compiled(np.array(x))
        got = w.grad.copy()
        expected_norm = step(np.array(x))
        np.testing.assert_allclose(norm, expected_norm, rtol=1e-12)
        np.testing.assert_allclose(got, w.grad, rtol=1e-12)
    assert len(compiled.cache_info()) == 1
