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

from . import _mode
from ._arrays import asarray
from ._graph import Node, backprop
from ._ops_join import stack
from ._primitive import primitive
from ._tensor import Tensor


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
    data = x.data if isinstance(x, Tensor) else asarray(x)
    if data.dtype.kind in "biu":
        data = data.astype(np.float64)
    return Tensor(data, requires_grad=True)


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
            g = np.zeros_like(v.data)
        if nested:
            grads.append(g if isinstance(g, Tensor) else Tensor(g))
        else:
            grads.append(g.data if isinstance(g, Tensor) else asarray(g))
    return grads


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
    differentiate: an int gives one gradient, a tuple gives a tuple of them.  Integer
    arguments are differentiated as float64.

    Examples
    --------
    >>> import autograd_lite as ag
    >>> value, slope = ag.value_and_grad(lambda x: x ** 3)(2.0)
    >>> float(value), float(slope)
    (8.0, 12.0)
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
        variables = []
        for i in nums:
            call_args[i] = v = _variable(args[i])
            variables.append(v)
        out = _as_tensor_output(_call(f, call_args, kwargs), "grad")
        if out.size != 1:
            raise ValueError(
                f"grad: f must return one element, got shape {out.shape}; use ag.jacobian "
                "for functions with several outputs"
            )
        grads = _gradients(out, np.ones(out.shape, out.dtype), variables, nested)
        value = out if nested else out.data
        return value, grads[0] if single else tuple(grads)

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

    One reverse pass per output element: meant for small outputs.

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
        call_args[argnum] = v = _variable(args[argnum])
        out = _as_tensor_output(_call(f, call_args, kwargs), "jacobian")
        rows = []
        for k in range(out.size):
            seed = np.zeros(out.size, dtype=out.dtype)
            seed[k] = 1
            rows.append(_gradients(out, seed.reshape(out.shape), [v], nested)[0])
        shape = out.shape + v.shape
        if nested:
            if not rows:
                return Tensor(np.zeros(shape, dtype=v.dtype))
            return stack(*rows).reshape(shape)
        if not rows:
            return np.zeros(shape, dtype=v.dtype)
        return np.stack(rows).reshape(shape)

    return transformed


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

    Two reverse passes: the gradient of ``<grad f(x), v>``.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> ag.hvp(lambda x: (x ** 3).sum(), np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    array([ 6., 12.])
    """
    v_data = v.data if isinstance(v, Tensor) else np.asarray(v)
    return grad(lambda x_: (grad(f)(x_) * v_data).sum())(x)
