"""AdamW, RMSprop, Adagrad and Adam's amsgrad: against torch.optim step by step, NumPy, compile."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import nn
from autograd_lite.optim import SGD, Adagrad, Adam, AdamW, RMSprop

SHAPES = [(3,), (2, 3), (4, 1, 2), ()]
STEPS = 12


def _start(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s) for s in SHAPES]


def _grad_sequence(steps=STEPS, seed=1):
    rng = np.random.default_rng(seed)
    return [[rng.normal(size=s) for s in SHAPES] for _ in range(steps)]


def _groups(params, group_options):
    """The parameters split in two groups (the first two, the rest) with their own options."""
    if group_options is None:
        return params
    first, second = group_options
    return [{"params": params[:2], **first}, {"params": params[2:], **second}]


def _ours(cls, kwargs, group_options=None):
    params = [nn.Parameter(p.copy()) for p in _start()]
    return params, cls(_groups(params, group_options), **kwargs)


TORCH_NAMES = {Adam: "Adam", AdamW: "AdamW", RMSprop: "RMSprop", Adagrad: "Adagrad"}

CASES = [
    (AdamW, {}),
    (AdamW, {"lr": 0.01, "weight_decay": 0.1}),
    (AdamW, {"lr": 0.02, "betas": (0.8, 0.95), "amsgrad": True}),
    (AdamW, {"lr": 0.01, "weight_decay": 0.0, "eps": 1e-3}),
    (Adam, {"lr": 0.01, "amsgrad": True}),
    (Adam, {"lr": 0.01, "amsgrad": True, "weight_decay": 0.05}),
    (RMSprop, {}),
    (RMSprop, {"lr": 0.005, "alpha": 0.9, "weight_decay": 0.1}),
    (RMSprop, {"lr": 0.005, "momentum": 0.9}),
    (RMSprop, {"lr": 0.005, "centered": True}),
    (RMSprop, {"lr": 0.002, "centered": True, "momentum": 0.5, "eps": 1e-4}),
    (Adagrad, {}),
    (Adagrad, {"lr": 0.1, "lr_decay": 0.05}),
    (Adagrad, {"lr": 0.1, "weight_decay": 0.2, "initial_accumulator_value": 0.5}),
    (Adagrad, {"lr": 0.1, "eps": 1e-3, "lr_decay": 0.01}),
]

GROUPS = [
    None,
    ({"lr": 0.03}, {"lr": 0.001, "weight_decay": 0.01}),
]


def _case_id(case):
    cls, kwargs = case
    return cls.__name__ + "-" + "-".join(f"{k}={v}" for k, v in kwargs.items())


@pytest.mark.parametrize("group_options", GROUPS, ids=["one-group", "two-groups"])
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_matches_torch_step_by_step(case, group_options):
    torch = pytest.importorskip("torch")
    cls, kwargs = case
    params, opt = _ours(cls, kwargs, group_options)
    tparams = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in _start()]
    tcls = getattr(torch.optim, TORCH_NAMES[cls])
    topt = tcls(_groups(tparams, group_options), foreach=False, **kwargs)
    for grads in _grad_sequence():
        for p, tp, g in zip(params, tparams, grads):
            p.grad = g.copy()
            tp.grad = torch.tensor(g)
        opt.step()
        topt.step()
        for p, tp in zip(params, tparams):
            np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-12, atol=1e-14)
    for p, tp in zip(params, tparams):
        ours, theirs = opt.state[p], topt.state[tp]
        assert list(ours) == list(theirs)
        for name, value in ours.items():
            want = theirs[name]
            if name == "step":
                assert value == STEPS == int(want)
            else:
                np.testing.assert_allclose(value, want.numpy(), rtol=1e-12, atol=1e-14)


def test_parameter_groups_keep_their_own_hyperparameters():
    _, opt = _ours(AdamW, {"lr": 0.1}, GROUPS[1])
    assert [g["lr"] for g in opt.param_groups] == [0.03, 0.001]
    assert [g["weight_decay"] for g in opt.param_groups] == [0.01, 0.01]
    assert opt.param_groups[0]["betas"] == (0.9, 0.999) and not opt.param_groups[0]["amsgrad"]


# Plain NumPy references: the formulas of the docstrings, for when torch is not installed.


def adamw_reference(p, grads, lr, b1, b2, eps, wd, amsgrad):
    m, v, vmax = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    out = []
    for t, g in enumerate(grads, start=1):
        p = p * (1 - lr * wd)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        vmax = np.maximum(vmax, v)
        v_hat = (vmax if amsgrad else v) / (1 - b2**t)
        p = p - lr * (m / (1 - b1**t)) / (np.sqrt(v_hat) + eps)
        out.append(p)
    return out


def rmsprop_reference(p, grads, lr, alpha, eps, wd, momentum, centered):
    s, a, b = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    out = []
    for g in grads:
        g = g + wd * p
        s = alpha * s + (1 - alpha) * g**2
        a = alpha * a + (1 - alpha) * g
        d = np.sqrt(s - a**2 if centered else s) + eps
        if momentum:
            b = momentum * b + g / d
            p = p - lr * b
        else:
            p = p - lr * g / d
        out.append(p)
    return out


def adagrad_reference(p, grads, lr, lr_decay, wd, init, eps):
    s = np.full_like(p, init)
    out = []
    for t, g in enumerate(grads, start=1):
        g = g + wd * p
        s = s + g**2
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s) + eps)
        out.append(p)
    return out


P0 = np.random.default_rng(5).normal(size=(3, 2))
GRADS = [np.random.default_rng(6 + i).normal(size=(3, 2)) for i in range(8)]


def _trajectory(opt_factory):
    p = nn.Parameter(P0.copy())
    opt = opt_factory([p])
    out = []
    for g in GRADS:
        p.grad = g.copy()
        opt.step()
        out.append(p.data.copy())
    return out


@pytest.mark.parametrize(
    ("make", "reference"),
    [
        (
            lambda ps: AdamW(ps, lr=0.05, betas=(0.8, 0.9), weight_decay=0.1),
            lambda: adamw_reference(P0, GRADS, 0.05, 0.8, 0.9, 1e-8, 0.1, False),
        ),
        (
            lambda ps: AdamW(ps, lr=0.05, amsgrad=True),
            lambda: adamw_reference(P0, GRADS, 0.05, 0.9, 0.999, 1e-8, 0.01, True),
        ),
        (
            lambda ps: Adam(ps, lr=0.05, amsgrad=True),
            lambda: adamw_reference(P0, GRADS, 0.05, 0.9, 0.999, 1e-8, 0.0, True),
        ),
        (
            lambda ps: RMSprop(ps, lr=0.01, weight_decay=0.1),
            lambda: rmsprop_reference(P0, GRADS, 0.01, 0.99, 1e-8, 0.1, 0.0, False),
        ),
        (
            lambda ps: RMSprop(ps, lr=0.01, alpha=0.9, momentum=0.8, centered=True),
            lambda: rmsprop_reference(P0, GRADS, 0.01, 0.9, 1e-8, 0.0, 0.8, True),
        ),
        (
            lambda ps: Adagrad(ps, lr=0.1, lr_decay=0.1, weight_decay=0.05),
            lambda: adagrad_reference(P0, GRADS, 0.1, 0.1, 0.05, 0.0, 1e-10),
        ),
        (
            lambda ps: Adagrad(ps, lr=0.1, initial_accumulator_value=2.0, eps=1e-2),
            lambda: adagrad_reference(P0, GRADS, 0.1, 0.0, 0.0, 2.0, 1e-2),
        ),
    ],
)
def test_matches_the_numpy_formulas(make, reference):
    for got, want in zip(_trajectory(make), reference()):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_adamw_decay_is_decoupled_from_the_moments():
    # With a zero gradient Adam's moments stay zero, so only the decay moves the parameter.
    p = nn.Parameter(np.array([2.0, -4.0]))
    opt = AdamW([p], lr=0.1, weight_decay=0.5)
    p.grad = np.zeros(2)
    opt.step()
    np.testing.assert_allclose(p.data, [1.9, -3.8])
    np.testing.assert_array_equal(opt.state[p]["exp_avg"], [0.0, 0.0])


def test_amsgrad_keeps_the_largest_second_moment():
    p = nn.Parameter(np.array([1.0]))
    opt = Adam([p], lr=0.1, betas=(0.5, 0.5), amsgrad=True)
    for g in (4.0, 0.0):
        p.grad = np.array([g])
        opt.step()
    state = opt.state[p]
    np.testing.assert_allclose(state["exp_avg_sq"], [4.0])  # 0.5 * 8
    np.testing.assert_allclose(state["max_exp_avg_sq"], [8.0])


OPTIMIZERS = {
    "adamw": lambda ps: AdamW(ps, lr=0.05, weight_decay=0.1),
    "adamw-amsgrad": lambda ps: AdamW(ps, lr=0.05, amsgrad=True),
    "rmsprop": lambda ps: RMSprop(ps, lr=0.01),
    "rmsprop-centered-momentum": lambda ps: RMSprop(
        ps, lr=0.01, momentum=0.9, centered=True, weight_decay=0.01
    ),
    "adagrad": lambda ps: Adagrad(ps, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_state_dict_round_trip_continues_identically(name):
    make = OPTIMIZERS[name]
    p1 = nn.Parameter(P0.copy())
    opt1 = make([p1])
    for g in GRADS[:4]:
        p1.grad = g.copy()
        opt1.step()
    saved = opt1.state_dict()
    p2 = nn.Parameter(p1.data.copy())
    opt2 = make([p2])
    opt2.load_state_dict(saved)
    for g in GRADS[4:]:
        for p, opt in ((p1, opt1), (p2, opt2)):
            p.grad = g.copy()
            opt.step()
    np.testing.assert_array_equal(p1.data, p2.data)
    assert opt2.state[p2]["step"] == len(GRADS)


def test_state_names_follow_torch():
    names = {}
    for key, make in OPTIMIZERS.items():
        p = nn.Parameter(np.ones(2))
        opt = make([p])
        p.grad = np.ones(2)
        opt.step()
        names[key] = list(opt.state_dict()["state"][0])
    assert names == {
        "adamw": ["step", "exp_avg", "exp_avg_sq"],
        "adamw-amsgrad": ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
        "rmsprop": ["step", "square_avg"],
        "rmsprop-centered-momentum": ["step", "square_avg", "momentum_buffer", "grad_avg"],
        "adagrad": ["step", "sum"],
    }


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_float32_parameters_and_state_stay_float32(name):
    p = nn.Parameter(np.ones(3, dtype=np.float32))
    opt = OPTIMIZERS[name]([p])
    for _ in range(2):
        (p * p).sum().backward()
        opt.step()
        opt.zero_grad()
    assert p.dtype == np.float32
    for value in opt.state[p].values():
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_compiled_steps_equal_eager(name):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 3))
    sides = []
    for _ in range(2):
        w = nn.Parameter(P0.copy())
        opt = OPTIMIZERS[name]([w])

        def step(x, w=w, opt=opt):
            opt.zero_grad()
            loss = (ag.tanh(x @ w) ** 2).sum()
            loss.backward()
            opt.step()
            return loss

        sides.append((w, opt, step))
    (we, opt_e, eager), (wc, opt_c, step) = sides
    compiled = ag.compile(step)
    for _ in range(4):
        np.testing.assert_allclose(compiled(x).data, eager(x).data, rtol=1e-10)
        np.testing.assert_allclose(wc.data, we.data, rtol=1e-10, atol=1e-14)
    state_c, state_e = opt_c.state[wc], opt_e.state[we]
    assert list(state_c) == list(state_e)
    for key in state_e:
        np.testing.assert_allclose(state_c[key], state_e[key], rtol=1e-10)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda ps: AdamW(ps, lr=-1.0), "learning rate"),
        (lambda ps: AdamW(ps, betas=(0.9, 1.0)), "betas"),
        (lambda ps: AdamW(ps, eps=-1e-8), "eps"),
        (lambda ps: AdamW(ps, weight_decay=-0.1), "weight_decay"),
        (lambda ps: RMSprop(ps, lr=-0.1), "learning rate"),
        (lambda ps: RMSprop(ps, alpha=-0.5), "alpha"),
        (lambda ps: RMSprop(ps, eps=-1.0), "eps"),
        (lambda ps: RMSprop(ps, momentum=-0.9), "momentum"),
        (lambda ps: RMSprop(ps, weight_decay=-1.0), "weight_decay"),
        (lambda ps: Adagrad(ps, lr=-0.1), "learning rate"),
        (lambda ps: Adagrad(ps, lr_decay=-0.1), "lr_decay"),
        (lambda ps: Adagrad(ps, weight_decay=-0.1), "weight_decay"),
        (lambda ps: Adagrad(ps, initial_accumulator_value=-1.0), "initial_accumulator_value"),
        (lambda ps: Adagrad(ps, eps=-1.0), "eps"),
        (lambda ps: RMSprop([{"params": ps, "alpha": -1.0}]), "alpha"),
    ],
)
def test_invalid_hyperparameters(make, match):
    with pytest.raises(ValueError, match=match):
        make([nn.Parameter(np.ones(2))])


def test_exported_names_and_repr():
    assert {"Adam", "AdamW", "Adagrad", "Optimizer", "RMSprop", "SGD"} <= set(ag.optim.__all__)
    assert ag.optim.lr_scheduler.StepLR.__name__ == "StepLR"
    text = repr(RMSprop([nn.Parameter(np.ones(1))], centered=True))
    assert "centered: True" in text and "alpha: 0.99" in text
    assert isinstance(SGD([nn.Parameter(np.ones(1))], lr=0.1), ag.optim.Optimizer)
