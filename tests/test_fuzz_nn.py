"""Malformed calls to the neural-network ops: a well-formed result or a documented error.

The convolution, pooling, normalization, attention, activation and loss ops of the
models (``ag.conv2d``, ``ag.layer_norm``, ``ag.mse_loss``, ...) have no NumPy function to
compare with; their values and gradients are checked against PyTorch and finite
differences in their own test files.  Here each one is called with inputs that are mostly
of plausible shapes, mixed with the catalogue of bad inputs of ``test_fuzz`` (wrong
shapes and dtypes, NaN, ``None``, strings, ...) and with right and wrong option values.
Each call must either

- return a Tensor of a dtype a Tensor may hold (and, if it requires grad, survive a backward pass
  that leaves every ``.grad`` with its input's shape and dtype, warning at most IEEE
  floating-point warnings), or
- raise TypeError, ValueError or IndexError with a non-empty message (or
  NotImplementedError, where the row's op documents an option as unsupported),

without warning in the forward pass except where an input holds NaN or inf or nothing
(NumPy's floating-point warnings and "Mean of empty slice" then), leaving the
input arrays unchanged, no ``.grad`` written by a failed call, and recording switched on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lite as ag

from .test_fuzz import (
    CALLS,
    FP_WARNINGS,
    SPECS,
    _short,
    check_backward,
    check_error,
    junk,
    plain,
    public_ops,
    run,
)

EMPTY = ("Mean of empty slice",)
NN_MODULES = ("autograd_lite._ops_conv", "autograd_lite._ops_layers")


@st.composite
def shaped(draw: st.DrawFn, shapes: list[tuple[int, ...]]) -> Any:
    """A float Tensor (mostly requiring grad) or array of one of ``shapes``."""
    dtype = draw(st.sampled_from([np.float64, np.float64, np.float32, np.int64]))
    shape = draw(st.sampled_from(shapes))
    if dtype == np.int64:
        return draw(hnp.arrays(dtype, shape, elements=st.integers(-3, 3)))
    elements = st.floats(-2.0, 2.0, width=np.dtype(dtype).itemsize * 8)
    values = draw(hnp.arrays(dtype, shape, elements=elements))
    return ag.Tensor(values, requires_grad=draw(st.sampled_from([True, True, False])))


def arg(*shapes: tuple[int, ...]) -> st.SearchStrategy[Any]:
    """An input: usually of a plausible shape, sometimes anything from the catalogue."""
    return st.one_of(shaped(list(shapes)), shaped(list(shapes)), shaped(list(shapes)), junk)


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@dataclass(frozen=True)
class NNSpec:
    """The inputs of one op, by position, and its options with right and wrong values."""

    inputs: tuple[st.SearchStrategy[Any], ...]
    params: dict[str, list[Any]] = field(default_factory=dict)
    op: Callable[..., Any] | None = None  # when not ``ag.<name>``
    # NotImplementedError, for ops with options documented as unsupported (``inplace=True``),
    # which a surplus positional input may switch on.
    also_raises: tuple[type[Exception], ...] = ()
    # Options under which the exact result may be inf or NaN for finite input (eps=0 with a
    # constant channel is 0/0), so that NumPy's floating-point warnings are legitimate.
    degenerate: Callable[[dict[str, Any]], bool] = lambda kwargs: False


SIZES = [1, 2, 3, (1, 2), (2, 1), 0, -1, (1,), (1, 2, 3), 1.5, None, "2", True]
PADDINGS = [0, 1, 2, (1, 0), (0, 1), "same", "valid", "full", -1, (1, -1), 1.5, None, True]
GROUPS = [1, 2, 3, 0, -1, 1.5, None, "1"]
IMAGE = [(2, 3, 5, 5), (1, 3, 4, 6), (3, 5, 5), (2, 2, 4, 4), (2, 4, 3, 3), (2, 3, 1, 1)]
KERNEL = [(4, 3, 3, 3), (2, 3, 1, 1), (4, 1, 3, 3), (3, 3, 2, 2), (2, 2, 3, 3), (4, 3, 6, 6)]
SIGNAL = [(2, 3, 7), (3, 7), (2, 4, 5), (1, 3, 2)]
KERNEL_1D = [(4, 3, 3), (2, 3, 1), (4, 1, 3), (3, 4, 2)]
BIAS = [(4,), (2,), (3,), (), (4, 1)]
BOOLS = [True, False, None, 1, "yes"]
BAD = [None, "1", 1j]
FACTORS = [1.0, 0.5, 2, 0.0, -1.0, *BAD]
EPS = [1e-5, 0.0, 1e-3, -1.0, *BAD]
ANY = [(3,), (2, 3), (2, 3, 4), (), (0, 2)]
ROWS = [(2, 4, 5), (3, 4), (4, 5), (2, 4, 3, 5), (1, 4)]
AFFINE = [(5,), (4, 5), (4,), (3,)]
HEADS = [(2, 3, 4), (3, 4), (2, 5, 4), (2, 3, 6), (4, 3, 4)]
REDUCTIONS = ["mean", "sum", "none", "avg", None, 1]
indices = hnp.arrays(
    st.sampled_from([np.int64, np.int32, np.uint8]),
    st.sampled_from([(), (3,), (2, 3), (0,)]),
    elements=st.integers(0, 7),
) | st.sampled_from([np.array([-1, 2]), np.array([1.0, 2.0]), np.array([True, False])])
classes = hnp.arrays(
    np.int64, st.sampled_from([(2,), (), (2, 4), (3,)]), elements=st.integers(-1, 3)
)

NN_SPECS: dict[str, NNSpec] = {
    "conv2d": NNSpec(
        (arg(*IMAGE), arg(*KERNEL), optional(arg(*BIAS))),
        {"stride": SIZES, "padding": PADDINGS, "dilation": SIZES, "groups": GROUPS},
    ),
    "conv1d": NNSpec(
        (arg(*SIGNAL), arg(*KERNEL_1D), optional(arg(*BIAS))),
        {"stride": SIZES, "padding": PADDINGS, "dilation": SIZES, "groups": GROUPS},
    ),
    "max_pool2d": NNSpec(
        (arg(*IMAGE),),
        {
            "kernel_size": SIZES,
            "stride": SIZES,
            "padding": [0, 1, 2, (1, 0), -1, 1.5, None],
            "dilation": SIZES,
            "ceil_mode": BOOLS,
        },
        also_raises=(NotImplementedError,),
    ),
    "avg_pool2d": NNSpec(
        (arg(*IMAGE),),
        {
            "kernel_size": SIZES,
            "stride": SIZES,
            "padding": [0, 1, 2, (1, 0), -1, 1.5, None],
            "ceil_mode": BOOLS,
            "count_include_pad": BOOLS,
            "divisor_override": [None, 1, 3, 0, -1, 1.5, "2"],
        },
    ),
    # ------------------------------------------------------------- activations
    "erf": NNSpec((arg(*ANY),)),
    "gelu": NNSpec((arg(*ANY),), {"approximate": ["none", "tanh", "exact", None, 1]}),
    "silu": NNSpec((arg(*ANY),), also_raises=(NotImplementedError,)),
    "softplus": NNSpec((arg(*ANY),), {"beta": FACTORS, "threshold": [20.0, 1, 0, -5, *BAD]}),
    "leaky_relu": NNSpec(
        (arg(*ANY),), {"negative_slope": FACTORS}, also_raises=(NotImplementedError,)
    ),
    "elu": NNSpec((arg(*ANY),), {"alpha": FACTORS}, also_raises=(NotImplementedError,)),
    # ------------------------------------------------------------- normalization
    "layer_norm": NNSpec(
        (arg(*ROWS), optional(arg(*AFFINE)), optional(arg(*AFFINE))),
        {"normalized_shape": [5, (4, 5), (5,), 3, (), 0, -1, "5", None, (4.0,)], "eps": EPS},
        degenerate=lambda kwargs: kwargs.get("eps") == 0,
    ),
    "batch_norm": NNSpec(
        (arg(*ROWS),),
        {
            # Drawn afresh: training updates them in place.
            "running_mean": ["zeros(4)", "zeros(3)", None, "x"],
            "running_var": ["ones(4)", "ones(3)", None, "x"],
            "weight": [None, "ones(4)", "ones(5)"],
            "bias": [None, "zeros(4)", 1.5],
            "training": BOOLS,
            "momentum": [0.1, 0.0, 1.0, -0.5, "x"],
            "eps": EPS,
        },
        op=lambda x, **kw: ag.batch_norm(x, **kw),
        also_raises=(NotImplementedError,),
        degenerate=lambda kwargs: kwargs.get("eps") == 0,
    ),
    "dropout": NNSpec(
        (arg(*ANY),),
        {
            "p": [0.5, 0.0, 1.0, 0.2, -0.1, 1.5, *BAD],
            "training": BOOLS,
            "rng": [None, 0, "generator()", "x", 1.5],
        },
        also_raises=(NotImplementedError,),
        # Scaling by 1 / (1 - p) overflows for entries near the largest float: exact, IEEE.
        degenerate=lambda kwargs: True,
    ),
    "embedding": NNSpec(
        (st.one_of(indices, indices, junk), arg((6, 3), (4, 2), (6,), (6, 3, 1))),
        {"padding_idx": [None, 0, 2, -1, 10, 1.5, "x"]},
        also_raises=(NotImplementedError,),
    ),
    "scaled_dot_product_attention": NNSpec(
        (arg(*HEADS), arg(*HEADS), arg(*HEADS)),
        {
            "attn_mask": [None, "mask(3, 5)", "bias(3, 5)", "mask(3, 3)", "bias(2,)", "x"],
            "dropout_p": [0.0, 0.5, 1.5, "x"],
            "is_causal": BOOLS,
            "scale": [None, 0.5, 0.0, "x"],
            "enable_gqa": [False, True],
        },
        also_raises=(NotImplementedError,),
    ),
    # ------------------------------------------------------------- losses
    "mse_loss": NNSpec((arg(*ANY), arg(*ANY)), {"reduction": REDUCTIONS}),
    "l1_loss": NNSpec((arg(*ANY), arg(*ANY)), {"reduction": REDUCTIONS}),
    "huber_loss": NNSpec((arg(*ANY), arg(*ANY)), {"reduction": REDUCTIONS, "delta": FACTORS}),
    "smooth_l1_loss": NNSpec((arg(*ANY), arg(*ANY)), {"reduction": REDUCTIONS, "beta": FACTORS}),
    "nll_loss": NNSpec(
        (arg((2, 3), (3,), (2, 3, 4), (0, 3)), st.one_of(classes, classes, junk)),
        {
            "weight": [None, "ones(3)", "ones(4)", "x"],
            "ignore_index": [-100, 0, 1, 5, 1.5],
            "reduction": REDUCTIONS,
        },
    ),
}

# Required arguments that the harness draws like options (always passed).
REQUIRED: dict[str, tuple[str, ...]] = {
    "max_pool2d": ("kernel_size",),
    "avg_pool2d": ("kernel_size",),
    "layer_norm": ("normalized_shape",),
    "batch_norm": ("running_mean", "running_var"),
}


def _made(value: Any) -> Any:
    """An option value, with arrays written as ``"zeros(4)"`` made afresh for each call."""
    if isinstance(value, str) and "(" in value:
        kind, _, rest = value.partition("(")
        shape = tuple(int(n) for n in rest.rstrip(")").split(",") if n.strip())
        if kind == "zeros":
            return np.zeros(shape)
        if kind == "ones":
            return np.ones(shape)
        if kind == "mask":
            return np.arange(np.prod(shape)).reshape(shape) % 3 != 1
        if kind == "generator":  # a new one per call, so that a replayed example repeats
            return np.random.default_rng(0)
        if kind == "bias":
            return np.linspace(-1.0, 1.0, int(np.prod(shape))).reshape(shape)
    return value


def nn_public_ops() -> set[str]:
    return {
        name
        for name in ag.__all__
        if getattr(getattr(ag, name), "__module__", None) in NN_MODULES or name in NN_LOSSES
    }


NN_LOSSES = ("mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "nll_loss")


def test_every_public_op_has_a_row() -> None:
    """Every public op and loss is fuzzed: here, or against NumPy in ``test_fuzz``."""
    assert set(NN_SPECS) == nn_public_ops(), "add a row to NN_SPECS for each new nn op"
    assert public_ops() == set(SPECS) | set(NN_SPECS), "add a row to SPECS or NN_SPECS"


@st.composite
def nn_call(draw: st.DrawFn, name: str) -> tuple[list[Any], dict[str, Any]]:
    spec = NN_SPECS[name]
    args = [draw(strategy) for strategy in spec.inputs]
    if draw(st.integers(0, 9)) == 0:  # sometimes one input too few or too many
        args = args[:-1] if draw(st.booleans()) else [*args, draw(junk)]
    kwargs = {}
    required = REQUIRED.get(name, ())
    for key, values in spec.params.items():
        if key in required or draw(st.integers(0, 2)):
            kwargs[key] = _made(draw(st.sampled_from(values)))
    return args, kwargs


def _nonfinite_or_empty(args: list[Any]) -> bool:
    for a in map(plain, args):
        if isinstance(a, (float, complex, np.generic)):
            a = np.asarray(a)
        if isinstance(a, np.ndarray) and (
            a.size == 0 or (a.dtype.kind in "fc" and not np.isfinite(a).all())
        ):
            return True
    return False


def check_nn_call(name: str, args: list[Any], kwargs: dict[str, Any]) -> None:
    spec = NN_SPECS[name]
    op = spec.op or getattr(ag, name)
    originals = [np.copy(a) for a in map(plain, args) if isinstance(a, np.ndarray)]
    where = f"{name}({', '.join(map(_short, args))}; {kwargs})"
    got = run(lambda: op(*args, **kwargs))
    if not (_nonfinite_or_empty(args) or spec.degenerate(kwargs)):
        assert not got.warned, f"{where} warned {got.warned}"
    else:  # NaN in, or the mean of nothing: NumPy's floating-point warnings
        for category, message in got.warned:
            assert category is RuntimeWarning and message.startswith(FP_WARNINGS + EMPTY), (
                f"{where} warned {category.__name__}: {message!r}"
            )
    leaves = [a for a in args if isinstance(a, ag.Tensor) and a.requires_grad]
    if got.error is not None:
        check_error(where, got.error, spec.also_raises)
        for leaf in leaves:
            assert leaf.grad is None, f"a failed call {where} wrote a .grad"
    else:
        result = got.value
        assert isinstance(result, ag.Tensor), f"{where} returned {type(result).__name__}"
        assert result.dtype.kind in "biufc", f"{where} returned dtype {result.dtype}"
        if result.requires_grad:
            check_backward(where, result, args)
        for leaf in leaves:
            leaf.grad = None
    after = [a for a in map(plain, args) if isinstance(a, np.ndarray)]
    for before, now in zip(originals, after):
        np.testing.assert_array_equal(now, before, err_msg=f"{where} changed an input")
    assert ag.is_grad_enabled(), f"{name} left graph recording switched off"


@pytest.mark.parametrize("name", sorted(NN_SPECS))
@settings(max_examples=40)
@given(data=st.data())
def test_malformed_nn_call(name: str, data: st.DataObject) -> None:
    for _ in range(CALLS):
        args, kwargs = data.draw(nn_call(name), label="call")
        check_nn_call(name, args, kwargs)


# --------------------------------------------------------------------------- found bugs
def test_gelu_tanh_of_huge_float32_inputs_is_exact_and_silent() -> None:
    x = ag.Tensor(np.array([2e13, -3e20, 1.5], dtype=np.float32), requires_grad=True)
    with np.errstate(all="raise"):
        y = ag.gelu(x, approximate="tanh")
        y.backward(np.ones(3, dtype=np.float32))
    np.testing.assert_array_equal(y.data[:2], x.data[:2] * [1, 0])
    np.testing.assert_array_equal(x.grad[:2], [1.0, 0.0])


@pytest.mark.parametrize("loss", [ag.huber_loss, ag.smooth_l1_loss])
def test_huber_losses_of_huge_differences_are_linear_and_silent(loss: Callable[..., Any]) -> None:
    x = ag.Tensor(np.array([3e200, -3e200, 0.5]), requires_grad=True)
    with np.errstate(all="raise"):
        y = loss(x, np.zeros(3), reduction="none")
        y.backward(np.ones(3))
    np.testing.assert_allclose(y.data, [3e200 - 0.5, 3e200 - 0.5, 0.125])
    np.testing.assert_array_equal(x.grad, [1.0, -1.0, 0.5])
