"""Convolution and pooling layers: Conv1d, Conv2d, MaxPool2d, AvgPool2d (NCL / NCHW)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from .._ops_conv import _conv_padding, _pair, avg_pool2d, conv1d, conv2d, max_pool2d
from .._tensor import Tensor
from ._module import Module
from ._parameter import Parameter
from .init import RNGLike, as_generator


def _tuple(name: str, value: Any, n: int, minimum: int, op: str) -> tuple[int, ...]:
    """An int or an ``n``-tuple of ints as an ``n``-tuple (PyTorch's ``_single``/``_pair``)."""
    if n == 2:
        return _pair(op, name, value, minimum)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        items: tuple[Any, ...] = (value,)
    else:
        try:
            items = tuple(value)
        except TypeError:
            raise TypeError(f"{op}: {name} must be an int or a 1-tuple, got {value!r}") from None
    if len(items) != 1 or not isinstance(items[0], (int, np.integer)) or items[0] < minimum:
        raise ValueError(f"{op}: {name} must be an int of at least {minimum}, got {value!r}")
    return (int(items[0]),)


class _ConvNd(Module):
    """What Conv1d and Conv2d share: arguments, parameters, initialisation and repr."""

    _dims = 2
    weight: Parameter
    bias: Parameter | None

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] = 1,
        padding: int | tuple[int, ...] | str = 0,
        dilation: int | tuple[int, ...] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        rng: RNGLike = None,
        dtype: DTypeLike = np.float64,
    ) -> None:
        super().__init__()
        name, n = type(self).__name__, self._dims
        if in_channels <= 0 or out_channels <= 0:
            raise ValueError(
                f"{name}: channel counts must be positive, got in_channels={in_channels}, "
                f"out_channels={out_channels}"
            )
        if not isinstance(groups, (int, np.integer)) or groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups:
            raise ValueError(
                f"{name}: in_channels={in_channels} must be divisible by groups={groups}"
            )
        if out_channels % groups:
            raise ValueError(
                f"{name}: out_channels={out_channels} must be divisible by groups={groups}"
            )
        if padding_mode != "zeros":
            raise ValueError(
                f"{name}: only padding_mode='zeros' is supported, got {padding_mode!r}"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _tuple("kernel_size", kernel_size, n, 1, name)
        self.stride = _tuple("stride", stride, n, 1, name)
        self.dilation = _tuple("dilation", dilation, n, 1, name)
        self.padding: tuple[int, ...] | str
        if isinstance(padding, str):
            k2 = self.kernel_size if n == 2 else (1, *self.kernel_size)
            s2 = self.stride if n == 2 else (1, *self.stride)
            d2 = self.dilation if n == 2 else (1, *self.dilation)
            _conv_padding(name, padding, k2, s2, d2)  # type: ignore[arg-type]  # raises if bad
            self.padding = padding
        else:
            self.padding = _tuple("padding", padding, n, 0, name)
        self.groups = int(groups)
        self.padding_mode = padding_mode
        # PyTorch's default: kaiming_uniform(a=√5) for the weight, which is
        # U(-1/√fan_in, 1/√fan_in), and the same bound for the bias.
        gen = as_generator(rng)
        fan_in = (in_channels // groups) * math.prod(self.kernel_size)
        k = 1.0 / math.sqrt(fan_in)
        shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(gen.uniform(-k, k, shape), dtype=dtype)
        self.bias = Parameter(gen.uniform(-k, k, out_channels), dtype=dtype) if bias else None
        if not bias:
            self.register_parameter("bias", None)

    def extra_repr(self) -> str:
        n = self._dims
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-D convolution of NCHW (or CHW) inputs; see :func:`autograd_lite.conv2d`.

    Weight and bias start uniform in ``(-k, k)``, ``k = 1/√fan_in`` with
    ``fan_in = in_channels / groups · kH · kW`` (PyTorch's default, kaiming-uniform with
    ``a = √5``).

    Parameters
    ----------
    in_channels, out_channels
        Channels of the input and of the output.
    kernel_size, stride, dilation
        An int or a pair ``(along H, along W)``.
    padding
        An int, a pair, ``"valid"`` or ``"same"`` (stride 1 only); zeros.
    groups
        Channels split into this many groups, each convolved on its own.
    bias
        Whether to add a learned bias per output channel.
    padding_mode
        Only ``"zeros"``.
    rng
        Generator (or int seed) for the initial values; ``None`` uses a fresh unseeded one.
    dtype
        Floating dtype of the parameters.

    Attributes
    ----------
    weight : Parameter
        Shape ``(out_channels, in_channels / groups, kH, kW)``.
    bias : Parameter or None
        Shape ``(out_channels,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd_lite import nn
    >>> conv = nn.Conv2d(1, 16, 3, padding=1, rng=0)
    >>> conv
    Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    >>> conv(np.ones((8, 1, 28, 28))).shape
    (8, 16, 28, 28)
    """

    _dims = 2

    def forward(self, x: Any) -> Tensor:
        return conv2d(
            x,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.dilation,
            self.groups,
        )


class Conv1d(_ConvNd):
    """1-D convolution of NCL (or CL) inputs; see :func:`autograd_lite.conv1d`.

    The arguments are :class:`Conv2d`'s with ints (or 1-tuples) for ``kernel_size``,
    ``stride``, ``padding`` and ``dilation``; the weight has shape
    ``(out_channels, in_channels / groups, k)`` and starts, with the bias, uniform in
    ``(-k, k)``, ``k = 1/√(in_channels / groups · kernel_size)``.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd_lite import nn
    >>> conv = nn.Conv1d(4, 6, 3, stride=2, rng=0)
    >>> conv
    Conv1d(4, 6, kernel_size=(3,), stride=(2,))
    >>> conv(np.ones((2, 4, 11))).shape
    (2, 6, 5)
    """

    _dims = 1

    def forward(self, x: Any) -> Tensor:
        padding = self.padding if isinstance(self.padding, str) else self.padding[0]
        return conv1d(
            x, self.weight, self.bias, self.stride[0], padding, self.dilation[0], self.groups
        )


class MaxPool2d(Module):
    """Maximum over windows of NCHW (or CHW) inputs; see :func:`autograd_lite.max_pool2d`.

    ``stride`` defaults to ``kernel_size``; padding is -inf.  Tied maxima share their
    window's gradient evenly (PyTorch gives it to the first).  ``return_indices=True`` is
    not supported.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd_lite import nn
    >>> pool = nn.MaxPool2d(2)
    >>> pool
    MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    >>> pool(np.arange(16.0).reshape(1, 1, 4, 4))
    Tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        if return_indices:
            raise NotImplementedError("MaxPool2d: return_indices=True is not supported")
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, x: Any) -> Tensor:
        return max_pool2d(
            x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """Mean over windows of NCHW (or CHW) inputs; see :func:`autograd_lite.avg_pool2d`.

    ``stride`` defaults to ``kernel_size``; padding is zeros, counted in the divisor
    unless ``count_include_pad=False``; ``divisor_override`` replaces the divisor.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd_lite import nn
    >>> pool = nn.AvgPool2d(2)
    >>> pool
    AvgPool2d(kernel_size=2, stride=2, padding=0)
    >>> pool(np.arange(16.0).reshape(1, 1, 4, 4))
    Tensor([[[[ 2.5,  4.5],
              [10.5, 12.5]]]])
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, x: Any) -> Tensor:
        return avg_pool2d(
            x,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
