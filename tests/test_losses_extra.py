"""The regression losses, nll_loss, cross_entropy's options and the loss modules.

Against PyTorch (float64) where it is installed, and always against finite differences,
to second order.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from autograd_lite.nn._loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from autograd_lite.testing import check_grad

RNG = np.random.default_rng(20240607)
REDUCTIONS = ["mean", "sum", "none"]


def _normal(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def _classes(shape: tuple[int, ...], depth: int, ignored: int | None = None) -> np.ndarray:
    """Class indices of ``shape``, with ``ignored`` at the first and a middle position."""
    classes = RNG.integers(0, depth, shape)
    if ignored is not None and classes.size:
        flat = classes.reshape(-1)
        flat[0] = flat[flat.size // 2] = ignored
    return classes


def _value_and_grads(fn, arrays, g, **kwargs):  # type: ignore[no-untyped-def]
    """Our loss's value and gradients for the differentiable ``arrays`` (None: a constant)."""
    tensors = [ag.Tensor(a, requires_grad=True) if d else a for a, d in arrays]
    out = fn(*tensors, **kwargs)
    out.backward(g)
    return out.data, [t.grad if d else None for t, (_, d) in zip(tensors, arrays)]


def _torch_value_and_grads(torch, fn, arrays, g, **kwargs):  # type: ignore[no-untyped-def]
    tensors = [torch.tensor(a, requires_grad=bool(d)) for a, d in arrays]
    out = fn(*tensors, **kwargs)
    out.backward(torch.tensor(g))
    return out.detach().numpy(), [
        t.grad.numpy() if d else None for t, (_, d) in zip(tensors, arrays)
    ]


def _agree(torch, ours, theirs, arrays, ours_kwargs=None, torch_kwargs=None):  # type: ignore[no-untyped-def]
    """Same value and gradients (float64, rtol 1e-10); ``arrays`` are (array, differentiable)."""
    ours_kwargs = ours_kwargs or {}
    torch_kwargs = ours_kwargs if torch_kwargs is None else torch_kwargs
    with torch.no_grad():
        shape = theirs(*[torch.tensor(a) for a, _ in arrays], **torch_kwargs).shape
    g = _normal(*shape)
    value, grads = _value_and_grads(ours, arrays, g, **ours_kwargs)
    t_value, t_grads = _torch_value_and_grads(torch, theirs, arrays, g, **torch_kwargs)
    assert value.shape == t_value.shape
    np.testing.assert_allclose(value, t_value, rtol=1e-10, atol=1e-12)
    for mine, reference in zip(grads, t_grads):
        if reference is not None:
            np.testing.assert_allclose(mine, reference, rtol=1e-10, atol=1e-12)


def _second_order(f, x: np.ndarray, eps: float = 1e-5) -> None:  # type: ignore[no-untyped-def]
    """``ag.hessian(f)`` against central differences of ``ag.grad(f)``."""
    hessian = np.asarray(ag.hessian(f)(x))
    gradient = ag.grad(f)
    columns = []
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = eps
        step = step.reshape(x.shape)
        up, down = np.asarray(gradient(x + step)), np.asarray(gradient(x - step))
        columns.append(((up - down) / (2 * eps)).reshape(-1))
    numeric = np.stack(columns, axis=1)
    np.testing.assert_allclose(hessian.reshape(x.size, x.size), numeric, rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------------------- regression
# (our function, torch's name, keyword arguments)
REGRESSION = [
    (mse_loss, "mse_loss", {}),
    (l1_loss, "l1_loss", {}),
    (huber_loss, "huber_loss", {}),
    (huber_loss, "huber_loss", {"delta": 0.6}),
    (smooth_l1_loss, "smooth_l1_loss", {}),
    (smooth_l1_loss, "smooth_l1_loss", {"beta": 0.4}),
    (smooth_l1_loss, "smooth_l1_loss", {"beta": 0.0}),
]
REGRESSION_IDS = [f"{name}{kw}" for _, name, kw in REGRESSION]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("fn", "name", "kwargs"), REGRESSION, ids=REGRESSION_IDS)
def test_regression_losses_match_torch(fn, name, kwargs, reduction):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    arrays = [(_normal(3, 4) * 1.5, True), (_normal(3, 4), True)]
    theirs = getattr(torch.nn.functional, name)
    _agree(torch, fn, theirs, arrays, {**kwargs, "reduction": reduction})


@pytest.mark.parametrize(("fn", "name", "kwargs"), REGRESSION, ids=REGRESSION_IDS)
def test_regression_losses_finite_differences(fn, name, kwargs):  # type: ignore[no-untyped-def]
    # Differences of size 0.3 to 1.5 in both signs: away from 0, beta and delta.
    x = np.array([[0.3, -0.8, 1.5], [-1.2, 0.9, -0.35]])
    target = np.zeros((2, 3)) + 0.1
    check_grad(lambda a, t: fn(a, t, **kwargs), x + 0.1, target)
    weights = _normal(2, 3)
    check_grad(lambda a: (fn(a, target, reduction="none", **kwargs) * weights).sum(), x + 0.1)


@pytest.mark.parametrize(("fn", "name", "kwargs"), REGRESSION, ids=REGRESSION_IDS)
def test_regression_losses_second_order(fn, name, kwargs):  # type: ignore[no-untyped-def]
    x = np.array([0.3, -0.8, 1.5, -0.2, 0.7])
    target = np.array([0.1, 0.25, -0.3, 0.05, -1.0])  # differences away from 0.4, 0.6, 1
    _second_order(lambda a: fn(a, target, **kwargs), x)


def test_huber_and_smooth_l1_at_the_joint() -> None:
    # |d| == delta is on the linear side, where both sides' value and slope agree.
    x = ag.Tensor(np.array([-1.0, 1.0, 0.0]), requires_grad=True)
    loss = huber_loss(x, np.zeros(3), reduction="sum")
    loss.backward()
    assert loss.item() == 1.0
    np.testing.assert_array_equal(x.grad, [-1.0, 1.0, 0.0])
    x = ag.Tensor(np.array([-2.0, 0.0, 3.0]), requires_grad=True)
    l1 = smooth_l1_loss(x, np.zeros(3), beta=0.0, reduction="none")
    l1.sum().backward()
    np.testing.assert_array_equal(l1.data, [2.0, 0.0, 3.0])
    np.testing.assert_array_equal(x.grad, [-1.0, 0.0, 1.0])


# ---------------------------------------------------------------------------- nll_loss
# (input shape, ignore_index or None (absent), weight?)
NLL_CASES = [
    ((5, 3), None, False),
    ((5, 3), None, True),
    ((5, 3), -100, False),
    ((6, 4), 2, True),
    ((2, 3, 4), -100, True),
    ((2, 4, 3, 2), 1, False),
    ((4,), None, True),  # unbatched
    ((4,), 3, False),  # unbatched, the one target ignored
]


def _nll_arguments(shape, ignore_index, weighted):  # type: ignore[no-untyped-def]
    axis = 1 if len(shape) > 1 else 0
    depth = shape[axis]
    targets = _classes(shape[:axis] + shape[axis + 1 :], depth, ignore_index)
    kwargs = {} if ignore_index is None else {"ignore_index": ignore_index}
    if weighted:
        kwargs["weight"] = RNG.uniform(0.2, 2.0, depth)
    return targets, kwargs


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "ignore_index", "weighted"), NLL_CASES)
def test_nll_loss_matches_torch(shape, ignore_index, weighted, reduction):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    targets, kwargs = _nll_arguments(shape, ignore_index, weighted)
    kwargs["reduction"] = reduction
    t_kwargs = dict(kwargs)
    if weighted:
        t_kwargs["weight"] = torch.tensor(kwargs["weight"])
    log_p = np.log(_softmax(_normal(*shape), 1 if len(shape) > 1 else 0))
    if len(shape) == 1 and ignore_index is not None and reduction == "mean":
        return  # every target ignored: compared in test_everything_ignored
    _agree(
        torch,
        lambda x, t, **kw: nll_loss(x, t, **kw),
        lambda x, t, **kw: torch.nn.functional.nll_loss(x, t, **kw),
        [(log_p, True), (targets, False)],
        kwargs,
        t_kwargs,
    )


@pytest.mark.parametrize(("shape", "ignore_index", "weighted"), NLL_CASES[:6])
def test_nll_loss_finite_differences(shape, ignore_index, weighted):  # type: ignore[no-untyped-def]
    targets, kwargs = _nll_arguments(shape, ignore_index, weighted)
    check_grad(lambda x: nll_loss(x, targets, **kwargs), _normal(*shape))
    check_grad(
        lambda x: ag.sin(nll_loss(x, targets, reduction="none", **kwargs)).sum(), _normal(*shape)
    )


def test_nll_loss_second_order() -> None:
    targets, kwargs = _nll_arguments((3, 4), 2, True)
    _second_order(lambda x: nll_loss(ag.log_softmax(x, axis=1), targets, **kwargs), _normal(3, 4))


def _softmax(z: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# ---------------------------------------------------------------------------- cross_entropy
# (logits shape, ignore_index or None, weight?, label_smoothing)
CE_CASES = [
    ((5, 3), None, False, 0.0),
    ((5, 3), -100, False, 0.0),
    ((5, 3), None, True, 0.0),
    ((5, 3), None, False, 0.1),
    ((6, 4), 1, True, 0.25),
    ((2, 3, 4), -100, True, 0.0),
    ((2, 4, 3, 2), 2, False, 0.3),
    ((2, 3, 5), None, True, 1.0),
    ((4,), None, True, 0.2),  # unbatched
]


def _ce_arguments(shape, ignore_index, weighted, eps):  # type: ignore[no-untyped-def]
    targets, kwargs = _nll_arguments(shape, ignore_index, weighted)
    if eps:
        kwargs["label_smoothing"] = eps
    return targets, kwargs


def _torch_kwargs(torch, kwargs):  # type: ignore[no-untyped-def]
    out = dict(kwargs)
    if "weight" in out:
        out["weight"] = torch.tensor(out["weight"])
    return out


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "ignore_index", "weighted", "eps"), CE_CASES)
def test_cross_entropy_options_match_torch(shape, ignore_index, weighted, eps, reduction):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    targets, kwargs = _ce_arguments(shape, ignore_index, weighted, eps)
    kwargs["reduction"] = reduction
    axis = 1 if len(shape) > 1 else 0
    _agree(
        torch,
        lambda z, t, **kw: cross_entropy(z, t, axis=axis, **kw),
        lambda z, t, **kw: torch.nn.functional.cross_entropy(z, t, **kw),
        [(_normal(*shape) * 2, True), (targets, False)],
        kwargs,
        _torch_kwargs(torch, kwargs),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    ("shape", "weighted", "eps"),
    [((5, 3), True, 0.0), ((5, 3), False, 0.2), ((2, 4, 3), True, 0.1), ((3,), True, 0.3)],
)
def test_cross_entropy_probability_targets_match_torch(shape, weighted, eps, reduction):  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    axis = 1 if len(shape) > 1 else 0
    probs = _softmax(_normal(*shape), axis)
    _, kwargs = _ce_arguments(shape, None, weighted, eps)
    kwargs["reduction"] = reduction
    _agree(
        torch,
        lambda z, t, **kw: cross_entropy(z, t, axis=axis, **kw),
        lambda z, t, **kw: torch.nn.functional.cross_entropy(z, t, **kw),
        [(_normal(*shape), True), (probs, True)],
        kwargs,
        _torch_kwargs(torch, kwargs),
    )


@pytest.mark.parametrize(("shape", "ignore_index", "weighted", "eps"), CE_CASES[1:8])
def test_cross_entropy_options_finite_differences(shape, ignore_index, weighted, eps):  # type: ignore[no-untyped-def]
    targets, kwargs = _ce_arguments(shape, ignore_index, weighted, eps)
    axis = 1 if len(shape) > 1 else 0
    check_grad(lambda z: cross_entropy(z, targets, axis=axis, **kwargs), _normal(*shape))
    g = _normal(*targets.shape)
    check_grad(
        lambda z: (cross_entropy(z, targets, axis=axis, reduction="none", **kwargs) * g).sum(),
        _normal(*shape),
    )


@pytest.mark.parametrize("eps", [0.0, 0.2])
def test_cross_entropy_options_second_order(eps) -> None:  # type: ignore[no-untyped-def]
    targets, kwargs = _ce_arguments((3, 4), 2, True, eps)
    _second_order(lambda z: cross_entropy(z, targets, axis=1, **kwargs), _normal(3, 4))
    probs = _softmax(_normal(3, 4), 1)
    _second_order(
        lambda z: cross_entropy(z, probs, weight=kwargs["weight"], label_smoothing=0.3),
        _normal(3, 4),
    )
    v = _normal(3, 4)
    z = _normal(3, 4)
    hvp = np.asarray(ag.hvp(lambda x: cross_entropy(x, targets, axis=1, **kwargs), z, v))
    hessian = np.asarray(ag.hessian(lambda x: cross_entropy(x, targets, axis=1, **kwargs))(z))
    np.testing.assert_allclose(hvp, np.tensordot(hessian, v, axes=2), rtol=1e-10, atol=1e-12)


def test_cross_entropy_without_options_keeps_the_fused_index_path() -> None:
    z = ag.Tensor(_normal(4, 3), requires_grad=True)
    loss = cross_entropy(z, np.array([0, 2, 1, 1]))
    assert loss._node.prim.fun.__name__ == "_cross_entropy_indices"
    ignored = cross_entropy(z, np.array([0, -100, 1, 1]))
    assert ignored._node.prim.fun.__name__ != "_cross_entropy_indices"
    kept = cross_entropy(z, np.array([0, 1, 1]).repeat([1, 0, 3]))
    np.testing.assert_allclose(
        ignored.item(), cross_entropy(z[[0, 2, 3]], np.array([0, 1, 1])).item()
    )
    assert kept._node.prim.fun.__name__ == "_cross_entropy_indices"


def test_everything_ignored_gives_nan_and_zero_gradients() -> None:
    z = ag.Tensor(_normal(2, 3), requires_grad=True)
    targets = np.array([-100, -100])
    for loss in (
        cross_entropy(z, targets),
        cross_entropy(z, targets, label_smoothing=0.1, weight=np.ones(3)),
        nll_loss(z, targets),
    ):
        z.grad = None
        assert np.isnan(loss.item())
        loss.backward()
        np.testing.assert_array_equal(z.grad, np.zeros((2, 3)))
    assert cross_entropy(z, targets, reduction="sum").item() == 0.0
    np.testing.assert_array_equal(nll_loss(z, targets, reduction="none").data, [0.0, 0.0])


# ---------------------------------------------------------------------------- binary, weighted
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropies_with_weights_match_torch(reduction) -> None:  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    probs = RNG.uniform(0.05, 0.95, (4, 3))
    targets = RNG.uniform(0, 1, (4, 3))
    weight = RNG.uniform(0.5, 2, (3,))
    pos_weight = RNG.uniform(0.5, 3, (3,))
    kw = {"reduction": reduction, "weight": weight}
    t_kw = {"reduction": reduction, "weight": torch.tensor(weight)}
    _agree(
        torch,
        binary_cross_entropy,
        F.binary_cross_entropy,
        [(probs, True), (targets, False)],
        kw,
        t_kw,
    )
    logits = _normal(4, 3) * 3
    for extra in (
        {"weight": weight},
        {"pos_weight": pos_weight},
        {"weight": weight[None, :], "pos_weight": pos_weight},
    ):
        kw = {"reduction": reduction, **extra}
        t_kw = {"reduction": reduction, **{k: torch.tensor(v) for k, v in extra.items()}}
        _agree(
            torch,
            binary_cross_entropy_with_logits,
            F.binary_cross_entropy_with_logits,
            [(logits, True), (targets, True)],
            kw,
            t_kw,
        )


def test_binary_cross_entropies_with_weights_finite_differences_and_second_order() -> None:
    weight = np.array([0.5, 2.0, 1.5])
    pos_weight = np.array([3.0, 0.5, 1.0])
    targets = np.array([[1.0, 0.0, 0.3], [0.0, 1.0, 0.8]])
    check_grad(
        lambda p: binary_cross_entropy(p, targets, weight=weight), RNG.uniform(0.1, 0.9, (2, 3))
    )

    def f(z):  # type: ignore[no-untyped-def]
        return binary_cross_entropy_with_logits(z, targets, weight=weight, pos_weight=pos_weight)

    check_grad(f, _normal(2, 3))
    _second_order(f, _normal(2, 3))
    _second_order(
        lambda p: binary_cross_entropy(p, targets, weight=weight), RNG.uniform(0.1, 0.9, (2, 3))
    )


def test_pos_weight_is_stable_for_large_logits() -> None:
    z = ag.Tensor(np.array([1000.0, -1000.0]), requires_grad=True)
    loss = binary_cross_entropy_with_logits(z, np.array([1.0, 0.0]), pos_weight=np.array([2.0]))
    loss.backward()
    assert loss.item() == 0.0
    np.testing.assert_array_equal(z.grad, [0.0, 0.0])


# ---------------------------------------------------------------------------- modules
def _module_cases(torch):  # type: ignore[no-untyped-def]
    """(our module, torch's module, input, target, target differentiable?)."""
    nn = torch.nn
    w3 = RNG.uniform(0.5, 2, 3)
    x = _normal(4, 3)
    y = _normal(4, 3)
    classes = _classes((4,), 3, -100)
    classes_nd = _classes((2, 5), 3, 1)
    log_p = np.log(_softmax(_normal(2, 3, 5), 1))
    probs = RNG.uniform(0.05, 0.95, (4, 3))
    bits = (RNG.uniform(size=(4, 3)) > 0.5) * 1.0
    return [
        (MSELoss(), nn.MSELoss(), x, y, True),
        (MSELoss(reduction="sum"), nn.MSELoss(reduction="sum"), x, y, True),
        (L1Loss(reduction="none"), nn.L1Loss(reduction="none"), x, y, True),
        (HuberLoss(delta=0.5), nn.HuberLoss(delta=0.5), x, y, True),
        (
            SmoothL1Loss(beta=0.3, reduction="sum"),
            nn.SmoothL1Loss(beta=0.3, reduction="sum"),
            x,
            y,
            True,
        ),
        (NLLLoss(), nn.NLLLoss(), log_p, classes_nd, False),
        (
            NLLLoss(w3, ignore_index=1),
            nn.NLLLoss(torch.tensor(w3), ignore_index=1),
            log_p,
            classes_nd,
            False,
        ),
        (CrossEntropyLoss(), nn.CrossEntropyLoss(), x, classes, False),
        (
            CrossEntropyLoss(w3, label_smoothing=0.1, reduction="sum"),
            nn.CrossEntropyLoss(torch.tensor(w3), label_smoothing=0.1, reduction="sum"),
            _normal(2, 3, 5),
            classes_nd,
            False,
        ),
        (
            CrossEntropyLoss(ignore_index=1),
            nn.CrossEntropyLoss(ignore_index=1),
            _normal(2, 3, 5),
            classes_nd,
            False,
        ),
        (
            CrossEntropyLoss(w3),
            nn.CrossEntropyLoss(torch.tensor(w3)),
            _normal(3),
            np.array(2),
            False,
        ),
        (
            CrossEntropyLoss(label_smoothing=0.2),
            nn.CrossEntropyLoss(label_smoothing=0.2),
            x,
            _softmax(y, 1),
            True,
        ),
        (BCELoss(), nn.BCELoss(), probs, bits, False),
        (BCELoss(w3), nn.BCELoss(torch.tensor(w3)), probs, bits, False),
        (BCEWithLogitsLoss(), nn.BCEWithLogitsLoss(), x, bits, True),
        (
            BCEWithLogitsLoss(w3, pos_weight=w3[::-1].copy(), reduction="none"),
            nn.BCEWithLogitsLoss(
                torch.tensor(w3), pos_weight=torch.tensor(w3[::-1].copy()), reduction="none"
            ),
            x,
            bits,
            True,
        ),
    ]


def test_loss_modules_match_torch() -> None:
    torch = pytest.importorskip("torch")
    for ours, theirs, x, t, t_grad in _module_cases(torch):
        _agree(torch, ours, theirs, [(x, True), (t, t_grad)])


def test_loss_modules_finite_differences() -> None:
    w3 = np.array([0.5, 1.0, 2.0])
    targets = np.array([[0, 2, 1, 1, 0], [1, 2, 0, 0, 1]])
    check_grad(
        lambda z: CrossEntropyLoss(w3, ignore_index=1, label_smoothing=0.1)(z, targets),
        _normal(2, 3, 5),
    )
    check_grad(lambda z: NLLLoss(w3)(z, targets), _normal(2, 3, 5))
    check_grad(
        lambda x: HuberLoss(delta=0.5)(x, np.zeros(6)), np.array([0.2, -0.3, 0.9, -1.4, 0.1, 2.0])
    )


def test_loss_modules_repr_shows_the_non_default_arguments() -> None:
    assert repr(MSELoss()) == "MSELoss()"
    assert repr(L1Loss(reduction="sum")) == "L1Loss(reduction='sum')"
    assert repr(HuberLoss(delta=2.0)) == "HuberLoss(delta=2.0)"
    assert (
        repr(SmoothL1Loss(beta=0.5, reduction="none")) == "SmoothL1Loss(reduction='none', beta=0.5)"
    )
    assert repr(NLLLoss(ignore_index=3)) == "NLLLoss(ignore_index=3)"
    assert repr(CrossEntropyLoss(np.array([1.0, 2.0]), label_smoothing=0.1)) == (
        "CrossEntropyLoss(weight=array([1., 2.]), label_smoothing=0.1)"
    )
    assert repr(BCELoss()) == "BCELoss()"
    assert repr(BCEWithLogitsLoss(pos_weight=np.array([3.0]))) == (
        "BCEWithLogitsLoss(pos_weight=array([3.]))"
    )


def test_deprecated_size_average_and_reduce() -> None:
    x, y = _normal(3), _normal(3)
    with pytest.warns(DeprecationWarning, match="size_average and reduce"):
        assert MSELoss(size_average=False).reduction == "sum"
    with pytest.warns(DeprecationWarning):
        assert L1Loss(reduce=False).reduction == "none"
    with pytest.warns(DeprecationWarning):
        loss = CrossEntropyLoss(None, True, -100, True)
    assert loss.reduction == "mean"
    np.testing.assert_allclose(MSELoss(reduction="sum")(x, y).item(), np.sum((x - y) ** 2))


# ---------------------------------------------------------------------------- dtypes
FLOAT32_CALLS = [
    lambda x: mse_loss(x, np.zeros(x.shape)),
    lambda x: l1_loss(x, np.zeros(x.shape), reduction="sum"),
    lambda x: huber_loss(x, np.zeros(x.shape), delta=0.5),
    lambda x: smooth_l1_loss(x, np.zeros(x.shape), beta=0.5),
    lambda x: nll_loss(x, np.array([0, 2, 1]), weight=np.array([1.0, 2.0, 3.0])),
    lambda x: cross_entropy(x, np.array([0, -100, 1]), label_smoothing=0.1),
    lambda x: cross_entropy(x, np.array([0, 2, 1]), weight=np.array([1.0, 2.0, 3.0])),
    lambda x: cross_entropy(x, np.full((3, 3), 1 / 3), weight=np.array([1.0, 2.0, 3.0])),
    lambda x: binary_cross_entropy(ag.sigmoid(x), np.ones(x.shape), weight=np.ones(3)),
    lambda x: binary_cross_entropy_with_logits(x, np.ones(x.shape), pos_weight=np.ones(3)),
]


@pytest.mark.parametrize("call", FLOAT32_CALLS)
def test_float32_stays_float32(call) -> None:  # type: ignore[no-untyped-def]
    x = ag.Tensor(_normal(3, 3).astype(np.float32), requires_grad=True)
    loss = call(x)
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32


# ---------------------------------------------------------------------------- errors
def test_bad_reduction_and_shapes() -> None:
    x = ag.Tensor(np.zeros((2, 3)))
    for fn in (mse_loss, l1_loss, huber_loss, smooth_l1_loss):
        name = fn.__name__
        with pytest.raises(ValueError, match=f"{name}: reduction must be one of"):
            fn(x, np.zeros((2, 3)), reduction="average")
        with pytest.raises(
            ValueError,
            match=rf"{name}: targets of shape \(3,\) do not match input of shape \(2, 3\)",
        ):
            fn(x, np.zeros(3))
        with pytest.raises(TypeError, match=f"{name}: expects floating-point input"):
            fn(np.zeros((2, 3), dtype=int), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="nll_loss: reduction must be one of"):
        nll_loss(x, np.array([0, 1]), reduction="mean ")
    with pytest.raises(ValueError, match=r"nll_loss: class-index targets must have shape \(2,\)"):
        nll_loss(x, np.array([0, 1, 1]))
    with pytest.raises(ValueError, match="nll_loss: input must have at least one axis"):
        nll_loss(ag.Tensor(0.0), np.array(0))
    with pytest.raises(
        ValueError, match=r"cross_entropy: class-index targets must have shape \(2, 4\)"
    ):
        cross_entropy(
            ag.Tensor(np.zeros((2, 3, 4))), np.zeros((2, 3), dtype=int), axis=1, weight=np.ones(3)
        )


def test_bad_option_values() -> None:
    x = ag.Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"huber_loss: delta must be greater than 0\.0, got 0"):
        huber_loss(x, np.zeros((2, 3)), delta=0)
    with pytest.raises(ValueError, match=r"smooth_l1_loss: beta must be at least 0\.0"):
        smooth_l1_loss(x, np.zeros((2, 3)), beta=-0.5)
    with pytest.raises(TypeError, match="smooth_l1_loss: beta must be a real number"):
        smooth_l1_loss(x, np.zeros((2, 3)), beta="1")
    with pytest.raises(
        ValueError, match=r"cross_entropy: label_smoothing must lie in \[0, 1\], got 1.5"
    ):
        cross_entropy(x, np.array([0, 1]), label_smoothing=1.5)
    with pytest.raises(TypeError, match="cross_entropy: label_smoothing must be a real number"):
        cross_entropy(x, np.array([0, 1]), label_smoothing=None)
    with pytest.raises(TypeError, match="cross_entropy: ignore_index must be an integer"):
        cross_entropy(x, np.array([0, 1]), ignore_index=True)
    with pytest.raises(
        ValueError,
        match=r"cross_entropy: weight of shape \(2,\) must have one entry per class, shape \(3,\)",
    ):
        cross_entropy(x, np.array([0, 1]), weight=np.ones(2))
    with pytest.raises(ValueError, match=r"nll_loss: weight of shape \(3, 1\) must have one entry"):
        nll_loss(x, np.array([0, 1]), weight=np.ones((3, 1)))
    with pytest.raises(
        ValueError, match="cross_entropy: ignore_index=0 applies to class-index targets"
    ):
        cross_entropy(x, np.full((2, 3), 1 / 3), ignore_index=0)
    with pytest.raises(
        ValueError, match=r"binary_cross_entropy: weight of shape \(2,\) does not broadcast"
    ):
        binary_cross_entropy(x + 0.5, np.ones((2, 3)), weight=np.ones(2))
    with pytest.raises(
        ValueError, match=r"binary_cross_entropy_with_logits: pos_weight of shape \(4,\)"
    ):
        binary_cross_entropy_with_logits(x, np.ones((2, 3)), pos_weight=np.ones(4))
    with pytest.raises(ValueError, match=r"HuberLoss: delta must be greater than 0\.0"):
        HuberLoss(delta=-1.0)
    with pytest.raises(ValueError, match="CrossEntropyLoss: reduction must be one of"):
        CrossEntropyLoss(reduction="avg")
    with pytest.raises(ValueError, match="cross_entropy: label_smoothing must lie in"):
        CrossEntropyLoss(label_smoothing=-0.1)


def test_class_indices_out_of_range_and_non_integer_targets() -> None:
    x = ag.Tensor(np.zeros((2, 3)), requires_grad=True)
    with pytest.raises(
        IndexError,
        match=r"nll_loss: class indices must lie in \[0, 3\) \(or equal ignore_index=-100\), "
        r"got values from 0 to 3",
    ):
        nll_loss(x, np.array([0, 3]))
    with pytest.raises(IndexError, match="nll_loss: class indices must lie in"):
        nll_loss(x, np.array([-1, 0]))
    with pytest.raises(
        IndexError,
        match=r"cross_entropy: class indices must lie in \[0, 3\) \(or equal "
        r"ignore_index=-100\), got values from -1 to -1",
    ):
        cross_entropy(x, np.array([-1, -100]))
    with pytest.raises(IndexError, match=r"cross_entropy: class indices must lie in \[0, 3\) \("):
        cross_entropy(x, np.array([0, 3]))
    with pytest.raises(IndexError, match="cross_entropy: class indices must lie in"):
        cross_entropy(x, np.array([0, 5]), label_smoothing=0.1)
    with pytest.raises(IndexError, match="cross_entropy: class indices must lie in"):
        cross_entropy(x, np.array([0, 3]), weight=np.ones(3))
    assert np.isfinite(nll_loss(x, np.array([0, 7]), ignore_index=7).item())
    for bad in (np.array([0.0, 1.0]), np.array([True, False])):
        with pytest.raises(TypeError, match="nll_loss: targets must be integer class indices"):
            nll_loss(x, bad)
    with pytest.raises(TypeError, match="nll_loss: weight must be real numbers"):
        nll_loss(x, np.array([0, 1]), weight=np.array(["a", "b", "c"]))


def test_options_inside_compile() -> None:
    w = np.array([0.5, 1.0, 2.0])
    z = ag.Tensor(_normal(4, 3), requires_grad=True)

    def loss(z, t):  # type: ignore[no-untyped-def]
        return (
            cross_entropy(z, t, weight=w, label_smoothing=0.1)
            + cross_entropy(z, t, ignore_index=1)
            + nll_loss(ag.log_softmax(z, axis=1), t, weight=w, ignore_index=2)
        )

    compiled = ag.compile(loss)
    for targets in (np.array([0, 1, 2, 1]), np.array([2, 2, 0, 1]), np.array([0, 0, 1, 0])):
        expected = loss(z, targets)
        got = compiled(z, targets)
        np.testing.assert_allclose(got.data, expected.data, rtol=1e-12)
