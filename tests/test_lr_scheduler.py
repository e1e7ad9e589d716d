"""ag.optim.lr_scheduler: against torch.optim.lr_scheduler over 40 steps, closed forms, state."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import nn
from autograd_lite.optim import SGD, Adagrad, Adam, lr_scheduler

STEPS = 40
LRS = (0.1, 0.02)


def _sgd(module, lrs=LRS, momentum=0.9):
    params = [module.ones(2), module.ones(3)]
    if module is np:
        params = [nn.Parameter(p) for p in params]
    else:
        for p in params:
            p.requires_grad_(True)
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, lrs)]
    return params, groups, momentum


def _pair(optimizer="sgd"):
    """Our optimizer and torch's, two parameter groups with different learning rates."""
    torch = pytest.importorskip("torch")
    _, ogroups, mu = _sgd(np)
    _, tgroups, _ = _sgd(torch)
    if optimizer == "sgd":
        return SGD(ogroups, lr=1.0, momentum=mu), torch.optim.SGD(tgroups, lr=1.0, momentum=mu)
    return Adam(ogroups), torch.optim.Adam(tgroups)


SCHEDULERS = {
    "step": lambda m, opt: m.StepLR(opt, step_size=7, gamma=0.5),
    "step-default-gamma": lambda m, opt: m.StepLR(opt, 3),
    "multistep": lambda m, opt: m.MultiStepLR(opt, milestones=[5, 12, 12, 30], gamma=0.3),
    "exponential": lambda m, opt: m.ExponentialLR(opt, gamma=0.93),
    "cosine": lambda m, opt: m.CosineAnnealingLR(opt, T_max=10),
    "cosine-eta-min": lambda m, opt: m.CosineAnnealingLR(opt, T_max=17, eta_min=0.001),
    "lambda": lambda m, opt: m.LambdaLR(opt, lambda e: 1.0 / (1 + 0.1 * e)),
    "lambda-list": lambda m, opt: m.LambdaLR(opt, [lambda e: 0.9**e, lambda e: 1 + e % 3]),
    "linear": lambda m, opt: m.LinearLR(opt),
    "linear-decay": lambda m, opt: m.LinearLR(
        opt, start_factor=1.0, end_factor=0.05, total_iters=25
    ),
    "onecycle": lambda m, opt: m.OneCycleLR(opt, max_lr=0.5, total_steps=STEPS),
    "onecycle-epochs-linear": lambda m, opt: m.OneCycleLR(
        opt, max_lr=[0.5, 0.2], epochs=4, steps_per_epoch=10, anneal_strategy="linear"
    ),
    "onecycle-three-phase": lambda m, opt: m.OneCycleLR(
        opt,
        max_lr=1.0,
        total_steps=STEPS + 5,
        pct_start=0.25,
        three_phase=True,
        div_factor=10.0,
        final_div_factor=100.0,
        base_momentum=0.8,
        max_momentum=[0.9, 0.99],
    ),
    "onecycle-no-momentum": lambda m, opt: m.OneCycleLR(
        opt, max_lr=0.3, total_steps=STEPS, cycle_momentum=False
    ),
}
CHAINS = {
    "warmup-then-exponential": lambda m, opt: [
        m.LinearLR(opt, start_factor=0.1, total_iters=8),
        m.ExponentialLR(opt, gamma=0.95),
    ],
    "step-and-multistep": lambda m, opt: [
        m.StepLR(opt, step_size=6, gamma=0.7),
        m.MultiStepLR(opt, milestones=[10, 25], gamma=0.1),
    ],
    "cosine-and-lambda": lambda m, opt: [
        m.CosineAnnealingLR(opt, T_max=12, eta_min=0.002),
        m.ExponentialLR(opt, gamma=0.99),
    ],
}


def _hyper(opt):
    return [(g["lr"], g.get("momentum"), g.get("betas")) for g in opt.param_groups]


def _assert_close(ours, theirs):
    for (lr, mom, betas), (tlr, tmom, tbetas) in zip(ours, theirs):
        assert lr == pytest.approx(tlr, rel=1e-12, abs=1e-15)
        if mom is not None:
            assert mom == pytest.approx(tmom, rel=1e-12)
        if betas is not None:
            assert betas == pytest.approx(tbetas, rel=1e-12)


def _run_side_by_side(ours, theirs, opt, topt, steps=STEPS):
    for _ in range(steps):
        opt.step()
        topt.step()
        for s in ours:
            s.step()
        for s in theirs:
            s.step()
        _assert_close(_hyper(opt), _hyper(topt))
        for s, t in zip(ours, theirs):
            assert s.get_last_lr() == pytest.approx(t.get_last_lr(), rel=1e-12, abs=1e-15)
            assert s.last_epoch == t.last_epoch


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_matches_torch(name, optimizer):
    torch = pytest.importorskip("torch")
    opt, topt = _pair(optimizer)
    ours = [SCHEDULERS[name](lr_scheduler, opt)]
    theirs = [SCHEDULERS[name](torch.optim.lr_scheduler, topt)]
    _assert_close(_hyper(opt), _hyper(topt))  # the constructor's first step
    assert [g["initial_lr"] for g in opt.param_groups] == pytest.approx(
        [g["initial_lr"] for g in topt.param_groups], rel=1e-15
    )
    _run_side_by_side(ours, theirs, opt, topt)


@pytest.mark.parametrize("name", sorted(CHAINS))
def test_chained_schedulers_match_torch(name):
    torch = pytest.importorskip("torch")
    opt, topt = _pair()
    ours = CHAINS[name](lr_scheduler, opt)
    theirs = CHAINS[name](torch.optim.lr_scheduler, topt)
    _run_side_by_side(ours, theirs, opt, topt)


@pytest.mark.parametrize("name", sorted(SCHEDULERS) + sorted(CHAINS))
def test_state_dict_round_trip_mid_schedule(name, tmp_path):
    make = SCHEDULERS.get(name) or CHAINS[name]

    def build():
        params = [nn.Parameter(np.ones(2)), nn.Parameter(np.ones(3))]
        opt = Adam([{"params": [p], "lr": lr} for p, lr in zip(params, LRS)])
        made = make(lr_scheduler, opt)
        return opt, made if isinstance(made, list) else [made]

    opt1, scheds1 = build()
    for _ in range(15):
        opt1.step()
        for s in scheds1:
            s.step()
    path = tmp_path / "state.npz"
    ag.save({"optimizer": opt1.state_dict(), "schedulers": [s.state_dict() for s in scheds1]}, path)
    opt2, scheds2 = build()  # schedulers first: making one sets the lr, loading restores it
    loaded = ag.load(path)
    opt2.load_state_dict(loaded["optimizer"])
    for s, state in zip(scheds2, loaded["schedulers"]):
        s.load_state_dict(state)
    assert _hyper(opt2) == _hyper(opt1)
    for _ in range(STEPS - 15):
        for opt, scheds in ((opt1, scheds1), (opt2, scheds2)):
            opt.step()
            for s in scheds:
                s.step()
        assert _hyper(opt2) == _hyper(opt1)
        assert [s.get_last_lr() for s in scheds2] == [s.get_last_lr() for s in scheds1]


def test_resuming_with_last_epoch_matches_torch():
    torch = pytest.importorskip("torch")
    opt, topt = _pair()
    for o in (opt, topt):
        for g in o.param_groups:
            g["initial_lr"] = g["lr"]
    ours = lr_scheduler.StepLR(opt, step_size=4, gamma=0.5, last_epoch=7)
    theirs = torch.optim.lr_scheduler.StepLR(topt, step_size=4, gamma=0.5, last_epoch=7)
    _assert_close(_hyper(opt), _hyper(topt))
    _run_side_by_side([ours], [theirs], opt, topt, steps=10)


# Closed forms, for when torch is not installed: each recursive schedule equals its formula.


def _lrs(make, steps=STEPS, lr=0.1):
    opt = SGD([nn.Parameter(np.ones(1))], lr=lr, momentum=0.9)
    sched = make(opt)
    out = [sched.get_last_lr()[0]]
    for _ in range(steps):
        opt.step()
        sched.step()
        out.append(sched.get_last_lr()[0])
        assert opt.param_groups[0]["lr"] == out[-1]
    return np.array(out)


EPOCHS = np.arange(STEPS + 1)


@pytest.mark.parametrize(
    ("make", "formula"),
    [
        (lambda o: lr_scheduler.StepLR(o, 7, gamma=0.5), 0.1 * 0.5 ** (EPOCHS // 7)),
        (
            lambda o: lr_scheduler.MultiStepLR(o, [5, 12, 12], gamma=0.3),
            0.1 * 0.3 ** ((EPOCHS >= 5) + 2 * (EPOCHS >= 12)),
        ),
        (lambda o: lr_scheduler.ExponentialLR(o, 0.9), 0.1 * 0.9**EPOCHS),
        (
            lambda o: lr_scheduler.CosineAnnealingLR(o, 10, eta_min=0.01),
            0.01 + 0.09 * (1 + np.cos(np.pi * EPOCHS / 10)) / 2,
        ),
        (lambda o: lr_scheduler.LambdaLR(o, lambda e: e + 1), 0.1 * (EPOCHS + 1.0)),
        (
            lambda o: lr_scheduler.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=9),
            0.1 * (0.2 + 0.7 * np.minimum(EPOCHS, 9) / 9),
        ),
        (
            lambda o: lr_scheduler.OneCycleLR(
                o, 1.0, total_steps=STEPS + 1, pct_start=0.5, anneal_strategy="linear"
            ),
            np.where(
                EPOCHS <= 19.5,
                0.04 + 0.96 * EPOCHS / 19.5,
                1.0 + (4e-6 - 1.0) * (EPOCHS - 19.5) / (40 - 19.5),
            ),
        ),
    ],
    ids=["step", "multistep", "exponential", "cosine", "lambda", "linear", "onecycle"],
)
def test_closed_forms(make, formula):
    np.testing.assert_allclose(_lrs(make), formula, rtol=1e-12, atol=1e-15)


def test_cosine_past_t_max_rises_again():
    lrs = _lrs(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=5), steps=10)
    np.testing.assert_allclose(lrs, 0.05 * (1 + np.cos(np.pi * np.arange(11) / 5)), atol=1e-15)
    assert lrs[5] == pytest.approx(0.0, abs=1e-15) and lrs[10] == pytest.approx(0.1)


def test_onecycle_cycles_adam_beta1_and_keeps_beta2():
    opt = Adam([nn.Parameter(np.ones(1))], betas=(0.5, 0.99))
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.01, total_steps=10, pct_start=0.5)
    betas = [opt.param_groups[0]["betas"]]
    for _ in range(9):  # to the cycle's last step, 9
        opt.step()
        sched.step()
        betas.append(opt.param_groups[0]["betas"])
    assert betas[0] == (0.95, 0.99)
    assert betas[4][0] == pytest.approx(0.85) and betas[-1][0] == pytest.approx(0.95)
    assert all(b[1] == 0.99 for b in betas)


def test_onecycle_refuses_to_step_past_the_cycle():
    opt = SGD([nn.Parameter(np.ones(1))], lr=0.1, momentum=0.9)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        sched.step()
    with pytest.raises(ValueError, match="total_steps=3"):
        sched.step()


def test_onecycle_needs_momentum_to_cycle_it():
    opt = Adagrad([nn.Parameter(np.ones(1))])
    with pytest.raises(ValueError, match="cycle_momentum"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    assert opt.param_groups[0].keys() == opt.defaults.keys() | {"params"}  # left as it was
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10, cycle_momentum=False)
    assert sched.get_last_lr() == pytest.approx([0.04], rel=1e-14)


def test_initial_lr_is_set_once_and_base_lrs_follow_it():
    opt = SGD([{"params": [nn.Parameter(np.ones(1))], "lr": 0.5}], lr=0.1)
    first = lr_scheduler.StepLR(opt, step_size=2)
    opt.param_groups[0]["lr"] = 0.25
    second = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    assert opt.param_groups[0]["initial_lr"] == 0.5
    assert first.base_lrs == second.base_lrs == [0.5]


def test_lambda_state_dict_keeps_callable_objects_but_not_functions():
    class Warmup:
        def __init__(self, steps):
            self.steps = steps

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.steps)

    opt = SGD(
        [{"params": [nn.Parameter(np.ones(1))]}, {"params": [nn.Parameter(np.ones(1))]}], lr=1.0
    )
    sched = lr_scheduler.LambdaLR(opt, [Warmup(4), lambda e: 0.5])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"steps": 4}, None]
    other = lr_scheduler.LambdaLR(opt, [Warmup(10), lambda e: 0.5])
    other.load_state_dict(state)
    assert other.lr_lambdas[0].steps == 4
    assert "lr_lambdas" in state  # loading does not consume the dict


def test_state_dict_is_plain_data_and_a_copy():
    opt = SGD([nn.Parameter(np.ones(1))], lr=0.1)
    sched = lr_scheduler.MultiStepLR(opt, milestones=[2, 4])
    state = sched.state_dict()
    assert "optimizer" not in state
    assert state["milestones"] == {2: 1, 4: 1} and type(state["milestones"]) is dict
    state["base_lrs"].append(99.0)
    assert sched.base_lrs == [0.1]
    assert sched.get_last_lr() is not sched.get_last_lr()


def test_scheduled_lr_reaches_compiled_training_steps():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3))
    sides = []
    for _ in range(2):
        w = nn.Parameter(np.ones((3, 2)))
        opt = SGD([w], lr=0.5, momentum=0.5)
        sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)

        def step(x, w=w, opt=opt):
            opt.zero_grad()
            (ag.tanh(x @ w) ** 2).sum().backward()
            opt.step()

        sides.append((w, sched, step))
    (we, sched_e, eager), (wc, sched_c, step) = sides
    compiled = ag.compile(step)
    for _ in range(6):
        compiled(x)
        eager(x)
        sched_c.step()
        sched_e.step()
        np.testing.assert_allclose(wc.data, we.data, rtol=1e-12)
    assert sched_c.get_last_lr() == pytest.approx([0.5e-3])


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda o: lr_scheduler.StepLR("opt", 2), TypeError, "Optimizer"),
        (lambda o: lr_scheduler.StepLR(o, 0), ValueError, "step_size"),
        (lambda o: lr_scheduler.StepLR(o, 2.5), TypeError, "step_size"),
        (lambda o: lr_scheduler.StepLR(o, 2, gamma="x"), TypeError, "gamma"),
        (lambda o: lr_scheduler.MultiStepLR(o, [1, 2.0]), TypeError, "milestones"),
        (lambda o: lr_scheduler.ExponentialLR(o, None), TypeError, "gamma"),
        (lambda o: lr_scheduler.CosineAnnealingLR(o, 0), ValueError, "T_max"),
        (lambda o: lr_scheduler.LambdaLR(o, 3.0), TypeError, "callable"),
        (lambda o: lr_scheduler.LambdaLR(o, [abs, abs]), ValueError, "lr_lambdas"),
        (lambda o: lr_scheduler.LinearLR(o, start_factor=0.0), ValueError, "start_factor"),
        (lambda o: lr_scheduler.LinearLR(o, end_factor=1.5), ValueError, "end_factor"),
        (lambda o: lr_scheduler.LinearLR(o, total_iters=-1), ValueError, "total_iters"),
        (lambda o: lr_scheduler.StepLR(o, 2, last_epoch=3), ValueError, "initial_lr"),
        (lambda o: lr_scheduler.StepLR(o, 2, last_epoch=-2), ValueError, "last_epoch"),
        (lambda o: lr_scheduler.OneCycleLR(o, 1.0), ValueError, "total_steps"),
        (lambda o: lr_scheduler.OneCycleLR(o, 1.0, epochs=3), ValueError, "steps_per_epoch"),
        (lambda o: lr_scheduler.OneCycleLR(o, 1.0, total_steps=0), ValueError, "total_steps"),
        (lambda o: lr_scheduler.OneCycleLR(o, 1.0, total_steps=2.0), TypeError, "total_steps"),
        (lambda o: lr_scheduler.OneCycleLR(o, 1.0, 10, pct_start=1.5), ValueError, "pct_start"),
        (
            lambda o: lr_scheduler.OneCycleLR(o, 1.0, 10, anneal_strategy="exp"),
            ValueError,
            "anneal_strategy",
        ),
        (lambda o: lr_scheduler.OneCycleLR(o, [1.0, 2.0], 10), ValueError, "max_lr"),
    ],
)
def test_invalid_arguments(make, error, match):
    opt = SGD([nn.Parameter(np.ones(1))], lr=0.1, momentum=0.9)
    with pytest.raises(error, match=match):
        make(opt)


def test_base_class_needs_get_lr():
    opt = SGD([nn.Parameter(np.ones(1))], lr=0.1)
    with pytest.raises(NotImplementedError):
        lr_scheduler.LRScheduler(opt)
    assert math.isclose(opt.param_groups[0]["initial_lr"], 0.1)
