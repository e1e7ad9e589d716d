"""Functional transforms: grad, value_and_grad, jacobian, hessian, hvp.

These differentiate a function rather than a Tensor.  At top level they return NumPy
arrays.  Called inside another differentiation (or on Tensors that require grad) they
return Tensors wired into the graph, so transforms nest to any order::

    d2f = ag.grad(ag.grad(f))

Each call differentiates with respect to a fresh variable of its own, so nested calls
never confuse their variables: for ``f(x) = grad(lambda y: x * y)(x)``, ``f'(x) = 1``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import _backends, _mode
from ._arrays import asarray
from ._graph import Node, backprop
from ._ops_join import stack
from ._primitive import primitive
from ._tensor import Tensor
from ._tree import flatten, unflatten


@primitive
def _identity(x):  # type: ignore[no-untyped-def]
    return x


_identity.defvjp(lambda g, out, x: g)


def _nested(args: Sequence[Any]) -> bool:
    """Whether results must stay differentiable: inside another transform, or on graph inputs."""
    if not _mode.state.grad_enabled:
        return False
    return _mode.state.nesting > 0 or any(
        isinstance(a, Tensor) and a._node is not None for a in args
    )


def _variable(x: Any) -> Tensor:
    """A fresh variable to differentiate with respect to, still connected to ``x``'s graph."""
    if isinstance(x, Tensor) and x._node is not None:
        return _identity(x)
    foreign = _backends.backend_of_call((x,))
    if foreign is not None:  # another library's array: its own dtype rules
        return Tensor(x.data if isinstance(x, Tensor) else x, requires_grad=True)
    data = x.data if isinstance(x, Tensor) else asarray(x)
    if data.dtype.kind in "biu":
        data = data.astype(np.float64)
    return Tensor(data, requires_grad=True)


def _variables(arg: Any) -> tuple[Any, list[Tensor]]:
    """``arg`` with a fresh variable for each of its arrays (a container's too), and them."""
    leaves, structure = flatten(arg)
    variables = [_variable(x) for x in leaves]
    return unflatten(structure, variables), variables


def _regroup(values: list[Any], groups: list[tuple[Any, int]]) -> list[Any]:
    """``values`` (one per variable) put back in the structure of each group's argument."""
    grouped, start = [], 0
    for tree, count in groups:
        grouped.append(unflatten(flatten(tree)[1], values[start : start + count]))
        start += count
    return grouped


def _call(f: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Any:
    _mode.state.nesting += 1
    try:
        with _mode.enable_grad():
            return f(*args, **kwargs)
    finally:
        _mode.state.nesting -= 1


def _gradients(out: Tensor, seed: Any, variables: list[Tensor], nested: bool) -> list[Any]:
    """Gradients of ``out`` (seeded with ``seed``) for each variable, zeros where unreached."""
    node = out._node
    found: dict[Node, Any] = {}
    if node is not None:
        found = backprop(
            node,
            Tensor(seed) if nested else seed,
            targets=[v._node for v in variables],  # type: ignore[misc]
            retain_graph=True,
            create_graph=nested,
        )
    grads: list[Any] = []
    for v in variables:
        g = found.get(v._node)  # type: ignore[arg-type]
        if g is None:
            g = _zeros_like(v)
        if nested:
            grads.append(g if isinstance(g, Tensor) else Tensor(g))
        elif v._foreign is not None:
            grads.append(g.data if isinstance(g, Tensor) else g)
        else:
            grads.append(g.data if isinstance(g, Tensor) else asarray(g))
    return grads


def _zeros_like(t: Tensor) -> Any:
    if t._foreign is not None:
        return t._foreign.backend.xp.zeros_like(t.data)
    return np.zeros_like(t.data)


def _ones_like(t: Tensor) -> Any:
    if t._foreign is not None:
        return t._foreign.backend.ones(t.shape, t.dtype)
    return np.ones(t.shape, t.dtype)


def _as_tensor_output(out: Any, name: str) -> Tensor:
    if isinstance(out, Tensor):
        return out
    try:
        return Tensor(out)
    except TypeError:
        raise TypeError(
            f"{name}: f must return a Tensor or an array, got {type(out).__name__}"
        ) from None


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[Any, Any]]:
    """Transform ``f`` into a function returning ``(f(*args), gradient)``.

    ``f`` must return a one-element Tensor.  ``argnums`` picks the arguments to
    differentiate: an int gives one gradient, a tuple gives a tuple of them.  An argument
    may be a (nested) dict, list or tuple of arrays, such as a model's parameters: its
    gradient has the same structure.  Integer arguments are differentiated as float64.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> value, slope = ag.value_and_grad(lambda x: x ** 3)(2.0)
    >>> float(value), float(slope)
    (8.0, 12.0)
    >>> params = {"w": np.array([1.0, 2.0]), "b": 0.5}
    >>> ag.grad(lambda p: (p["w"] * p["w"]).sum() + 3 * p["b"])(params)
    {'w': array([2., 4.]), 'b': array(3.)}
    """
    single = isinstance(argnums, (int, np.integer))
    nums = (int(argnums),) if single else tuple(argnums)  # type: ignore[arg-type]

    @functools.wraps(f)
    def transformed(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        for i in nums:
            if not -len(args) <= i < len(args):
                raise ValueError(f"grad: argnums {i} is out of range for {len(args)} arguments")
        nested = _nested(args)
        call_args = list(args)
        variables: list[Tensor] = []
        structures = []
        for i in nums:
            call_args[i], these = _variables(args[i])
            variables += these
            structures.append((call_args[i], len(these)))
        out = _as_tensor_output(_call(f, call_args, kwargs), "grad")
        if out.size != 1:
            raise ValueError(
                f"grad: f must return one element, got shape {out.shape}; use ag.jacobian "
                "for functions with several outputs"
            )
        grads = _gradients(out, _ones_like(out), variables, nested)
        grouped = _regroup(grads, structures)
        value = out if nested else out.data
        return value, grouped[0] if single else tuple(grouped)

    return transformed


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Transform ``f`` into the function computing its gradient.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> d2 = ag.grad(ag.grad(ag.tanh))          # second derivative of tanh
    >>> t = float(ag.tanh(0.5).item())
    >>> bool(abs(float(d2(0.5)) - (-2 * t * (1 - t**2))) < 1e-12)
    True
    """
    vg = value_and_grad(f, argnums)

    @functools.wraps(f)
    def transformed(*args: Any, **kwargs: Any) -> Any:
        return vg(*args, **kwargs)[1]

    return transformed


def jacobian(f: Callable[..., Any], argnum: int = 0) -> Callable[..., Any]:
    """Transform ``f`` into the function computing its Jacobian, of shape ``out.shape + x.shape``.

    One reverse pass per output element: meant for small outputs.  If ``f`` returns a
    list or tuple of Tensors, or the argument is a container of arrays, the Jacobian is
    nested the same way: one block per output, each in the argument's structure.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> ag.jacobian(lambda x: x * x)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """

    @functools.wraps(f)
    def transformed(*args: Any, **kwargs: Any) -> Any:
        nested = _nested(args)
        call_args = list(args)
        call_args[argnum], variables = _variables(args[argnum])
        outs, out_structure = flatten(_call(f, call_args, kwargs))
        blocks = []
        for out in outs:
            out = _as_tensor_output(out, "jacobian")
            per_variable = _jacobian_blocks(out, variables, nested)
            blocks.append(_regroup(per_variable, [(call_args[argnum], len(variables))])[0])
        return unflatten(out_structure, blocks)

    return transformed


def _jacobian_blocks(out: Tensor, variables: list[Tensor], nested: bool) -> list[Any]:
    """``d out / d v`` for each variable ``v``, of shape ``out.shape + v.shape``."""
    rows: list[list[Any]] = [[] for _ in variables]
    for k in range(out.size):
        seed = np.zeros(out.size, dtype=out.dtype)
        seed[k] = 1
        for row, g in zip(rows, _gradients(out, seed.reshape(out.shape), variables, nested)):
            row.append(g)
    blocks = []
    for v, row in zip(variables, rows):
        shape = out.shape + v.shape
        if not row:
            zeros = np.zeros(shape, dtype=v.dtype)
            blocks.append(Tensor(zeros) if nested else zeros)
        elif nested:
            blocks.append(stack(*row).reshape(shape))
        else:
            blocks.append(np.stack(row).reshape(shape))
    return blocks


def hessian(f: Callable[..., Any], argnum: int = 0) -> Callable[..., Any]:
    """Transform a scalar ``f`` into the function computing its Hessian (``x.shape * 2``).

    Built as ``jacobian(grad(f))``: one reverse pass per element of ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> ag.hessian(lambda x: (x ** 3).sum())(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    return jacobian(grad(f, argnum), argnum)


def hvp(f: Callable[..., Any], x: Any, v: Any) -> Any:
    """The Hessian-vector product ``H(x) v`` of a scalar ``f``, without forming ``H``.

    Two reverse passes: the gradient of ``<grad f(x), v>``.  ``x`` and ``v`` may be
    containers of arrays of the same structure.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> ag.hvp(lambda x: (x ** 3).sum(), np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    array([ 6., 12.])
    """
    directions = [d.data if isinstance(d, Tensor) else np.asarray(d) for d in flatten(v)[0]]

    def directional(x_: Any) -> Tensor:
        gradients = flatten(grad(f)(x_))[0]
        if len(gradients) != len(directions):
            raise ValueError(
                f"hvp: v has {len(directions)} array(s), x has {len(gradients)}; they must match"
            )
        terms = [(g * d).sum() for g, d in zip(gradients, directions)]
        return terms[0] if len(terms) == 1 else stack(*terms).sum()

    return grad(directional)(x)
