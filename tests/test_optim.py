"""ag.optim: SGD and Adam against hand-written NumPy updates, validation, state."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import nn, optim


def _grads(steps, shape=(3, 2), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for _ in range(steps)]


def _run(opt_factory, p0, grads):
    """Apply ``grads`` one per step through the optimizer; the parameter's value after each."""
    p = nn.Parameter(p0.copy())
    opt = opt_factory([p])
    values = []
    for g in grads:
        p.grad = g.copy()
        opt.step()
        values.append(p.data.copy())
    return p, values


def sgd_reference(p, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    p = p.copy()
    buf = None
    out = []
    for g in grads:
        d = g + weight_decay * p
        if momentum:
            buf = d.copy() if buf is None else momentum * buf + (1 - dampening) * d
            d = d + momentum * buf if nesterov else buf
        p = p - lr * d
        out.append(p.copy())
    return out


def adam_reference(p, grads, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.0):
    p = p.copy()
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    out = []
    for t, g in enumerate(grads, start=1):
        d = g + weight_decay * p
        m = b1 * m + (1 - b1) * d
        v = b2 * v + (1 - b2) * d**2
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(p.copy())
    return out


P0 = np.random.default_rng(42).normal(size=(3, 2))

SGD_CASES = [
    {"lr": 0.1},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"lr": 0.05, "momentum": 0.8, "dampening": 0.3},
    {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.01},
    {"lr": 0.1, "weight_decay": 0.1},
]


@pytest.mark.parametrize("kwargs", SGD_CASES)
@pytest.mark.parametrize("steps", [1, 5])
def test_sgd_matches_numpy(kwargs, steps):
    grads = _grads(steps)
    _, values = _run(lambda ps: optim.SGD(ps, **kwargs), P0, grads)
    for got, want in zip(values, sgd_reference(P0, grads, **kwargs)):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_sgd_one_step_by_hand():
    p = nn.Parameter(np.array([1.0, -2.0]))
    opt = optim.SGD([p], lr=0.5, momentum=0.9)
    p.grad = np.array([0.2, 0.4])
    opt.step()  # first step: buffer = g
    np.testing.assert_allclose(p.data, [0.9, -2.2])
    p.grad = np.array([0.2, 0.4])
    opt.step()  # buffer = 0.9 * g + g = 1.9 g
    np.testing.assert_allclose(p.data, [0.9 - 0.5 * 0.38, -2.2 - 0.5 * 0.76])


ADAM_CASES = [
    {},
    {"lr": 0.01, "betas": (0.8, 0.99)},
    {"lr": 0.01, "eps": 1e-3},
    {"lr": 0.02, "weight_decay": 0.1},
]


@pytest.mark.parametrize("kwargs", ADAM_CASES)
@pytest.mark.parametrize("steps", [1, 6])
def test_adam_matches_numpy(kwargs, steps):
    grads = _grads(steps, seed=1)
    ref_kwargs = dict(kwargs)
    if "betas" in ref_kwargs:
        ref_kwargs["b1"], ref_kwargs["b2"] = ref_kwargs.pop("betas")
    _, values = _run(lambda ps: optim.Adam(ps, **kwargs), P0, grads)
    for got, want in zip(values, adam_reference(P0, grads, **ref_kwargs)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_adam_first_step_moves_by_lr():
    # With bias correction the first update is lr * g / (|g| + eps): lr in size.
    p = nn.Parameter(np.array([1.0, 1.0, 1.0]))
    opt = optim.Adam([p], lr=0.1, eps=0.0)
    p.grad = np.array([3.0, -0.001, 50.0])
    opt.step()
    np.testing.assert_allclose(p.data, [0.9, 1.1, 0.9])


@pytest.mark.parametrize(
    "make", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), lambda ps: optim.Adam(ps, lr=0.1)]
)
def test_step_is_in_place_and_records_nothing(make):
    p = nn.Parameter(np.array([1.0, 2.0]))
    data = p.data
    node = p._node
    opt = make([p])
    (p * p).sum().backward()
    grad = p.grad.copy()
    opt.step()
    assert p.data is data and p._node is node and p.is_leaf
    np.testing.assert_array_equal(p.grad, grad)  # the gradient is left alone
    assert not np.array_equal(p.data, [1.0, 2.0])


def test_parameters_without_grad_are_skipped():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = np.ones(2)
    opt.step()
    np.testing.assert_array_equal(b.data, [1.0, 1.0])
    assert b not in opt.state


def test_zero_grad():
    net = nn.Linear(3, 2, rng=0)
    opt = optim.SGD(net.parameters(), lr=0.1)
    net(np.ones((1, 3))).sum().backward()
    opt.zero_grad()
    assert net.weight.grad is None and net.bias.grad is None


def test_training_a_linear_model_reduces_the_loss():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    net = nn.Linear(3, 1, rng=0)
    opt = optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    for _ in range(300):
        opt.zero_grad()
        loss = ((net(X) - y) ** 2).mean()
        loss.backward()
        opt.step()
    np.testing.assert_allclose(net.weight.data, [[1.0, -2.0, 0.5]], atol=1e-4)
    np.testing.assert_allclose(net.bias.data, [0.3], atol=1e-4)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda ps: optim.SGD(ps, lr=-0.1), "learning rate"),
        (lambda ps: optim.SGD(ps, lr=0.1, nesterov=True), "Nesterov"),
        (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov"),
        (lambda ps: optim.SGD(ps, lr=0.1, momentum=-1.0), "momentum"),
        (lambda ps: optim.SGD(ps, lr=0.1, weight_decay=-1.0), "weight_decay"),
        (lambda ps: optim.Adam(ps, lr=-1e-3), "learning rate"),
        (lambda ps: optim.Adam(ps, betas=(0.9, 1.0)), "betas"),
        (lambda ps: optim.Adam(ps, betas=(-0.1, 0.9)), "betas"),
        (lambda ps: optim.Adam(ps, eps=-1.0), "eps"),
        (lambda ps: optim.Adam([]), "empty"),
        (lambda ps: optim.Adam(ps + ps), "more than once"),
        (lambda ps: optim.Adam([ps[0] * 2]), "leaf"),
    ],
)
def test_invalid_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make([nn.Parameter(np.ones(2))])


def test_non_tensor_params_are_rejected():
    with pytest.raises(TypeError):
        optim.SGD([np.ones(2)], lr=0.1)


def test_param_groups_and_changing_lr():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    a.grad = np.ones(2)
    b.grad = np.ones(2)
    opt.step()
    np.testing.assert_allclose(a.data, [0.9, 0.9])
    np.testing.assert_allclose(b.data, [0.0, 0.0])
    opt.param_groups[0]["lr"] = 0.5
    opt.step()
    np.testing.assert_allclose(a.data, [0.4, 0.4])


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: optim.Adam(ps, lr=0.05, weight_decay=0.01),
    ],
)
def test_state_dict_round_trip_continues_identically(make):
    grads = _grads(5, shape=(2,), seed=3)
    p1 = nn.Parameter(np.array([1.0, -1.0]))
    opt1 = make([p1])
    for g in grads[:3]:
        p1.grad = g.copy()
        opt1.step()
    saved = opt1.state_dict()
    p2 = nn.Parameter(p1.data.copy())
    opt2 = make([p2])
    opt2.load_state_dict(saved)
    for g in grads[3:]:
        for p, opt in ((p1, opt1), (p2, opt2)):
            p.grad = g.copy()
            opt.step()
    np.testing.assert_array_equal(p1.data, p2.data)


def test_state_dict_is_a_copy_and_indexed_by_position():
    p = nn.Parameter(np.ones(2))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.ones(2)
    opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0]
    assert sd["param_groups"][0]["lr"] == 0.1
    sd["state"][0]["momentum_buffer"][:] = 99.0
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"], [1.0, 1.0])


def test_load_state_dict_restores_hyperparameters_and_rejects_mismatches():
    p = nn.Parameter(np.ones(2))
    source = optim.SGD([p], lr=0.3, momentum=0.5)
    target = optim.SGD([nn.Parameter(np.ones(2))], lr=0.1, momentum=0.5)
    target.load_state_dict(source.state_dict())
    assert target.param_groups[0]["lr"] == 0.3
    bigger = optim.SGD([nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))], lr=0.1)
    with pytest.raises(ValueError, match="parameters"):
        bigger.load_state_dict(source.state_dict())
    p.grad = np.ones(2)
    source.step()
    wrong_shape = optim.SGD([nn.Parameter(np.ones(3))], lr=0.1, momentum=0.5)
    with pytest.raises(ValueError, match="shape"):
        wrong_shape.load_state_dict(source.state_dict())


def test_float32_parameters_stay_float32():
    p = nn.Parameter(np.ones(3, dtype=np.float32))
    opt = optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    opt.step()
    assert p.dtype == np.float32


def test_repr_shows_hyperparameters():
    text = repr(optim.SGD([ag.Tensor([1.0], requires_grad=True)], lr=0.1))
    assert "lr: 0.1" in text and "momentum: 0.0" in text
