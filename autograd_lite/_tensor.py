"""The Tensor: a NumPy array that remembers how it was computed."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from . import _backends, _dispatch, _graph, _mode
from ._arrays import asarray
from ._graph import Node
from ._guard import SavedArray, guard_holding, hold_view
from .compiler.values import UNREAD, TracedArray
from .compiler.values import current as _current_recorder
from .errors import NumpyOnTensorError, TraceError

_UNSUPPORTED_KINDS = "OSUVMm"  # object, strings, void, datetimes


def _check_dtype(data: np.ndarray, requires_grad: bool) -> None:
    if data.dtype.kind in _UNSUPPORTED_KINDS:
        raise TypeError(f"Tensor: unsupported dtype {data.dtype}; use a numeric or bool array")
    if requires_grad and data.dtype.kind != "f":
        raise TypeError(
            f"Tensor: only floating-point tensors can require grad, got dtype {data.dtype}"
        )


def _check_foreign_dtype(backend: _backends.Backend, data: Any, requires_grad: bool) -> None:
    if requires_grad and not backend.is_float(data.dtype):
        raise TypeError(
            f"Tensor: only floating-point tensors can require grad, got dtype {data.dtype}"
        )


class Tensor:
    """An n-dimensional array that records the ops applied to it, for reverse-mode autodiff.

    Parameters
    ----------
    data
        Anything ``numpy.asarray`` accepts.  An ndarray of the requested dtype is used
        without copying.  Python floats become float64, Python ints int64.
    requires_grad
        Record the ops applied to this Tensor so that ``backward`` can fill its ``.grad``.
        Only floating-point Tensors can require grad (``TypeError`` otherwise).
    dtype
        The NumPy dtype to convert ``data`` to.

    Attributes
    ----------
    data : numpy.ndarray
        The values.
    grad : numpy.ndarray or None
        The accumulated gradient of a leaf (or of a Tensor that called
        :meth:`retain_grad`), of the data's shape and dtype.  Set it to ``None`` to reset.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> x = ag.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    array([2., 4., 6.])
    """

    __slots__ = ("__weakref__", "_data", "_foreign", "_grad", "_node", "_owned", "_saved")

    _data: NDArray[Any]
    _grad: NDArray[Any] | None
    _node: Node | None
    # ``_data`` itself while it is a recorded op's fresh result that has never been handed
    # out: no one else can write to it, so graphs that save it need not guard it.
    _owned: NDArray[Any] | None
    # Whether a graph saved ``_owned`` (as an op's output or input, or as a view's base):
    # ``data`` then hands out a copy.
    _saved: bool
    # None for a NumPy array; for another library's array, that library and the count of
    # in-place edits made through Tensors (see _backends.py).
    _foreign: _backends.ForeignData | None

    def __init__(
        self, data: ArrayLike, requires_grad: bool = False, dtype: DTypeLike | None = None
    ) -> None:
        if isinstance(data, Tensor):
            data = data.data
        backend = None if type(data) is np.ndarray else _backends.backend_of(data)
        if backend is None:
            arr = asarray(data, dtype=dtype)
            _check_dtype(arr, requires_grad)
            self._foreign = None
        else:
            arr = data if dtype is None else backend.astype(data, dtype)
            _check_foreign_dtype(backend, arr, requires_grad)
            self._foreign = _backends.ForeignData(backend)
        self._data = arr
        self._grad = None
        self._node = None
        self._owned = None
        self._saved = False
        if requires_grad:
            self._node = _graph.leaf_node(self)
        if _mode.unusual and _mode.state.tracing:
            _current_recorder().born(self)  # type: ignore[union-attr]

    @classmethod
    def _from_node(
        cls, data: NDArray[Any], node: Node | None, foreign: _backends.ForeignData | None = None
    ) -> Tensor:
        t = object.__new__(cls)
        t._data = data
        t._foreign = foreign
        t._grad = None
        t._node = node
        t._owned = None
        t._saved = False
        return t

    # ------------------------------------------------------------------ attributes
    @property
    def data(self) -> NDArray[Any]:
        """The values: the Tensor's own NumPy array, shared, not copied.

        Writing to it in place never changes what a recorded graph computes with. A
        leaf's array that a graph saved is read-only until that graph is freed. An op's
        result that a graph saved is copied the first time ``data`` hands it out, and the
        copy becomes the Tensor's array from then on.
        """
        data = self._data
        if type(data) is TracedArray or self._foreign is not None:
            return data  # a trace's array, or another library's: no guards, no copies
        if self._owned is data:
            self._owned = None
            # A graph that saved it (a node's output or input, a view's base) may read it
            # during backward: hand out a copy.
            if self._saved or data.base is not None:
                data = self._data = data.copy()
        elif data.base is not None and data.flags["W"]:  # writeable
            hold_view(data)  # a view of an array a graph saved is read-only while it does
        if not data.flags["W"] and guard_holding(data) is not None:
            # Saved by a graph: an array that says so when someone tries to edit it.
            return data.view(SavedArray)
        return data

    @data.setter
    def data(self, value: NDArray[Any]) -> None:
        # Another library's array may replace the data (a model moved to a GPU).
        backend = None if type(value) is np.ndarray else _backends.backend_of(value)
        self._foreign = None if backend is None else _backends.ForeignData(backend)
        self._data = value
        self._owned = None

    @property
    def grad(self) -> NDArray[Any] | None:
        """The accumulated gradient (see the class docstring); ``None`` until a backward pass."""
        grad: Any = self._grad
        if grad is UNREAD:  # inside ag.compile's trace: the first read makes it an input
            grad = _current_recorder().read_grad(self)  # type: ignore[union-attr]
        return grad  # type: ignore[no-any-return]

    @grad.setter
    def grad(self, value: NDArray[Any] | None) -> None:
        self._grad = value

    @property
    def requires_grad(self) -> bool:
        """Whether this Tensor is part of a recorded graph."""
        return self._node is not None

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if not self.is_leaf:
            raise RuntimeError(
                "requires_grad can only be changed on leaf Tensors; use .detach() to cut a "
                "Tensor out of the graph"
            )
        if value and self._node is None:
            if self._foreign is None:
                _check_dtype(self._data, True)
            else:
                _check_foreign_dtype(self._foreign.backend, self._data, True)
            self._node = _graph.leaf_node(self)
        elif not value:
            self._node = None

    @property
    def is_leaf(self) -> bool:
        """True for Tensors created by the user, False for results of recorded ops."""
        return self._node is None or self._node.prim is None

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        if self._foreign is not None:  # torch's size is a method
            return math.prod(self._data.shape)
        return self._data.size

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._data.dtype

    @property
    def T(self) -> Tensor:
        """The transpose (axes reversed), like ``ndarray.T``."""
        return transpose(self)

    @property
    def mT(self) -> Tensor:
        """The matrix transpose of a stack of matrices (last two axes swapped), like the
        Array API's ``array.mT`` and PyTorch's ``Tensor.mT``."""
        return swapaxes(self, -1, -2)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        foreign = self._foreign
        if foreign is not None:
            body = np.array2string(
                foreign.backend.to_numpy(self._data), separator=", ", prefix="Tensor("
            )
            extra = f", dtype={self._data.dtype}, library={foreign.backend.library}, "
            extra += f"device={foreign.backend.device}"
        else:
            body = np.array2string(self._data, separator=", ", prefix="Tensor(")
            extra = ""
            if self._data.dtype not in (np.float64, np.int64, np.bool_):
                extra += f", dtype={self._data.dtype}"
        if self._node is not None:
            extra += ", requires_grad=True" if self.is_leaf else f", grad_fn=<{self._node.name}>"
        return f"Tensor({body}{extra})"

    # ------------------------------------------------------------------ autodiff
    def backward(self, grad: ArrayLike | None = None, *, retain_graph: bool = False) -> None:
        """Accumulate the gradient of this Tensor into ``.grad`` of the leaves it depends on.

        Parameters
        ----------
        grad
            The gradient of some scalar with respect to this Tensor (same shape).  May be
            omitted only when this Tensor has one element; it is then 1.
        retain_graph
            Keep the saved arrays so that the graph can be differentiated again.  By
            default they are freed as the backward pass goes, and a second backward
            through the same graph raises :class:`~autograd_lite.errors.GraphFreedError`.

        Raises
        ------
        RuntimeError
            If this Tensor does not require grad.
        ValueError
            If ``grad`` is omitted for a Tensor of more than one element, or has the wrong
            shape.
        """
        node = self._node
        if node is None:
            raise RuntimeError(
                "backward: this Tensor does not require grad (no input of the ops that "
                "produced it had requires_grad=True)"
            )
        if grad is None:
            if self.size != 1:
                raise ValueError(
                    f"backward: grad can be omitted only for a one-element Tensor, but this one "
                    f"has shape {self.shape}; pass grad= of that shape"
                )
            if self._foreign is not None:
                seed = self._foreign.backend.ones(self._data.shape, self._data.dtype)
            else:
                seed = np.empty(self._data.shape, self._data.dtype)
                seed.fill(1)
        elif self._foreign is not None:
            seed = self._foreign_seed(grad)
        else:
            seed = grad._data if isinstance(grad, Tensor) else asarray(grad)
            if seed.shape != self.shape:
                raise ValueError(
                    f"backward: grad has shape {seed.shape}, but the Tensor has shape {self.shape}"
                )
            if seed.dtype.kind not in "fiub":
                raise TypeError(f"backward: grad must be a real array, got dtype {seed.dtype}")
            if seed.dtype != self.dtype:
                seed = seed.astype(self.dtype)
        _graph.backprop(node, seed, retain_graph=retain_graph)

    def _foreign_seed(self, grad: Any) -> Any:
        assert self._foreign is not None
        backend = self._foreign.backend
        seed = grad._data if isinstance(grad, Tensor) else grad
        if _backends.backend_of_call((seed,)) is not backend:
            raise TypeError(
                f"backward: grad must be an array of {backend.library} on {backend.device}, "
                f"like the Tensor's data; got {type(seed).__name__}"
            )
        if tuple(seed.shape) != tuple(self.shape):
            raise ValueError(
                f"backward: grad has shape {tuple(seed.shape)}, but the Tensor has shape "
                f"{self.shape}"
            )
        if seed.dtype != self.dtype:
            seed = backend.astype(seed, self.dtype)
        return seed

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf Tensor when ``backward`` passes through it."""
        node = self._node
        if node is None:
            raise RuntimeError("retain_grad: this Tensor does not require grad")
        if node.sink is None:
            import weakref

            node.sink = weakref.ref(self)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set :attr:`requires_grad` on this leaf in place, and return it."""
        self.requires_grad = requires_grad
        return self

    def clone(self) -> Tensor:
        """A copy of the data, recorded: gradients flow back to this Tensor."""
        return astype(self, self._data.dtype)  # astype always copies

    def detach(self) -> Tensor:
        """A Tensor with the same data (not copied) and no graph."""
        data = self.data  # the array is handed out (a graph's own result is copied first)
        return Tensor._from_node(
            self._data if type(data) is SavedArray else data, None, self._foreign
        )

    def numpy(self) -> NDArray[Any]:
        """The data as a NumPy array (not copied); another library's array is copied to the host."""
        if self._foreign is not None:
            return self._foreign.backend.to_numpy(self._data)
        return self.data

    def tolist(self) -> Any:
        """The data as (nested) Python lists of Python scalars, like ``ndarray.tolist``."""
        return self.numpy().tolist() if self._foreign is not None else self._data.tolist()

    def item(self) -> Any:
        """The single element as a Python scalar."""
        if self._data.size != 1:
            raise ValueError(
                f"item: only one-element Tensors convert, this one has shape {self.shape}"
            )
        return self.numpy().item() if self._foreign is not None else self._data.item()

    def __array__(self, dtype: DTypeLike | None = None, copy: bool | None = None) -> NDArray[Any]:
        if self._foreign is not None:
            raise TypeError(
                f"NumPy was asked to convert a Tensor of {self._foreign.backend.library} data "
                f"(shape {self.shape}) into a NumPy array; autograd_lite moves data between "
                "libraries only when asked: call .numpy()"
            )
        if type(self._data) is TracedArray:
            raise TraceError(
                f"np.asarray() of a traced Tensor (shape {self.shape}) at "
                f"{_current_recorder().user_site()} inside a compiled function would take its "  # type: ignore[union-attr]
                "values out of the trace; use autograd_lite's ops, or return the Tensor"
            )
        if self._node is not None:
            raise NumpyOnTensorError(
                f"NumPy was asked to convert a Tensor of shape {self.shape} that requires grad "
                "into an array, which would silently drop it from the graph; call .detach() "
                "or .numpy() first, or use autograd_lite's own functions"
            )
        arr = self.data if dtype is None else self._data.astype(dtype)
        if type(arr) is SavedArray:
            arr = self._data
        return arr.copy() if copy else arr

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        twin = _dispatch.twin_of(ufunc, method)
        if twin is not None and not (method == "__call__" and kwargs):
            return twin(*inputs, **kwargs)
        if _dispatch.contains_graph(inputs):
            name = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
            if twin is not None:
                raise NumpyOnTensorError(
                    f"{name} on a Tensor takes no keyword arguments (got {sorted(kwargs)}); "
                    "an out= array would take the result out of the graph"
                )
            raise _dispatch.no_twin(name)
        result = getattr(ufunc, method)(*_dispatch.plain(inputs), **_dispatch.plain(kwargs))
        return Tensor(result) if isinstance(result, np.ndarray) else result

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        twin = _dispatch.twin_of(func)
        if twin is not None:
            return twin(*args, **kwargs)
        if _dispatch.contains_graph(args) or _dispatch.contains_graph(kwargs.values()):
            raise _dispatch.no_twin(f"numpy.{func.__name__}")
        return func(*_dispatch.plain(args), **_dispatch.plain(kwargs))

    # ------------------------------------------------------------------ operators
    def __add__(self, other: Any) -> Tensor:
        return add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return subtract(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return subtract(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return multiply(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return multiply(other, self)

    def __mod__(self, other: Any) -> Tensor:
        return remainder(self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return remainder(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return divide(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return divide(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return power(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return power(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return matmul(other, self)

    def __neg__(self) -> Tensor:
        return negative(self)

    # In-place arithmetic, as in ``with ag.no_grad(): w -= lr * w.grad``.  It changes the
    # data of this Tensor, so it is refused where the change would go unrecorded.
    def _inplace(self, ufunc: np.ufunc, other: Any, symbol: str) -> Tensor:
        if self._node is not None and _mode.state.grad_enabled:
            raise RuntimeError(
                f"in-place '{symbol}' on a Tensor that requires grad while the graph is being "
                "recorded; do it inside 'with ag.no_grad():' (an update), or write "
                f"'t = t {symbol[0]} other' (a new op in the graph)"
            )
        if self._foreign is not None:
            self._inplace_foreign(ufunc, other, symbol)
            return self
        data = self.data
        if not data.flags.writeable:
            raise ValueError(
                f"in-place '{symbol}' on a Tensor of shape {self.shape}: its data is read-only, "
                "most likely saved by a graph that has not run backward yet (it becomes "
                "writable when backward frees that graph or the graph is dropped)"
            )
        try:
            ufunc(data, _plain(other), out=data, casting="same_kind")
        except (TypeError, ValueError) as exc:
            message = f"in-place '{symbol}' on a Tensor of shape {self.shape}: {exc}"
            raise (TypeError if isinstance(exc, TypeError) else ValueError)(message) from exc
        return self

    def _inplace_foreign(self, ufunc: np.ufunc, other: Any, symbol: str) -> None:
        """In-place arithmetic on another library's array: written in place, and counted.

        Nothing there can be made read-only, so the edit bumps the version count that the
        graphs which saved this array check when they run backward.
        """
        foreign = self._foreign
        assert foreign is not None
        backend = foreign.backend
        if _backends.backend_of_call((self, other)) is not backend:
            raise TypeError(f"in-place '{symbol}': other is not a {backend.library} array")
        data = self._data
        try:
            new = getattr(backend.np, ufunc.__name__)(data, _plain(other))
            if new.dtype != data.dtype:
                if not backend.xp.can_cast(new.dtype, data.dtype):
                    raise TypeError(f"cannot cast {new.dtype} to {data.dtype}")
                new = backend.astype(new, data.dtype)
            data[...] = new
        except (TypeError, ValueError) as exc:
            message = f"in-place '{symbol}' on a Tensor of shape {self.shape}: {exc}"
            raise (TypeError if isinstance(exc, TypeError) else ValueError)(message) from exc
        foreign.version += 1

    def __iadd__(self, other: Any) -> Tensor:
        return self._inplace(np.add, other, "+=")

    def __isub__(self, other: Any) -> Tensor:
        return self._inplace(np.subtract, other, "-=")

    def __imul__(self, other: Any) -> Tensor:
        return self._inplace(np.multiply, other, "*=")

    def __itruediv__(self, other: Any) -> Tensor:
        return self._inplace(np.divide, other, "/=")

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return absolute(self)

    def __getitem__(self, index: Any) -> Tensor:
        return getitem(self, _plain_index(index))

    def __setitem__(self, index: Any, value: Any) -> None:
        raise TypeError(
            "Tensor does not support item assignment, which would change recorded values; "
            "build a new Tensor (ag.where, concatenation) or edit .data outside any graph"
        )

    # Comparisons give bool Tensors that carry no gradient, like NumPy's.
    def __lt__(self, other: Any) -> Tensor:
        return Tensor(self._data < _plain(other))

    def __le__(self, other: Any) -> Tensor:
        return Tensor(self._data <= _plain(other))

    def __gt__(self, other: Any) -> Tensor:
        return Tensor(self._data > _plain(other))

    def __ge__(self, other: Any) -> Tensor:
        return Tensor(self._data >= _plain(other))

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return Tensor(self._data == _plain(other))

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return Tensor(self._data != _plain(other))

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        return bool(self._data)

    def __float__(self) -> float:
        return float(self._data)

    def __int__(self) -> int:
        try:
            return int(self._data)
        except OverflowError as exc:  # int(inf): a value error, as int(nan) already is
            raise ValueError(f"int: {exc}") from exc

    def __iter__(self) -> Iterator[Tensor]:
        if type(self._data) is TracedArray:
            iter(self._data)  # raises TraceError: a trace does not iterate over values
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d Tensor")
        return (self[i] for i in range(len(self._data)))

    # ------------------------------------------------------------------ method forms of ops
    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return max(self, axis=axis, keepdims=keepdims)

    def min(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return min(self, axis=axis, keepdims=keepdims)

    def prod(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return prod(self, axis=axis, keepdims=keepdims)

    def var(
        self, axis: int | Sequence[int] | None = None, *, ddof: float = 0, keepdims: bool = False
    ) -> Tensor:
        return var(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def std(
        self, axis: int | Sequence[int] | None = None, *, ddof: float = 0, keepdims: bool = False
    ) -> Tensor:
        return std(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def cumsum(self, axis: int | None = None) -> Tensor:
        return cumsum(self, axis=axis)

    def cumprod(self, axis: int | None = None) -> Tensor:
        return cumprod(self, axis=axis)

    def dot(self, other: Any) -> Tensor:
        return dot(self, other)

    def take(self, indices: Any, axis: int | None = None) -> Tensor:
        return take(self, indices, axis=axis)

    def ravel(self, order: str = "C") -> Tensor:
        return ravel(self, order)  # type: ignore[no-any-return]

    def repeat(self, repeats: Any, axis: int | None = None) -> Tensor:
        return repeat(self, repeats, axis)  # type: ignore[no-any-return]

    def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
        return diagonal(self, offset, axis1, axis2)  # type: ignore[no-any-return]

    def trace(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
        return trace(self, offset, axis1, axis2)  # type: ignore[no-any-return]

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        return clip(self, min, max)

    def round(self, decimals: int = 0) -> Tensor:
        return round(self, decimals)

    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = tuple(shape[0])
        return reshape(self, shape)

    def transpose(self, *axes: Any) -> Tensor:
        """The axes permuted as ``ndarray.transpose`` does: reversed when none are given."""
        if not axes or (len(axes) == 1 and axes[0] is None):
            return transpose(self, None)
        if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
            axes = tuple(axes[0])  # one sequence of axes, which may be empty (a 0-d Tensor)
        return transpose(self, axes)

    def flatten(self) -> Tensor:
        """The elements as one axis, in C order (``reshape(-1)``)."""
        return reshape(self, (-1,))

    def squeeze(self, axis: int | Sequence[int] | None = None) -> Tensor:
        """The Tensor without its length-1 axes (only those in ``axis``, if given)."""
        return reshape(self, _shape_after("squeeze", np.squeeze, self._data.shape, axis))

    def unsqueeze(self, axis: int | Sequence[int]) -> Tensor:
        """The Tensor with a new length-1 axis at ``axis`` (``np.expand_dims``)."""
        return reshape(self, _shape_after("unsqueeze", np.expand_dims, self._data.shape, axis))

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        return swapaxes(self, axis1, axis2)

    def astype(self, dtype: DTypeLike) -> Tensor:
        return astype(self, np.dtype(dtype))

    def pow(self, exponent: Any) -> Tensor:
        return power(self, exponent)

    def matmul(self, other: Any) -> Tensor:
        return matmul(self, other)

    def argmax(self, axis: int | None = None) -> Tensor:
        """Index of the largest element (along ``axis``); an integer Tensor with no graph."""
        return Tensor(np.argmax(self._data, axis=axis))

    def argmin(self, axis: int | None = None) -> Tensor:
        """Index of the smallest element (along ``axis``); an integer Tensor with no graph."""
        return Tensor(np.argmin(self._data, axis=axis))

    def exp(self) -> Tensor:
        return exp(self)

    def log(self) -> Tensor:
        return log(self)

    def sqrt(self) -> Tensor:
        return sqrt(self)

    def abs(self) -> Tensor:
        return absolute(self)

    def sigmoid(self) -> Tensor:
        return sigmoid(self)

    def tanh(self) -> Tensor:
        return tanh(self)

    def relu(self) -> Tensor:
        return relu(self)

    def softmax(self, axis: int = -1) -> Tensor:
        return softmax(self, axis=axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return log_softmax(self, axis=axis)


def _plain(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _plain_index(index: Any) -> Any:
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


# The ops are defined in terms of Tensor, so they are imported after it.
from ._ops_arith import add, divide, matmul, multiply, negative, power, subtract  # noqa: E402
from ._ops_arrange import diagonal, ravel, repeat, trace  # noqa: E402
from ._ops_elementwise import (  # noqa: E402
    absolute,
    exp,
    log,
    relu,
    sigmoid,
    sqrt,
    tanh,
)
from ._ops_math import clip, remainder, round  # noqa: E402
from ._ops_nn import log_softmax, softmax  # noqa: E402
from ._ops_order import take  # noqa: E402
from ._ops_products import dot  # noqa: E402
from ._ops_reduce import max, mean, min, sum  # noqa: E402
from ._ops_shape import astype, getitem, reshape, swapaxes, transpose  # noqa: E402
from ._ops_stats import cumprod, cumsum, prod, std, var  # noqa: E402


def _shape_after(name: str, reshaper: Any, shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    """The shape ``reshaper`` (``np.squeeze``, ``np.expand_dims``) gives, with no data moved."""
    try:
        return reshaper(np.broadcast_to(0, shape), axis).shape  # type: ignore[no-any-return]
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"{name}: {exc} (shape {shape}, axis {axis!r})") from exc


def _comparison(ufunc: np.ufunc) -> Any:
    def compare(a: Any, b: Any) -> Tensor:
        return Tensor(ufunc(_plain(a), _plain(b)))

    return compare


def _values_only(func: Any) -> Any:
    """A NumPy function that reads a Tensor's values and returns no array to differentiate."""

    def read(*args: Any, **kwargs: Any) -> Any:
        return func(*_dispatch.plain(args), **_dispatch.plain(kwargs))

    return read


NUMPY: dict[Any, Any] = {
    u: _comparison(u)
    for u in (np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal)
}
# Shapes, indices, tests of values and new constant arrays: nothing to differentiate.
NUMPY |= {
    f: _values_only(f)
    for f in (
        np.shape, np.ndim, np.size, np.result_type, np.argmax, np.argmin, np.argsort,
        np.argpartition, np.nonzero, np.flatnonzero, np.count_nonzero, np.zeros_like,
        np.ones_like, np.empty_like, np.full_like, np.array_equal, np.allclose, np.isclose,
        np.isfinite, np.isnan, np.isinf, np.signbit, np.iscomplexobj, np.isrealobj,
        np.searchsorted, np.unique,
    )
}  # fmt: skip
_dispatch.register(NUMPY)
