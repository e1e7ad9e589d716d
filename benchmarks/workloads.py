"""The compared computations: each workload is an autograd_lite step and a NumPy step.

Both steps of a pair start from the same parameters and read the same data, and each
mutates only its own copy of the parameters, so after one step of each the parameters
must agree (:meth:`Pair.check`).  The NumPy side is what a careful NumPy programmer writes
from the post's formulas: no wasted work, and nothing the autodiff version could not do
as well (it also computes the loss, since a training step reports it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import autograd_lite as ag

LEARNING_RATE = 0.1


@dataclass
class Pair:
    """One workload: an autograd_lite step, a NumPy step, and their parameters."""

    name: str
    autograd_step: Callable[[], Any]
    numpy_step: Callable[[], Any]
    autograd_params: Callable[[], list[np.ndarray]]
    numpy_params: Callable[[], list[np.ndarray]]
    dtype: np.dtype[Any]

    def check(self) -> float:
        """Run one step of each side and return the largest parameter difference.

        Raises ``AssertionError`` when the two sides disagree beyond rounding, so that a
        benchmark never times two different computations.
        """
        self.autograd_step()
        self.numpy_step()
        rtol, atol = (1e-4, 1e-5) if self.dtype == np.float32 else (1e-9, 1e-11)
        worst = 0.0
        for a, b in zip(self.autograd_params(), self.numpy_params(), strict=True):
            assert a.shape == b.shape and a.dtype == b.dtype, (self.name, a.shape, b.shape)
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=self.name)
            worst = max(worst, float(np.max(np.abs(a - b))))
        return worst


def _sgd(params: list[ag.Tensor], lr: float) -> None:
    for p in params:
        p.data -= lr * p.grad
        p.grad = None


# --------------------------------------------------------------------------- two-layer network
def _stepper(step: Callable[..., Any], compiled: bool, *args: Any) -> Callable[[], float]:
    """``step(*args)``'s loss as a float, eager or through ``ag.compile``."""
    run = ag.compile(step) if compiled else step
    return lambda: run(*args).item()


def two_layer(
    n0: int, n1: int, m: int, dtype: Any = np.float64, seed: int = 0, compiled: bool = False
) -> Pair:
    """The tutorial's network: tanh hidden layer, sigmoid output, binary cross-entropy.

    Column convention: ``X`` is ``(n0, m)``, ``W1`` ``(n1, n0)``, ``b1`` ``(n1, 1)``,
    ``W2`` ``(1, n1)``, ``b2`` ``(1, 1)``; the loss is summed over units and divided by m.
    With ``compiled=True`` the same step runs through ``ag.compile``.
    """
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n0, m)).astype(dtype)
    Y = (rng.random((1, m)) < 0.5).astype(dtype)
    init = [
        rng.standard_normal((n1, n0)) / np.sqrt(n0),
        rng.standard_normal((n1, 1)) * 0.1,
        rng.standard_normal((1, n1)) / np.sqrt(n1),
        rng.standard_normal((1, 1)) * 0.1,
    ]
    tensors = [ag.Tensor(p.astype(dtype), requires_grad=True) for p in init]
    arrays = [p.astype(dtype) for p in init]
    lr = LEARNING_RATE

    def step(X: np.ndarray, Y: np.ndarray) -> ag.Tensor:
        W1, b1, W2, b2 = tensors
        Z2 = W2 @ ag.tanh(W1 @ X + b1) + b2
        loss = ag.binary_cross_entropy_with_logits(Z2, Y, reduction="sum") / m
        loss.backward()
        _sgd(tensors, lr)
        return loss

    autograd_step = _stepper(step, compiled, X, Y)

    def numpy_step() -> float:
        W1, b1, W2, b2 = arrays
        A1 = np.tanh(W1 @ X + b1)
        Z2 = W2 @ A1 + b2
        # Stable loss and sigmoid from the same exp(-|Z2|).
        E = np.exp(-np.abs(Z2))
        loss = np.sum(np.maximum(Z2, 0) - Z2 * Y + np.log1p(E)) / m
        A2 = np.where(Z2 >= 0, 1, E) / (1 + E)
        # The post divides dW and db by m; dividing the (1, m) dZ2 once is the same.
        dZ2 = (A2 - Y) / m
        dW2 = dZ2 @ A1.T
        db2 = np.sum(dZ2, axis=1, keepdims=True)
        dZ1 = (W2.T @ dZ2) * (1 - A1 * A1)
        dW1 = dZ1 @ X.T
        db1 = np.sum(dZ1, axis=1, keepdims=True)
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
        return float(loss)

    return Pair(
        f"two-layer {n0}-{n1} m={m} {dtype.name}" + (" compiled" if compiled else ""),
        autograd_step,
        numpy_step,
        lambda: [t.data for t in tensors],
        lambda: arrays,
        dtype,
    )


# --------------------------------------------------------------------------- softmax MLP
def softmax_mlp(
    n_in: int = 64,
    n_hidden: int = 128,
    n_out: int = 10,
    batch: int = 128,
    dtype: Any = np.float64,
    seed: int = 0,
    compiled: bool = False,
) -> Pair:
    """A ReLU MLP with a softmax cross-entropy over integer labels (row convention)."""
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, n_in)).astype(dtype)
    labels = rng.integers(0, n_out, size=batch)
    init = [
        rng.standard_normal((n_in, n_hidden)) * np.sqrt(2 / n_in),
        rng.standard_normal(n_hidden) * 0.1,
        rng.standard_normal((n_hidden, n_out)) / np.sqrt(n_hidden),
        rng.standard_normal(n_out) * 0.1,
    ]
    tensors = [ag.Tensor(p.astype(dtype), requires_grad=True) for p in init]
    arrays = [p.astype(dtype) for p in init]
    rows = np.arange(batch)
    lr = LEARNING_RATE

    def step(X: np.ndarray, labels: np.ndarray) -> ag.Tensor:
        W1, b1, W2, b2 = tensors
        logits = ag.relu(X @ W1 + b1) @ W2 + b2
        loss = ag.cross_entropy(logits, labels)
        loss.backward()
        _sgd(tensors, lr)
        return loss

    autograd_step = _stepper(step, compiled, X, labels)

    def numpy_step() -> float:
        W1, b1, W2, b2 = arrays
        H = np.maximum(X @ W1 + b1, 0)
        Z = H @ W2 + b2
        shifted = Z - Z.max(axis=1, keepdims=True)
        E = np.exp(shifted)
        S = E.sum(axis=1, keepdims=True)
        loss = np.mean(np.log(S[:, 0]) - shifted[rows, labels])
        dZ = E / S
        dZ[rows, labels] -= 1
        dZ /= batch
        dW2 = H.T @ dZ
        db2 = dZ.sum(axis=0)
        dH = (dZ @ W2.T) * (H > 0)
        dW1 = X.T @ dH
        db1 = dH.sum(axis=0)
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
        return float(loss)

    return Pair(
        f"softmax MLP {n_in}-{n_hidden}-{n_out} batch={batch} {dtype.name}"
        + (" compiled" if compiled else ""),
        autograd_step,
        numpy_step,
        lambda: [t.data for t in tensors],
        lambda: arrays,
        dtype,
    )


# --------------------------------------------------------------------------- engine overhead
def op_chain(length: int, size: int = 4, *, both: bool = False, compiled: bool = False) -> Pair:
    """Forward and backward of ``length`` multiplications ``z = z * c`` on ``(size,)`` arrays.

    ``x`` is a leaf that requires grad and ``c`` a constant Tensor, so each op has one VJP
    to run (``g * c``): the hand-written side is then two ``np.multiply`` calls per op.
    With ``both=True`` the factor is a leaf ``y`` that requires grad too, so each op runs
    two VJPs and ``y``'s gradient accumulates over the chain.  ``length=1`` is the round
    trip ``z = x * y; z.backward(g)``.  The parameters compared are the gradients.
    With ``compiled=True`` the step runs through ``ag.compile``.
    """
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal(size)
    c0 = 1 + 0.01 * rng.standard_normal(size)
    g = np.ones(size)
    x = ag.Tensor(x0.copy(), requires_grad=True)
    c = ag.Tensor(c0.copy(), requires_grad=both)
    grads: list[np.ndarray] = []
    hand: list[np.ndarray] = []

    def chain() -> list[Any]:
        z = x
        for _ in range(length):
            z = z * c
        z.backward(g)
        found = [x.grad, c.grad] if both else [x.grad]
        x.grad = None
        c.grad = None
        return found

    run = ag.compile(chain) if compiled else chain

    def autograd_step() -> None:
        grads[:] = run()

    def numpy_step() -> None:
        if both:
            zs = [x0]
            z = x0
            for _ in range(length):
                z = z * c0
                zs.append(z)
            gz = g
            gc = np.zeros(size)
            for i in range(length - 1, -1, -1):
                gc += gz * zs[i]
                gz = gz * c0
            hand[:] = [gz, gc]
        else:
            z = x0
            for _ in range(length):
                z = z * c0
            gz = g
            for _ in range(length):
                gz = gz * c0
            hand[:] = [gz]

    return Pair(
        op_chain_name(length, both) + (" compiled" if compiled else ""),
        autograd_step,
        numpy_step,
        lambda: grads,
        lambda: hand,
        np.dtype(np.float64),
    )


def op_chain_name(length: int, both: bool) -> str:
    """The benchmark name of ``op_chain(length, both=both)``."""
    what = "z*y, both inputs" if both else "z*c, one input"
    return f"per-op {what}, " + (f"chain of {length}" if length > 1 else "single op")


def tanh_chain(length: int, size: int = 4) -> tuple[Callable[[], Any], Callable[[Any], None]]:
    """A chain of ``length`` tanh ops: ``(forward, backward)``, for deep-graph costs.

    ``forward()`` returns the root Tensor; ``backward(root)`` differentiates it.
    """
    x = ag.Tensor(np.linspace(-1.0, 1.0, size), requires_grad=True)
    g = np.ones(size)

    def forward() -> Any:
        z = x
        for _ in range(length):
            z = ag.tanh(z)
        return z

    def backward(root: Any) -> None:
        root.backward(g)
        x.grad = None

    return forward, backward


# --------------------------------------------------------------------------- convolution
# (name, batch, in channels, out channels, height = width): 3x3 kernels, padding 1.
CONV2D_SHAPES = [
    ("conv2d fwd+bwd 8x8 digits shape", 64, 1, 16, 8),
    ("conv2d fwd+bwd 32x32x3", 32, 3, 16, 32),
]


def conv2d_layer(
    name: str, batch: int, c_in: int, c_out: int, size: int, dtype: Any = np.float64, seed: int = 0
) -> Pair:
    """One 3x3 convolution layer (padding 1, bias), forward and backward, then SGD.

    The input requires grad too, as for a layer inside a network, and the upstream
    gradient is a fixed array; the compared figures are the output, the input's gradient
    and the updated weight and bias.  The NumPy side is the usual sliding-window (im2col) code: the
    padded input's windows copied into columns, one batched matrix product forward, and
    backward the weight's product with the columns and the input's transposed product
    added back into the padded input one kernel offset at a time.
    """
    from numpy.lib.stride_tricks import sliding_window_view

    from autograd_lite._ops_conv import conv2d

    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, c_in, size, size)).astype(dtype)
    # The gradient of a mean over the output's elements: SGD keeps the weights in range.
    G = (rng.standard_normal((batch, c_out, size, size)) / (batch * size * size)).astype(dtype)
    k = 1 / np.sqrt(9 * c_in)
    init = [rng.uniform(-k, k, (c_out, c_in, 3, 3)), rng.uniform(-k, k, c_out)]
    x = ag.Tensor(X, requires_grad=True)
    tensors = [ag.Tensor(p.astype(dtype), requires_grad=True) for p in init]
    arrays = [p.astype(dtype) for p in init]
    grads: list[np.ndarray] = []
    hand: list[np.ndarray] = []
    lr = LEARNING_RATE
    L = size * size

    def autograd_step() -> None:
        W, b = tensors
        y = conv2d(x, W, b, padding=1)
        y.backward(G)
        grads[:] = [y.data, x.grad]
        x.grad = None
        _sgd(tensors, lr)

    def numpy_step() -> None:
        W, b = arrays
        Xp = np.zeros((batch, c_in, size + 2, size + 2), dtype)
        Xp[:, :, 1:-1, 1:-1] = X
        windows = sliding_window_view(Xp, (3, 3), axis=(2, 3))  # (N, C, H, W, 3, 3)
        cols = windows.transpose(0, 1, 4, 5, 2, 3).reshape(batch, c_in * 9, L)
        W2 = W.reshape(c_out, c_in * 9)
        Y = (W2 @ cols).reshape(batch, c_out, size, size) + b.reshape(c_out, 1, 1)
        Gm = G.reshape(batch, c_out, L)
        dW = np.matmul(Gm, cols.transpose(0, 2, 1)).sum(axis=0).reshape(W.shape)
        db = Gm.sum(axis=(0, 2))
        dcols = (W2.T @ Gm).reshape(batch, c_in, 3, 3, size, size)
        dXp = np.zeros_like(Xp)
        for i in range(3):
            for j in range(3):
                dXp[:, :, i : i + size, j : j + size] += dcols[:, :, i, j]
        hand[:] = [Y, dXp[:, :, 1:-1, 1:-1].copy()]
        W -= lr * dW
        b -= lr * db

    return Pair(
        name + ("" if dtype == np.float64 else f" {dtype.name}"),
        autograd_step,
        numpy_step,
        lambda: [*grads, *(t.data for t in tensors)],
        lambda: [*hand, *arrays],
        dtype,
    )


# --------------------------------------------------------------------------- attention
# (name, batch, sequence length, width, heads)
ATTENTION_SHAPES = [("attention block 32x16x64, 4 heads", 32, 16, 64, 4)]


def attention_block(
    name: str, batch: int, length: int, width: int, heads: int, dtype: Any = np.float64
) -> Pair:
    """Causal multi-head self-attention (``nn.MultiheadAttention``), forward and backward, then SGD.

    The NumPy side writes the same layer out by hand: the fused input projection, the
    scores ``q kᵀ / √d`` with the causal mask, a row softmax, the weighted values and the
    output projection, and backward the transposed products and the softmax's
    ``p (g - Σ g p)``.
    """
    from autograd_lite import nn

    dtype = np.dtype(dtype)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((batch, length, width)).astype(dtype)
    G = (rng.standard_normal((batch, length, width)) / X.size).astype(dtype)
    layer = nn.MultiheadAttention(width, heads, batch_first=True, rng=1, dtype=dtype)
    for p in layer.parameters():
        p.data[...] = rng.standard_normal(p.shape) * 0.1
    params = list(layer.parameters())  # in_proj_weight, in_proj_bias, out_proj.weight, bias
    arrays = [p.data.copy() for p in params]
    causal = np.triu(np.ones((length, length), dtype=bool), 1)
    blocked = np.where(causal, -np.inf, 0.0).astype(dtype)
    d = width // heads
    scale = dtype.type(1 / np.sqrt(d))
    x = ag.Tensor(X, requires_grad=True)
    outs: list[np.ndarray] = []
    hand: list[np.ndarray] = []
    lr = LEARNING_RATE

    def autograd_step() -> None:
        y, _ = layer(x, x, x, need_weights=False, attn_mask=causal)
        y.backward(G)
        outs[:] = [y.data, x.grad]
        x.grad = None
        _sgd(params, lr)

    def split(a: np.ndarray) -> np.ndarray:  # (N, L, E) -> (N, H, L, d)
        return a.reshape(batch, length, heads, d).transpose(0, 2, 1, 3)

    def numpy_step() -> None:
        Wi, bi, Wo, bo = arrays
        qkv = X @ Wi.T + bi
        q, k, v = (split(qkv[..., i * width : (i + 1) * width]) for i in range(3))
        s = (q @ k.transpose(0, 1, 3, 2)) * scale + blocked
        p = np.exp(s - s.max(axis=-1, keepdims=True))
        p /= p.sum(axis=-1, keepdims=True)
        o = (p @ v).transpose(0, 2, 1, 3).reshape(batch, length, width)
        Y = o @ Wo.T + bo
        # backward
        rows = batch * length
        dWo = G.reshape(rows, width).T @ o.reshape(rows, width)
        dbo = G.sum(axis=(0, 1))
        do = split(G @ Wo)
        dp = do @ v.transpose(0, 1, 3, 2)
        dv = p.transpose(0, 1, 3, 2) @ do
        ds = p * (dp - (dp * p).sum(axis=-1, keepdims=True)) * scale
        dq = ds @ k
        dk = ds.transpose(0, 1, 3, 2) @ q
        joined = [a.transpose(0, 2, 1, 3).reshape(batch, length, width) for a in (dq, dk, dv)]
        dqkv = np.concatenate(joined, axis=-1)
        dWi = dqkv.reshape(rows, 3 * width).T @ X.reshape(rows, width)
        dbi = dqkv.sum(axis=(0, 1))
        dX = dqkv @ Wi
        hand[:] = [Y, dX]
        for a, g in zip(arrays, (dWi, dbi, dWo, dbo), strict=True):
            a -= lr * g

    return Pair(
        name + ("" if dtype == np.float64 else f" {dtype.name}"),
        autograd_step,
        numpy_step,
        lambda: [*outs, *(p.data for p in params)],
        lambda: [*hand, *arrays],
        dtype,
    )
