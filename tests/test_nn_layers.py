"""The model layers against PyTorch (weights copied across) and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import nn
from autograd_lite.testing import check_grad

RNG = np.random.default_rng(7)


def _normal(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def _copy_into(torch_module, ours: nn.Module) -> None:  # type: ignore[no-untyped-def]
    """Our module gets the PyTorch module's parameters and buffers (same names)."""
    state = {k: v.detach().numpy().copy() for k, v in torch_module.state_dict().items()}
    ours.load_state_dict(state)


def _grads(module: nn.Module) -> dict[str, np.ndarray]:
    return {name: p.grad for name, p in module.named_parameters()}


# ------------------------------------------------------------------------- batch norm
@pytest.mark.parametrize(
    ("cls", "shape"),
    [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)), ("BatchNorm2d", (4, 3, 2, 5))],
)
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm_trains_and_evaluates_like_pytorch(cls: str, shape, momentum) -> None:  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, cls)(3, momentum=momentum).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(_normal(3)))
        theirs.bias.copy_(torch.tensor(_normal(3)))
    ours = getattr(nn, cls)(3, momentum=momentum)
    _copy_into(theirs, ours)
    for step in range(4):  # training steps: batch statistics, running statistics updated
        x, g = _normal(*shape) * (step + 1) + step, _normal(*shape)
        xt = torch.tensor(x, requires_grad=True)
        theirs(xt).backward(torch.tensor(g))
        xo = ag.Tensor(x, requires_grad=True)
        ours.zero_grad()
        ours(xo).backward(g)
        np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-9)
        np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=1e-9)
        theirs.zero_grad()
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name).numpy(), rtol=1e-12)
    assert int(ours.num_batches_tracked) == int(theirs.num_batches_tracked) == 4
    ours.eval()
    theirs.eval()
    x = _normal(*shape)
    with torch.no_grad():
        expected = theirs(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours(x).data, expected, rtol=1e-10, atol=1e-12)


def test_batch_norm_state_dict_holds_the_buffers_and_loads_them() -> None:
    bn = nn.BatchNorm2d(2)
    bn(_normal(3, 2, 4, 4) + 5.0)
    state = bn.state_dict()
    assert set(state) == {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}
    assert state["num_batches_tracked"].dtype == np.int64 and state["num_batches_tracked"] == 1
    fresh = nn.BatchNorm2d(2)
    fresh.load_state_dict(state)
    np.testing.assert_array_equal(fresh.running_mean, bn.running_mean)
    assert [name for name, _ in fresh.named_buffers()] == [
        "running_mean",
        "running_var",
        "num_batches_tracked",
    ]
    assert len(list(fresh.parameters())) == 2  # buffers are not parameters


def test_batch_norm_without_running_stats_always_uses_the_batch() -> None:
    bn = nn.BatchNorm1d(2, track_running_stats=False, affine=False).eval()
    x = _normal(5, 2) * 3 + 1
    y = bn(x).data
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-12)
    assert bn.state_dict() == {}


def test_batch_norm_gradient_matches_finite_differences() -> None:
    x = _normal(4, 2, 3)

    def f(t: ag.Tensor) -> ag.Tensor:
        return (nn.BatchNorm1d(2)(t) * np.arange(24.0).reshape(4, 2, 3)).sum()

    check_grad(f, x)


def test_batch_norm_refuses_a_wrong_rank() -> None:
    with pytest.raises(ValueError, match=r"BatchNorm2d.*\(2, 3\)"):
        nn.BatchNorm2d(3)(np.ones((2, 3)))


# ------------------------------------------------------------------------- layer norm
@pytest.mark.parametrize("normalized_shape", [5, (4, 5)])
def test_layer_norm_matches_pytorch(normalized_shape) -> None:  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    theirs = torch.nn.LayerNorm(normalized_shape).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(_normal(*theirs.weight.shape)))
        theirs.bias.copy_(torch.tensor(_normal(*theirs.bias.shape)))
    ours = nn.LayerNorm(normalized_shape)
    _copy_into(theirs, ours)
    x, g = _normal(3, 4, 5), _normal(3, 4, 5)
    xt = torch.tensor(x, requires_grad=True)
    theirs(xt).backward(torch.tensor(g))
    xo = ag.Tensor(x, requires_grad=True)
    ours(xo).backward(g)
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    for name, grad in _grads(ours).items():
        np.testing.assert_allclose(grad, dict(theirs.named_parameters())[name].grad.numpy(),
                                   rtol=1e-9, atol=1e-12)  # fmt: skip


# ------------------------------------------------------------------------- dropout
def test_dropout_draws_a_fresh_mask_each_call_and_scales_the_rest() -> None:
    drop = nn.Dropout(0.25, rng=0)
    x = np.ones(4000)
    a, b = drop(x).data, drop(x).data
    assert set(np.unique(a)) == {0.0, 1 / 0.75}
    assert not np.array_equal(a, b)
    assert abs((a == 0).mean() - 0.25) < 0.03
    t = ag.Tensor(x, requires_grad=True)
    y = drop(t)
    y.backward(np.ones(4000))
    np.testing.assert_array_equal(t.grad, y.data)  # the gradient is mask / (1 - p)


def test_dropout_is_the_identity_in_eval_mode() -> None:
    drop = nn.Dropout(0.5, rng=0).eval()
    t = ag.Tensor(_normal(10), requires_grad=True)
    np.testing.assert_array_equal(drop(t).data, t.data)
    model = nn.Sequential(nn.Linear(3, 3, rng=0), nn.Dropout(0.9, rng=1))
    model.eval()
    assert not model[1].training
    model.train()
    assert model[1].training


def test_dropout_refuses_a_probability_outside_zero_one() -> None:
    with pytest.raises(ValueError, match="Dropout"):
        nn.Dropout(1.5)


# ------------------------------------------------------------------------- embedding
def test_embedding_matches_pytorch_with_repeated_indices_and_padding() -> None:
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Embedding(6, 3, padding_idx=2).double()
    ours = nn.Embedding(6, 3, padding_idx=2)
    _copy_into(theirs, ours)
    idx = np.array([[0, 2, 0], [5, 0, 2]])
    g = _normal(2, 3, 3)
    theirs(torch.tensor(idx)).backward(torch.tensor(g))
    out = ours(idx)
    np.testing.assert_allclose(out.data, theirs.weight.detach().numpy()[idx])
    out.backward(g)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-12)
    assert np.all(ours.weight.grad[2] == 0)
    fresh = nn.Embedding(6, 3, padding_idx=2, rng=0)
    assert np.all(fresh.weight.data[2] == 0)


# ------------------------------------------------------------------------- attention
@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("mask", [None, "causal", "bool", "float", "padding"])
def test_multihead_attention_matches_pytorch(batch_first: bool, mask) -> None:  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    E, H, N, L = 8, 2, 3, 5
    theirs = torch.nn.MultiheadAttention(E, H, batch_first=batch_first).double()
    with torch.no_grad():
        theirs.in_proj_bias.copy_(torch.tensor(_normal(3 * E)))
        theirs.out_proj.bias.copy_(torch.tensor(_normal(E)))
    ours = nn.MultiheadAttention(E, H, batch_first=batch_first)
    _copy_into(theirs, ours)
    shape = (N, L, E) if batch_first else (L, N, E)
    q, k, v = _normal(*shape), _normal(*shape), _normal(*shape)
    kwargs: dict = {}
    if mask == "causal":
        kwargs["attn_mask"] = np.triu(np.ones((L, L), dtype=bool), 1)
    elif mask == "bool":
        kwargs["attn_mask"] = RNG.random((L, L)) < 0.3
        np.fill_diagonal(kwargs["attn_mask"], False)
    elif mask == "float":
        kwargs["attn_mask"] = _normal(L, L)
    elif mask == "padding":
        kwargs["key_padding_mask"] = np.array(
            [[False] * L, [False] * 3 + [True] * 2, [True] + [False] * 4]
        )
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    t_kwargs = {key: torch.tensor(val) for key, val in kwargs.items()}
    t_out, t_w = theirs(tq, tk, tv, **t_kwargs)
    g = _normal(*t_out.shape)
    (t_out * torch.tensor(g)).sum().backward()
    oq, ok, ov = (ag.Tensor(a, requires_grad=True) for a in (q, k, v))
    out, w = ours(oq, ok, ov, **kwargs)
    (out * g).sum().backward()
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(w.data, t_w.detach().numpy(), rtol=1e-9, atol=1e-12)
    for ours_t, theirs_t in ((oq, tq), (ok, tk), (ov, tv)):
        np.testing.assert_allclose(ours_t.grad, theirs_t.grad.numpy(), rtol=1e-8, atol=1e-11)
    their_params = dict(theirs.named_parameters())
    for name, grad in _grads(ours).items():
        np.testing.assert_allclose(grad, their_params[name].grad.numpy(), rtol=1e-8, atol=1e-11)


def test_multihead_attention_is_causal_builds_the_mask_and_checks_shapes() -> None:
    mha = nn.MultiheadAttention(4, 2, batch_first=True, rng=0)
    x = _normal(2, 3, 4)
    causal = np.triu(np.ones((3, 3), dtype=bool), 1)
    a, _ = mha(x, x, x, is_causal=True)
    b, _ = mha(x, x, x, attn_mask=causal)
    np.testing.assert_allclose(a.data, b.data)
    with pytest.raises(ValueError, match="MultiheadAttention"):
        mha(x, x, x, attn_mask=np.zeros((2, 2), dtype=bool))
    with pytest.raises(ValueError, match="num_heads"):
        nn.MultiheadAttention(5, 2)


def test_multihead_attention_gradient_matches_finite_differences() -> None:
    mha = nn.MultiheadAttention(4, 2, batch_first=True, rng=0)
    w = _normal(2, 3, 4)
    check_grad(lambda x: (mha(x, x, x, need_weights=False)[0] * w).sum(), _normal(2, 3, 4))


# ------------------------------------------------------------------------- activations
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("GELU()", "GELU()"),
        ("GELU(approximate='tanh')", "GELU(approximate='tanh')"),
        ("SiLU()", "SiLU()"),
        ("Softplus(beta=2.0, threshold=5.0)", "Softplus(beta=2.0, threshold=5.0)"),
        ("LeakyReLU(0.2)", "LeakyReLU(0.2)"),
        ("ELU(alpha=0.5)", "ELU(alpha=0.5)"),
        ("Softmax(dim=1)", "Softmax(dim=1)"),
        ("Flatten()", "Flatten()"),
        ("Flatten(0, 1)", "Flatten(0, 1)"),
        ("Identity()", "Identity()"),
    ],
)
def test_activation_and_shape_modules_match_pytorch(ours: str, theirs: str) -> None:
    torch = pytest.importorskip("torch")
    x = _normal(3, 4, 2) * 3
    mine = eval(f"nn.{ours}")
    other = eval(f"torch.nn.{theirs}")
    xt = torch.tensor(x, requires_grad=True)
    t_out = other(xt)
    g = _normal(*t_out.shape)
    t_out.backward(torch.tensor(g))
    xo = ag.Tensor(x, requires_grad=True)
    out = mine(xo)
    out.backward(g)
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert repr(mine).startswith(type(mine).__name__)


# ------------------------------------------------------------------------- containers
def test_module_list_registers_indexes_and_renumbers() -> None:
    layers = nn.ModuleList([nn.Linear(2, 2, rng=i) for i in range(3)])
    assert [n for n, _ in layers.named_parameters()][:2] == ["0.weight", "0.bias"]
    extra = nn.Linear(2, 2, rng=9)
    layers.insert(1, extra)
    assert layers[1] is extra and len(layers) == 4
    del layers[0]
    assert layers[0] is extra
    assert [n for n, _ in layers.named_children()] == ["0", "1", "2"]
    assert isinstance(layers[1:], nn.ModuleList) and len(layers[1:]) == 2
    with pytest.raises(IndexError, match="ModuleList"):
        layers[7]
    with pytest.raises(TypeError, match="Module"):
        layers.append("relu")  # type: ignore[arg-type]

    class Tower(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(2, 2, rng=0), nn.Linear(2, 2, rng=1)])

    assert len(list(Tower().parameters())) == 4
    assert "blocks.1.bias" in Tower().state_dict()


def test_module_dict_registers_by_key() -> None:
    heads = nn.ModuleDict({"a": nn.Linear(2, 1, rng=0)})
    heads["b"] = nn.Linear(2, 3, rng=1)
    assert heads.keys() == ["a", "b"] and "b" in heads and len(heads) == 2
    assert sorted(heads.state_dict()) == ["a.bias", "a.weight", "b.bias", "b.weight"]
    heads.pop("a")
    assert heads.keys() == ["b"]
    with pytest.raises(KeyError, match="'zz'"):
        heads["zz"]


def test_register_buffer_refuses_non_arrays_and_clashing_names() -> None:
    m = nn.Linear(2, 2, rng=0)
    with pytest.raises(TypeError, match="register_buffer"):
        m.register_buffer("stats", [1.0])  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="weight"):
        m.register_buffer("weight", np.zeros(2))
    m.register_buffer("stats", np.zeros(2))
    with pytest.raises(TypeError, match="buffer 'stats'"):
        m.stats = "x"
    m.stats = np.ones(2)
    np.testing.assert_array_equal(m.state_dict()["stats"], np.ones(2))
