"""ag.nn: Module registration and state, layers, the tutorial network, initialisers."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import closed_form, nn


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(np.array([2.0, 3.0]))
        self.inner = nn.Linear(2, 2, rng=0)

    def forward(self, x):
        return self.inner(x) * self.scale


class Outer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.first = Block()
        self.offset = nn.Parameter(np.zeros(2))
        self.second = Block()

    def forward(self, x):
        return self.second(self.first(x)) + self.offset


# --------------------------------------------------------------------- Parameter
def test_parameter_is_a_leaf_tensor_that_requires_grad():
    p = nn.Parameter(np.ones(3))
    assert isinstance(p, ag.Tensor)
    assert p.requires_grad and p.is_leaf
    assert not hasattr(p, "__dict__")
    assert not nn.Parameter(np.ones(3), requires_grad=False).requires_grad


def test_parameter_rejects_integer_data():
    with pytest.raises(TypeError):
        nn.Parameter(np.arange(3))


def test_ops_on_parameters_give_plain_tensors_in_the_graph():
    p = nn.Parameter(np.array([1.0, 2.0]))
    y = p * 3
    assert type(y) is ag.Tensor and not y.is_leaf
    y.sum().backward()
    np.testing.assert_array_equal(p.grad, [3.0, 3.0])


# --------------------------------------------------------------------- Module
def test_named_parameters_are_dotted_own_first_then_submodules_in_order():
    names = [n for n, _ in Outer().named_parameters()]
    assert names == [
        "offset",
        "first.scale",
        "first.inner.weight",
        "first.inner.bias",
        "second.scale",
        "second.inner.weight",
        "second.inner.bias",
    ]
    assert len(list(Outer().parameters())) == 7


def test_reassigning_an_attribute_unregisters_it():
    m = Block()
    m.scale = np.zeros(2)  # a plain array is not a parameter
    assert "scale" not in dict(m.named_parameters())
    m.inner = None
    assert list(m.named_parameters()) == []
    del m.scale
    assert not hasattr(m, "scale")


def test_shared_parameter_is_listed_once():
    net = nn.Sequential(nn.Linear(2, 2, rng=0), nn.Linear(2, 2, rng=1))
    net[1].weight = net[0].weight
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias", "1.bias"]


def test_assigning_before_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter(np.ones(1))

    with pytest.raises(AttributeError, match=r"super\(\)\.__init__"):
        Broken()


def test_call_runs_forward_and_base_forward_is_abstract():
    x = np.array([[1.0, -1.0]])
    m = Block()
    expected = (x @ m.inner.weight.data.T + m.inner.bias.data) * m.scale.data
    np.testing.assert_allclose(m(x).data, expected)
    with pytest.raises(NotImplementedError):
        nn.Module()(x)


def test_zero_grad_sets_every_grad_to_none():
    m = Outer()
    m(np.ones((3, 2))).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_train_and_eval_reach_every_submodule():
    m = Outer()
    assert m.eval() is m
    assert [mod.training for mod in m.modules()] == [False] * 5
    m.train()
    assert all(mod.training for mod in m.modules())


def test_state_dict_is_a_copy():
    m = Block()
    sd = m.state_dict()
    assert list(sd) == ["scale", "inner.weight", "inner.bias"]
    sd["scale"][:] = 100.0
    np.testing.assert_array_equal(m.scale.data, [2.0, 3.0])


def test_load_state_dict_copies_into_the_existing_parameters():
    m = Block()
    params_before = list(m.parameters())
    arrays_before = [p.data for p in params_before]
    source = {k: np.full_like(v, i + 1.0) for i, (k, v) in enumerate(m.state_dict().items())}
    result = m.load_state_dict(source)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert all(a is b for a, b in zip(m.parameters(), params_before))
    assert all(p.data is a for p, a in zip(m.parameters(), arrays_before))
    np.testing.assert_array_equal(m.scale.data, [1.0, 1.0])
    np.testing.assert_array_equal(m.inner.bias.data, [3.0, 3.0])
    source["scale"][:] = -5.0  # the module holds copies
    np.testing.assert_array_equal(m.scale.data, [1.0, 1.0])


def test_load_state_dict_accepts_tensors():
    m = Block()
    sd = {k: ag.Tensor(v + 1) for k, v in m.state_dict().items()}
    m.load_state_dict(sd)
    np.testing.assert_array_equal(m.scale.data, [3.0, 4.0])


def _unchanged(m, before):
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_load_state_dict_reports_missing_and_unexpected_keys_and_writes_nothing():
    m = Block()
    before = m.state_dict()
    sd = {k: v + 1 for k, v in before.items()}
    del sd["inner.bias"]
    sd["extra"] = np.zeros(1)
    with pytest.raises(ValueError) as info:
        m.load_state_dict(sd)
    msg = str(info.value)
    assert "missing key(s): inner.bias" in msg and "unexpected key(s): extra" in msg
    _unchanged(m, before)


def test_load_state_dict_reports_both_shapes_and_writes_nothing():
    m = Block()
    before = m.state_dict()
    sd = {k: v + 1 for k, v in before.items()}
    sd["inner.weight"] = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"inner\.weight.*\(3, 2\).*\(2, 2\)"):
        m.load_state_dict(sd)
    _unchanged(m, before)


def test_load_state_dict_reports_dtype_mismatch():
    m = Block()
    sd = m.state_dict()
    sd["scale"] = sd["scale"].astype(np.float32)
    with pytest.raises(ValueError, match=r"scale.*float32.*float64"):
        m.load_state_dict(sd)


def test_load_state_dict_non_strict_returns_the_differences():
    m = Block()
    result = m.load_state_dict({"scale": np.array([7.0, 8.0]), "other": np.ones(1)}, strict=False)
    assert result.missing_keys == ["inner.weight", "inner.bias"]
    assert result.unexpected_keys == ["other"]
    np.testing.assert_array_equal(m.scale.data, [7.0, 8.0])


def test_repr_lists_children():
    text = repr(nn.Sequential(nn.Linear(2, 3, rng=0), nn.ReLU()))
    assert "(0): Linear(in_features=2, out_features=3, bias=True)" in text
    assert "(1): ReLU()" in text


# --------------------------------------------------------------------- Linear
def test_linear_forward_and_gradients_match_numpy():
    rng = np.random.default_rng(1)
    layer = nn.Linear(4, 3, rng=rng)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    x_data = rng.normal(size=(5, 4))
    G = rng.normal(size=(5, 3))
    x = ag.Tensor(x_data, requires_grad=True)
    y = layer(x)
    W, b = layer.weight.data, layer.bias.data
    np.testing.assert_allclose(y.data, x_data @ W.T + b, rtol=1e-12)
    (y * G).sum().backward()
    np.testing.assert_allclose(layer.weight.grad, G.T @ x_data, rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, G.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(x.grad, G @ W, rtol=1e-12)


def test_linear_init_is_uniform_within_one_over_sqrt_fan_in_and_seeded():
    layer = nn.Linear(100, 50, rng=3)
    k = 1 / math.sqrt(100)
    assert np.abs(layer.weight.data).max() <= k and np.abs(layer.bias.data).max() <= k
    assert layer.weight.data.std() > 0.8 * k / math.sqrt(3)
    np.testing.assert_array_equal(layer.weight.data, nn.Linear(100, 50, rng=3).weight.data)
    assert not np.array_equal(layer.weight.data, nn.Linear(100, 50).weight.data)


def test_linear_without_bias():
    layer = nn.Linear(3, 2, bias=False, rng=0)
    assert layer.bias is None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    x = np.ones((2, 3))
    np.testing.assert_allclose(layer(x).data, x @ layer.weight.data.T)


def test_linear_rejects_bad_sizes():
    with pytest.raises(ValueError):
        nn.Linear(0, 3)


def test_linear_float32():
    layer = nn.Linear(3, 2, rng=0, dtype=np.float32)
    assert layer.weight.dtype == np.float32
    assert layer(np.ones((1, 3), np.float32)).dtype == np.float32


# --------------------------------------------------------------------- Sequential
def test_sequential_names_indexing_and_forward():
    l1, l2 = nn.Linear(3, 4, rng=0), nn.Linear(4, 2, rng=1)
    net = nn.Sequential(l1, nn.Tanh(), l2)
    assert len(net) == 3
    assert net[0] is l1 and net[-1] is l2 and list(net)[1] is net[1]
    sliced = net[:2]
    assert isinstance(sliced, nn.Sequential) and len(sliced) == 2 and sliced[0] is l1
    with pytest.raises(IndexError):
        net[3]
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    x = np.random.default_rng(0).normal(size=(6, 3))
    h = np.tanh(x @ l1.weight.data.T + l1.bias.data)
    np.testing.assert_allclose(net(x).data, h @ l2.weight.data.T + l2.bias.data, rtol=1e-12)


def test_sequential_rejects_non_modules():
    with pytest.raises(TypeError):
        nn.Sequential(lambda x: x)


@pytest.mark.parametrize(
    ("module", "reference"),
    [
        (nn.Tanh(), np.tanh),
        (nn.ReLU(), lambda z: np.where(z > 0, z, 0.0)),
        (nn.Sigmoid(), lambda z: 1 / (1 + np.exp(-z))),
    ],
)
def test_activation_modules(module, reference):
    z = np.array([-3.0, -0.5, 0.5, 2.0])
    np.testing.assert_allclose(module(z).data, reference(z), rtol=1e-12)
    assert list(module.parameters()) == []


def test_activation_lookup():
    assert isinstance(nn.activation("relu"), nn.ReLU)
    with pytest.raises(ValueError, match="softplus"):
        nn.activation("softplus")


# --------------------------------------------------------------------- TwoLayerNet
@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu"])
def test_two_layer_net_matches_the_closed_form(act):
    rng = np.random.default_rng(5)
    net = nn.TwoLayerNet(4, 6, 2, activation=act, rng=rng)
    shapes = {n: p.shape for n, p in net.named_parameters()}
    assert shapes == {"W1": (6, 4), "b1": (6, 1), "W2": (2, 6), "b2": (2, 1)}
    net.load_state_dict({n: rng.normal(size=s) for n, s in shapes.items()})
    X = rng.normal(size=(4, 9))
    Y = (rng.random((2, 9)) < 0.5).astype(float)
    Z2 = net(X)
    params = net.state_dict()
    cache = closed_form.two_layer_forward(params, X, act)
    np.testing.assert_allclose(Z2.data, cache.Z2, rtol=1e-12)
    (ag.binary_cross_entropy_with_logits(Z2, Y, reduction="sum") / 9).backward()
    grads = closed_form.two_layer_backward(params, cache, X, Y, act)
    for name, expected in [("W1", grads.dW1), ("b1", grads.db1), ("W2", grads.dW2)]:
        np.testing.assert_allclose(getattr(net, name).grad, expected, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(net.b2.grad, grads.db2, rtol=1e-10, atol=1e-14)


def test_two_layer_net_init():
    net = nn.TwoLayerNet(30, 20, 1, rng=0)
    np.testing.assert_array_equal(net.b1.data, 0.0)
    np.testing.assert_array_equal(net.b2.data, 0.0)
    assert np.abs(net.W1.data).max() <= math.sqrt(6 / 50)
    relu = nn.TwoLayerNet(30, 20, 1, activation="relu", rng=0)
    assert np.abs(relu.W1.data).max() <= math.sqrt(6 / 30)
    assert np.abs(relu.W1.data).max() > math.sqrt(6 / 50)  # He is wider than Glorot here
    with pytest.raises(ValueError):
        nn.TwoLayerNet(3, 4, 1, activation="swish")


# --------------------------------------------------------------------- init
def _blank(shape):
    return nn.Parameter(np.empty(shape))


def test_xavier_uniform_bound_and_variance():
    w = _blank((200, 300))
    assert nn.init.xavier_uniform(w, rng=0) is w
    a = math.sqrt(6 / 500)
    assert np.abs(w.data).max() <= a
    assert w.data.std() == pytest.approx(a / math.sqrt(3), rel=0.02)
    w2 = nn.init.xavier_uniform(_blank((200, 300)), gain=2.0, rng=0)
    np.testing.assert_allclose(w2.data, 2 * w.data)


def test_xavier_normal_std():
    w = nn.init.xavier_normal(_blank((200, 300)), rng=0)
    assert w.data.std() == pytest.approx(math.sqrt(2 / 500), rel=0.02)
    assert abs(w.data.mean()) < 0.01


def test_kaiming_uniform_and_normal():
    w = nn.init.kaiming_uniform(_blank((300, 200)), nonlinearity="relu", rng=0)
    assert np.abs(w.data).max() <= math.sqrt(6 / 200)
    assert w.data.std() == pytest.approx(math.sqrt(2 / 200), rel=0.02)
    w = nn.init.kaiming_normal(_blank((300, 200)), mode="fan_out", nonlinearity="relu", rng=0)
    assert w.data.std() == pytest.approx(math.sqrt(2 / 300), rel=0.02)
    w = nn.init.kaiming_normal(_blank((300, 200)), nonlinearity="linear", rng=0)
    assert w.data.std() == pytest.approx(math.sqrt(1 / 200), rel=0.02)
    with pytest.raises(ValueError):
        nn.init.kaiming_normal(_blank((3, 2)), mode="fan_avg")


def test_fans_of_higher_rank_weights_and_vectors():
    w = nn.init.xavier_uniform(_blank((8, 4, 3, 3)), rng=0)
    assert np.abs(w.data).max() <= math.sqrt(6 / (36 + 72))
    with pytest.raises(ValueError, match="at least 2"):
        nn.init.xavier_uniform(_blank((5,)))


def test_init_is_seeded_and_zeros():
    a = nn.init.xavier_normal(_blank((4, 4)), rng=7).data
    b = nn.init.xavier_normal(_blank((4, 4)), rng=np.random.default_rng(7)).data
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, nn.init.xavier_normal(_blank((4, 4))).data)
    w = nn.init.zeros(nn.Parameter(np.ones((2, 3))))
    np.testing.assert_array_equal(w.data, 0.0)
    with pytest.raises(TypeError):
        nn.init.zeros(ag.Tensor(np.ones(2, dtype=np.int64)))


def test_calculate_gain():
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert nn.init.calculate_gain("sigmoid") == 1.0
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    with pytest.raises(ValueError):
        nn.init.calculate_gain("gelu")
