"""Parameter: the Tensor a Module learns."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from .._arrays import dtype_kind
from .._tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor that requires grad and that a :class:`Module` registers as its own.

    Assigning a Parameter to an attribute of a Module makes it appear in
    ``parameters()`` and ``state_dict()``.  Like a Tensor, it wraps ``data`` without
    copying when ``data`` is already an ndarray of the requested dtype.

    Parameters
    ----------
    data
        A floating-point array (anything ``numpy.asarray`` accepts).
    requires_grad
        Whether ``backward`` fills ``.grad`` (``True`` unless the parameter is frozen).
    dtype
        The NumPy dtype to convert ``data`` to.

    Examples
    --------
    >>> from autograd_lite import nn
    >>> w = nn.Parameter([1.0, 2.0])
    >>> w.requires_grad, w.is_leaf
    (True, True)
    """

    __slots__ = ()

    def __init__(
        self, data: ArrayLike, requires_grad: bool = True, dtype: DTypeLike | None = None
    ) -> None:
        super().__init__(data, requires_grad=requires_grad, dtype=dtype)
        if dtype_kind(self.data.dtype) != "f":
            raise TypeError(f"Parameter: data must be floating point, got dtype {self.dtype}")

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Parameter(")
        extra = "" if self.data.dtype == np.float64 else f", dtype={self.data.dtype}"
        if not self.requires_grad:
            extra += ", requires_grad=False"
        return f"Parameter({body}{extra})"

    def __reduce__(self) -> Any:
        return (Parameter, (self.data, self.requires_grad))
