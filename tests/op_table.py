"""One table of ops drives the gradient, dtype and invariant tests: adding an op adds a row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import settings

import autograd_lite as ag

# Examples per row and test. The table has hundreds of rows and each is drawn by several
# tests, so a row gets a quarter of the profile's examples (10 in CI, 250 with
# ``thorough``): the whole suite stays within CI's five minutes on two cores.
TABLE_SETTINGS = settings(max_examples=max(10, settings().max_examples // 4))


@dataclass(frozen=True)
class OpCase:
    name: str
    fn: Callable[..., ag.Tensor]  # Tensors in, Tensor out
    reference: Callable[..., np.ndarray]  # the same function in plain NumPy
    arity: int = 1
    broadcasts: bool = False  # inputs may have different, broadcastable shapes
    low: float = -3.0
    high: float = 3.0
    avoid: float | None = None  # a kink to keep finite differences away from
    min_dims: int = 0
    distinct: bool = False  # values must not (nearly) tie: max, min, maximum, minimum
    kwargs: dict[str, Any] = field(default_factory=dict)
    # The same computation through NumPy's own functions, called on Tensors (NumPy's
    # dispatch to autograd_lite); None: ``reference`` itself, which must then dispatch.
    numpy_fn: Callable[..., Any] | None = None
    # A hypothesis strategy for the input shapes (a tuple, one per input), where the
    # op needs particular ones (square matrices, matching products); None: the default.
    shapes: Any = None
    second_order: bool = True  # False only for ops whose gradient is piecewise constant


def like(x: Any, value: Any, dtype: Any = None) -> Any:
    """``value`` (built with NumPy) as an array of ``x``'s library, on ``x``'s device.

    ``x`` is a Tensor or an array; NumPy stays NumPy.  Rows build their constants
    (index arrays, masks, fixed offsets) through this, so that the same row runs on
    another array library, where a NumPy constant beside its arrays is refused.
    """
    data = x.data if isinstance(x, ag.Tensor) else x
    if isinstance(data, np.ndarray | np.generic) or not hasattr(data, "__array_namespace__"):
        if isinstance(value, np.ndarray):  # a method call: ag.compile's trace follows it
            return value if dtype is None else value.astype(dtype)
        return np.asarray(value, dtype=dtype)
    return data.__array_namespace__().asarray(value, dtype=dtype, device=data.device)


def _np_sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _np_bce_logits(z: np.ndarray, t: np.ndarray) -> np.ndarray:
    p = _np_sigmoid(z)
    return np.mean(-t * np.log(p) - (1 - t) * np.log(1 - p))


def _np_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


OPS: list[OpCase] = [
    OpCase("add", ag.add, np.add, 2, broadcasts=True),
    OpCase("subtract", ag.subtract, np.subtract, 2, broadcasts=True),
    OpCase("multiply", ag.multiply, np.multiply, 2, broadcasts=True),
    OpCase("divide", ag.divide, np.divide, 2, broadcasts=True, low=0.5, high=3.0),
    OpCase("power", ag.power, np.power, 2, broadcasts=True, low=0.5, high=2.0),
    OpCase("negative", ag.negative, np.negative),
    OpCase("exp", ag.exp, np.exp),
    OpCase("log", ag.log, np.log, low=0.1, high=5.0),
    OpCase("sqrt", ag.sqrt, np.sqrt, low=0.1, high=5.0),
    OpCase("sigmoid", ag.sigmoid, _np_sigmoid),
    OpCase("tanh", ag.tanh, np.tanh),
    OpCase("relu", ag.relu, lambda x: np.maximum(x, 0), avoid=0.0),
    OpCase("absolute", ag.absolute, np.abs, avoid=0.0),
    OpCase("maximum", ag.maximum, np.maximum, 2, broadcasts=True, distinct=True),
    OpCase("minimum", ag.minimum, np.minimum, 2, broadcasts=True, distinct=True),
    OpCase("sum", ag.sum, np.sum),
    OpCase("sum_axis0", lambda x: ag.sum(x, axis=0), lambda x: np.sum(x, axis=0), min_dims=1),
    OpCase(
        "sum_keepdims",
        lambda x: ag.sum(x, axis=-1, keepdims=True),
        lambda x: np.sum(x, axis=-1, keepdims=True),
        min_dims=1,
    ),
    OpCase("mean", ag.mean, np.mean),
    OpCase("mean_axis", lambda x: ag.mean(x, axis=-1), lambda x: np.mean(x, axis=-1), min_dims=1),
    OpCase("max", ag.max, np.max, distinct=True),
    OpCase(
        "max_axis",
        lambda x: ag.max(x, axis=0),
        lambda x: np.max(x, axis=0),
        min_dims=1,
        distinct=True,
    ),
    OpCase("min", ag.min, np.min, distinct=True),
    OpCase("reshape", lambda x: ag.reshape(x, (-1,)), lambda x: np.reshape(x, (-1,))),
    OpCase("transpose", ag.transpose, np.transpose),
    OpCase("T", lambda x: x.T, lambda x: x.T),
    OpCase("softmax", ag.softmax, _np_softmax, min_dims=1),
    OpCase(
        "softmax_axis0",
        lambda x: ag.softmax(x, axis=0),
        lambda x: _np_softmax(x, axis=0),
        min_dims=1,
    ),
    OpCase("log_softmax", ag.log_softmax, lambda x: np.log(_np_softmax(x)), min_dims=1),
    OpCase("getitem_basic", lambda x: x[..., :2], lambda x: x[..., :2], min_dims=1),
    OpCase(
        "getitem_repeated",
        lambda x: x[like(x, [0, 0, -1])],
        lambda x: x[np.array([0, 0, -1])],
        min_dims=1,
    ),
    OpCase(
        "where",
        lambda a, b: ag.where(a.data > 0, a, b),
        lambda a, b: np.where(a > 0, a, b),
        2,
        broadcasts=True,
        avoid=0.0,
    ),
    OpCase("matmul", ag.matmul, np.matmul, 2, min_dims=1),
    OpCase("stack", lambda a, b: ag.stack(a, b, axis=0), lambda a, b: np.stack([a, b]), 2),
    OpCase(
        "concatenate",
        lambda a, b: ag.concatenate(a, b, axis=0),
        lambda a, b: np.concatenate([a, b]),
        2,
        min_dims=1,
    ),
    OpCase(
        "binary_cross_entropy",
        lambda p, t: ag.binary_cross_entropy(p, t, reduction="sum"),
        lambda p, t: -np.sum(t * np.log(p) + (1 - t) * np.log(1 - p)),
        2,
        low=0.05,
        high=0.95,
    ),
    OpCase(
        "binary_cross_entropy_with_logits",
        lambda z, t: ag.binary_cross_entropy_with_logits(z, like(t, t.data > 0, z.dtype)),
        lambda z, t: _np_bce_logits(z, (t > 0) * 1.0),
        2,
        avoid=0.0,
    ),
    OpCase(
        "cross_entropy_probs",
        lambda z, t: ag.cross_entropy(z, ag.softmax(t)),
        lambda z, t: np.mean(-np.sum(_np_softmax(t) * np.log(_np_softmax(z)), axis=-1)),
        2,
        min_dims=1,
    ),
]


def _classes_for(logits: np.ndarray) -> np.ndarray:
    """Deterministic class indices for logits whose last axis holds the classes."""
    return (np.arange(logits.size // logits.shape[-1]) % logits.shape[-1]).reshape(
        logits.shape[:-1]
    )


def _np_cross_entropy_indices(z: np.ndarray) -> np.ndarray:
    log_p = np.log(_np_softmax(z))
    picked = np.take_along_axis(log_p, _classes_for(z)[..., None], -1)
    return -np.mean(picked)


OPS.append(
    OpCase(
        "cross_entropy_indices",
        lambda z: ag.cross_entropy(z, like(z, _classes_for(z))),
        _np_cross_entropy_indices,
        min_dims=1,
    )
)

# The families of the NumPy vocabulary, one table file each.
from .op_table_arrange import ARRANGE_OPS  # noqa: E402
from .op_table_linalg import LINALG_OPS  # noqa: E402
from .op_table_math import MATH_OPS  # noqa: E402
from .op_table_order import ORDER_OPS  # noqa: E402
from .op_table_products import PRODUCTS_OPS  # noqa: E402
from .op_table_stats import STATS_OPS  # noqa: E402

OPS += MATH_OPS + STATS_OPS + ARRANGE_OPS + PRODUCTS_OPS + ORDER_OPS + LINALG_OPS

OPS_BY_NAME = {case.name: case for case in OPS}
