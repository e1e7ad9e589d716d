"""Convolution and pooling over NCHW arrays, with ``torch.nn.functional``'s names and arguments.

``conv2d`` is one primitive over NumPy: the zero-padded input is viewed as its windows
(``sliding_window_view``), the windows are copied once into columns, and one batched
matrix product with the weight gives the output.  Its VJPs are two more primitives, the
gradient for the input (the transposed product, accumulated back into the padded input
one kernel offset at a time) and the gradient for the weight (a product of the columns
with ``g``); the three are each other's VJPs, so every derivative of a convolution is a
convolution-like op again and any order of derivative works.

``max_pool2d`` and ``avg_pool2d`` run a loop over the kernel offsets, each step a strided
slice of the padded input: ``kernel_size`` small steps over whole arrays, never a loop over
pixels.  Their VJPs are likewise pairs of adjoint primitives.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._arrays import asarray
from ._mode import is_grad_enabled
from ._ops_reduce import broadcast_to
from ._ops_shape import reshape
from ._primitive import Primitive, Residuals
from ._tensor import Tensor

__all__ = ["avg_pool2d", "conv1d", "conv2d", "max_pool2d"]

Pair = tuple[int, int]
Padding = tuple[Pair, Pair]  # ((top, bottom), (left, right))


def _named(name: str) -> Any:
    """``@primitive`` under the public op's name (in graphs and error messages)."""
    return lambda fun: Primitive(fun, name=name)


# ---------------------------------------------------------------------------- arguments
def _pair(op: str, name: str, value: Any, minimum: int) -> Pair:
    """An int or a pair of ints as a pair, each at least ``minimum``."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        out = (int(value), int(value))
    else:
        try:
            items = tuple(value)
        except TypeError:
            raise TypeError(
                f"{op}: {name} must be an int or a pair of ints, got {value!r}"
            ) from None
        if len(items) != 2 or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items
        ):
            raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
        out = (int(items[0]), int(items[1]))
    if min(out) < minimum:
        raise ValueError(f"{op}: {name} must be at least {minimum}, got {value!r}")
    return out


def _as_input(x: Any) -> Any:
    """A Tensor as it is, anything else as an array (for its shape)."""
    return x if isinstance(x, Tensor) else asarray(x)


def _windows_geometry(
    shape: tuple[int, ...],
    kernel: Pair,
    stride: Pair,
    padding: Padding,
    dilation: Pair,
    ceil_mode: bool = False,
) -> tuple[Pair, Pair]:
    """The output size ``(OH, OW)`` and the padded size ``(Hp, Wp)`` the windows need.

    Without ``ceil_mode`` the padded size is the input's plus the padding; with it, the
    last partial window may need a few more (never read) positions past the padding.
    """
    out = []
    padded = []
    for axis in range(2):
        size = shape[-2 + axis]
        lo, hi = padding[axis]
        span = dilation[axis] * (kernel[axis] - 1) + 1
        s = stride[axis]
        room = size + lo + hi - span
        if room < 0:
            n = 0
        elif ceil_mode:
            n = -(-room // s) + 1
            if (n - 1) * s >= size + lo:  # a window must start inside the input or before
                n -= 1
        else:
            n = room // s + 1
        out.append(n)
        padded.append(max(size + lo + hi, (n - 1) * s + span) if n > 0 else size + lo + hi)
    return (out[0], out[1]), (padded[0], padded[1])


def _padded(x: np.ndarray, padding: Padding, size: Pair, fill: Any = 0) -> np.ndarray:
    """``x`` placed in an array of spatial size ``size`` at offset (top, left), ``fill`` around."""
    (top, _), (left, _) = padding
    H, W = x.shape[-2:]
    if size == (H, W) and top == 0 and left == 0:
        return x
    # full_like of x (not np.full): ag.compile follows both the array and the write.
    out = np.full_like(x, fill, shape=(*x.shape[:-2], *size))
    out[..., top : top + H, left : left + W] = x
    return out


def _offsets(
    kernel: Pair, stride: Pair, dilation: Pair, out_size: Pair
) -> Iterator[tuple[int, int, tuple[slice, slice]]]:
    """For each kernel offset ``(i, j)``: the strided slice of the padded input it reads."""
    (kh, kw), (sh, sw), (dh, dw), (OH, OW) = kernel, stride, dilation, out_size
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (OH - 1) + 1, sh)
        for j in range(kw):
            yield i, j, (rows, slice(j * dw, j * dw + sw * (OW - 1) + 1, sw))


def _cropped(xp: np.ndarray, shape: tuple[int, ...], padding: Padding) -> np.ndarray:
    """The part of the padded ``xp`` that is the input, as a fresh array of ``shape``."""
    (top, _), (left, _) = padding
    H, W = shape[-2:]
    if xp.shape == tuple(shape):
        return xp
    inner: np.ndarray = xp[..., top : top + H, left : left + W].copy()
    return inner


# ---------------------------------------------------------------------------- conv2d
def _conv_geometry(
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    stride: Pair,
    padding: Padding,
    dilation: Pair,
) -> tuple[Pair, Pair]:
    return _windows_geometry(x_shape, (w_shape[2], w_shape[3]), stride, padding, dilation)


def _columns(
    x: np.ndarray, kernel: Pair, stride: Pair, padding: Padding, dilation: Pair, groups: int
) -> np.ndarray:
    """The windows of the padded ``x`` as columns ``(N, groups, Cg*kh*kw, OH*OW)``: a new array."""
    (OH, OW), size = _windows_geometry(x.shape, kernel, stride, padding, dilation)
    xp = _padded(x, padding, size)
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    win = sliding_window_view(xp, span, axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
    win = win[:, :, :OH, :OW]  # (N, C, OH, OW, kh, kw)
    N, C = x.shape[:2]
    cols: np.ndarray = win.transpose(0, 1, 4, 5, 2, 3).copy()  # .copy(): ag.compile follows it
    return cols.reshape(N, groups, (C // groups) * kh * kw, OH * OW)


@_named("conv2d")
def _conv2d(x, w, b, stride, padding, dilation, groups, keep_columns=False):  # type: ignore[no-untyped-def]
    """2-D cross-correlation of ``x`` (N, C, H, W) with ``w`` (O, C/groups, kh, kw), plus ``b``.

    With ``keep_columns`` the windows' columns go on to the weight's VJP, which then
    need not copy them out of ``x`` again.
    """
    N = x.shape[0]
    O, _, kh, kw = w.shape
    (OH, OW), _ = _conv_geometry(x.shape, w.shape, stride, padding, dilation)
    cols = _columns(x, (kh, kw), stride, padding, dilation, groups)
    w3 = w.reshape(groups, O // groups, cols.shape[2])
    y = np.matmul(w3, cols).reshape(N, O, OH, OW)
    if b is not None:
        y += b.reshape(O, 1, 1)
    return Residuals.fresh(y, cols=cols) if keep_columns else y


@_named("conv2d_input_grad")
def _conv2d_input_grad(g, w, x_shape, stride, padding, dilation, groups):  # type: ignore[no-untyped-def]
    """The gradient of ``conv2d`` for its input: the transposed convolution of ``g`` with ``w``.

    Linear in ``g`` and in ``w``; ``x_shape`` is the input's shape (N, C, H, W).
    """
    N, C = x_shape[:2]
    O, Cg, kh, kw = w.shape
    OH, OW = g.shape[2:]
    _, size = _conv_geometry(x_shape, w.shape, stride, padding, dilation)
    w3 = w.reshape(groups, O // groups, Cg * kh * kw)
    # (N, groups, Cg*kh*kw, OH*OW): each window's share of the gradient.
    dcols = np.matmul(w3.transpose(0, 2, 1), g.reshape(N, groups, O // groups, OH * OW))
    dcols = dcols.reshape(N, C, kh, kw, OH, OW)
    dxp = np.zeros_like(dcols, shape=(N, C, *size))  # like dcols: followed by ag.compile
    for i, j, (rows, cols) in _offsets((kh, kw), stride, dilation, (OH, OW)):
        dxp[:, :, rows, cols] += dcols[:, :, i, j]
    return _cropped(dxp, tuple(x_shape), padding)


@_named("conv2d_weight_grad")
def _conv2d_weight_grad(x, g, w_shape, stride, padding, dilation, groups, cols=None):  # type: ignore[no-untyped-def]
    """The gradient of ``conv2d`` for its weight: the windows of ``x`` against ``g``.

    Linear in ``x`` and in ``g``; ``w_shape`` is the weight's shape (O, C/groups, kh, kw);
    ``cols`` are ``x``'s columns if the forward kept them.
    """
    N = x.shape[0]
    O, _, kh, kw = w_shape
    if cols is None:
        cols = _columns(x, (kh, kw), stride, padding, dilation, groups)
    gm = g.reshape(N, groups, O // groups, g.shape[2] * g.shape[3])
    per_example = np.matmul(gm, cols.transpose(0, 1, 3, 2))  # (N, groups, O/groups, Cg*kh*kw)
    return np.add.reduce(per_example, axis=0).reshape(w_shape)


def _conv_input_vjp(g, out, x, w, b, stride, padding, dilation, groups, keep=False, *, cols=None):  # type: ignore[no-untyped-def]
    return _conv2d_input_grad(g, w, x.shape, stride, padding, dilation, groups)


def _conv_weight_vjp(g, out, x, w, b, stride, padding, dilation, groups, keep=False, *, cols=None):  # type: ignore[no-untyped-def]
    # ``cols`` is None in a recorded backward pass (see Residuals): recomputed from x.
    if cols is None:
        return _conv2d_weight_grad(x, g, w.shape, stride, padding, dilation, groups)
    return _conv2d_weight_grad(x, g, w.shape, stride, padding, dilation, groups, cols=cols)


@_named("conv2d_bias_grad")
def _conv2d_bias_grad(g):  # type: ignore[no-untyped-def]
    """``g.sum((0, 2, 3))``: the gradient of ``conv2d`` for its bias."""
    return np.einsum("nohw->o", g)  # a third of the time of the sum


_conv2d_bias_grad.defvjp(lambda h, out, g: broadcast_to(reshape(h, (1, -1, 1, 1)), g.shape))


def _conv_bias_vjp(g, out, x, w, b, stride, padding, dilation, groups, keep=False, *, cols=None):  # type: ignore[no-untyped-def]
    return _conv2d_bias_grad(g)


_conv2d.defvjp(_conv_input_vjp, _conv_weight_vjp, _conv_bias_vjp)
# conv2d_input_grad(g, w) = Aᵀ_w g: its adjoint in g is conv2d(·, w), and in w,
# <h, Aᵀ_w g> = <conv2d(h, w), g> gives the weight gradient of conv2d(h, ·) at g.
_conv2d_input_grad.defvjp(
    lambda h, out, g, w, x_shape, stride, padding, dilation, groups: _conv2d(
        h, w, None, stride, padding, dilation, groups
    ),
    lambda h, out, g, w, x_shape, stride, padding, dilation, groups: _conv2d_weight_grad(
        h, g, w.shape, stride, padding, dilation, groups
    ),
)
# conv2d_weight_grad(x, g) = B(x, g) with <v, B(x, g)> = <conv2d(x, v), g>.
_conv2d_weight_grad.defvjp(
    lambda h, out, x, g, w_shape, stride, padding, dilation, groups: _conv2d_input_grad(
        g, h, x.shape, stride, padding, dilation, groups
    ),
    lambda h, out, x, g, w_shape, stride, padding, dilation, groups: _conv2d(
        x, h, None, stride, padding, dilation, groups
    ),
)


def _conv_padding(op: str, padding: Any, kernel: Pair, stride: Pair, dilation: Pair) -> Padding:
    """``padding`` (an int, a pair, ``"valid"`` or ``"same"``) as ((top, bottom), (left, right))."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0), (0, 0))
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f"{op}: padding='same' is not supported for strided convolutions")
            pads = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                pads.append((total // 2, total - total // 2))  # the odd one at the end
            return (pads[0], pads[1])
        raise ValueError(
            f"{op}: padding must be 'valid', 'same', an int or a pair, got {padding!r}"
        )
    ph, pw = _pair(op, "padding", padding, 0)
    return ((ph, ph), (pw, pw))


def _check_conv(op: str, x: Any, w: Any, b: Any, groups: int) -> None:
    """Raise ValueError naming ``op`` and both shapes if ``x``, ``w`` and ``b`` do not fit."""
    xs, ws = x.shape, w.shape
    both = f"input of shape {tuple(xs)} and weight of shape {tuple(ws)}"
    nd = len(ws)
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    expected = 3 if op == "conv1d" else 4
    if nd != expected:
        raise ValueError(f"{op}: {both}: expected a {expected}-D weight")
    if len(xs) not in (nd - 1, nd):
        raise ValueError(
            f"{op}: {both}: expected a {nd}-D (batched) or {nd - 1}-D (unbatched) input"
        )
    channels = xs[-(nd - 1)]
    if ws[0] % groups:
        raise ValueError(f"{op}: {both}: out_channels {ws[0]} is not divisible by groups={groups}")
    if channels != ws[1] * groups:
        raise ValueError(
            f"{op}: {both}: expected input to have weight.shape[1] * groups = "
            f"{ws[1]} * {groups} = {ws[1] * groups} channels, got {channels}"
        )
    spatial = xs[-(nd - 1) :]  # an empty batch is allowed, as in PyTorch
    if min(ws) < 1 or min(spatial) < 1:
        raise ValueError(f"{op}: {both}: every axis but the batch must have length at least 1")
    if b is not None and tuple(b.shape) != (ws[0],):
        raise ValueError(
            f"{op}: {both}: bias of shape {tuple(b.shape)} does not match ({ws[0]},) (out_channels)"
        )


def conv2d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple[int, ...] = 1,
    padding: int | tuple[int, ...] | str = 0,
    dilation: int | tuple[int, ...] = 1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch) of an NCHW input.

    Parameters
    ----------
    input
        Shape ``(N, C, H, W)``, or ``(C, H, W)`` for one unbatched example.
    weight
        Shape ``(out_channels, C / groups, kH, kW)``.
    bias
        Shape ``(out_channels,)``, or ``None``.
    stride, dilation
        An int or a pair ``(along H, along W)``.
    padding
        Zeros added on both sides: an int, a pair, ``"valid"`` (none) or ``"same"`` (the
        output has the input's size; stride 1 only; an odd total puts the extra row or
        column at the bottom or right, as PyTorch does).
    groups
        Input and output channels are split into this many groups; each output group
        sees only its input group.

    Returns
    -------
    Tensor
        Shape ``(N, out_channels, OH, OW)`` with
        ``OH = (H + 2 padding - dilation (kH - 1) - 1) // stride + 1`` (likewise OW).

    Raises
    ------
    ValueError
        Naming conv2d and both shapes, if the input's channels are not
        ``weight.shape[1] * groups``, the ranks are wrong, the bias does not have
        ``out_channels`` elements, or the (padded) input is smaller than the dilated kernel.

    The dtype is NumPy's promotion of the inputs' dtypes (float32 stays float32).  The
    derivatives for input and weight are convolution-like primitives with their own
    derivatives, so ``conv2d`` is differentiable any number of times.  When the weight
    requires grad, the input's windows as copied for the forward product (``kH·kW`` times
    the input's size) are kept for the weight's gradient until the backward pass.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> x = ag.Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    >>> y = ag.conv2d(x, np.ones((1, 1, 2, 2)), stride=2)  # sums of 2x2 blocks
    >>> y
    Tensor([[[[10., 18.],
              [42., 50.]]]], grad_fn=<conv2d>)
    >>> y.sum().backward()
    >>> x.grad[0, 0]
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.],
           [1., 1., 1., 1.],
           [1., 1., 1., 1.]])
    """
    x, w = _as_input(input), _as_input(weight)
    b = None if bias is None else _as_input(bias)
    _check_conv("conv2d", x, w, b, groups)
    kernel = (int(w.shape[2]), int(w.shape[3]))
    st = _pair("conv2d", "stride", stride, 1)
    dil = _pair("conv2d", "dilation", dilation, 1)
    pad = _conv_padding("conv2d", padding, kernel, st, dil)
    unbatched = x.ndim == 3
    if unbatched:
        x = reshape(x, (1, *x.shape))
    (OH, OW), _ = _windows_geometry(x.shape, kernel, st, pad, dil)
    if OH < 1 or OW < 1:
        raise ValueError(
            f"conv2d: input of shape {tuple(x.shape[1:] if unbatched else x.shape)} "
            f"and weight of shape {tuple(w.shape)}: the padded input "
            f"({x.shape[2] + sum(pad[0])}, {x.shape[3] + sum(pad[1])}) is smaller than the "
            f"dilated kernel ({dil[0] * (kernel[0] - 1) + 1}, {dil[1] * (kernel[1] - 1) + 1})"
        )
    # The weight's VJP reuses the forward's columns (kH·kW times the input's size, kept
    # until the backward pass) when the weight will get a gradient.
    keep = is_grad_enabled() and isinstance(w, Tensor) and w.requires_grad
    y = (
        _conv2d(x, w, b, st, pad, dil, int(groups), keep)
        if keep
        else _conv2d(x, w, b, st, pad, dil, int(groups))
    )
    return reshape(y, y.shape[1:]) if unbatched else y


def conv1d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] | str = 0,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
) -> Tensor:
    """1-D convolution (cross-correlation) of an NCL input; :func:`conv2d` with height 1.

    ``input`` is ``(N, C, L)`` or ``(C, L)``, ``weight`` ``(out_channels, C / groups, k)``,
    ``bias`` ``(out_channels,)`` or ``None``; ``stride``, ``padding`` and ``dilation`` are
    ints (or one-element tuples), and ``padding`` may be ``"valid"`` or ``"same"``.  The
    output is ``(N, out_channels, OL)``, ``OL = (L + 2 padding - dilation (k - 1) - 1) //
    stride + 1``.  Bad shapes raise ValueError naming conv1d and both shapes.
    """
    x, w = _as_input(input), _as_input(weight)
    b = None if bias is None else _as_input(bias)
    _check_conv("conv1d", x, w, b, groups)

    def one(name: str, value: Any) -> Any:
        if isinstance(value, (str, int, np.integer)):
            return value  # checked by conv2d
        if isinstance(value, (tuple, list)) and len(value) == 1:
            return value[0]
        raise TypeError(f"conv1d: {name} must be an int or a 1-tuple, got {value!r}")

    st, pad, dil = one("stride", stride), one("padding", padding), one("dilation", dilation)
    unbatched = x.ndim == 2
    xs = (1, *x.shape) if unbatched else tuple(x.shape)
    x4 = reshape(x, (xs[0], xs[1], 1, xs[2]))
    w4 = reshape(w, (w.shape[0], w.shape[1], 1, w.shape[2]))
    pad2: Any = pad if isinstance(pad, str) else (0, pad)
    try:
        y = conv2d(x4, w4, b, (1, st), pad2, (1, dil), groups)
    except (ValueError, TypeError) as exc:
        message = str(exc).replace("conv2d", "conv1d", 1)
        message = message.replace(str(tuple(x4.shape)), str(tuple(x.shape)))
        message = message.replace(str(tuple(w4.shape)), str(tuple(w.shape)))
        raise type(exc)(message) from None
    n, o, _, length = y.shape
    return reshape(y, (o, length)) if unbatched else reshape(y, (n, o, length))


# ---------------------------------------------------------------------------- pooling
def _pool_args(
    op: str, x: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any
) -> tuple[Pair, Pair, Padding, Pair]:
    kernel = _pair(op, "kernel_size", kernel_size, 1)
    empty = isinstance(stride, (tuple, list)) and len(stride) == 0  # PyTorch's default too
    st = kernel if stride is None or empty else _pair(op, "stride", stride, 1)
    pad = _pair(op, "padding", padding, 0)
    dil = _pair(op, "dilation", dilation, 1)
    if x.ndim not in (3, 4):
        raise ValueError(
            f"{op}: expected a 4-D (N, C, H, W) or 3-D (C, H, W) input, got shape {tuple(x.shape)}"
        )
    for p, k, d in zip(pad, kernel, dil):
        if p > (d * (k - 1) + 1) // 2:
            raise ValueError(
                f"{op}: padding {padding!r} must be at most half of the (dilated) kernel size "
                f"{kernel_size!r} (input shape {tuple(x.shape)})"
            )
    return kernel, st, ((pad[0], pad[0]), (pad[1], pad[1])), dil


def _lowest(dtype: np.dtype[Any]) -> Any:
    if dtype.kind == "f":
        return -np.inf
    if dtype.kind in "iu":
        return np.iinfo(dtype).min
    if dtype.kind == "b":
        return False
    raise TypeError(f"max_pool2d: unsupported dtype {dtype}")


def _max_padded(
    x: np.ndarray, kernel: Pair, stride: Pair, padding: Padding, dilation: Pair, ceil_mode: bool
) -> tuple[np.ndarray, Pair]:
    out_size, size = _windows_geometry(x.shape, kernel, stride, padding, dilation, ceil_mode)
    return _padded(x, padding, size, _lowest(x.dtype)), out_size


@_named("max_pool2d")
def _max_pool2d(x, kernel, stride, padding, dilation, ceil_mode):  # type: ignore[no-untyped-def]
    """Maximum over each window of ``x`` (N, C, H, W), padded with -inf."""
    xp, out_size = _max_padded(x, kernel, stride, padding, dilation, ceil_mode)
    out = None
    for _, _, (rows, cols) in _offsets(kernel, stride, dilation, out_size):
        part = xp[:, :, rows, cols]
        if out is None:
            out = part.copy()
        else:
            np.maximum(out, part, out=out)
    return out


def _max_masks(
    x: np.ndarray,
    out: np.ndarray,
    kernel: Pair,
    stride: Pair,
    padding: Padding,
    dilation: Pair,
    ceil_mode: bool,
) -> tuple[tuple[int, ...], list[tuple[tuple[slice, slice], np.ndarray]], np.ndarray]:
    """Per kernel offset, where the window's element is its maximum; and the ties' count."""
    xp, out_size = _max_padded(x, kernel, stride, padding, dilation, ceil_mode)
    masks = []
    count = np.zeros_like(out, dtype=np.intp)
    for _, _, (rows, cols) in _offsets(kernel, stride, dilation, out_size):
        hit = xp[:, :, rows, cols] == out
        count += hit
        masks.append(((rows, cols), hit))
    return xp.shape, masks, np.maximum(count, 1)


@_named("max_pool2d_scatter")
def _max_pool2d_scatter(g, x, out, kernel, stride, padding, dilation, ceil_mode):  # type: ignore[no-untyped-def]
    """``g`` (the output's shape) sent to each window's maxima, split evenly among ties."""
    size, masks, count = _max_masks(x, out, kernel, stride, padding, dilation, ceil_mode)
    share = g / count
    dxp = np.zeros_like(share, shape=size)
    for (rows, cols), hit in masks:
        dxp[:, :, rows, cols] += share * hit
    return _cropped(dxp, x.shape, padding)


@_named("max_pool2d_gather")
def _max_pool2d_gather(h, x, out, kernel, stride, padding, dilation, ceil_mode):  # type: ignore[no-untyped-def]
    """The scatter's adjoint: each window's mean of ``h`` (input-shaped) over its maxima."""
    size, masks, count = _max_masks(x, out, kernel, stride, padding, dilation, ceil_mode)
    hp = _padded(h, padding, (size[-2], size[-1]))
    acc = np.zeros_like(h, shape=out.shape, dtype=np.result_type(h.dtype, np.float16))
    for (rows, cols), hit in masks:
        acc += hp[:, :, rows, cols] * hit
    return acc / count


# The mask of maxima is constant where the maximum is unique: no gradient for x and out.
_max_pool2d.defvjp(
    lambda g, out, x, kernel, stride, padding, dilation, ceil_mode: _max_pool2d_scatter(
        g, x, out, kernel, stride, padding, dilation, ceil_mode
    )
)
_max_pool2d_scatter.defvjp(
    lambda h, o, g, x, out, kernel, stride, padding, dilation, ceil_mode: _max_pool2d_gather(
        h, x, out, kernel, stride, padding, dilation, ceil_mode
    ),
    None,
    None,
)
_max_pool2d_gather.defvjp(
    lambda g, o, h, x, out, kernel, stride, padding, dilation, ceil_mode: _max_pool2d_scatter(
        g, x, out, kernel, stride, padding, dilation, ceil_mode
    ),
    None,
    None,
)


def _unbatched(x: Any) -> tuple[Any, bool]:
    if x.ndim == 3:
        return reshape(x, (1, *x.shape)), True
    return x, False


def _checked_output(op: str, x: Any, out_size: Pair, kernel_size: Any) -> None:
    if min(out_size) < 1:
        raise ValueError(
            f"{op}: input of shape {tuple(x.shape)} is smaller than the kernel {kernel_size!r} "
            "(with its padding)"
        )


def max_pool2d(
    input: Any,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor:
    """Maximum over each ``kernel_size`` window of an NCHW (or CHW) input.

    ``stride`` defaults to ``kernel_size``; ``padding`` (at most half the dilated kernel)
    pads with -inf, so a padded position is never the maximum of its window;
    ``ceil_mode`` rounds the output size up (a last, partial window, which must start
    inside the input or its padding), as in PyTorch.

    Ties: the gradient of a window is split evenly among its tied maxima (as
    :func:`~autograd_lite.max` does), so it does not depend on their order; PyTorch gives
    it all to the first.  They agree wherever each window's maximum is unique.
    ``return_indices`` is not supported (there is no single index under this rule).
    The second derivative in the input is zero.
    """
    if return_indices:
        raise NotImplementedError("max_pool2d: return_indices=True is not supported")
    x = _as_input(input)
    kernel, st, pad, dil = _pool_args("max_pool2d", x, kernel_size, stride, padding, dilation)
    x, unbatched = _unbatched(x)
    out_size, _ = _windows_geometry(x.shape, kernel, st, pad, dil, bool(ceil_mode))
    _checked_output("max_pool2d", input if not unbatched else x, out_size, kernel_size)
    y = _max_pool2d(x, kernel, st, pad, dil, bool(ceil_mode))
    return reshape(y, y.shape[1:]) if unbatched else y


def _avg_divisor(
    shape: tuple[int, ...],
    kernel: Pair,
    stride: Pair,
    padding: Padding,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: int | None,
) -> Any:
    """The divisor of each window: an int, or an (OH, OW) array when it varies."""
    if divisor_override is not None:
        return divisor_override
    out_size, size = _windows_geometry(shape, kernel, stride, padding, (1, 1), ceil_mode)
    (top, bottom), (left, right) = padding
    H, W = shape[-2:]
    counted = np.zeros(size)
    if count_include_pad:  # the input and its padding, not ceil_mode's overhang
        counted[: H + top + bottom, : W + left + right] = 1
    else:
        counted[top : top + H, left : left + W] = 1
    total = np.zeros(out_size)
    for _, _, (rows, cols) in _offsets(kernel, stride, (1, 1), out_size):
        total += counted[rows, cols]
    if np.all(total == kernel[0] * kernel[1]):
        return kernel[0] * kernel[1]
    return total


@_named("avg_pool2d")
def _avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):  # type: ignore[no-untyped-def]
    """Mean over each window of ``x`` (N, C, H, W), zero-padded."""
    out_size, size = _windows_geometry(x.shape, kernel, stride, padding, (1, 1), ceil_mode)
    xp = _padded(x, padding, size)
    acc = np.zeros_like(
        x, shape=(*x.shape[:2], *out_size), dtype=np.result_type(x.dtype, np.float16)
    )
    for _, _, (rows, cols) in _offsets(kernel, stride, (1, 1), out_size):
        acc += xp[:, :, rows, cols]
    div = _avg_divisor(
        x.shape, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override
    )
    acc /= np.asarray(div, dtype=acc.dtype)
    return acc


@_named("avg_pool2d_backward")
def _avg_pool2d_backward(  # type: ignore[no-untyped-def]
    g, x_shape, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override
):
    """The adjoint of ``avg_pool2d``: each window's ``g / divisor`` spread over its window."""
    out_size, size = _windows_geometry(x_shape, kernel, stride, padding, (1, 1), ceil_mode)
    div = _avg_divisor(
        x_shape, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override
    )
    share = g / np.asarray(div, dtype=g.dtype)
    dxp = np.zeros_like(share, shape=(*x_shape[:2], *size))
    for _, _, (rows, cols) in _offsets(kernel, stride, (1, 1), out_size):
        dxp[:, :, rows, cols] += share
    return _cropped(dxp, tuple(x_shape), padding)


_avg_pool2d.defvjp(
    lambda g, out, x, kernel, stride, padding, ceil_mode, inc, div: _avg_pool2d_backward(
        g, x.shape, kernel, stride, padding, ceil_mode, inc, div
    )
)
_avg_pool2d_backward.defvjp(
    lambda h, out, g, x_shape, kernel, stride, padding, ceil_mode, inc, div: _avg_pool2d(
        h, kernel, stride, padding, ceil_mode, inc, div
    )
)


def avg_pool2d(
    input: Any,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over each ``kernel_size`` window of an NCHW (or CHW) input.

    ``stride`` defaults to ``kernel_size``; ``padding`` (at most half the kernel) pads
    with zeros.  With ``count_include_pad=True`` (PyTorch's default) the padded zeros
    count in each window's divisor, with ``False`` only the input's elements do;
    ``divisor_override`` replaces the divisor; ``ceil_mode`` rounds the output size up,
    and the part of a last window past the padding never counts, as in PyTorch.
    """
    x = _as_input(input)
    kernel, st, pad, _ = _pool_args("avg_pool2d", x, kernel_size, stride, padding, 1)
    if divisor_override is not None and (
        not isinstance(divisor_override, (int, np.integer)) or divisor_override == 0
    ):
        raise ValueError(
            f"avg_pool2d: divisor_override must be a nonzero int, got {divisor_override!r}"
        )
    x, unbatched = _unbatched(x)
    out_size, _ = _windows_geometry(x.shape, kernel, st, pad, (1, 1), bool(ceil_mode))
    _checked_output("avg_pool2d", x, out_size, kernel_size)
    y = _avg_pool2d(x, kernel, st, pad, bool(ceil_mode), bool(count_include_pad), divisor_override)
    return reshape(y, y.shape[1:]) if unbatched else y
