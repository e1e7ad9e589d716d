"""Malformed calls to every public op and loss: a correct result or a documented error.

Every op and loss in ``autograd_lite.__all__`` and every function of ``ag.linalg`` (and
every public Tensor method and operator) is called with arguments drawn from a catalogue
of bad inputs: wrong and mismatched shapes, int/bool/complex/object/str dtypes, empty
and 0-d arrays, NaN and inf, ``None``/dicts/strings, out-of-range or mistyped axes,
shapes, indices, dtypes and ``reduction`` values, wrong target shapes and out-of-range
class indices.  Each call must either

- return a Tensor of a dtype a Tensor may hold, equal to the NumPy equivalent computed
  on the same arrays (and, if it requires grad, survive a backward pass that leaves every
  ``.grad`` with its input's shape and dtype), or
- raise TypeError, ValueError or IndexError (the documented types; ``NumpyOnTensorError``
  and ``NotDifferentiableError`` are TypeErrors) with a non-empty message, or a type its
  row names in ``also_raises`` because the op documents it (``NotImplementedError`` from
  ``pad``'s statistic modes and from the gradient of ``linalg.qr`` of a wide matrix),

within a few seconds, leaving the graph intact: afterwards a valid forward and backward
of the same op on the same input Tensors gives the analytic gradient, recording is still
on, and no input array has changed.

Warning policy (pytest turns every warning into an error, so none may escape unjudged):

- forward: a ``RuntimeWarning`` is a legitimate result only if NumPy, computing the same
  function on the same arrays, emits the same warning -- ``log(-1)`` is nan with "invalid
  value", ``1 / 0`` is inf with "divide by zero", the mean of nothing is nan with "Mean of
  empty slice".  The library may be quieter than NumPy, never louder.  The one other
  category allowed is NumPy's ``ComplexWarning`` from an explicit ``astype`` (or
  ``array(x, dtype)``) of complex values to a real dtype, which the caller asked for;
- backward of an accepted call: only IEEE floating-point ``RuntimeWarning``\\ s ("divide by
  zero", "invalid value", "overflow"), where the exact derivative is inf or nan;
- any other warning (``ComplexWarning``, ``DeprecationWarning``, ...) is a failure.

Bugs this file has found stay at the end as exact regression tests.
"""

from __future__ import annotations

import operator
import signal
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, example, given, reject, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.lib.array_utils import normalize_axis_tuple

import autograd_lite as ag

DOCUMENTED = (TypeError, ValueError, IndexError)
TENSOR_KINDS = "biufc"  # what Tensor() accepts: bool, ints, floats, complex
FP_WARNINGS = ("divide by zero", "invalid value", "overflow")
HANG_SECONDS = 5.0


# --------------------------------------------------------------------------- harness
class Hang(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` swallows it."""


@contextmanager
def no_hang(seconds: float = HANG_SECONDS) -> Iterator[None]:
    def _alarm(signum: int, frame: Any) -> None:
        raise Hang(f"call did not return within {seconds} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Outcome:
    value: Any = None
    error: Exception | None = None
    warned: list[tuple[type[Warning], str]] = field(default_factory=list)


def run(fn: Callable[[], Any]) -> Outcome:
    """Call ``fn`` and record its result or exception and every warning it emits."""
    outcome = Outcome()
    with (
        warnings.catch_warnings(record=True) as caught,
        no_hang(),
        np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"),
    ):
        warnings.simplefilter("always")
        try:
            outcome.value = fn()
        except Exception as exc:
            outcome.error = exc
    outcome.warned = [(w.category, str(w.message)) for w in caught]
    return outcome


def plain(x: Any) -> Any:
    return x.data if isinstance(x, ag.Tensor) else x


# --------------------------------------------------------------------------- inputs
SHAPES = [(), (0,), (1,), (3,), (2, 3), (3, 2), (2, 0), (1, 3, 2)]
TRACKED_SHAPES = [(), (1,), (3,), (2, 3), (3, 1), (1, 3, 2)]
ODD_OBJECTS = [None, {}, {"a": 1}, "abc", "", 1.5, 3, -1, True, 1j, float("nan"), [1.0, 2.0],
               [[1.0], [2.0, 3.0]], (2, 3), object()]  # fmt: skip
AXES = [0, 1, -1, 2, 5, -5, 1.5, "0", None, (0, 0), (0, 1), (-1, 0), [0], True, np.int64(1)]
SHAPE_ARGS = [(-1,), (3,), (2, 3), (6,), (3, 2), (1, 3), (), (1,), (-1, -1), (-2,), (2.0,),
              "ab", None, 6, 1.5, (0,), (2, 1, 3)]  # fmt: skip
INDICES = [0, 2, 5, -10, 1.5, slice(None), slice(5, 1), None, Ellipsis, (0, 0, 0, 0), "a", {},
           (Ellipsis, Ellipsis), [0, 1], [True, False], np.array([0, 5]), np.array([[0]]),
           np.array([True]), np.array([], dtype=np.int64), np.array([0.0])]  # fmt: skip
DTYPES = [np.float32, np.float64, np.int64, np.bool_, np.complex128, object, "U3", "foo", None, 1]
REDUCTIONS = ["mean", "sum", "none", "avg", "MEAN", "", None, 1, ["sum"]]
KEEPDIMS = [True, False, "yes", None, 2]

ARRAY_DTYPES = [np.float64, np.float32, np.int64, np.uint8, np.bool_, np.complex128, object, "U3"]


@st.composite
def plain_arrays(draw: st.DrawFn) -> np.ndarray:
    """Arrays of every dtype family, any small shape, floats including NaN, inf and huge values."""
    dtype = np.dtype(draw(st.sampled_from(ARRAY_DTYPES)))
    shape = draw(st.sampled_from(SHAPES))
    if dtype.kind in "fc":
        width = dtype.itemsize * 8 if dtype.kind == "f" else 64
        values = draw(hnp.arrays(np.float64 if dtype.kind == "c" else dtype, shape,
                                 elements=st.floats(width=width)))  # fmt: skip
        return values.astype(dtype) * (1 + 1j) if dtype.kind == "c" else values
    if dtype.kind == "O":
        items = draw(st.lists(st.sampled_from([1.0, -2.5, 0, None, "x"]), min_size=1, max_size=3))
        arr = np.empty(len(items), dtype=object)
        arr[:] = items
        return arr
    if dtype.kind == "U":
        return np.full(shape, "ab", dtype=dtype)
    return draw(hnp.arrays(dtype, shape))


@st.composite
def tracked(draw: st.DrawFn, shapes: list[tuple[int, ...]] = TRACKED_SHAPES) -> ag.Tensor:
    """A leaf that requires grad, with values in [0.5, 2] where every op is smooth."""
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    shape = draw(st.sampled_from(shapes))
    elements = st.floats(0.5, 2.0, width=np.dtype(dtype).itemsize * 8)
    return ag.Tensor(draw(hnp.arrays(dtype, shape, elements=elements)), requires_grad=True)


def untracked(arrays: st.SearchStrategy[np.ndarray]) -> st.SearchStrategy[Any]:
    return arrays.filter(lambda a: a.dtype.kind in TENSOR_KINDS).map(ag.Tensor)


# Weighted towards float Tensors and arrays, so that many calls are one defect away from valid.
junk = st.one_of(
    tracked(),
    tracked(),
    hnp.arrays(np.float64, st.sampled_from(SHAPES), elements=st.floats(-3, 3)),
    plain_arrays(),
    untracked(plain_arrays()),
    st.sampled_from(ODD_OBJECTS),
)


@st.composite
def class_targets(draw: st.DrawFn, logits: Any) -> Any:
    """Targets for ``cross_entropy(logits, ...)``: right and wrong, in-range and out of range."""
    shape = np.shape(plain(logits)) if isinstance(plain(logits), np.ndarray) else (2, 3)
    depth = shape[-1] if shape else 1
    expected = shape[:-1]
    kind = draw(st.sampled_from(["index"] * 3 + ["index_shape", "probs", "probs_shape", "junk"]))
    if kind.startswith("index"):
        if kind == "index_shape":
            expected = draw(st.sampled_from(SHAPES))
        dtype = draw(st.sampled_from([np.int64, np.int32, np.uint8]))
        low = 0 if dtype == np.uint8 else -2
        values = st.integers(low, depth + 2)
        return draw(hnp.arrays(dtype, expected, elements=values))
    if kind.startswith("probs"):
        if kind == "probs_shape":
            shape = draw(st.sampled_from(SHAPES))
        return draw(hnp.arrays(np.float64, shape, elements=st.floats(-1.0, 2.0) | st.just(np.nan)))
    return draw(junk)


# --------------------------------------------------------------------------- references
def np_sigmoid(x: Any) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype.kind in "biu":  # in floating point, as ``np.exp`` would compute it
        x = x.astype(np.result_type(x.dtype, np.float16))
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def np_softmax(x: Any, axis: Any = -1) -> np.ndarray:
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def np_log_softmax(x: Any, axis: Any = -1) -> np.ndarray:
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def np_sum_to(x: Any, shape: Any) -> np.ndarray:
    """Sum ``x`` down to ``shape``; refuses a shape that does not broadcast up to ``x``'s."""
    x = np.asarray(x)
    shape = tuple(shape)
    if np.broadcast_shapes(shape, x.shape) != x.shape:
        raise ValueError(f"shape {shape} does not broadcast to {x.shape}")
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1
    )
    if not axes:
        return x.reshape(shape)  # nothing to sum: the input as it is, dtype included
    return np.sum(x, axis=axes, keepdims=True).reshape(shape)


def np_reduce(op: str, loss: np.ndarray, reduction: Any) -> np.ndarray:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{op}: bad reduction {reduction!r}")
    return {"mean": np.mean, "sum": np.sum, "none": np.asarray}[reduction](loss)


def loss_inputs(z: Any, t: Any) -> tuple[np.ndarray, np.ndarray]:
    """The losses' contract: float inputs; targets of the same shape, in the inputs' dtype."""
    z, t = np.asarray(z), np.asarray(t)
    if z.dtype.kind != "f" or t.dtype.kind not in "biuf":
        raise TypeError("losses take float inputs and real targets")
    if z.shape != t.shape:
        raise ValueError("shape mismatch")
    with np.errstate(over="ignore"):
        return z, t.astype(z.dtype)


def np_bce(p: Any, t: Any, reduction: Any = "mean") -> np.ndarray:
    p, t = loss_inputs(p, t)
    with np.errstate(divide="ignore"):
        loss = -(t * np.maximum(np.log(p), -100.0) + (1 - t) * np.maximum(np.log1p(-p), -100.0))
    return np_reduce("bce", loss, reduction)


def np_bce_logits(z: Any, t: Any, reduction: Any = "mean") -> np.ndarray:
    z, t = loss_inputs(z, t)
    loss = np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))
    return np_reduce("bce", loss, reduction)


def np_cross_entropy(z: Any, t: Any, axis: Any = -1, reduction: Any = "mean") -> np.ndarray:
    z, t = np.asarray(z), np.asarray(t)
    if z.dtype.kind != "f" or z.ndim == 0 or not isinstance(axis, (int, np.integer)):
        raise TypeError("bad logits or axis")
    axis = int(axis)  # the loss takes True as 1, as Python does
    log_probs = np_log_softmax(z, axis=axis)
    axis %= z.ndim
    if t.dtype.kind in "iu":
        if t.size and (t.min() < 0 or t.max() >= z.shape[axis]):
            raise IndexError("class out of range")
        # Picked, not summed against a one-hot: 0 * -inf at the other classes is NaN, and
        # a loss with probability 1 on the right class is 0 (found by a random draw).
        loss = -np.take_along_axis(log_probs, np.expand_dims(t, axis), axis).squeeze(axis)
    elif t.dtype.kind == "f":
        z, t = loss_inputs(z, t)
        loss = -np.sum(t * log_probs, axis=axis)
    else:
        raise TypeError("bad targets")
    return np_reduce("ce", loss, reduction)


# --------------------------------------------------------------------------- recovery
# ``valid(t)`` is a correct call of the op on the leaf ``t``: (scalar loss, analytic dL/dt).
Valid = Callable[[ag.Tensor], tuple[ag.Tensor, np.ndarray]]


def _x(t: ag.Tensor) -> np.ndarray:
    return t.data.astype(np.float64)


def _weights(t: ag.Tensor) -> np.ndarray:
    return np.arange(1.0, t.size + 1).reshape(t.shape)


def _elementwise(op: Callable[..., Any], derivative: Callable[[np.ndarray], Any]) -> Valid:
    return lambda t: (op(t).sum(), derivative(_x(t)) * np.ones(t.shape))


def _elementwise_at(
    op: Callable[..., Any], derivative: Callable[[np.ndarray], Any], scale: float, shift: float
) -> Valid:
    """``op`` at ``scale * t + shift``, inside its domain (arcsin at t / 4, in [1/8, 1/2])."""
    return lambda t: (
        op(t * scale + shift).sum(),
        scale * derivative(_x(t) * scale + shift) * np.ones(t.shape),
    )


def _extremum(op: Callable[..., Any], pick: Callable[..., Any]) -> Valid:
    def valid(t: ag.Tensor) -> tuple[ag.Tensor, np.ndarray]:
        hit = _x(t) == pick(_x(t))
        return op(t), hit / hit.sum()

    return valid


def _softmax_valid(t: ag.Tensor) -> tuple[ag.Tensor, np.ndarray]:
    w = np.arange(1.0, t.size + 1)
    s = np_softmax(_x(t).reshape(-1))
    return (ag.softmax(t.reshape(-1)) * w).sum(), (s * (w - (w * s).sum())).reshape(t.shape)


def _log_softmax_valid(t: ag.Tensor) -> tuple[ag.Tensor, np.ndarray]:
    w = np.arange(1.0, t.size + 1)
    s = np_softmax(_x(t).reshape(-1))
    return (ag.log_softmax(t.reshape(-1)) * w).sum(), (w - s * w.sum()).reshape(t.shape)


def _bce_valid(t: ag.Tensor) -> tuple[ag.Tensor, np.ndarray]:
    p = _x(t) / 4
    loss = ag.binary_cross_entropy(t / 4, np.full(t.shape, 0.3), reduction="sum")
    return loss, (p - 0.3) / (p * (1 - p)) / 4


def _bce_logits_valid(t: ag.Tensor) -> tuple[ag.Tensor, np.ndarray]:
    loss = ag.binary_cross_entropy_with_logits(t, np.full(t.shape, 0.3), reduction="sum")
    return loss, np_sigmoid(_x(t)) - 0.3


def _cross_entropy_valid(t: ag.Tensor) -> tuple[ag.Tensor, np.ndarray]:
    loss = ag.cross_entropy(t.reshape(1, -1), np.array([0]), reduction="sum")
    expected = np_softmax(_x(t).reshape(-1))
    expected[0] -= 1
    return loss, expected.reshape(t.shape)


def _getitem_valid(t: ag.Tensor) -> tuple[ag.Tensor, np.ndarray]:
    expected = np.zeros(t.size)
    expected[0] = 2
    return ag.getitem(t.reshape(-1), np.array([0, 0])).sum(), expected.reshape(t.shape)


def _first_twice(t: ag.Tensor) -> np.ndarray:
    """The gradient of a call that picks the first element twice and sums."""
    expected = np.zeros(t.size)
    expected[0] = 2
    return expected.reshape(t.shape)


def _ramp(n: int) -> np.ndarray:
    return np.arange(1.0, n + 1)


def _weighted(op: Callable[[ag.Tensor], Any], grad: Callable[[np.ndarray], np.ndarray]) -> Valid:
    """``sum(op(t) * w)`` with ``w = 1, 2, ...`` in the result's shape; ``grad(w)`` is dL/dt."""

    def valid(t: ag.Tensor) -> tuple[ag.Tensor, np.ndarray]:
        out = op(t)
        w = _ramp(out.size).reshape(out.shape)
        return (out * w).sum(), np.reshape(grad(w), t.shape)

    return valid


def _last(t: ag.Tensor) -> np.ndarray:
    """The gradient of a call that picks the last element."""
    expected = np.zeros(t.size)
    expected[-1] = 1
    return expected.reshape(t.shape)


def _product(factors: Any) -> Any:
    """``Q @ R`` of a QR decomposition: the input again, through both factors."""
    return factors[0] @ factors[1]


def _ravel_valid(t: ag.Tensor) -> tuple[ag.Tensor, np.ndarray]:
    # Read in Fortran order: the element of flat position k of the transpose.
    w = _ramp(t.size)
    return (ag.ravel(t, order="F") * w).sum(), w.reshape(t.shape[::-1]).T


def _cumprod_valid(t: ag.Tensor) -> tuple[ag.Tensor, np.ndarray]:
    x = _x(t).reshape(-1)
    c = np.cumprod(x)  # d sum(c) / d x[i] = sum over k >= i of c[k] / x[i]
    return ag.cumprod(t).sum(), (np.cumsum(c[::-1])[::-1] / x).reshape(t.shape)


def _std_valid(t: ag.Tensor) -> tuple[ag.Tensor, np.ndarray]:
    offsets = 10.0 * np.arange(t.size).reshape(t.shape)  # distinct values: std > 0
    y = _x(t) + offsets
    s = np.std(y)
    expected = (y - y.mean()) / (t.size * s) if s > 0 else np.zeros(t.shape)  # one element
    return ag.std(t + offsets), expected


def _ptp_valid(t: ag.Tensor) -> tuple[ag.Tensor, np.ndarray]:
    x = _x(t)
    top, low = x == x.max(), x == x.min()
    return ag.ptp(t), top / top.sum() - low / low.sum()


def _average_valid(t: ag.Tensor) -> tuple[ag.Tensor, np.ndarray]:
    w = _weights(t)
    return ag.average(t, weights=w), w / w.sum()


def _split_valid(split: Callable[..., Any], shape: Callable[[int], tuple[int, ...]]) -> Valid:
    """The first element of the flattened input cut off: twice the first piece, thrice the rest."""

    def valid(t: ag.Tensor) -> tuple[ag.Tensor, np.ndarray]:
        first, rest = split(t.reshape(shape(t.size)), [1])
        expected = np.full(t.size, 3.0)
        expected[0] = 2
        return (first * 2).sum() + (rest * 3).sum(), expected.reshape(t.shape)

    return valid


def _array_split_valid(t: ag.Tensor) -> tuple[ag.Tensor, np.ndarray]:
    first, rest = ag.array_split(t.reshape(-1), 2)  # the longer piece first
    expected = np.full(t.size, 3.0)
    expected[: (t.size + 1) // 2] = 2
    return (first * 2).sum() + (rest * 3).sum(), expected.reshape(t.shape)


def _joined(join: Callable[..., Any]) -> Valid:
    return lambda t: (join([t, t * 2]).sum(), np.full(t.shape, 3.0))


def _tri_valid(op: Callable[..., Any], mask: Callable[..., Any]) -> Valid:
    """A 1-D input repeated into a square and masked: column j gets the weights kept in it."""

    def valid(t: ag.Tensor) -> tuple[ag.Tensor, np.ndarray]:
        w = _ramp(t.size**2).reshape(t.size, t.size)
        return (op(t.reshape(-1)) * w).sum(), mask(w).sum(axis=0).reshape(t.shape)

    return valid


def _pad_valid(t: ag.Tensor) -> tuple[ag.Tensor, np.ndarray]:
    padded = tuple(n + 2 for n in t.shape)
    w = _ramp(int(np.prod(padded))).reshape(padded)
    return (ag.pad(t, 1) * w).sum(), w[(slice(1, -1),) * t.ndim]


def _sort_valid(t: ag.Tensor) -> tuple[ag.Tensor, np.ndarray]:
    x = t.data.reshape(-1)
    rank = np.argsort(np.argsort(x, kind="stable"), kind="stable")  # where each one goes
    return (ag.sort(t.reshape(-1)) * _ramp(t.size)).sum(), _ramp(t.size)[rank].reshape(t.shape)


def _partition_valid(t: ag.Tensor) -> tuple[ag.Tensor, np.ndarray]:
    w = np.ones(t.size)
    w[0] = 2  # position 0 holds the minimum: the first of the tied minima gets 1 more
    expected = np.ones(t.size)
    expected[np.argmin(t.data)] = 2
    return (ag.partition(t.reshape(-1), 0) * w).sum(), expected.reshape(t.shape)


def _index_add_valid(t: ag.Tensor) -> tuple[ag.Tensor, np.ndarray]:
    flat = t.reshape(-1)
    out = ag.index_add(flat, np.array([0, 0]), flat[:1] * 3)  # x[0] += 3 x[0], twice
    expected = np.ones(t.size)
    expected[0] += 6
    return out.sum(), expected.reshape(t.shape)


def _diagonal_matrix(
    f: Callable[[ag.Tensor], ag.Tensor], grad: Callable[[np.ndarray], np.ndarray]
) -> Valid:
    """``f(diag(x))`` for the flattened input, whose gradient is ``grad(x)``."""
    return lambda t: (f(ag.diag(t.reshape(-1))), grad(_x(t)))


def np_logsumexp(a: Any, axis: Any = None, keepdims: Any = False) -> np.ndarray:
    # A fold of NumPy's own stable log(exp(a) + exp(b)) (SciPy's logsumexp makes a 0-d
    # input 1-d with keepdims).
    return np.logaddexp.reduce(a, axis=axis, keepdims=keepdims)  # type: ignore[no-any-return]


def np_norm(x: Any, ord: Any = None, axis: Any = None, keepdims: Any = False) -> Any:
    """``np.linalg.norm``, whose errors, shape and dtype rule; but for the matrix norms
    -2 and 'nuc' the values the op documents: from the eigenvalues of the Gram matrix, so
    that a singular value NumPy's SVD gives as 1e-16 is 0 (or 1e-8), not a mismatch."""
    ref = np.linalg.norm(x, ord, axis, keepdims)
    x = np.asarray(x)
    pair = (0, 1) if axis is None and x.ndim == 2 else axis
    if not ((isinstance(ord, str) and ord == "nuc") or (not isinstance(ord, str) and ord == -2)):
        return ref
    if not isinstance(pair, tuple) or len(pair) != 2 or x.dtype.kind == "c":
        return ref
    y = np.moveaxis(x.astype(np.result_type(x.dtype, np.float64)), pair, (-2, -1))
    gram = y.swapaxes(-1, -2) @ y if y.shape[-2] >= y.shape[-1] else y @ y.swapaxes(-1, -2)
    sv = np.sqrt(np.maximum(np.linalg.eigvalsh(gram), 0))
    values = sv.min(axis=-1) if ord == -2 else sv.sum(axis=-1)
    return np.reshape(values, np.shape(ref)).astype(np.asarray(ref).dtype)


def on_array(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f`` with its first input made an array: NumPy's split functions read ``ary.shape``
    and fail on a list with AttributeError, where the ops, like every other, take anything
    ``np.asarray`` takes."""

    def call(ary: Any, *args: Any, **kwargs: Any) -> Any:
        return f(np.asarray(ary), *args, **kwargs)

    return call


def np_index_add(x: Any, index: Any, *values: Any) -> np.ndarray:
    out = np.array(x)  # a copy
    np.add.at(out, index, *values)
    return out


def np_average(a: Any, axis: Any = None, weights: Any = None, **kwargs: Any) -> Any:
    # ``weights`` is a keyword, not an input: the harness passes it as drawn, Tensor or not.
    try:
        return np.average(a, axis, plain(weights), **kwargs)
    except ZeroDivisionError:
        if weights is not None:
            raise
    # Without weights NumPy divides a.size by the size of the result even when that is 0
    # (an empty mean); the op gives the empty mean, np.mean's, and a count to match.
    if axis is not None:
        axis = normalize_axis_tuple(axis, np.ndim(a))  # as np.average reads it
    avg = np.mean(a, axis, keepdims=kwargs.get("keepdims", False))
    return (avg, np.zeros_like(avg)) if kwargs.get("returned") else avg


_UNSET = object()


def _subscripts_first(f: Callable[..., Any]) -> Callable[..., Any]:
    """``einsum`` called the harness' way, subscripts as a keyword; absent, the first
    input is the subscripts."""

    def call(*operands: Any, subscripts: Any = _UNSET, **kwargs: Any) -> Any:
        lead = () if subscripts is _UNSET else (subscripts,)
        return f(*lead, *operands, **kwargs)

    return call


def _index_second(f: Callable[..., Any]) -> Callable[..., Any]:
    """``index_add(x, index, values)`` with its two inputs first: ``call(x, values, index=)``."""

    def call(*inputs: Any, index: Any = 0) -> Any:
        return f(*inputs[:1], index, *inputs[1:])

    return call


# --------------------------------------------------------------------------- the table
@dataclass(frozen=True)
class Spec:
    """How to call one public op badly, what NumPy says it should give, and a valid call."""

    reference: Callable[..., Any]
    valid: Valid
    arity: int | None = 1  # positional Tensor-like inputs; None: any number (stack)
    params: dict[str, st.SearchStrategy[Any]] = field(default_factory=dict)
    positional: tuple[str, ...] = ()  # params passed positionally, after the inputs
    same_dtype: bool = True  # the reference's dtype is the op's dtype
    packed: bool = False  # the inputs go in as one list (hstack), to the op and to NumPy
    # Exception types the op documents beyond the three, forward or backward (pad's modes
    # without a gradient, qr's gradient of a wide matrix: NotImplementedError).
    also_raises: tuple[type[Exception], ...] = ()
    # How to call the op, where its inputs are not its leading positional arguments
    # (einsum's subscripts come first); called as the reference is, ``op(*inputs, **params)``.
    op: Callable[..., Any] | None = None


def _binary(reference: Callable[..., Any], valid: Valid) -> Spec:
    return Spec(reference, valid, arity=2)


def _reduction(reference: Callable[..., Any], valid: Valid) -> Spec:
    params = {"axis": st.sampled_from(AXES), "keepdims": st.sampled_from(KEEPDIMS)}
    return Spec(reference, valid, params=params)


_axis = {"axis": st.sampled_from(AXES)}
_shape = {"shape": st.sampled_from(SHAPE_ARGS)}
_loss = {"reduction": st.sampled_from(REDUCTIONS)}
_abs = Spec(np.absolute, _elementwise(ag.absolute, np.sign))

# Arguments of the newer families, right and wrong.
INTS = [0, 1, 2, -1, 5, -5, 1.5, None, "1", True, np.int64(1)]  # k, offset, shift, start
DDOFS = [0, 1, 2, 5, -1, 0.5, None, "1", True]
ORDERS = ["C", "F", "A", "K", "f", None, "X", 1]
REPEATS = [0, 1, 2, -1, 1.5, None, "2", True, [1, 2], [1, 2, 3], [-1], (2,), np.array([2]),
           np.array([[2]])]  # fmt: skip
REPS = [2, 0, 1, -1, (2, 1), (1, 2, 2), (), [2], (0, 2), 1.5, None, "2", True]
SECTIONS = [1, 2, 3, 0, -1, [1], [1, 2], [2, 1], [], [5], [-1], (1,), np.array([1]), 1.5, None,
            "2", True]  # fmt: skip
PAD_WIDTHS = [1, 0, 2, (1, 2), ((1, 0),), ((1, 2), (0, 1)), ((1, 2), (0, 1), (1, 1), (0, 0)),
              -1, (1, -1), 1.5, None, "1", {0: 1}, {5: 1}, ((1, 2, 3),),
              np.array([1, 2])]  # fmt: skip
# The statistic modes ("mean", "maximum", ...) raise NotImplementedError, as pad documents.
PAD_MODES = ["constant", "edge", "wrap", "reflect", "symmetric", "empty", "mean", "foo", None, 1]
PLANES = [(0, 1), (1, 0), (0, -1), (-1, 0), (0, 0), (0, 2), (0, 1, 2), (0,), [0, 1], (0, 5), 0,
          None, "ab"]  # fmt: skip
CONTRACTIONS = [0, 1, 2, 3, -1, 1.5, None, "1", True, ([1], [0]), (1, 0), ([0, 1], [0, 1]),
                ([0], [0, 1]), ([5], [0]), [[0], [0]], ((), ()), ([0, 0], [0, 1])]  # fmt: skip
SUBSCRIPTS = ["i,i->", "i,i", "ij,jk->ik", "ij->ji", "ii->i", "ii", "i->", "->", "", "...,...->",
              "...i,...i->...", "a...,a...->...", "ij,j->i", "i,j->ij", "i,j,k->ijk", "ij->j",
              "iij->j", "i.j", "i->i->", "i,i->k", "ij...,jk->ik", "é", 1, None, ["i"]]  # fmt: skip
KTHS = [0, 1, 2, -1, 5, -5, [0, 1], [0, 5], [], 1.5, None, "0", True, np.array([1])]
TAKE_INDICES = [0, 2, -1, 5, -10, [0, 1], [[0, 1]], [], [True, False], np.array([0, 2]),
                np.array([], dtype=np.int64), np.array([1.0]), 1.5, None, "a", True,
                slice(None)]  # fmt: skip
NORM_ORDS = [None, 1, 2, -1, -2, 0, 3, 0.5, np.inf, -np.inf, "fro", "nuc", "f", "foo", 1j]
NORM_AXES = [*AXES, (0, 2), (1, 0), (0, 1, 2), (-1, -2)]

_keepdims = {"keepdims": st.sampled_from(KEEPDIMS)}
_moment = {"axis": st.sampled_from(AXES), "ddof": st.sampled_from(DDOFS), **_keepdims}
_k = {"k": st.sampled_from(INTS)}
_sections = {"indices_or_sections": st.sampled_from(SECTIONS)}
_diagonal_params = {
    "offset": st.sampled_from(INTS),
    "axis1": st.sampled_from(AXES),
    "axis2": st.sampled_from(AXES),
}
_uplo = {"UPLO": st.sampled_from(["L", "U", "l", "X", None, 1])}
_integer_indices = hnp.arrays(np.int64, st.sampled_from(SHAPES), elements=st.integers(-4, 4))

SPECS: dict[str, Spec] = {
    "add": _binary(np.add, lambda t: ((t + 1.5).sum(), np.ones(t.shape))),
    "subtract": _binary(np.subtract, lambda t: ((1.5 - t).sum(), -np.ones(t.shape))),
    "multiply": _binary(np.multiply, lambda t: ((t * t).sum(), 2 * _x(t))),
    "divide": _binary(np.divide, lambda t: ((1 / t).sum(), -1 / _x(t) ** 2)),
    "power": _binary(np.power, lambda t: ((t**3).sum(), 3 * _x(t) ** 2)),
    "maximum": _binary(
        np.maximum, _elementwise(lambda t: ag.maximum(t, 1.0), lambda x: (x > 1) + 0.5 * (x == 1))
    ),
    "minimum": _binary(
        np.minimum, _elementwise(lambda t: ag.minimum(t, 1.0), lambda x: (x < 1) + 0.5 * (x == 1))
    ),
    "matmul": _binary(np.matmul, lambda t: (ag.matmul(t.reshape(-1), t.reshape(-1)), 2 * _x(t))),
    "negative": Spec(np.negative, _elementwise(ag.negative, lambda x: -1.0)),
    "exp": Spec(np.exp, _elementwise(ag.exp, np.exp)),
    "log": Spec(np.log, _elementwise(ag.log, lambda x: 1 / x)),
    "sqrt": Spec(np.sqrt, _elementwise(ag.sqrt, lambda x: 0.5 / np.sqrt(x))),
    "tanh": Spec(np.tanh, _elementwise(ag.tanh, lambda x: 1 - np.tanh(x) ** 2)),
    "sigmoid": Spec(
        np_sigmoid,
        _elementwise(ag.sigmoid, lambda x: np_sigmoid(x) * (1 - np_sigmoid(x))),
        same_dtype=False,
    ),
    "relu": Spec(lambda x: np.maximum(x, 0), _elementwise(ag.relu, lambda x: 1.0 * (x > 0))),
    "absolute": _abs,
    "abs": _abs,
    "sign": Spec(np.sign, _elementwise(ag.sign, lambda x: 0.0)),
    "where": Spec(
        np.where,
        _elementwise(lambda t: ag.where(t.data > 1, t, 2 * t), lambda x: np.where(x > 1, 1, 2)),
        arity=3,
    ),
    "sum": _reduction(np.sum, lambda t: (ag.sum(t), np.ones(t.shape))),
    "mean": _reduction(np.mean, lambda t: (ag.mean(t), np.full(t.shape, 1 / t.size))),
    "max": _reduction(np.max, _extremum(ag.max, np.max)),
    "min": _reduction(np.min, _extremum(ag.min, np.min)),
    "softmax": Spec(np_softmax, _softmax_valid, params=_axis, same_dtype=False),
    "log_softmax": Spec(np_log_softmax, _log_softmax_valid, params=_axis, same_dtype=False),
    "broadcast_to": Spec(
        np.broadcast_to,
        lambda t: (ag.broadcast_to(t, (2, *t.shape)).sum(), np.full(t.shape, 2.0)),
        params=_shape,
        positional=("shape",),
    ),
    "sum_to": Spec(
        np_sum_to,
        lambda t: ((ag.sum_to(t, (1,) * t.ndim) * 3).sum(), np.full(t.shape, 3.0)),
        params=_shape,
        positional=("shape",),
    ),
    "reshape": Spec(
        np.reshape,
        lambda t: ((ag.reshape(t, (-1,)) * _weights(t).reshape(-1)).sum(), _weights(t)),
        params=_shape,
        positional=("shape",),
    ),
    "transpose": Spec(
        np.transpose,
        lambda t: ((ag.transpose(t) * _weights(t).T).sum(), _weights(t)),
        params={"axes": st.sampled_from(AXES)},
        positional=("axes",),
    ),
    "swapaxes": Spec(
        np.swapaxes,
        lambda t: (
            (ag.swapaxes(t.reshape(1, -1), 0, 1) * _weights(t).reshape(-1, 1)).sum(),
            _weights(t),
        ),
        params={"axis1": st.sampled_from(AXES), "axis2": st.sampled_from(AXES)},
        positional=("axis1", "axis2"),
    ),
    "astype": Spec(
        lambda x, dtype: np.asarray(x).astype(dtype),
        lambda t: ((ag.astype(t, np.float32) * 2).sum(), np.full(t.shape, 2.0)),
        params={"dtype": st.sampled_from(DTYPES)},
        positional=("dtype",),
    ),
    "getitem": Spec(
        lambda x, index: np.asarray(x)[index],
        _getitem_valid,
        params={"index": st.sampled_from(INDICES)},
        positional=("index",),
    ),
    "stack": Spec(
        lambda *a, axis=0: np.stack(a, axis=axis),
        lambda t: (ag.stack(t, t).sum(), np.full(t.shape, 2.0)),
        arity=None,
        params=_axis,
    ),
    "concatenate": Spec(
        lambda *a, axis=0: np.concatenate(a, axis=axis),
        lambda t: (ag.concatenate(t.reshape(-1), t.reshape(-1)).sum(), np.full(t.shape, 2.0)),
        arity=None,
        params=_axis,
    ),
    "binary_cross_entropy": Spec(np_bce, _bce_valid, 2, _loss, same_dtype=False),
    "binary_cross_entropy_with_logits": Spec(
        np_bce_logits, _bce_logits_valid, 2, _loss, same_dtype=False
    ),
    "cross_entropy": Spec(
        np_cross_entropy,
        _cross_entropy_valid,
        arity=2,  # the targets are drawn by ``class_targets``
        params={"axis": st.sampled_from(AXES), "reduction": st.sampled_from(REDUCTIONS)},
        same_dtype=False,
    ),
    # ---------------------------------------------------------------- statistics
    "prod": _reduction(np.prod, lambda t: (ag.prod(t), np.prod(_x(t)) / _x(t))),
    "var": Spec(np.var, lambda t: (ag.var(t), 2 * (_x(t) - _x(t).mean()) / t.size), params=_moment),
    "std": Spec(np.std, _std_valid, params=_moment),
    "cumsum": Spec(
        np.cumsum, _weighted(ag.cumsum, lambda w: np.cumsum(w[::-1])[::-1]), params=_axis
    ),
    "cumprod": Spec(np.cumprod, _cumprod_valid, params=_axis),
    "logsumexp": _reduction(
        np_logsumexp, lambda t: (ag.logsumexp(t), np_softmax(_x(t).reshape(-1)).reshape(t.shape))
    ),
    "amax": _reduction(np.amax, _extremum(ag.amax, np.max)),
    "amin": _reduction(np.amin, _extremum(ag.amin, np.min)),
    "ptp": _reduction(np.ptp, _ptp_valid),
    "average": Spec(
        np_average,
        _average_valid,
        params={
            "axis": st.sampled_from(AXES),
            "weights": st.none() | junk,
            "returned": st.sampled_from([True, False, None, 1, "yes"]),
            **_keepdims,
        },
    ),
    # ---------------------------------------------------------------- shapes
    "ravel": Spec(
        np.ravel,
        _ravel_valid,
        params={"order": st.sampled_from(ORDERS)},
    ),
    "expand_dims": Spec(
        np.expand_dims, _weighted(lambda t: ag.expand_dims(t, 0), lambda w: w), params=_axis
    ),
    "squeeze": Spec(np.squeeze, _weighted(ag.squeeze, lambda w: w), params=_axis),
    "moveaxis": Spec(
        np.moveaxis,
        _weighted(
            lambda t: ag.moveaxis(t, list(range(t.ndim)), list(range(t.ndim))[::-1]),
            np.transpose,
        ),
        params={"source": st.sampled_from(AXES), "destination": st.sampled_from(AXES)},
    ),
    "rollaxis": Spec(
        np.rollaxis,
        _weighted(lambda t: ag.rollaxis(t.reshape(1, -1), 1), lambda w: w),
        params={"axis": st.sampled_from(AXES), "start": st.sampled_from(INTS)},
    ),
    "repeat": Spec(
        np.repeat,
        _weighted(lambda t: ag.repeat(t, 2), lambda w: w[0::2] + w[1::2]),
        params={"repeats": st.sampled_from(REPEATS), "axis": st.sampled_from(AXES)},
        positional=("repeats",),
    ),
    "tile": Spec(
        np.tile,
        _weighted(
            lambda t: ag.tile(t.reshape(-1), 2), lambda w: w[: w.size // 2] + w[w.size // 2 :]
        ),
        params={"reps": st.sampled_from(REPS)},
        positional=("reps",),
    ),
    "flip": Spec(np.flip, _weighted(ag.flip, np.flip), params=_axis),
    "fliplr": Spec(np.fliplr, _weighted(lambda t: ag.fliplr(t.reshape(1, -1)), np.fliplr)),
    "flipud": Spec(np.flipud, _weighted(lambda t: ag.flipud(t.reshape(-1)), np.flipud)),
    "roll": Spec(
        np.roll,
        _weighted(lambda t: ag.roll(t, 1), lambda w: np.roll(w, -1)),
        params={"shift": st.sampled_from(INTS), "axis": st.sampled_from(AXES)},
        positional=("shift",),
    ),
    "rot90": Spec(
        np.rot90,
        _weighted(lambda t: ag.rot90(t.reshape(1, -1)), lambda w: np.rot90(w, -1)),
        params={"k": st.sampled_from(INTS), "axes": st.sampled_from(PLANES)},
    ),
    "pad": Spec(
        # "empty" leaves the padding undefined; the op documents it as zeros, "constant"'s.
        lambda a, pad_width, mode="constant", **kw: np.pad(
            a, pad_width, "constant" if mode == "empty" else mode, **kw
        ),
        _pad_valid,
        params={
            "pad_width": st.sampled_from(PAD_WIDTHS),
            "mode": st.sampled_from(PAD_MODES),
            "constant_values": st.sampled_from(
                [0, 1.5, -1, (1, 2), ((1, 2), (3, 4)), np.nan, None, "a"]
            ),
            "reflect_type": st.sampled_from(["even", "odd", "foo"]),
        },
        positional=("pad_width",),
        also_raises=(NotImplementedError,),  # documented: the statistic modes
    ),
    "diag": Spec(
        np.diag, _weighted(lambda t: ag.diag(t.reshape(-1)), lambda w: np.diag(w)), params=_k
    ),
    "diagonal": Spec(
        np.diagonal,
        lambda t: ((ag.diagonal(t.reshape(1, -1), t.size - 1) * 3).sum(), 3 * _last(t)),
        params=_diagonal_params,
    ),
    "trace": Spec(
        np.trace,
        lambda t: (ag.trace(t.reshape(-1, 1), -(t.size - 1)) * 3, 3 * _last(t)),
        params=_diagonal_params,
    ),
    "tril": Spec(np.tril, _tri_valid(ag.tril, np.tril), params=_k),
    "triu": Spec(np.triu, _tri_valid(ag.triu, np.triu), params=_k),
    "atleast_1d": Spec(np.atleast_1d, _weighted(ag.atleast_1d, lambda w: w), arity=None),
    "atleast_2d": Spec(np.atleast_2d, _weighted(ag.atleast_2d, lambda w: w), arity=None),
    "atleast_3d": Spec(np.atleast_3d, _weighted(ag.atleast_3d, lambda w: w), arity=None),
    "split": Spec(
        on_array(np.split),
        _split_valid(ag.split, lambda n: (n,)),
        params={**_sections, "axis": st.sampled_from(AXES)},
        positional=("indices_or_sections",),
    ),
    "array_split": Spec(
        on_array(np.array_split),
        _array_split_valid,
        params={**_sections, "axis": st.sampled_from(AXES)},
        positional=("indices_or_sections",),
    ),
    "hsplit": Spec(
        on_array(np.hsplit), _split_valid(ag.hsplit, lambda n: (1, n)), params=_sections
    ),
    "vsplit": Spec(
        on_array(np.vsplit), _split_valid(ag.vsplit, lambda n: (n, 1)), params=_sections
    ),
    "dsplit": Spec(
        on_array(np.dsplit), _split_valid(ag.dsplit, lambda n: (1, 1, n)), params=_sections
    ),
    "hstack": Spec(np.hstack, _joined(ag.hstack), arity=None, packed=True),
    "vstack": Spec(np.vstack, _joined(ag.vstack), arity=None, packed=True),
    "dstack": Spec(np.dstack, _joined(ag.dstack), arity=None, packed=True),
    "column_stack": Spec(np.column_stack, _joined(ag.column_stack), arity=None, packed=True),
    "append": Spec(
        np.append,
        lambda t: (ag.append(t, t * 2).sum(), np.full(t.shape, 3.0)),
        arity=2,
        params=_axis,
    ),
    "array": Spec(
        np.array,
        _joined(ag.array),
        arity=None,
        params={"dtype": st.sampled_from(DTYPES)},
        packed=True,
        # Documented: Python numbers take the Tensors' type (float32 stays float32), as
        # in arithmetic, where np.array would give float64.
        same_dtype=False,
    ),
    # ---------------------------------------------------------------- products
    "dot": _binary(np.dot, lambda t: (ag.dot(t.reshape(-1), t.reshape(-1)), 2 * _x(t))),
    "vdot": _binary(np.vdot, lambda t: (ag.vdot(t, t), 2 * _x(t))),
    "inner": _binary(np.inner, lambda t: (ag.inner(t.reshape(-1), t.reshape(-1)), 2 * _x(t))),
    "outer": _binary(np.outer, lambda t: (ag.outer(t, t).sum(), np.full(t.shape, 2 * _x(t).sum()))),
    "kron": _binary(
        np.kron, lambda t: (ag.kron(t, np.array([1.0, 2.0])).sum(), np.full(t.shape, 3.0))
    ),
    "tensordot": Spec(
        np.tensordot,
        lambda t: (ag.tensordot(t, t, axes=t.ndim), 2 * _x(t)),
        arity=2,
        params={"axes": st.sampled_from(CONTRACTIONS)},
    ),
    "einsum": Spec(
        _subscripts_first(np.einsum),
        lambda t: (ag.einsum("...,...->...", t, t).sum(), 2 * _x(t)),
        arity=2,
        params={
            "subscripts": st.sampled_from(SUBSCRIPTS),
            "optimize": st.sampled_from([False, True, "greedy", "optimal", "foo", None]),
        },
        op=_subscripts_first(ag.einsum),
    ),
    # ---------------------------------------------------------------- order
    "sort": Spec(
        np.sort,
        _sort_valid,
        params={
            "axis": st.sampled_from(AXES),
            "kind": st.sampled_from(["quicksort", "mergesort", "heapsort", "stable", "foo", None]),
            "order": st.sampled_from([None, "a", ["a"]]),
            "stable": st.sampled_from([True, False, None, "yes"]),
        },
    ),
    "partition": Spec(
        np.partition,
        _partition_valid,
        params={
            "kth": st.sampled_from(KTHS),
            "axis": st.sampled_from(AXES),
            "kind": st.sampled_from(["introselect", "foo", None]),
        },
        positional=("kth",),
    ),
    "take": Spec(
        np.take,
        lambda t: (ag.take(t, np.array([0, 0])).sum(), _first_twice(t)),
        params={
            "indices": st.sampled_from(TAKE_INDICES),
            "axis": st.sampled_from(AXES),
            "mode": st.sampled_from(["raise", "wrap", "clip", "foo", None]),
        },
        positional=("indices",),
    ),
    "take_along_axis": Spec(
        # NumPy reads indices.dtype too, and fails on a list with AttributeError.
        lambda arr, indices, **kw: np.take_along_axis(np.asarray(arr), np.asarray(indices), **kw),
        lambda t: (
            ag.take_along_axis(t.reshape(-1), np.array([0, 0]), axis=0).sum(),
            _first_twice(t),
        ),
        params={
            "indices": _integer_indices | st.sampled_from(TAKE_INDICES),
            "axis": st.sampled_from(AXES),
        },
        positional=("indices",),
    ),
    "index_add": Spec(
        _index_second(np_index_add),
        _index_add_valid,
        arity=2,
        params={"index": st.sampled_from(INDICES) | _integer_indices},
        op=_index_second(ag.index_add),
    ),
    # ---------------------------------------------------------------- linalg
    "linalg.inv": Spec(
        np.linalg.inv, _diagonal_matrix(lambda m: ag.linalg.inv(m).sum(), lambda x: -1 / x**2)
    ),
    "linalg.det": Spec(np.linalg.det, _diagonal_matrix(ag.linalg.det, lambda x: np.prod(x) / x)),
    "linalg.slogdet": Spec(
        np.linalg.slogdet,
        _diagonal_matrix(lambda m: ag.linalg.slogdet(m).logabsdet, lambda x: 1 / x),
    ),
    "linalg.solve": _binary(
        np.linalg.solve,
        _diagonal_matrix(
            lambda m: ag.linalg.solve(m, np.ones(m.shape[0])).sum(), lambda x: -1 / x**2
        ),
    ),
    "linalg.cholesky": Spec(
        np.linalg.cholesky,
        _diagonal_matrix(lambda m: ag.linalg.cholesky(m).sum(), lambda x: 0.5 / np.sqrt(x)),
        params={"upper": st.sampled_from([False, True, None, "yes", 1])},
    ),
    "linalg.eigh": Spec(
        np.linalg.eigh,
        _diagonal_matrix(lambda m: ag.linalg.eigh(m).eigenvalues.sum(), np.ones_like),
        params=_uplo,
    ),
    "linalg.eigvalsh": Spec(
        np.linalg.eigvalsh,
        _diagonal_matrix(lambda m: ag.linalg.eigvalsh(m).sum(), np.ones_like),
        params=_uplo,
    ),
    "linalg.qr": Spec(
        np.linalg.qr,
        _diagonal_matrix(lambda m: _product(ag.linalg.qr(m)).sum(), np.ones_like),
        params={"mode": st.sampled_from(["reduced", "complete", "r", "raw", "foo", None])},
        also_raises=(NotImplementedError,),  # documented: the gradient of a wide matrix
    ),
    "linalg.norm": Spec(
        np_norm,
        lambda t: (ag.linalg.norm(t), _x(t) / np.linalg.norm(_x(t))),
        params={
            "ord": st.sampled_from(NORM_ORDS),
            "axis": st.sampled_from(NORM_AXES),
            **_keepdims,
        },
    ),
    # ---------------------------------------------------------------- elementwise math
    "sin": Spec(np.sin, _elementwise(ag.sin, np.cos)),
    "cos": Spec(np.cos, _elementwise(ag.cos, lambda x: -np.sin(x))),
    "tan": Spec(np.tan, _elementwise(ag.tan, lambda x: 1 / np.cos(x) ** 2)),
    "arcsin": Spec(
        np.arcsin, _elementwise_at(ag.arcsin, lambda y: 1 / np.sqrt(1 - y**2), 0.25, 0.0)
    ),
    "arccos": Spec(
        np.arccos, _elementwise_at(ag.arccos, lambda y: -1 / np.sqrt(1 - y**2), 0.25, 0.0)
    ),
    "arctan": Spec(np.arctan, _elementwise(ag.arctan, lambda x: 1 / (1 + x**2))),
    "sinh": Spec(np.sinh, _elementwise(ag.sinh, np.cosh)),
    "cosh": Spec(np.cosh, _elementwise(ag.cosh, np.sinh)),
    "arcsinh": Spec(np.arcsinh, _elementwise(ag.arcsinh, lambda x: 1 / np.sqrt(x**2 + 1))),
    "arccosh": Spec(
        np.arccosh, _elementwise_at(ag.arccosh, lambda y: 1 / np.sqrt(y**2 - 1), 1.0, 1.0)
    ),
    "arctanh": Spec(np.arctanh, _elementwise_at(ag.arctanh, lambda y: 1 / (1 - y**2), 0.25, 0.0)),
    "exp2": Spec(np.exp2, _elementwise(ag.exp2, lambda x: np.exp2(x) * np.log(2))),
    "expm1": Spec(np.expm1, _elementwise(ag.expm1, np.exp)),
    "log2": Spec(np.log2, _elementwise(ag.log2, lambda x: 1 / (x * np.log(2)))),
    "log10": Spec(np.log10, _elementwise(ag.log10, lambda x: 1 / (x * np.log(10)))),
    "log1p": Spec(np.log1p, _elementwise(ag.log1p, lambda x: 1 / (1 + x))),
    "square": Spec(np.square, _elementwise(ag.square, lambda x: 2 * x)),
    "reciprocal": Spec(np.reciprocal, _elementwise(ag.reciprocal, lambda x: -1 / x**2)),
    "cbrt": Spec(np.cbrt, _elementwise(ag.cbrt, lambda x: 1 / (3 * np.cbrt(x) ** 2))),
    "fabs": Spec(np.fabs, _elementwise(ag.fabs, np.sign)),
    "deg2rad": Spec(np.deg2rad, _elementwise(ag.deg2rad, lambda x: np.pi / 180)),
    "rad2deg": Spec(np.rad2deg, _elementwise(ag.rad2deg, lambda x: 180 / np.pi)),
    "floor": Spec(np.floor, _elementwise(ag.floor, lambda x: 0.0)),
    "ceil": Spec(np.ceil, _elementwise(ag.ceil, lambda x: 0.0)),
    "trunc": Spec(np.trunc, _elementwise(ag.trunc, lambda x: 0.0)),
    "rint": Spec(np.rint, _elementwise(ag.rint, lambda x: 0.0)),
    "round": Spec(
        np.round,
        _elementwise(lambda t: ag.round(t, 1), lambda x: 0.0),
        params={"decimals": st.sampled_from(INTS)},
    ),
    "arctan2": _binary(
        np.arctan2, _elementwise(lambda t: ag.arctan2(t, 1.5), lambda x: 1.5 / (x**2 + 2.25))
    ),
    "hypot": _binary(
        np.hypot, _elementwise(lambda t: ag.hypot(t, 1.5), lambda x: x / np.hypot(x, 1.5))
    ),
    "logaddexp": _binary(
        np.logaddexp, _elementwise(lambda t: ag.logaddexp(t, 1.0), lambda x: np_sigmoid(x - 1))
    ),
    "logaddexp2": _binary(
        np.logaddexp2,
        _elementwise(lambda t: ag.logaddexp2(t, 1.0), lambda x: np_sigmoid((x - 1) * np.log(2))),
    ),
    "remainder": _binary(np.remainder, _elementwise(lambda t: ag.remainder(t, 3.0), lambda x: 1.0)),
    "fmod": _binary(np.fmod, _elementwise(lambda t: ag.fmod(t, -3.0), lambda x: 1.0)),
    "clip": Spec(
        # Documented: a bound left out is None, no bound, as in Tensor.clip; np.clip wants
        # both (None for none).
        lambda a, a_min=None, a_max=None, **kw: np.clip(a, a_min, a_max, **kw),
        _elementwise(lambda t: ag.clip(t, 1.0, 1.5), lambda x: (x >= 1) & (x <= 1.5)),
        arity=3,  # the bounds are inputs too, that broadcast and get gradients
    ),
    "nan_to_num": Spec(
        np.nan_to_num,
        _elementwise(ag.nan_to_num, lambda x: 1.0),
        params={
            "copy": st.sampled_from([True, False, None, 0]),
            "nan": st.sampled_from([0.0, 1.5, np.nan, None, "a", [1.0, 2.0], 1j]),
            "posinf": st.sampled_from([None, 1e300, np.inf, -1, "a"]),
            "neginf": st.sampled_from([None, -1e300, 0, "a"]),
        },
    ),
}


def _is_op(obj: Any) -> bool:
    """A primitive, or a function of an op module or of ``losses`` (composed of primitives)."""
    module = getattr(obj, "__module__", "") or ""
    return isinstance(obj, ag.Primitive) or (
        callable(obj)
        and not isinstance(obj, type)
        and (module.startswith("autograd_lite._ops_") or module == ag.losses.__name__)
    )


def public_ops() -> set[str]:
    """The ops and losses among ``ag.__all__``, and the functions of ``ag.linalg``.

    Those of the submodule are named ``linalg.inv``; its result types (``SlogdetResult``,
    ...) are classes, not ops.
    """
    found = {name for name in ag.__all__ if _is_op(getattr(ag, name))}
    for name in ag.linalg.__all__:
        obj = getattr(ag.linalg, name)
        if isinstance(obj, ag.Primitive) or (callable(obj) and not isinstance(obj, type)):
            found.add(f"linalg.{name}")
    return found


def public_op(name: str) -> Callable[..., Any]:
    """The op of a row: ``ag.sum``, or ``ag.linalg.inv`` for ``"linalg.inv"``."""
    obj: Any = ag
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj  # type: ignore[no-any-return]


def test_every_row_is_a_public_op() -> None:
    # That every public op has a row, here or in test_fuzz_nn, is checked there.
    assert set(SPECS) <= public_ops(), "a row of SPECS names no public op"


# --------------------------------------------------------------------------- known bugs
# --------------------------------------------------------------------------- checks
def check_error(where: str, exc: Exception, also: tuple[type[Exception], ...] = ()) -> None:
    assert isinstance(exc, DOCUMENTED + also), f"{where} raised {type(exc).__name__}: {exc}"
    assert str(exc).strip(), f"{where} raised {type(exc).__name__} with an empty message"


def _fp_event(message: str) -> str:
    """A floating-point warning without the name of the NumPy function that raised it.

    The same overflow reads "overflow encountered in square" from NumPy's ``a ** 2`` and
    "... in power" from ``ag.power``, which computes ``np.power``.
    """
    return message.split(" encountered in ")[0]


def check_forward_warnings(where: str, got: Outcome, ref: Outcome, cast: bool = False) -> None:
    allowed = (RuntimeWarning, np.exceptions.ComplexWarning) if cast else (RuntimeWarning,)
    expected = {(category, _fp_event(message)) for category, message in ref.warned}
    for category, message in got.warned:
        assert category in allowed and (category, _fp_event(message)) in expected, (
            f"{where} warned {category.__name__}: {message!r}; NumPy on the same arrays warned "
            f"{ref.warned}"
        )


def parts(value: Any) -> list[Any]:
    """The Tensors of a result: the list of ``split``, the tuple of ``slogdet``, or itself."""
    return list(value) if isinstance(value, (list, tuple)) else [value]


def check_results(where: str, spec: Spec, result: Any, ref: Outcome) -> None:
    """``check_result``, part by part where NumPy returns a list or tuple of arrays."""
    if not isinstance(ref.value, (list, tuple)) or ref.error is not None:
        check_result(where, spec, result, ref)
        return
    assert isinstance(result, (list, tuple)), f"{where} returned {type(result).__name__}"
    assert len(result) == len(ref.value), (
        f"{where} returned {len(result)} parts, NumPy {len(ref.value)}"
    )
    for i, (part, expected) in enumerate(zip(result, ref.value)):
        check_result(f"{where}[{i}]", spec, part, Outcome(expected))


def check_result(where: str, spec: Spec, result: Any, ref: Outcome) -> None:
    assert ref.error is None, (
        f"{where} accepted input that NumPy rejects ({type(ref.error).__name__}: {ref.error})"
    )
    assert isinstance(result, ag.Tensor), f"{where} returned {type(result).__name__}"
    assert result.dtype.kind in TENSOR_KINDS, f"{where} returned a Tensor of dtype {result.dtype}"
    expected = np.asarray(ref.value)
    assert result.shape == expected.shape, f"{where}: shape {result.shape}, NumPy {expected.shape}"
    if spec.same_dtype:
        assert result.dtype == expected.dtype, (
            f"{where}: dtype {result.dtype}, NumPy {expected.dtype}"
        )
    if result.dtype.kind in "fc" or expected.dtype.kind in "fc":
        single = np.float32 in (result.dtype, expected.dtype)
        rtol = 1e-5 if single else 1e-10
        if np.float16 in (result.dtype, expected.dtype):
            # Half precision (np.exp of bool and uint8 input): a result computed in several
            # steps may differ from NumPy's one-step loop in the last place (9.8e-4).
            rtol = 2e-3
        # Subnormal results (sigmoid(-89) in float32) may be exact where NumPy's naive
        # formula underflows to 0: below the smallest normal number, compare absolutely.
        info = np.finfo(np.float32 if single else np.float64)
        atol = float(info.tiny)
        got = result.data
        if got.dtype.kind == "f" and expected.dtype.kind == "f" and got.shape == expected.shape:
            # A sum summed in another order may round to inf where NumPy's stops at the
            # largest float, or the reverse: the same value to within rtol.
            edge = np.isinf(got) != np.isinf(expected)
            big = np.maximum(np.abs(got), np.abs(expected)) >= info.max * (1 - rtol)
            both = edge & big & (np.sign(got) == np.sign(expected))
            if both.any():
                got, expected = got.copy(), expected.copy()
                got[both] = expected[both] = 0.0
        with np.errstate(invalid="ignore", over="ignore"):
            np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(result.data, expected)


def check_call(
    where: str, name: str, spec: Spec, got: Outcome, ref: Outcome, inputs: list[Any]
) -> None:
    """The rule for one call: its warnings, then a documented error or a correct result."""
    # ag.array(x, dtype) casts as astype does, at the caller's request.
    check_forward_warnings(where, got, ref, cast=name in ("astype", "array"))
    if got.error is not None:
        check_error(where, got.error, spec.also_raises)
    else:
        check_results(where, spec, got.value, ref)
        if any(part.requires_grad for part in parts(got.value)):
            check_backward(where, got.value, inputs, spec.also_raises)


def check_backward(
    where: str, result: Any, args: list[Any], also: tuple[type[Exception], ...] = ()
) -> None:
    """An accepted call that requires grad must differentiate into well-formed ``.grad``s.

    A list or tuple of results (``split``) is differentiated through the sum of its parts.
    """
    leaves = [a for a in args if isinstance(a, ag.Tensor) and a.requires_grad]
    if isinstance(result, (list, tuple)):
        tracked = [part.sum() for part in result if part.requires_grad]
        result = tracked[0]
        for total in tracked[1:]:
            result = result + total
    seed = np.ones(result.shape)
    done = run(lambda: result.backward(seed))
    for category, message in done.warned:
        assert category is RuntimeWarning and message.startswith(FP_WARNINGS), (
            f"backward of {where} warned {category.__name__}: {message!r}"
        )
    if done.error is not None:
        check_error(f"backward of {where}", done.error, also)
        return
    for leaf in leaves:
        if leaf.grad is not None:
            assert leaf.grad.shape == leaf.shape and leaf.grad.dtype == leaf.dtype, (
                f"backward of {where}: .grad {leaf.grad.shape} {leaf.grad.dtype} for a leaf "
                f"{leaf.shape} {leaf.dtype}"
            )


def check_recovery(name: str, spec: Spec, args: list[Any], failed: bool) -> None:
    """The input Tensors still work: a valid call of the same op gives the analytic gradient."""
    assert ag.is_grad_enabled(), f"{name} left graph recording switched off"
    for t in {id(a): a for a in args if isinstance(a, ag.Tensor) and a.requires_grad}.values():
        if failed:
            assert t.grad is None, f"a failed call of {name} wrote a .grad"
        t.grad = None
        loss, expected = spec.valid(t)
        loss.backward()
        # float32 loses ~1e-7 of the largest term to cancellation (softmax's w - sum(w s)).
        tol = 1e-5 if t.dtype == np.float32 else 1e-12
        atol = tol * np.abs(expected).max(initial=1.0)
        np.testing.assert_allclose(t.grad, expected, rtol=100 * tol, atol=atol)
        assert t.grad.shape == t.shape and t.grad.dtype == t.dtype


def call_and_check(name: str, args: list[Any], kwargs: dict[str, Any]) -> None:
    spec = SPECS[name]
    op = spec.op or public_op(name)
    originals = [np.copy(a) for a in map(plain, args) if isinstance(a, np.ndarray)]
    inputs: list[Any] = [args] if spec.packed else args
    got = run(lambda: op(*inputs, **kwargs))
    positional = [kwargs.pop(k) for k in spec.positional if k in kwargs]
    # On copies: NumPy takes a surplus positional argument as ``out`` and would write to it.
    copies = [np.copy(a) if isinstance(a, np.ndarray) else a for a in map(plain, args)]
    ref_inputs: list[Any] = [copies] if spec.packed else copies
    try:
        ref = run(lambda: spec.reference(*ref_inputs, *positional, **kwargs))
    except Hang:
        # NumPy itself cannot answer in time (np.tile(1j, 265503608) writes 4 GB, where
        # the op, which did return in time, gives a view): nothing to compare with.
        reject()
    if isinstance(ref.error, MemoryError):
        reject()
    where = f"{name}({', '.join(map(_short, args))}; {positional or ''} {kwargs or ''})"
    check_call(where, name, spec, got, ref, args)
    after = [a for a in map(plain, args) if isinstance(a, np.ndarray)]
    for before, now in zip(originals, after):
        np.testing.assert_array_equal(now, before, err_msg=f"{where} changed an input")
    check_recovery(name, spec, args, got.error is not None)


def _short(a: Any) -> str:
    if isinstance(a, ag.Tensor):
        return f"Tensor{a.shape}{a.dtype}{'+grad' if a.requires_grad else ''}"
    if isinstance(a, np.ndarray):
        return f"array{a.shape}{a.dtype}"
    return repr(a)[:20]


# --------------------------------------------------------------------------- the fuzzers
# Hypothesis' own bookkeeping costs more than a call, so each example makes CALLS calls:
# 40 x 5 = 200 malformed calls per op, plus the Tensor method and operator fuzzers.  An op
# that is one elementwise NumPy ufunc (sin, add, ...) gets half as many: all of them share
# one call path, and NumPy's own type resolution, and differ only in their VJPs.
EXAMPLES = 100
OP_EXAMPLES = 40
CALLS = 5


@st.composite
def op_call(draw: st.DrawFn, name: str) -> tuple[list[Any], dict[str, Any]]:
    spec = SPECS[name]
    n = draw(st.integers(0, 4)) if spec.arity is None else spec.arity
    # Mostly the right number of inputs; sometimes one too few or too many.
    n = draw(st.sampled_from([n] * 6 + [max(n - 1, 0), n + 1]))
    args = [draw(junk) for _ in range(n)]
    if name == "cross_entropy" and len(args) == 2:
        if draw(st.booleans()):
            args[0] = draw(tracked([(1,), (3,), (2, 3), (1, 3, 2)]))
        args[1] = draw(class_targets(args[0]))
    kwargs = {}
    for key, values in spec.params.items():
        if draw(st.integers(0, 3)):  # usually pass it, sometimes rely on the default
            kwargs[key] = draw(values)
    return args, kwargs


def _is_ufunc(name: str) -> bool:
    op = public_op(name)
    return isinstance(op, ag.Primitive) and isinstance(op.fun, np.ufunc) and not op.fun.signature


UFUNC_ROWS = sorted(name for name in SPECS if _is_ufunc(name))


def malformed_calls(name: str, data: st.DataObject) -> None:
    for _ in range(CALLS):
        args, kwargs = data.draw(op_call(name), label="call")
        call_and_check(name, args, kwargs)


@pytest.mark.parametrize("name", sorted(set(SPECS) - set(UFUNC_ROWS)))
@settings(max_examples=OP_EXAMPLES)
@given(data=st.data())
def test_malformed_call(name: str, data: st.DataObject) -> None:
    malformed_calls(name, data)


@pytest.mark.parametrize("name", UFUNC_ROWS)
@settings(max_examples=OP_EXAMPLES // 2)
@given(data=st.data())
def test_malformed_ufunc_call(name: str, data: st.DataObject) -> None:
    malformed_calls(name, data)


# Tensor operators and methods: the receiver is a Tensor, the other operand anything.
BINARY_OPERATORS = {
    "__add__": operator.add, "__radd__": lambda a, b: b + a,
    "__sub__": operator.sub, "__rsub__": lambda a, b: b - a,
    "__mul__": operator.mul, "__rmul__": lambda a, b: b * a,
    "__truediv__": operator.truediv, "__rtruediv__": lambda a, b: b / a,
    "__pow__": operator.pow, "__rpow__": lambda a, b: b**a,
    "__mod__": operator.mod, "__rmod__": lambda a, b: b % a,
    "__matmul__": operator.matmul, "__rmatmul__": lambda a, b: b @ a,
    "__lt__": operator.lt, "__le__": operator.le, "__gt__": operator.gt,
    "__ge__": operator.ge, "__eq__": operator.eq, "__ne__": operator.ne,
    "__getitem__": operator.getitem,
}  # fmt: skip
UNARY_OPERATORS = {
    "__neg__": operator.neg, "__pos__": operator.pos, "__abs__": operator.abs,
    "__bool__": bool, "__float__": float, "__int__": int, "__len__": len,
}  # fmt: skip
# Methods that mirror an op: the op's reference and recovery apply.
METHOD_OPS = {
    "sum": "sum", "mean": "mean", "max": "max", "min": "min", "reshape": "reshape",
    "transpose": "transpose", "swapaxes": "swapaxes", "astype": "astype", "exp": "exp",
    "log": "log", "sqrt": "sqrt", "abs": "absolute", "sigmoid": "sigmoid", "tanh": "tanh",
    "relu": "relu", "softmax": "softmax", "log_softmax": "log_softmax", "pow": "power",
    "matmul": "matmul", "prod": "prod", "var": "var", "std": "std", "cumsum": "cumsum",
    "cumprod": "cumprod", "dot": "dot", "take": "take", "ravel": "ravel", "repeat": "repeat",
    "diagonal": "diagonal", "trace": "trace", "clip": "clip", "round": "round",
}  # fmt: skip
# Methods whose positional parameters are not NumPy's (``np.sum``'s second is ``dtype``):
# their names, so that NumPy gets them as keywords.
METHOD_KEYWORDS = {
    "sum": ("axis", "keepdims"), "mean": ("axis", "keepdims"), "max": ("axis", "keepdims"),
    "min": ("axis", "keepdims"), "prod": ("axis", "keepdims"), "var": ("axis",),
    "std": ("axis",),
}  # fmt: skip
# Methods whose parameter is a second operand, converted as NumPy converts it.
METHOD_OPERANDS = {"pow", "matmul", "dot", "clip"}
# Methods with no op of their own, and what NumPy gives for the same call.
HELPER_METHODS: dict[str, Callable[..., Any]] = {
    "flatten": lambda a, *p: np.reshape(a, -1, *p),
    "squeeze": np.squeeze,
    "unsqueeze": np.expand_dims,
    "clone": lambda a, *p: np.array(a, *p, copy=True),
    "argmax": np.argmax,
    "argmin": np.argmin,
}
# Tested by hand in test_tensor.py.
OTHER_METHODS = {"backward", "retain_grad", "detach", "numpy", "item", "tolist", "requires_grad_"}


def test_every_public_tensor_method_is_fuzzed() -> None:
    public = {
        name
        for name, value in vars(ag.Tensor).items()
        if callable(value) and (not name.startswith("_") or name in BINARY_OPERATORS)
    }
    public |= {name for name in UNARY_OPERATORS if name in vars(ag.Tensor)}
    covered = set(BINARY_OPERATORS) | set(UNARY_OPERATORS) | set(METHOD_OPS) | OTHER_METHODS
    covered |= set(HELPER_METHODS)
    assert public <= covered | {"__setitem__"}, public - covered


receivers = st.one_of(tracked(), untracked(plain_arrays()))


def _reference_operator(fn: Callable[..., Any]) -> Callable[..., Any]:
    def reference(a: Any, b: Any = None, *, unary: bool = False) -> Any:
        return fn(a) if unary else fn(a, b)

    return reference


@settings(max_examples=3 * EXAMPLES)
@given(
    name=st.sampled_from(sorted(BINARY_OPERATORS)),
    receiver=receivers,
    other=st.one_of(junk, st.sampled_from(INDICES)),
)
# NumPy's ``a ** 2`` computes ``square``, ``ag.power`` ``power`` (found by a random draw).
@example(name="__pow__", receiver=ag.Tensor([1e200, 1.0, 2.0]), other=2)
def test_tensor_binary_operator(name: str, receiver: ag.Tensor, other: Any) -> None:
    # ``"abc" % t`` is Python's string formatting (t, with __getitem__, is a mapping to it):
    # the Tensor is never asked.
    assume(not (name == "__rmod__" and isinstance(other, str)))
    fn = BINARY_OPERATORS[name]
    originals = np.copy(receiver.data)
    got = run(lambda: fn(receiver, other))
    ref = run(lambda: fn(receiver.data, _operand(other)) if name != "__getitem__"
              else receiver.data[_index(other)])  # fmt: skip
    where = f"Tensor.{name}({_short(receiver)}, {_short(other)})"
    check_forward_warnings(where, got, ref)
    if got.error is not None:
        check_error(where, got.error)
    else:
        spec = Spec(lambda *a: None, lambda t: (t.sum(), np.ones(t.shape)), same_dtype=False)
        check_result(where, spec, got.value, ref)
        if got.value.requires_grad:
            check_backward(where, got.value, [receiver, other])
    np.testing.assert_array_equal(receiver.data, originals)
    _recover_generic(receiver, got.error is not None)


def _operand(other: Any) -> Any:
    """``other`` as NumPy sees it: Python scalars stay weakly typed, as in the op."""
    if isinstance(other, (bool, int, float, complex)):
        return other
    return np.asarray(plain(other))


def _index(other: Any) -> Any:
    raw = plain(other)
    return np.asarray(raw) if isinstance(raw, list) else raw


def _recover_generic(t: ag.Tensor, failed: bool) -> None:
    assert ag.is_grad_enabled()
    if not t.requires_grad:
        return
    if failed:
        assert t.grad is None
    t.grad = None
    (t * t).sum().backward()
    np.testing.assert_allclose(t.grad, 2 * t.data, rtol=1e-6)


@settings(max_examples=EXAMPLES)
@given(name=st.sampled_from(sorted(UNARY_OPERATORS)), receiver=receivers)
def test_tensor_unary_operator(name: str, receiver: ag.Tensor) -> None:
    fn = UNARY_OPERATORS[name]
    got = run(lambda: fn(receiver))
    # ``+t`` is ``t`` itself for every dtype (NumPy refuses ``+`` on bools; nothing is lost).
    ref = run(lambda: receiver.data if name == "__pos__" else fn(receiver.data))
    where = f"Tensor.{name}({_short(receiver)})"
    check_forward_warnings(where, got, ref)
    if got.error is not None:
        check_error(where, got.error)
    elif isinstance(got.value, ag.Tensor):
        spec = Spec(lambda *a: None, lambda t: (t.sum(), np.ones(t.shape)))
        check_result(where, spec, got.value, ref)
    else:
        assert ref.error is None and got.value == ref.value
    _recover_generic(receiver, got.error is not None)


@settings(max_examples=2 * EXAMPLES)
@given(
    name=st.sampled_from(sorted(METHOD_OPS)),
    receiver=receivers,
    params=st.lists(st.one_of(st.sampled_from(AXES + SHAPE_ARGS + DTYPES), junk), max_size=3),
)
# A ragged list that NumPy cannot make an array of (found by a random draw).
@example(name="matmul", receiver=ag.Tensor([]), params=[[[1.0], [2.0, 3.0]]])
# An empty sequence of axes is not "no axes" (found by a random draw).
@example(name="transpose", receiver=ag.Tensor([1.0], requires_grad=True), params=[np.array([])])
def test_tensor_method(name: str, receiver: ag.Tensor, params: list[Any]) -> None:
    """``t.method(*params)`` behaves as the op it mirrors, given the same arguments."""
    op_name = METHOD_OPS[name]
    spec = SPECS[op_name]
    got = run(lambda: getattr(receiver, name)(*params))
    if name in ("reshape", "transpose") and len(params) > 1:
        ref_params: list[Any] = [tuple(params)]
    else:
        ref_params = list(params)
    if not ref_params and name in ("transpose", "reshape"):
        ref_params = [None if name == "transpose" else ()]
    keywords = METHOD_KEYWORDS.get(name, ())
    ref_kwargs = dict(zip(keywords, ref_params))
    if keywords:  # more than the method takes: all positional, which the method refuses
        ref_params = ref_params if len(ref_params) > len(keywords) else []
    # The operand of pow, matmul, dot, clip as NumPy sees it, converted inside ``run``: NumPy
    # may refuse the conversion itself (a ragged list).
    operand = _operand if name in METHOD_OPERANDS else (lambda p: p)
    ref = run(lambda: spec.reference(receiver.data, *map(operand, ref_params), **ref_kwargs))
    where = f"Tensor.{name}({_short(receiver)}, {params!r:.60})"
    check_call(where, name, spec, got, ref, [receiver])
    if receiver.requires_grad:
        check_recovery(op_name, spec, [receiver], got.error is not None)


@settings(max_examples=2 * EXAMPLES)
@given(
    name=st.sampled_from(sorted(HELPER_METHODS)),
    receiver=receivers,
    params=st.lists(st.one_of(st.sampled_from(AXES), junk), max_size=2),
)
def test_tensor_helper_method(name: str, receiver: ag.Tensor, params: list[Any]) -> None:
    """``t.method(*params)`` gives what NumPy gives, or a documented error."""
    got = run(lambda: getattr(receiver, name)(*params))
    ref = run(lambda: HELPER_METHODS[name](receiver.data, *params))
    where = f"Tensor.{name}({_short(receiver)}, {params!r:.60})"
    check_forward_warnings(where, got, ref)
    if got.error is not None:
        check_error(where, got.error)
    else:
        spec = Spec(lambda *a: None, lambda t: (t.sum(), np.ones(t.shape)))
        check_result(where, spec, got.value, ref)
        if got.value.requires_grad:
            check_backward(where, got.value, [receiver])
    _recover_generic(receiver, got.error is not None)


@settings(max_examples=EXAMPLES)
@given(receiver=receivers, grad=junk)
def test_backward_with_a_bad_seed(receiver: ag.Tensor, grad: Any) -> None:
    doubled = run(lambda: receiver * 2).value
    y = receiver if doubled is None else doubled
    got = run(lambda: y.backward(grad))
    for category, message in got.warned:
        assert category is RuntimeWarning and message.startswith(FP_WARNINGS), message
    if got.error is not None:
        if not y.requires_grad:  # documented: backward on a Tensor outside any graph
            assert isinstance(got.error, RuntimeError) and str(got.error)
        else:
            check_error("backward", got.error)
    _recover_generic(receiver, got.error is not None)


# --------------------------------------------------------------------------- exact cases
def test_cross_entropy_class_index_errors() -> None:
    z = ag.Tensor(np.zeros((2, 3)), requires_grad=True)
    with pytest.raises(IndexError, match="cross_entropy"):
        ag.cross_entropy(z, np.array([0, 3]))
    with pytest.raises(IndexError, match="cross_entropy"):
        ag.cross_entropy(z, np.array([-1, 0]))
    with pytest.raises(ValueError, match="cross_entropy"):
        ag.cross_entropy(z, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="reduction"):
        ag.cross_entropy(z, np.array([0, 1]), reduction="avg")
    loss = ag.cross_entropy(z, np.array([0, 2]), reduction="sum")
    loss.backward()
    np.testing.assert_allclose(z.grad, np.full((2, 3), 1 / 3) - np.eye(3)[[0, 2]])


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.uint8, np.uint64, ">i4", "<u2"])
def test_cross_entropy_checks_class_indices_of_every_integer_dtype(dtype: Any) -> None:
    z = ag.Tensor(np.log([[1.0, 2.0, 5.0], [4.0, 2.0, 2.0]]), requires_grad=True)
    bad = [[0, 3], [3, 0]] + ([[-1, 0], [0, -128]] if np.dtype(dtype).kind == "i" else [])
    for classes in bad:
        with pytest.raises(IndexError, match="cross_entropy: class indices must lie in"):
            ag.cross_entropy(z, np.array(classes).astype(dtype))
    loss = ag.cross_entropy(z, np.array([2, 0]).astype(dtype), reduction="sum")
    np.testing.assert_allclose(loss.item(), -np.log(5 / 8) - np.log(4 / 8))


def test_log_of_a_negative_is_nan_with_numpys_warning() -> None:
    with pytest.warns(RuntimeWarning, match="invalid value"):
        out = ag.log(ag.Tensor([-1.0, 1.0]))
    assert np.isnan(out.data[0]) and out.data[1] == 0


def test_harness_catches_undocumented_errors_and_hangs() -> None:
    """The checks themselves fail when an op misbehaves."""
    with pytest.raises(AssertionError):
        check_error("op", KeyError("k"))
    with pytest.raises(AssertionError):
        check_error("op", ValueError(""))
    with pytest.raises(Hang):
        with no_hang(0.05):
            while True:
                pass


# Bugs this file found, now fixed; each stays as an exact regression test.
def test_sum_to_a_scalar_refuses_an_object_array_like_any_op() -> None:
    # NumPy's reduction of an object array to shape () is the bare Python object, which
    # became a float64 result; it is an object result, refused as for every op (found by
    # a random draw).
    with pytest.raises(TypeError, match="sum_to: gives a result of unsupported dtype object"):
        ag.sum_to(np.array([1.0], dtype=object), ())


def test_sum_to_follows_numpys_sum_for_small_integers() -> None:
    # np.sum adds uint8 in uint64 (found by a random draw).
    for values in ([], [200, 100]):
        a = np.array(values, dtype=np.uint8)
        got = ag.sum_to(a, ())
        assert got.dtype == np.sum(a).dtype and got.item() == np.sum(a)


def test_sum_to_rejects_a_shape_it_cannot_reach() -> None:
    with pytest.raises(ValueError, match="sum_to"):
        ag.sum_to(ag.Tensor([1.0, 2.0]), (3,))


@pytest.mark.parametrize(
    "call",
    [
        lambda: ag.astype([1.0, 2.0], np.float32),
        lambda: ag.astype(None, np.float32),
        lambda: ag.sum_to([1.0, 2.0], (1,)),
    ],
)
def test_non_array_input_gives_a_documented_error(call: Callable[[], Any]) -> None:
    try:
        out = call()
    except DOCUMENTED:
        return
    assert isinstance(out, ag.Tensor)


@pytest.mark.parametrize(
    "call",
    [
        lambda: ag.add("a", "b"),
        lambda: ag.sum({}),
        lambda: ag.astype(ag.Tensor([1.0], requires_grad=True), "U3"),
        lambda: ag.astype(ag.Tensor([1.0]), object),
    ],
)
def test_ops_return_only_tensor_dtypes(call: Callable[[], Any]) -> None:
    with pytest.raises(TypeError, match="dtype"):
        call()


def test_complex_results_of_graph_inputs_are_refused() -> None:
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="complex"):
        ag.add(x, np.array([1j, 2j]))
    assert ag.add(x.detach(), np.array([1j, 2j])).dtype.kind == "c"  # fine without a graph


def test_extra_positional_argument_is_not_numpys_out() -> None:
    a = ag.Tensor([1.0, -2.0], requires_grad=True)
    b = ag.Tensor([5.0, 5.0], requires_grad=True)
    with pytest.raises(TypeError, match="absolute"):
        ag.absolute(a, b)
    np.testing.assert_array_equal(b.data, [5.0, 5.0])


def test_sigmoid_of_unsigned_input_is_computed_in_floating_point() -> None:
    x = np.array([1, 3], dtype=np.uint8)
    np.testing.assert_allclose(ag.sigmoid(x).data, 1 / (1 + np.exp(-x.astype(float))), rtol=1e-3)
    with pytest.raises(TypeError, match="sigmoid"):
        ag.sigmoid(np.array([1 + 1j]))


@pytest.mark.parametrize(
    "call",
    [
        lambda: ag.power(np.array([2], dtype=np.uint8), -1),  # OverflowError inside NumPy
        lambda: ag.divide(np.array([1.0], dtype=object), 0.0),  # ZeroDivisionError
    ],
    ids=["overflow", "zero-division"],
)
def test_arithmetic_errors_are_converted(call: Callable[[], Any]) -> None:
    with pytest.raises(DOCUMENTED):
        call()


def test_losses_refuse_integer_inputs_instead_of_truncating_targets() -> None:
    with pytest.raises(TypeError, match="floating-point"):
        ag.binary_cross_entropy_with_logits(np.array([1]), np.array([0.5]))


# Found by the fuzzers' random draws (HYPOTHESIS_PROFILE=dev), kept as fixed cases.
def test_operands_given_as_lists_differentiate() -> None:
    t = ag.Tensor([1.0], requires_grad=True)
    ag.concatenate([1.0, 2.0], t).sum().backward()  # the VJP read .shape of the list
    np.testing.assert_array_equal(t.grad, [1.0])
    w = ag.Tensor(np.ones((1, 3, 2)), requires_grad=True)
    (w @ [1.0, 2.0]).sum().backward()  # the VJP read .ndim of the list
    np.testing.assert_array_equal(w.grad, np.tile([1.0, 2.0], (1, 3, 1)))


def test_int_of_an_infinite_tensor_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="int"):
        int(ag.Tensor(np.inf))


def test_a_0d_tensor_is_not_iterable_so_it_is_no_empty_axes_list() -> None:
    with pytest.raises(TypeError, match="0-d"):
        list(ag.Tensor(1.0))
    with pytest.raises(TypeError):  # was: iterated as (), so transpose reversed the axes
        ag.Tensor([1.0], requires_grad=True).transpose(ag.Tensor(1.0))
    assert [r.tolist() for r in (x.data for x in ag.Tensor([[1.0, 2.0], [3.0, 4.0]]))] == [
        [1.0, 2.0],
        [3.0, 4.0],
    ]


# Found by the fuzzers when the reduction, shape, product, order, linalg and math families
# were added (CI and dev profiles), fixed in the ops, kept as exact cases.
@contextmanager
def no_warnings() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_average_of_weights_summing_to_zero_is_a_value_error() -> None:
    # Was NumPy's bare ZeroDivisionError; now also a ValueError, the documented type.
    with pytest.raises(ValueError, match="Weights sum to zero"):
        ag.average(np.array([]), weights=np.array([]))
    with pytest.raises(ZeroDivisionError):
        ag.average(np.ones(2), weights=np.array([1.0, -1.0]))


def test_cumprod_of_a_0d_input_along_an_axis_differentiates() -> None:
    # NumPy scans a 0-d input as 1-d; the VJP took ``axis % 0`` (ZeroDivisionError).
    x = ag.Tensor(2.0, requires_grad=True)
    ag.cumprod(x, axis=0).backward(np.ones(1))
    assert x.grad is not None and x.grad.shape == () and x.grad == 1.0


def test_dot_and_inner_with_a_python_number_follow_numpys_type() -> None:
    # np.dot(1.5, float32) is float64: NumPy's products make the number an array.
    x = np.ones(2, dtype=np.float32)
    assert ag.dot(1.5, x).dtype == np.dot(1.5, x).dtype == np.float64
    t = ag.Tensor(np.float32(1.0), requires_grad=True)
    assert ag.inner(t, 1.5).dtype == np.inner(np.float32(1.0), 1.5).dtype


def test_tensordot_refuses_a_number_of_axes_that_is_no_integer() -> None:
    # int() took 0.5 (or a 0-d Tensor of it) as 0 axes.
    for axes in (0.5, ag.Tensor(0.5), 1.0):
        with pytest.raises(TypeError):
            ag.tensordot(ag.Tensor(1.0), ag.Tensor(1.0), axes)
    assert ag.tensordot(np.ones(2), np.ones(2), np.int64(1)).item() == 2.0


def test_index_add_refuses_complex_values_into_a_real_input() -> None:
    # np.add.at dropped the imaginary part with a ComplexWarning.
    x = ag.Tensor([1.0], requires_grad=True)
    with no_warnings(), pytest.raises(TypeError, match="complex"):
        ag.index_add(x, 0, 1j)
    assert ag.index_add(np.array([1j]), 0, 1j).item() == 2j


def test_sort_checks_kind_and_stable_as_numpy_does() -> None:
    with pytest.raises(ValueError, match="sort kind"):
        ag.sort(ag.Tensor([1.0]), kind="foo")
    with pytest.raises(ValueError):
        ag.sort(ag.Tensor([1.0]), kind="stable", stable=True)
    np.testing.assert_array_equal(ag.sort(ag.Tensor([2.0, 1.0]), kind="heapsort").data, [1, 2])


@pytest.mark.parametrize("split", [ag.split, ag.hsplit, ag.vsplit])
def test_split_into_zero_sections_is_a_value_error(split: Callable[..., Any]) -> None:
    # ``n % 0`` raised ZeroDivisionError, as in NumPy's own split.
    with pytest.raises(ValueError, match="larger than 0"):
        split(np.zeros((2, 0)), 0)


def test_norm_of_complex_input_is_the_norm_of_its_absolute_value() -> None:
    # Was sqrt(sum(x * x)), complex and wrong (x * x is not |x| ** 2), warning at inf.
    z = np.array([[1 + 1j, 2.0], [3.0, 4j]])
    cases: list[tuple[Any, Any]] = [(None, None), (1, None), ("fro", None), (3, 0), (np.inf, 1)]
    for ord, axis in cases:
        got = ag.linalg.norm(z, ord, axis)
        np.testing.assert_allclose(got.data, np.linalg.norm(z, ord, axis), rtol=1e-14)
        assert got.dtype == np.float64
    with no_warnings():
        assert ag.linalg.norm(np.complex128(np.inf + 1j * np.inf)).item() == np.inf
    with pytest.raises(TypeError, match="complex matrix"):
        ag.linalg.norm(z, 2)


def test_norm_of_a_complex_order_is_refused() -> None:
    with pytest.raises(TypeError, match="complex order"):
        ag.linalg.norm(np.array([1.0, 2.0]), 1j)
    assert ag.linalg.norm(np.array([3.0, 4.0]), 2 + 0j).item() == 5.0  # NumPy's 2-norm


def test_norm_with_a_negative_order_of_an_empty_lane_is_inf() -> None:
    # 0 ** (1 / p) is inf for p < 0, as NumPy gives; it was taken as 0.
    got = ag.linalg.norm(np.zeros((2, 0)), -1, 1)
    np.testing.assert_array_equal(got.data, [np.inf, np.inf])


def test_logsumexp_of_unsigned_integers_does_not_wrap_around() -> None:
    # x - max(x) wrapped in uint8 (1 - 3 = 254), so exp overflowed to inf.
    x = np.array([1, 3], dtype=np.uint8)
    with no_warnings():
        got = ag.logsumexp(x)
    assert got.dtype == np.float16  # np.exp's type for uint8
    np.testing.assert_allclose(got.data, np.log(np.exp(1.0) + np.exp(3.0)), rtol=1e-3)


def test_logsumexp_refuses_what_numpys_reductions_refuse() -> None:
    with pytest.raises(TypeError):
        ag.logsumexp(ag.Tensor(1.0, requires_grad=True), keepdims="yes")
    with pytest.raises(TypeError, match="complex"):  # no complex loop in np.logaddexp
        ag.logsumexp(np.array([1j]))


def test_logsumexp_of_a_lane_with_inf_is_inf_without_a_warning() -> None:
    with no_warnings():
        assert ag.logsumexp(np.array([np.inf, 710.0, 710.0])).item() == np.inf


def test_array_refuses_a_ragged_list_before_casting_its_elements() -> None:
    # Each element was cast (warning ComplexWarning, "invalid value in cast") before the
    # stack refused the list, where NumPy refuses it silently.
    with no_warnings(), pytest.raises(ValueError, match="equal shapes"):
        ag.array([np.array([], dtype=complex), ag.Tensor(1.0)], dtype=np.float32)
    with no_warnings(), pytest.raises(ValueError):
        ag.array([np.array([[np.nan]]), ag.Tensor([1.0, 2.0])], dtype=np.int64)


def test_rot90_leaves_the_callers_k_alone() -> None:
    k: Any = np.array(-1.0)
    out = ag.rot90(ag.Tensor(np.arange(6.0).reshape(2, 3)), k)  # ``k %= 4`` wrote 3 into k
    assert k == -1.0
    np.testing.assert_array_equal(out.data, np.rot90(np.arange(6.0).reshape(2, 3), -1))


def test_vdot_conjugates_a_complex_first_operand() -> None:
    a, b = np.array([1 + 2j, 3j]), np.array([1j, 2.0])
    assert ag.vdot(a, b).item() == np.vdot(a, b) == 2 - 5j
    assert ag.vdot(1 + 1j, np.array(1)).item() == 1 - 1j
    big = np.full(3, 1e200 + 1e200j)  # NumPy's complex kernel at overflow: nan + nanj
    np.testing.assert_array_equal(ag.vdot(big, big).data, np.vdot(big, big))


def test_products_do_not_warn_where_numpys_do_not() -> None:
    # Through matmul's BLAS, sums of infinities warned "invalid value" and large products
    # "overflow"; np.dot of N-d operands and np.vdot use plain loops.
    t = ag.Tensor(np.ones((1, 3, 2)), requires_grad=True)
    with no_warnings():
        out = ag.dot(np.full((2, 3), np.inf), t)
        big = ag.vdot(ag.Tensor(np.full((2, 3), 2e200), requires_grad=True), np.full(6, 1e200))
    np.testing.assert_array_equal(out.data, np.dot(np.full((2, 3), np.inf), np.ones((1, 3, 2))))
    assert big.item() == np.inf


def test_repeat_and_take_refuse_what_numpy_refuses() -> None:
    x = ag.Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(TypeError):  # float counts in a Tensor went back through dispatch
        ag.repeat(ag.Tensor(1.0, requires_grad=True), ag.Tensor(0.0))
    with pytest.raises(TypeError, match="bool"):
        ag.repeat(x, 2, axis=True)
    with pytest.raises(TypeError, match="bool"):
        ag.take(x, [0], axis=True)


def test_pad_of_a_0d_input_checks_the_widths() -> None:
    # The pairs of a 0-d input are empty, so a negative width went unchecked.
    with pytest.raises(ValueError, match="negative"):
        ag.pad(ag.Tensor(1.0, requires_grad=True), -1)
    assert ag.pad(ag.Tensor(1.0), 1).item() == 1.0
