"""Gradients over data larger than memory: the NumPy engine mapped over Dask chunks.

:func:`value_and_grad` splits the data arguments of a loss along their first axis into
the chunks of their Dask arrays, runs ``ag.value_and_grad`` on each chunk where the chunk
lives, and adds the per-chunk results up in a tree on the workers.  Only the sum comes
back.  Because the gradient of a sum is the sum of the gradients, the result equals the
whole-data computation, provided the loss is a sum over the examples of its chunk.

Dask is imported when a transformed function is called, never when this module is
imported; install it with ``pip install "autograd_lite[distributed]"``.
"""

from __future__ import annotations

import functools
import importlib
import math
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._tensor import Tensor
from ._tree import Structure, flatten, unflatten
from .functional import value_and_grad as _engine_value_and_grad

__all__ = ["DistributedValueAndGrad", "value_and_grad"]

_NAME = "distributed.value_and_grad"
_FAN_IN = 8


def value_and_grad(
    loss: Callable[..., Any], argnums: int | Sequence[int] = 0
) -> DistributedValueAndGrad:
    """Transform a summed ``loss`` into a function of ``(params, *data)`` computed chunk by chunk.

    The arguments at ``argnums`` are parameters, sent once to the workers; every other
    positional argument is data: a Dask array chunked along its first axis only, all of
    them with the same chunks (a NumPy array counts as one chunk).  Each chunk computes
    ``ag.value_and_grad(loss, argnums)`` on its slice of every data argument, and the
    values and gradients are added up in a tree on the workers (eight at a time).  The
    work runs once, on the active scheduler: the current ``dask.distributed`` Client if
    there is one, else Dask's default (threads).

    ``loss`` must be a **sum** over the examples of its chunk, so that adding the chunks'
    results gives the whole data's.  For a mean, divide the sum's value and gradients by
    the number of examples afterwards (or pass it in, e.g. as a keyword argument, and
    divide inside the loss).

    Parameters
    ----------
    loss
        ``loss(params, X_chunk, y_chunk, ...)``: NumPy arrays in, a one-element Tensor
        out, written with ``ag`` ops.  Keyword arguments of the call are passed to it
        unchanged for every chunk (sent once, with the parameters).
    argnums
        Which positional arguments are parameters, as for :func:`autograd_lite.value_and_grad`:
        an int gives one gradient, a tuple a tuple of them.  A parameter may be an
        array, a Tensor or a nested dict/list/tuple of them; its gradient has the same
        structure, of NumPy arrays.

    Returns
    -------
    DistributedValueAndGrad
        Called as ``f(params, *data, **kwargs)`` it computes and returns
        ``(value, gradients)`` as NumPy; ``f.lazy(params, *data, **kwargs)`` builds the
        same computation as a ``dask.delayed`` object without running anything.

    Raises
    ------
    ValueError
        From the call: data arguments of different lengths or chunks, chunked along
        another axis than the first, of unknown chunk sizes, or 0-d; ``argnums`` out of
        range.  From the computation: ``loss`` returning more than one element.
    TypeError
        From the call: no data argument, a Dask collection that is not a Dask array, or
        a Dask collection among the keyword arguments.
    ImportError
        Dask is not installed.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> import autograd_lite as ag
    >>> from autograd_lite import distributed
    >>> def loss(w, X, y):                       # a sum over the chunk's examples
    ...     return ((X @ w - y) ** 2).sum()
    >>> X = da.from_array(np.arange(12.0).reshape(6, 2), chunks=(2, 2))
    >>> y = da.from_array(np.ones(6), chunks=2)
    >>> w = np.array([1.0, -1.0])
    >>> value, grad = distributed.value_and_grad(loss)(w, X, y)   # three chunks
    >>> float(value), grad
    (24.0, array([-120., -144.]))
    >>> ag.value_and_grad(loss)(w, X.compute(), y.compute())      # the same, in memory
    (array(24.), array([-120., -144.]))
    """
    return DistributedValueAndGrad(loss, argnums)


class DistributedValueAndGrad:
    """The function :func:`value_and_grad` returns; see there.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd_lite import distributed
    >>> f = distributed.value_and_grad(lambda w, x: (w * x).sum())
    >>> job = f.lazy(2.0, np.arange(4.0))        # nothing has run yet
    >>> value, grad = job.compute()
    >>> float(value), float(grad)
    (12.0, 6.0)
    """

    def __init__(self, loss: Callable[..., Any], argnums: int | Sequence[int] = 0) -> None:
        self.loss = loss
        self.argnums: tuple[int, ...]
        if isinstance(argnums, (int, np.integer)):
            self.single, self.argnums = True, (int(argnums),)
        else:
            self.single, self.argnums = False, tuple(int(i) for i in argnums)
        functools.update_wrapper(self, loss)

    def __call__(self, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
        """Compute ``(value, gradients)`` on the active scheduler and return them as NumPy."""
        dask = _import("dask")
        (result,) = dask.compute(self.lazy(*args, **kwargs))
        return result  # type: ignore[no-any-return]

    def lazy(self, *args: Any, **kwargs: Any) -> Any:
        """The computation as a ``dask.delayed``, unrun; ``.compute()`` gives ``(value, grads)``.

        Nothing runs here: the data's chunks are read only when it is computed (which
        lets several computations share one ``dask.compute``).
        """
        delayed = _import("dask").delayed
        nums = self._positions(len(args))
        data_positions = [i for i in range(len(args)) if i not in nums]
        if not data_positions:
            raise TypeError(
                f"{_NAME}: no data argument; every positional argument is a parameter "
                f"(argnums {self.argnums}). Pass the data after the parameters"
            )
        for key, value in kwargs.items():
            if hasattr(value, "__dask_graph__"):
                raise TypeError(
                    f"{_NAME}: keyword argument {key!r} is a Dask collection; keyword "
                    "arguments go whole to every chunk, pass data positionally"
                )
        blocks = _aligned_blocks([args[i] for i in data_positions], data_positions)

        params, structures = [], []
        for i in nums:
            leaves, structure = flatten(args[i])
            params.append(unflatten(structure, [_plain(leaf) for leaf in leaves]))
            structures.append(structure)
        token = uuid.uuid4().hex[:12]
        # One graph key holds everything every chunk needs: each worker fetches it once.
        shared = delayed(
            _Shared(self.loss, tuple(nums), data_positions, params, kwargs, len(args)),
            name=f"value_and_grad-shared-{token}",
            traverse=False,
        )
        level = [
            delayed(_chunk_value_and_grad)(
                shared, k, *row, dask_key_name=(f"value_and_grad-chunk-{token}", k)
            )
            for k, row in enumerate(blocks)
        ]
        depth = 0
        while len(level) > _FAN_IN:
            level = [
                delayed(_add_partials)(
                    *level[j : j + _FAN_IN],
                    dask_key_name=(f"value_and_grad-sum-{token}", depth, j // _FAN_IN),
                )
                for j in range(0, len(level), _FAN_IN)
            ]
            depth += 1
        return delayed(_total)(
            structures, self.single, *level, dask_key_name=f"value_and_grad-{token}"
        )

    def _positions(self, count: int) -> list[int]:
        positions = []
        for i in self.argnums:
            if not -count <= i < count:
                raise ValueError(f"{_NAME}: argnums {i} is out of range for {count} arguments")
            positions.append(i % count)
        return positions


def _import(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise ImportError(
            f"{_NAME} needs Dask: pip install 'autograd_lite[distributed]' ({error})"
        ) from error


def _plain(leaf: Any) -> Any:
    """A parameter as it travels to the workers: a Tensor's array, detached from any graph."""
    return leaf.data if isinstance(leaf, Tensor) else leaf


def _describe(chunks: tuple[float, ...]) -> str:
    if len(chunks) <= 6:
        return str(tuple(chunks))
    head = ", ".join(str(c) for c in chunks[:3])
    return f"({head}, ..., {chunks[-1]}: {len(chunks)} chunks)"


def _aligned_blocks(data: list[Any], positions: list[int]) -> list[tuple[Any, ...]]:
    """One tuple per chunk holding that chunk of every data argument (as delayed objects)."""
    dask = _import("dask")
    da = _import("dask.array")
    split: list[tuple[tuple[float, ...], Any]] = []
    for position, x in zip(positions, data):
        if isinstance(x, Tensor):
            x = x.data
        if isinstance(x, da.Array):
            if x.ndim == 0:
                raise ValueError(f"{_NAME}: data argument {position} is 0-d; it needs a first axis")
            if any(math.isnan(c) for c in x.chunks[0]):
                raise ValueError(
                    f"{_NAME}: data argument {position} has unknown chunk sizes {x.chunks[0]}; "
                    "call x.compute_chunk_sizes() first"
                )
            if any(len(c) != 1 for c in x.chunks[1:]):
                raise ValueError(
                    f"{_NAME}: data argument {position} of shape {x.shape} is chunked along "
                    f"axes other than the first (chunks {x.chunks}); give each chunk whole "
                    f"rows, e.g. x.rechunk({{{', '.join(f'{a}: -1' for a in range(1, x.ndim))}}})"
                )
            split.append((x.chunks[0], x.to_delayed().ravel().tolist()))
        elif hasattr(x, "__dask_graph__"):
            raise TypeError(
                f"{_NAME}: data argument {position} is a {type(x).__name__}; pass Dask "
                "arrays (a DataFrame's .to_dask_array(lengths=True)) or NumPy arrays"
            )
        else:
            array = np.asarray(x)
            if array.ndim == 0:
                raise ValueError(f"{_NAME}: data argument {position} is 0-d; it needs a first axis")
            one = dask.delayed(array, name=f"value_and_grad-data-{uuid.uuid4().hex[:12]}")
            split.append(((array.shape[0],), [one]))
    if any(chunks != split[0][0] for chunks, _ in split):
        described = "; ".join(
            f"argument {position}: shape {np.shape(x)}, first-axis chunks {_describe(chunks)}"
            for position, x, (chunks, _) in zip(positions, data, split)
        )
        raise ValueError(
            f"{_NAME}: the data arguments must have the same first-axis chunks ({described}); "
            "rechunk them alike"
        )
    return list(zip(*(blocks for _, blocks in split)))


class _Shared:
    """What every chunk's task needs, shipped once as a single graph key."""

    def __init__(
        self,
        loss: Callable[..., Any],
        argnums: tuple[int, ...],
        data_positions: list[int],
        params: list[Any],
        kwargs: dict[str, Any],
        count: int,
    ) -> None:
        self.loss = loss
        self.argnums = argnums
        self.data_positions = data_positions
        self.params = params
        self.kwargs = kwargs
        self.count = count


def _chunk_value_and_grad(shared: _Shared, index: int, *chunks: Any) -> tuple[Any, list[Any]]:
    """``(value, flat gradient leaves)`` of the loss on one chunk."""
    args: list[Any] = [None] * shared.count
    for i, p in zip(shared.argnums, shared.params):
        args[i] = p
    for i, c in zip(shared.data_positions, chunks):
        args[i] = c
    loss = shared.loss

    def checked(*a: Any, **k: Any) -> Any:
        out = loss(*a, **k)
        shape = out.shape if hasattr(out, "shape") else np.shape(out)
        if math.prod(shape) != 1:
            name = getattr(loss, "__name__", type(loss).__name__)
            raise ValueError(
                f"{_NAME}: loss {name!r} must return one element (the sum of its chunk's "
                f"per-example losses), got shape {tuple(shape)} on chunk {index} "
                f"(data shapes {[np.shape(c) for c in chunks]})"
            )
        return out

    value, grads = _engine_value_and_grad(checked, shared.argnums)(*args, **shared.kwargs)
    return np.asarray(value), flatten(grads)[0]


def _add_partials(*parts: tuple[Any, list[Any]]) -> tuple[Any, list[Any]]:
    value, grads = parts[0]
    if len(parts) == 1:
        return value, grads
    # Fresh arrays to add into: the first part's may be shared with the task that made it.
    value = np.array(value, copy=True)
    grads = [np.array(g, copy=True) for g in grads]
    for other_value, other_grads in parts[1:]:
        value += other_value
        for g, h in zip(grads, other_grads):
            g += h
    return value, grads


def _total(structures: list[Structure], single: bool, *parts: tuple[Any, list[Any]]) -> Any:
    value, leaves = _add_partials(*parts)
    grouped, start = [], 0
    for structure in structures:
        count = _count(structure)
        grouped.append(unflatten(structure, leaves[start : start + count]))
        start += count
    return value, grouped[0] if single else tuple(grouped)


def _count(structure: Structure) -> int:
    if structure is None:
        return 1
    return sum(_count(child) for child in structure[2])
