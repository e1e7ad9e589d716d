"""autograd_lite: reverse-mode automatic differentiation on NumPy.

A :class:`Tensor` records the NumPy operations applied to it; ``backward()`` walks the
recorded graph in reverse and fills the ``.grad`` of the leaves.  Every op is a
:func:`primitive` with its vector-Jacobian products registered beside it, and new ops
are added the same way.
"""

from __future__ import annotations

# isort: off
# Tensor first: its module imports the ops, which need Tensor defined.
from ._tensor import Tensor

# isort: on
from . import closed_form, data, errors, functional, linalg, losses, nn, optim, testing, viz
from ._mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from ._ops_arith import add, divide, matmul, multiply, negative, power, subtract
from ._ops_elementwise import (
    absolute,
    exp,
    log,
    maximum,
    minimum,
    relu,
    sigmoid,
    sign,
    sqrt,
    tanh,
    where,
)
from ._ops_join import concatenate, stack
from ._ops_nn import log_softmax, softmax
from ._ops_order import (
    index_add,
    partition,
    sort,
    take,
    take_along_axis,
)
from ._ops_products import (
    dot,
    einsum,
    inner,
    kron,
    outer,
    tensordot,
    vdot,
)
from ._ops_reduce import broadcast_to, max, mean, min, sum, sum_to
from ._ops_shape import astype, getitem, reshape, swapaxes, transpose
from ._ops_stats import (
    amax,
    amin,
    average,
    cumprod,
    cumsum,
    logsumexp,
    prod,
    ptp,
    std,
    var,
)
from ._primitive import Primitive, Residuals, primitive
from .compiler.compiled import compile
from .functional import grad, hessian, hvp, jacobian, value_and_grad
from .losses import binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy
from .serialization import load, save

abs = absolute

__version__ = "0.1.0"

__all__ = [
    "Primitive",
    "Residuals",
    "Tensor",
    "__version__",
    "abs",
    "absolute",
    "add",
    "amax",
    "amin",
    "astype",
    "average",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "broadcast_to",
    "closed_form",
    "compile",
    "concatenate",
    "cross_entropy",
    "cumprod",
    "cumsum",
    "data",
    "detect_anomaly",
    "divide",
    "dot",
    "einsum",
    "enable_grad",
    "errors",
    "exp",
    "functional",
    "getitem",
    "grad",
    "hessian",
    "hvp",
    "index_add",
    "inner",
    "is_grad_enabled",
    "jacobian",
    "kron",
    "linalg",
    "load",
    "log",
    "log_softmax",
    "logsumexp",
    "losses",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "multiply",
    "negative",
    "nn",
    "no_grad",
    "optim",
    "outer",
    "partition",
    "power",
    "primitive",
    "prod",
    "ptp",
    "relu",
    "reshape",
    "save",
    "sigmoid",
    "sign",
    "softmax",
    "sort",
    "sqrt",
    "stack",
    "std",
    "subtract",
    "sum",
    "sum_to",
    "swapaxes",
    "take",
    "take_along_axis",
    "tanh",
    "tensordot",
    "testing",
    "transpose",
    "value_and_grad",
    "var",
    "vdot",
    "viz",
    "where",
]
