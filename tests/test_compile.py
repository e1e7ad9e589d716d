"""ag.compile: the recorded program gives what eager mode gives, call after call."""

from __future__ import annotations

import re
import threading
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import closed_form
from autograd_lite.errors import TraceError

from .networks import random_network
from .op_table import OPS

RTOL64 = 1e-10


def assert_same(a, b, rtol=RTOL64):
    """Equal values, dtypes and structure (Tensors where Tensors, arrays where arrays)."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y, rtol)
    elif isinstance(a, ag.Tensor):
        assert not a.requires_grad
        assert_same(a.data, b.data, rtol)
    elif isinstance(a, np.ndarray):
        assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * 1e-3)
    else:
        assert a == b


# --------------------------------------------------------------------------- the op table
UNARY = [c for c in OPS if c.arity == 1]
BINARY = [c for c in OPS if c.arity == 2]


def _inputs(case, rng, shape):
    low, high = case.low, case.high
    shape = shape if len(shape) >= case.min_dims else (3,) * case.min_dims
    return [rng.uniform(low, high, size=shape) for _ in range(case.arity)]


@pytest.mark.parametrize("case", OPS, ids=[c.name for c in OPS])
def test_every_op_compiled_equals_eager(case) -> None:
    rng = np.random.default_rng(0)
    xs = _inputs(case, rng, (3, 3))
    weights = rng.standard_normal(np.shape(case.fn(*map(ag.Tensor, xs)).data))

    def loss(*args):
        return (case.fn(*args) * weights).sum()

    argnums = tuple(range(case.arity))
    eager = ag.value_and_grad(loss, argnums=argnums)
    compiled = ag.compile(eager)
    for trial in range(3):
        xs = _inputs(case, np.random.default_rng(trial), (3, 3))
        assert_same(compiled(*xs), eager(*xs))
    assert len(compiled.cache_info()) == 1


_ELEMENTWISE = ["add", "subtract", "multiply", "tanh", "sigmoid", "exp", "negative", "maximum"]


@st.composite
def random_graphs(draw):
    """A random program over some of the table's ops: each step combines earlier values."""
    steps = []
    for i in range(draw(st.integers(1, 6))):
        name = draw(st.sampled_from([*_ELEMENTWISE, "sum_keepdims", "softmax", "mean"]))
        picks = tuple(draw(st.integers(0, i)) for _ in range(2))
        steps.append((name, picks))
    return steps


def _run_graph(steps, x, y):
    from .op_table import OPS_BY_NAME

    values = [x * 0.5 + y]
    for name, (i, j) in steps:
        case = OPS_BY_NAME[name]
        if case.arity == 2:
            out = case.fn(values[i], values[j])
        else:
            out = case.fn(values[i])
        values.append(ag.tanh(out) if name == "exp" else out)
    return sum(((v * v).sum() for v in values), ag.Tensor(0.0))


@settings(max_examples=25, deadline=None)
@given(random_graphs(), st.sampled_from([(3,), (2, 3), (4, 1)]))
def test_random_graphs_compiled_equal_eager(steps, shape) -> None:
    eager = ag.value_and_grad(lambda x, y: _run_graph(steps, x, y), argnums=(0, 1))
    compiled = ag.compile(eager)
    for seed in range(2):
        rng = np.random.default_rng(seed)
        x, y = rng.uniform(-1, 1, shape), rng.uniform(-1, 1, shape)
        assert_same(compiled(x, y), eager(x, y))


# --------------------------------------------------------------------------- the post's network
def _tensors(params, dtype=np.float64):
    return {k: ag.Tensor(v.astype(dtype), requires_grad=True) for k, v in params.items()}


def _post_forward(p, X, Y, activation):
    g = {"tanh": ag.tanh, "sigmoid": ag.sigmoid, "relu": ag.relu}[activation]
    A1 = g(p["W1"] @ X + p["b1"])
    Z2 = p["W2"] @ A1 + p["b2"]
    return ag.binary_cross_entropy(ag.sigmoid(Z2), Y, reduction="sum") / X.shape[1]


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_the_posts_network_compiled_gives_the_closed_form_gradients(activation) -> None:
    params, X, Y = random_network(np.random.default_rng(3), 5, 4, 1, 7)
    p = _tensors(params)

    @ag.compile
    def step(X, Y):
        for t in p.values():
            t.grad = None
        loss = _post_forward(p, X, Y, activation)
        loss.backward()
        return loss

    for scale in (1.0, 0.5):
        loss = step(X * scale, Y)
        cache = closed_form.two_layer_forward(params, X * scale, activation)
        expected = closed_form.two_layer_backward(params, cache, X * scale, Y, activation)
        assert isinstance(loss, ag.Tensor) and loss.shape == ()
        np.testing.assert_allclose(loss.data, closed_form.two_layer_loss(cache, Y), rtol=1e-10)
        for name in ("W1", "b1", "W2", "b2"):
            np.testing.assert_allclose(
                p[name].grad, getattr(expected, "d" + name), rtol=1e-9, atol=1e-12
            )
    assert len(step.cache_info()) == 1


def _training_pair(opt_factory, dtype=np.float64, accumulate=False):
    params, X, Y = random_network(np.random.default_rng(5), 6, 5, 1, 9)
    sides = []
    for _ in range(2):
        p = _tensors(params, dtype)
        opt = opt_factory(list(p.values()))

        def step(X, Y, p=p, opt=opt):
            if not accumulate:
                opt.zero_grad()
            loss = _post_forward(p, X, Y, "tanh")
            loss.backward()
            opt.step()
            return loss

        sides.append((p, opt, step))
    return (*sides, X.astype(dtype), Y.astype(dtype))


OPTIMIZERS = {
    "sgd": lambda ps: ag.optim.SGD(ps, lr=0.1),
    "sgd-momentum": lambda ps: ag.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
    "sgd-nesterov": lambda ps: ag.optim.SGD(ps, lr=0.1, momentum=0.5, nesterov=True),
    "adam": lambda ps: ag.optim.Adam(ps, lr=0.01),
    "adam-decay": lambda ps: ag.optim.Adam(ps, lr=0.01, betas=(0.8, 0.9), weight_decay=0.1),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_training_steps_compiled_equal_eager_after_every_step(name, dtype) -> None:
    (pe, opt_e, eager), (pc, opt_c, step), X, Y = _training_pair(OPTIMIZERS[name], dtype)
    compiled = ag.compile(step)
    rtol = RTOL64 if dtype == np.float64 else 1e-5
    for _ in range(5):
        assert_same(compiled(X, Y), ag.Tensor(eager(X, Y).data), rtol)
        for k in pe:
            assert_same(pc[k].data, pe[k].data, rtol)
            assert_same(pc[k].grad, pe[k].grad, rtol)
            assert pc[k].data.dtype == dtype
    for a, b in zip(opt_c.state.values(), opt_e.state.values()):
        assert a.keys() == b.keys()
        for key in a:
            assert_same(a[key], b[key], rtol)
    # with state: the first step (state created) and the second (state read) differ
    assert len(compiled.cache_info()) == (1 if name == "sgd" else 2)


def test_grad_accumulates_across_calls_as_in_eager() -> None:
    (pe, _, eager), (pc, _, step), X, Y = _training_pair(
        lambda ps: ag.optim.SGD(ps, lr=0.0), accumulate=True
    )
    compiled = ag.compile(step)
    for _ in range(4):
        compiled(X, Y)
        eager(X, Y)
        for k in pe:
            assert_same(pc[k].grad, pe[k].grad)
    reasons = [t.reason for t in compiled.cache_info()]
    assert reasons[0] == "first call" and "grad is set" in reasons[1]


def _train_changing(opt_factory, key, values):
    """Eager and compiled steps side by side, setting the hyperparameter ``key`` per step."""
    (pe, opt_e, eager), (pc, opt_c, step), X, Y = _training_pair(opt_factory)
    compiled = ag.compile(step)
    for value in values:
        for opt in (opt_e, opt_c):
            opt.param_groups[0][key] = value
        compiled(X, Y)
        eager(X, Y)
        for k in pe:
            assert_same(pc[k].data, pe[k].data)
    return compiled, (pe, opt_e), (pc, opt_c)


def test_lr_changed_between_steps_is_read_not_baked() -> None:
    compiled, (pe, opt_e), (pc, opt_c) = _train_changing(
        OPTIMIZERS["adam"], "lr", (0.1, 0.05, 0.02, 0.3, 0.0, 0.07)
    )
    assert len(compiled.cache_info()) == 2
    assert opt_c.state[pc["W1"]]["step"] == opt_e.state[pe["W1"]]["step"] == 6


def test_a_branch_on_a_hyperparameter_is_checked_on_every_call() -> None:
    compiled, _, _ = _train_changing(
        lambda ps: ag.optim.SGD(ps, lr=0.1, momentum=0.9), "momentum", (0.9, 0.9, 0.0, 0.0, 0.5)
    )
    assert any("momentum" in t.reason for t in compiled.cache_info())


def test_captured_parameters_edited_or_replaced_between_calls_are_seen() -> None:
    w = ag.Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)

    @ag.compile
    def f(x):
        return (w * x).sum()

    x = np.array([1.0, 1.0, 1.0])
    assert float(f(x).data) == 6.0
    w.data[0] = 10.0
    assert float(f(x).data) == 15.0
    w.data = np.array([0.0, 0.0, 1.0])
    assert float(f(x).data) == 1.0
    w.data = np.ones(4)
    assert float(f(np.ones(4)).data) == 4.0
    assert "shape changed" in f.cache_info()[-1].reason


def test_retracing_on_shapes_dtypes_and_static_values() -> None:
    @ag.compile
    def f(x, power):
        return ag.tanh(x) ** power

    x = np.linspace(-1, 1, 5)
    assert_same(f(x, 2), ag.tanh(x) ** 2)
    assert_same(f(x, 3), ag.tanh(x) ** 3)
    assert_same(f(x.astype(np.float32), 3), ag.tanh(x.astype(np.float32)) ** 3, 1e-6)
    assert_same(f(x[:3], 3), ag.tanh(x[:3]) ** 3)
    assert_same(f(x, 2), ag.tanh(x) ** 2)  # an earlier trace, found again
    reasons = [t.reason for t in f.cache_info()]
    assert reasons[0] == "first call"
    assert "'power' changed from 2 to 3" in reasons[1]
    assert "dtype changed from float64 to float32" in reasons[2]
    assert "shape changed" in reasons[3]
    assert len(reasons) == 4


def test_many_traces_warn() -> None:
    f = ag.compile(lambda x, k: x * k, max_traces=3)
    for k in range(3):
        f(np.ones(2), k)
    with pytest.warns(RuntimeWarning, match="traced 4 times"):
        f(np.ones(2), 3)


def test_returned_arrays_are_not_overwritten_by_later_calls() -> None:
    # Big enough for buffer reuse to come into play.
    f = ag.compile(ag.value_and_grad(lambda w, x: (ag.tanh(w * x) * ag.exp(w)).sum()))
    rng = np.random.default_rng(0)
    kept = []
    for _ in range(3):
        w, x = rng.standard_normal(5000), rng.standard_normal(5000)
        kept.append(((w, x), f(w, x)))
    for (w, x), (value, grad) in kept:
        expected = ag.value_and_grad(lambda w, x: (ag.tanh(w * x) * ag.exp(w)).sum())(w, x)
        assert_same((value, grad), expected)


def test_buffer_reuse_never_writes_over_a_returned_array() -> None:
    def f(w):
        early = ag.tanh(w)  # returned, and read once more just below
        late = ag.exp(early) * 2.0 + ag.sigmoid(w)
        return early, late

    compiled = ag.compile(f)
    w = np.random.default_rng(3).standard_normal(8000)
    assert "out=" in compiled.source(w)
    assert_same(compiled(w), f(w))


def test_buffer_reuse_keeps_values_exact() -> None:
    def loss(w, x):
        h = ag.tanh(w * x + 1.0)
        return (h * h * ag.sigmoid(h) - ag.exp(-h)).sum()

    eager = ag.value_and_grad(loss)
    compiled = ag.compile(eager)
    w, x = np.random.default_rng(1).standard_normal((2, 64, 80))
    assert "out=" in compiled.source(w, x)  # the program does reuse buffers
    value, grad = compiled(w, x)
    v2, g2 = eager(w, x)
    np.testing.assert_array_equal(grad, g2)
    np.testing.assert_array_equal(value, v2)


def test_threads_call_one_compiled_function_at_once() -> None:
    f = ag.compile(ag.grad(lambda w, x: (ag.tanh(w @ x) ** 2).sum()))
    rng = np.random.default_rng(0)
    w = rng.standard_normal((8, 8))
    f(w, np.ones((8, 3)))
    errors: list[BaseException] = []

    def work(seed):
        try:
            r = np.random.default_rng(seed)
            for _ in range(50):
                x = r.standard_normal((8, 3))
                expected = ag.grad(lambda w, x: (ag.tanh(w @ x) ** 2).sum())(w, x)
                np.testing.assert_allclose(f(w, x), expected, rtol=1e-12)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(f.cache_info()) == 1


def test_memory_is_flat_over_many_calls() -> None:
    import gc
    import tracemalloc

    (_, _, _), (_pc, _, step), X, Y = _training_pair(OPTIMIZERS["adam"])
    compiled = ag.compile(step)
    for _ in range(5):
        compiled(X, Y)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(1000):
            compiled(X, Y)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 64 * 1024, grown


# --------------------------------------------------------------------------- what is refused
def _refusals():
    def branch(x):
        loss = (x * x).sum()
        if loss > 0:
            return loss
        return -loss

    return {
        "bool": (branch, "bool()"),
        "float": (lambda x: float((x * x).sum()), "float()"),
        "int": (lambda x: int((x * x).sum()), "int()"),
        "item": (lambda x: (x * x).sum().item(), ".item()"),
        "tolist": (lambda x: (x * x).tolist(), ".tolist()"),
        "iterate": (lambda x: [r for r in ag.tanh(x)], "iteration"),
        "asarray": (lambda x: np.asarray(ag.tanh(x)), "np.asarray()"),
        "iterate array": (lambda x: list(ag.tanh(x).data), "iteration"),
    }


@pytest.mark.parametrize("name", sorted(_refusals()))
def test_what_a_trace_cannot_replay_is_refused_naming_the_line(name) -> None:
    fn, what = _refusals()[name]
    w = ag.Tensor(np.ones(3), requires_grad=True)
    w.grad = np.full(3, 7.0)

    def outer(x):
        y = fn(ag.Tensor(x) * w)
        return y

    with pytest.raises(TraceError, match=re.escape(what)) as info:
        ag.compile(outer)(np.arange(3.0))
    assert "test_compile.py:" in str(info.value)
    np.testing.assert_array_equal(w.grad, np.full(3, 7.0))  # nothing changed


def test_a_failed_trace_changes_no_parameter_grad_or_optimizer_state() -> None:
    (_, _, _), (pc, opt, step), X, Y = _training_pair(OPTIMIZERS["adam"])
    step(X, Y)  # eager: the state exists
    before = {k: (t.data.copy(), t.grad.copy()) for k, t in pc.items()}
    state = {k: dict(v) for k, v in opt.state.items()}
    state = {k: {n: np.copy(a) for n, a in v.items()} for k, v in state.items()}

    def bad(X, Y):
        loss = step(X, Y)
        return loss.item()

    with pytest.raises(TraceError):
        ag.compile(bad)(X, Y)
    for k, t in pc.items():
        np.testing.assert_array_equal(t.data, before[k][0])
        np.testing.assert_array_equal(t.grad, before[k][1])
        assert type(t.data) is np.ndarray
    for p, s in opt.state.items():
        assert s.keys() == state[p].keys()
        for n in s:
            np.testing.assert_array_equal(s[n], state[p][n])
    assert opt.param_groups[0]["lr"] == 0.01


# --------------------------------------------------------------------------- source
def test_source_runs_on_its_own_and_changes_nothing() -> None:
    (_, _, _), (pc, opt, step), X, Y = _training_pair(
        lambda ps: ag.optim.SGD(ps, lr=0.1, momentum=0.9)
    )
    compiled = ag.compile(step)
    compiled(X, Y)  # momentum buffers exist now
    before = {k: t.data.copy() for k, t in pc.items()}
    grads = {k: t.grad.copy() for k, t in pc.items()}
    source = compiled.source(X, Y)
    for k, t in pc.items():  # nothing moved
        np.testing.assert_array_equal(t.data, before[k])
        np.testing.assert_array_equal(t.grad, grads[k])
    assert len(compiled.cache_info()) == 2
    assert "def step(X, Y, W1, b1, W2, b2" in source
    assert "dW1" in source and "# backward pass" in source
    assert "lr=0.1" in source and "momentum=0.9" in source

    namespace: dict = {}
    exec(source, namespace)
    arrays = {k: t.data.copy() for k, t in pc.items()}
    buffers = {k: opt.state[t]["momentum_buffer"].copy() for k, t in pc.items()}
    loss, updates = namespace["step"](
        X, Y, *arrays.values(), *(buffers[k] for k in arrays), lr=0.1, momentum=0.9
    )
    result = compiled(X, Y)
    np.testing.assert_allclose(loss, result.data, rtol=1e-12)
    for k, t in pc.items():
        np.testing.assert_allclose(arrays[k], t.data, rtol=1e-12)  # updated in place
        np.testing.assert_allclose(updates[f"{k}.grad"], t.grad, rtol=1e-12)


def test_source_of_a_pure_function_is_called_with_its_arguments_alone() -> None:
    def loss(w, b, x):
        return ag.sigmoid(x @ w + b).sum()

    compiled = ag.compile(ag.value_and_grad(loss, argnums=(0, 1)))
    rng = np.random.default_rng(2)
    w, b, x = rng.standard_normal(3), rng.standard_normal(1), rng.standard_normal((4, 3))
    source = compiled.source(w, b, x)
    assert source.splitlines()[0] == "import numpy as np"
    assert "def loss(w, b, x):" in source
    assert "test_compile.py:" in source  # forward lines carry the user's line
    namespace: dict = {}
    exec(source, namespace)
    assert_same(namespace["loss"](w, b, x), compiled(w, b, x))


def test_in_place_edits_keep_earlier_values_apart() -> None:
    def f(x):
        a = x * 2.0
        kept = x.copy()
        x += 1.0  # changes the caller's array, as NumPy does
        b = x * 2.0
        return a, b, kept * 3.0

    compiled = ag.compile(f)
    for start in (np.arange(3.0), np.ones(3)):
        x_eager, x_compiled = start.copy(), start.copy()
        expected = f(x_eager)
        assert_same(compiled(x_compiled), expected)
        np.testing.assert_array_equal(x_compiled, x_eager)


def test_train_and_eval_mode_and_replaced_parameters_make_new_traces() -> None:
    model = ag.nn.Sequential(ag.nn.Linear(3, 4, rng=0), ag.nn.Tanh(), ag.nn.Linear(4, 1, rng=1))

    @ag.compile
    def predict(x):
        return model(x).sum()

    x = np.ones((2, 3))
    first = predict(x)
    model.eval()
    assert_same(predict(x), first)
    assert "switched to eval mode" in predict.cache_info()[-1].reason
    model[0].weight = ag.nn.Parameter(np.zeros((4, 3)))
    assert_same(predict(x), model(x).sum().detach())
    assert "parameter 'weight' is another Tensor" in predict.cache_info()[-1].reason
    assert len(predict.cache_info()) == 3


def test_inside_detect_anomaly_a_compiled_function_runs_eagerly() -> None:
    f = ag.compile(lambda x: ag.log(x).sum())
    assert np.isfinite(f(np.array([1.0, 2.0])).data)
    with ag.detect_anomaly(), pytest.raises(ag.errors.AnomalyError, match="log"):
        f(np.array([0.0, 2.0]))
    assert len(f.cache_info()) == 1


def test_an_index_computed_from_traced_values_is_followed_by_the_backward_pass() -> None:
    """The gradient's scatter uses this call's index, not the one seen while tracing."""
    w = np.arange(9.0).reshape(3, 3)

    def loss(x: ag.Tensor) -> ag.Tensor:
        return (x[np.arange(3)[:, None], np.argsort(x.data, axis=-1)] * w).sum()

    step = ag.compile(ag.value_and_grad(loss))
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.normal(size=(3, 3))
        np.testing.assert_array_equal(step(x)[1], ag.value_and_grad(loss)(x)[1])


# ------------------------------------------------------------------ random draws and buffers
def _train_and_evaluate(make_model: Any, compiled: bool, steps: int = 5) -> tuple[list[float], Any]:
    """Alternate compiled (or eager) training steps and evaluations; the losses and state."""
    model = make_model()
    opt = ag.optim.Adam(model.parameters(), lr=0.01)

    def step(x: np.ndarray, y: np.ndarray) -> ag.Tensor:
        opt.zero_grad()
        loss = ag.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    def evaluate(x: np.ndarray) -> ag.Tensor:
        with ag.no_grad():
            out: ag.Tensor = model(x)
            return out

    train = ag.compile(step) if compiled else step
    test = ag.compile(evaluate) if compiled else evaluate
    data = np.random.default_rng(1)
    figures = []
    for _ in range(steps):
        x, y = data.standard_normal((6, 1, 4, 4)), data.integers(0, 5, 6)
        model.train()
        figures.append(train(x, y).item())
        model.eval()
        figures.append(float(test(x).data.sum()))
    return figures, model.state_dict()


def test_compiled_dropout_draws_a_new_mask_every_run_like_the_eager_step() -> None:
    def make() -> ag.nn.Module:
        rng = np.random.default_rng(0)
        return ag.nn.Sequential(
            ag.nn.Flatten(),
            ag.nn.Linear(16, 8, rng=rng),
            ag.nn.Dropout(0.5, rng=np.random.default_rng(5)),
            ag.nn.Linear(8, 5, rng=rng),
        )

    eager, eager_state = _train_and_evaluate(make, compiled=False)
    compiled, compiled_state = _train_and_evaluate(make, compiled=True)
    np.testing.assert_allclose(compiled, eager, rtol=1e-12)
    for name, value in eager_state.items():
        np.testing.assert_allclose(compiled_state[name], value, rtol=1e-12, atol=1e-15)
    # A mask fixed at trace time would give one value for one input; the program draws anew.
    g = ag.compile(lambda x: ag.dropout(x, 0.5))
    assert not np.array_equal(g(np.ones(64)).data, g(np.ones(64)).data)
    seeded = ag.compile(lambda x: ag.dropout(x, 0.5, rng=3))
    np.testing.assert_array_equal(
        seeded(np.ones(64)).data, ag.dropout(np.ones(64), 0.5, rng=3).data
    )
    assert "rng0" in g.source(np.ones(64))


def test_compiled_batch_norm_updates_its_running_statistics_like_the_eager_step() -> None:
    def make() -> ag.nn.Module:
        rng = np.random.default_rng(0)
        return ag.nn.Sequential(
            ag.nn.Conv2d(1, 3, 3, padding=1, rng=rng),
            ag.nn.BatchNorm2d(3),
            ag.nn.ReLU(),
            ag.nn.Flatten(),
            ag.nn.Linear(48, 5, rng=rng),
            ag.nn.BatchNorm1d(5, momentum=0.2),
        )

    eager, eager_state = _train_and_evaluate(make, compiled=False)
    compiled, compiled_state = _train_and_evaluate(make, compiled=True)
    np.testing.assert_allclose(compiled, eager, rtol=1e-10)
    assert int(compiled_state["1.num_batches_tracked"]) == 5
    for name, value in eager_state.items():
        np.testing.assert_allclose(compiled_state[name], value, rtol=1e-10, atol=1e-14)


def test_a_buffer_replaced_inside_a_compiled_function_is_refused() -> None:
    class Counter(ag.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("calls", np.zeros(()))

        def forward(self, x: Any) -> Any:
            self.calls = self.calls + 1  # a new array, not an update in place
            return x

    counter = Counter()
    with pytest.raises(TraceError, match="'calls' of a Counter was replaced"):
        ag.compile(lambda x: counter(x))(np.ones(2))
    assert counter.calls == 0
