"""Linear algebra: ``numpy.linalg``'s functions on Tensors, differentiable to any order.

Every function has NumPy's name, arguments and defaults, takes stacks of matrices
``(..., n, n)`` where NumPy does, and keeps float32 float32.  Each derivative rule is
written with autograd_lite's own ops (``inv``'s gradient uses ``inv`` of the recorded
output, ``det``'s uses ``inv``, ``cholesky``'s uses ``inv`` of its factor), so a gradient
can be differentiated again (Hessians, gradient penalties).

Conventions, where the derivative does not exist or is infinite:

- ``det``, ``slogdet``: the gradient is ``det(A) inv(A)^T`` (``inv(A)^T`` for ``slogdet``),
  so an exactly singular ``A`` has no gradient: the backward pass raises NumPy's
  ``LinAlgError`` (a ``ValueError``) from ``inv``; a nearly singular one gives huge values.
- ``cholesky``, ``eigh``, ``eigvalsh``: the input is assumed symmetric (NumPy reads one
  triangle only), and the gradient is the symmetric one: for a symmetric change ``dA``
  of the input, ``d loss = sum(grad * dA)``.
- ``eigh``: the eigenvector gradient divides by the gaps ``w[j] - w[i]``; at repeated
  eigenvalues it is infinite or NaN (the eigenvectors are not unique there), unless the
  eigenvectors of the repeated eigenvalues get no gradient (an eigenvalue-only loss, such
  as ``eigvalsh``'s): their terms are then 0.
- ``norm``: the gradient of a 2-norm (and Frobenius, and p-norm) at ``x = 0`` is 0; the
  1-norm and the others built on ``|x|`` use ``|x|' = 0`` at 0; ``inf`` / ``-inf`` norms
  and the matrix 1 / inf norms share the gradient evenly among tied maxima (minima).
"""

from __future__ import annotations

import operator
from typing import Any, NamedTuple

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from . import _dispatch
from ._arrays import asarray, dtype_kind
from ._backends import composite
from ._ops_elementwise import absolute, maximum, sqrt, where
from ._ops_reduce import max as _max
from ._ops_reduce import min as _min
from ._ops_reduce import sum as _sum
from ._ops_shape import astype, reshape, swapaxes, transpose
from ._primitive import Primitive, primitive
from ._tensor import Tensor

__all__ = [
    "EighResult",
    "QRResult",
    "SlogdetResult",
    "cholesky",
    "det",
    "eigh",
    "eigvalsh",
    "inv",
    "norm",
    "qr",
    "slogdet",
    "solve",
]


def _mT(x: Any) -> Any:
    """The matrix transpose of a stack of matrices (its last two axes swapped)."""
    return swapaxes(x, -1, -2)


def _ndim(x: Any) -> int:
    return int(x.ndim) if hasattr(x, "ndim") else np.ndim(x)


def _eye(n: int, dtype: Any) -> np.ndarray:
    return np.eye(n, dtype=dtype)


def _expand2(x: Any) -> Any:
    """``x`` with two length-1 axes appended (a scalar per matrix, ready to broadcast)."""
    return x[..., None, None] if hasattr(x, "ndim") else asarray(x)[..., None, None]


# ------------------------------------------------------------------------------ inv
@primitive
def inv(a):  # type: ignore[no-untyped-def]
    """The inverse of a (stack of) square matrix: ``numpy.linalg.inv``.

    Gradient ``-inv(A)^T g inv(A)^T``, computed from the recorded output.
    """
    return np.linalg.inv(a)


inv.defvjp(lambda g, out, a: -(_mT(out) @ g @ _mT(out)))


# ------------------------------------------------------------------------------ det
@primitive
def det(a):  # type: ignore[no-untyped-def]
    """The determinant of a (stack of) square matrix: ``numpy.linalg.det``.

    Gradient ``det(A) inv(A)^T``; an exactly singular ``A`` has none (the backward pass
    raises NumPy's ``LinAlgError``, a ``ValueError``, from ``inv``).

    Examples
    --------
    >>> import autograd_lite as ag
    >>> from autograd_lite import linalg
    >>> a = ag.Tensor([[2.0, 1.0], [1.0, 3.0]], requires_grad=True)
    >>> linalg.det(a).backward()
    >>> a.grad  # the cofactor matrix
    array([[ 3., -1.],
           [-1.,  2.]])
    """
    return np.linalg.det(a)


det.defvjp(lambda g, out, a: _expand2(g * out) * _mT(inv(a)))


class SlogdetResult(NamedTuple):
    """What :func:`slogdet` returns, like NumPy's: ``(sign, logabsdet)``."""

    sign: Tensor
    logabsdet: Tensor


_slogdet_sign = Primitive(lambda a: np.linalg.slogdet(a)[0], name="slogdet_sign")
_slogdet_sign.defvjp(None)  # piecewise constant: no gradient
_logabsdet = Primitive(lambda a: np.linalg.slogdet(a)[1], name="slogdet")
_logabsdet.defvjp(lambda g, out, a: _expand2(g) * _mT(inv(a)))


def slogdet(a: Any) -> SlogdetResult:
    """Sign and natural log of the absolute determinant: ``numpy.linalg.slogdet``.

    ``sign`` carries no gradient; ``logabsdet``'s gradient is ``inv(A)^T`` (none at an
    exactly singular ``A``: the backward pass raises ``LinAlgError``, a ``ValueError``).
    """
    return SlogdetResult(_slogdet_sign(a), _logabsdet(a))


# ------------------------------------------------------------------------------ solve
@primitive
def solve(a, b):  # type: ignore[no-untyped-def]
    """The solution ``x`` of ``a @ x = b``: ``numpy.linalg.solve``, with NumPy 2's rule.

    ``b`` is a vector only if it is 1-D (shape ``(n,)``, result ``(..., n)``); otherwise
    it is a (stack of) matrix ``(..., n, k)``.  Batch axes broadcast.
    """
    return np.linalg.solve(a, b)


def _solve_transposed(a: Any, g: Any) -> Any:
    """``solve(a^T, g)``, for g of the shape of ``x = solve(a, b)``."""
    if _ndim(g) < _ndim(a):  # one axis fewer than a: b was a vector
        return solve(_mT(a), g[..., None])[..., 0]
    return solve(_mT(a), g)


def _solve_vjp_b(g, out, a, b):  # type: ignore[no-untyped-def]
    return _solve_transposed(a, g)


def _solve_vjp_a(g, out, a, b):  # type: ignore[no-untyped-def]
    gb = _solve_transposed(a, g)
    if _ndim(g) < _ndim(a):  # a vector solve: the outer product of gb and x
        return -(gb[..., :, None] * out[..., None, :])
    return -(gb @ _mT(out))


solve.defvjp(_solve_vjp_a, _solve_vjp_b)


# ------------------------------------------------------------------------------ cholesky
@primitive
def cholesky(a, *, upper=False):  # type: ignore[no-untyped-def]
    """The Cholesky factor of a symmetric positive-definite matrix: ``numpy.linalg.cholesky``.

    Lower-triangular ``L`` with ``L @ L^T = a`` (``upper=True``: ``U = L^T``).  The input
    is assumed symmetric (NumPy reads one triangle of it), and the gradient is the
    symmetric one: with ``P = Phi(L^T gL)`` (lower triangle, diagonal halved), it is the
    symmetric part of ``inv(L)^T P inv(L)`` (I. Murray, "Differentiation of the Cholesky
    decomposition", 2016).
    """
    return np.linalg.cholesky(a, upper=upper)


@cholesky.defvjp
def _cholesky_vjp(g, out, a, *, upper=False):  # type: ignore[no-untyped-def]
    L, gL = (_mT(out), _mT(g)) if upper else (out, g)
    n = L.shape[-1]
    phi = np.tril(np.ones((n, n), dtype=L.dtype)) - 0.5 * _eye(n, L.dtype)
    L_inv = inv(L)
    S = _mT(L_inv) @ (phi * (_mT(L) @ gL)) @ L_inv
    return 0.5 * (S + _mT(S))


# ------------------------------------------------------------------------------ eigh
class EighResult(NamedTuple):
    """What :func:`eigh` returns, like NumPy's: ``(eigenvalues, eigenvectors)``."""

    eigenvalues: Tensor
    eigenvectors: Tensor


def _eigh_stacked(a, UPLO="L"):  # type: ignore[no-untyped-def]
    """Eigenvalues on top of the eigenvectors: ``(..., n + 1, n)``, one op for both."""
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    return np.concatenate([w[..., None, :], v], axis=-2)


_eigh = Primitive(_eigh_stacked, name="eigh")


@_eigh.defvjp
def _eigh_vjp(g, out, a, UPLO="L"):  # type: ignore[no-untyped-def]
    w, v = out[..., 0, :], out[..., 1:, :]
    gw, gv = g[..., 0, :], g[..., 1:, :]
    n = w.shape[-1]
    # The eigenvector part: V (F * X) V^T with X = V^T gV and F[i, j] = 1 / (w[j] - w[i])
    # off the diagonal, symmetrized: K = (X - X^T) / (2 (w[j] - w[i])).  Its diagonal is 0,
    # and so is a term of two equal eigenvalues whose eigenvectors get no gradient (an
    # eigenvalue-only loss); any other term of equal eigenvalues is infinite or NaN.
    X = _mT(v) @ gv
    D = X - _mT(X)
    gap = w[..., None, :] - w[..., :, None]
    # A mask (no gradient), from the arrays even in a recorded backward pass.
    unused = _dispatch.plain(_sum(absolute(gv), axis=-2) == 0)  # vectors with no gradient
    both_unused = np.logical_and(unused[..., :, None], unused[..., None, :])
    vanishes = np.logical_or(_eye(n, bool), np.logical_and(_dispatch.plain(gap) == 0, both_unused))
    K = where(vanishes, 0, D / where(vanishes, 1, 2 * gap))
    inner = K + _eye(n, w.dtype) * gw[..., None, :]
    return v @ inner @ _mT(v)


def eigh(a: Any, UPLO: str = "L") -> EighResult:
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix: ``numpy.linalg.eigh``.

    ``UPLO`` says which triangle NumPy reads.  The gradient, for both outputs, is the
    symmetric one (the input is assumed symmetric): ``V (diag(gw) + sym(F * V^T gV)) V^T``
    with ``F[i, j] = 1 / (w[j] - w[i])``.  At repeated eigenvalues the eigenvector part
    is infinite or NaN (eigenvectors are not unique there), even for a loss that does
    not depend on the choice of basis, unless the eigenvectors of the repeated
    eigenvalues get no gradient (then it is 0).  An eigenvector's sign is arbitrary: a
    loss should not depend on it.
    """
    both = _eigh(a, UPLO)
    return EighResult(both[..., 0, :], both[..., 1:, :])


def eigvalsh(a: Any, UPLO: str = "L") -> Tensor:
    """Eigenvalues (ascending) of a symmetric matrix: ``numpy.linalg.eigvalsh``.

    Gradient ``V diag(g) V^T``, finite at repeated eigenvalues too.
    """
    return eigh(a, UPLO).eigenvalues


# ------------------------------------------------------------------------------ qr
class QRResult(NamedTuple):
    """What :func:`qr` returns, like NumPy's: ``(Q, R)``."""

    Q: Tensor
    R: Tensor


def _qr_stacked(a):  # type: ignore[no-untyped-def]
    """``Q^T`` beside ``R``: ``(..., k, m + n)`` with ``k = min(m, n)``, one op for both."""
    q, r = np.linalg.qr(a, mode="reduced")
    return np.concatenate([np.swapaxes(q, -1, -2), r], axis=-1)


_qr = Primitive(_qr_stacked, name="qr")


@_qr.defvjp
def _qr_vjp(g, out, a):  # type: ignore[no-untyped-def]
    m, n = a.shape[-2:]
    if m < n:
        raise NotImplementedError("qr: the gradient of a wide matrix (m < n) is not implemented")
    Q, R = _mT(out[..., :m]), out[..., m:]
    gQ, gR = _mT(g[..., :m]), g[..., m:]
    # gA = (gQ + Q copyutl(N)) R^-T with N = gR R^T - Q^T gQ, copyutl copying the upper
    # triangle of N onto the lower one.
    N = gR @ _mT(R) - _mT(Q) @ gQ
    upper = np.triu(np.ones((n, n), dtype=out.dtype))
    strict = np.triu(np.ones((n, n), dtype=out.dtype), 1)
    S = upper * N + _mT(strict * N)
    return _mT(solve(R, _mT(gQ + Q @ S)))


def qr(a: Any, mode: str = "reduced") -> QRResult:
    """QR decomposition ``a = Q @ R``: ``numpy.linalg.qr``, reduced mode only.

    The gradient is for square and tall matrices (``m >= n``) of full column rank; for a
    wide one the backward pass raises ``NotImplementedError``.  ``Q`` and ``R`` are NumPy's
    (LAPACK's signs: the diagonal of ``R`` may be negative).
    """
    if mode != "reduced":
        raise ValueError(f"qr: only mode='reduced' is supported, got mode={mode!r}")
    m = a.shape[-2] if hasattr(a, "shape") else np.shape(a)[-2]
    both = _qr(a)
    return QRResult(_mT(both[..., :m]), both[..., m:])


# ------------------------------------------------------------------------------ norm
def _two_norm(x: Any, axis: Any, keepdims: bool) -> Tensor:
    """``sqrt(sum(x * x))`` whose gradient at 0 is 0 (not 0 / 0)."""
    s = _sum(x * x, axis=axis, keepdims=keepdims)
    zero = s == 0
    return where(zero, 0, sqrt(where(zero, 1, s)))


def _p_norm(x: Any, p: Any, axis: Any, keepdims: bool) -> Tensor:
    if np.iscomplexobj(p):  # NumPy cannot take |x| ** p back to real
        raise TypeError(f"norm: a complex order {p!r} is not supported")
    s = _sum(absolute(x) ** p, axis=axis, keepdims=keepdims)
    zero = s == 0
    root = np.reciprocal(p, dtype=s.dtype)
    # 0 ** (1 / p) where the sum is 0: 0, or inf for p < 0 (an empty lane), as NumPy's.
    with np.errstate(divide="ignore", invalid="ignore"):
        at_zero = np.power(np.zeros((), dtype=s.dtype), root)
    return where(zero, at_zero, where(zero, 1, s) ** root)


def _singular_values(x: Any, row_axis: int, col_axis: int) -> Tensor:
    """Singular values over two axes (moved last), from the eigenvalues of the Gram matrix."""
    rest = [i for i in range(x.ndim) if i not in (row_axis, col_axis)]
    y = transpose(x, (*rest, row_axis, col_axis))
    m, n = y.shape[-2:]
    gram = _mT(y) @ y if m >= n else y @ _mT(y)
    return sqrt(maximum(eigvalsh(gram), 0))


@composite
def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Vector or matrix norm: ``numpy.linalg.norm``, with its ``ord`` and ``axis`` rules.

    Vectors (one axis): ``ord`` None / 2, 1, inf, -inf, 0 (a count: no gradient), or any
    other number p (``sum(|x|^p)^(1/p)``).  Matrices (two axes): None / 'fro', 'nuc', 1,
    -1, 2, -2, inf, -inf.  ``axis=None`` means all of ``x`` flattened for ``ord=None``,
    otherwise a vector (1-D) or matrix (2-D) norm.

    Conventions: the gradient of a 2-norm, Frobenius norm or p-norm at ``x = 0`` is 0;
    ``|x|' = 0`` at 0; tied maxima (minima) share the gradient evenly.  For p < 1 a zero
    element makes the gradient infinite or NaN.  The matrix norms 2, -2 and 'nuc' are
    computed from the eigenvalues of ``x^T x`` (or ``x x^T``): small singular values are
    accurate to about ``eps * cond(x)^2`` relative, and a zero one makes the gradient
    infinite.

    Examples
    --------
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> from autograd_lite import linalg
    >>> x = ag.Tensor([0.0, 0.0], requires_grad=True)
    >>> linalg.norm(x).backward()
    >>> x.grad  # 0 at x = 0, by convention
    array([0., 0.])
    >>> linalg.norm(ag.Tensor([[1.0, -2.0], [3.0, 4.0]]), np.inf)  # the largest row sum
    Tensor(7.)
    """
    if not isinstance(x, Tensor):
        x = Tensor(asarray(x))
    if dtype_kind(x.dtype) not in "fc":
        x = astype(x, np.float64)
    nd = x.ndim
    if dtype_kind(x.dtype) == "c":
        # Every norm but the spectral ones is the norm of |x| (NumPy's, real); those need
        # the conjugate transpose, which the Gram matrix below does not take.
        matrix = nd == 2 if axis is None else isinstance(axis, tuple) and len(axis) == 2
        if matrix and ord in (2, -2, "nuc"):
            raise TypeError(f"norm: ord={ord!r} of a complex matrix is not supported")
        x = absolute(x)
    if axis is None:
        if ord is None or (ord in ("f", "fro") and nd == 2) or (ord == 2 and nd == 1):
            ret = _two_norm(reshape(x, (-1,)), axis=0, keepdims=False)
            return reshape(ret, (1,) * nd) if keepdims else ret
        axis = tuple(range(nd))
    elif not isinstance(axis, tuple):
        try:
            axis = (operator.index(axis),)
        except TypeError as exc:
            raise TypeError("'axis' must be None, an integer or a tuple of integers") from exc
    if len(axis) == 1:
        return _vector_norm(x, ord, axis, keepdims)
    if len(axis) == 2:
        return _matrix_norm(x, ord, axis, keepdims)
    raise ValueError("Improper number of dimensions to norm.")


def _vector_norm(x: Tensor, ord: Any, axis: tuple[int], keepdims: bool) -> Tensor:
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    if ord == np.inf:
        return _max(absolute(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return _min(absolute(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        # The count of nonzero elements, joined to the graph with a zero gradient.
        return _sum(where(x != 0, 1, 0 * x), axis=axis, keepdims=keepdims)
    if ord == 1:
        return _sum(absolute(x), axis=axis, keepdims=keepdims)
    if ord is None or ord == 2:
        return _two_norm(x, axis=axis, keepdims=keepdims)
    return _p_norm(x, ord, axis=axis, keepdims=keepdims)


def _matrix_norm(x: Tensor, ord: Any, axis: tuple[int, ...], keepdims: bool) -> Tensor:
    nd = x.ndim
    row_axis, col_axis = (normalize_axis_index(a, nd) for a in axis)
    if row_axis == col_axis:
        raise ValueError("Duplicate axes given.")
    if ord in (2, -2, "nuc"):
        sv = _singular_values(x, row_axis, col_axis)
        if ord == 2:
            ret = _max(sv, axis=-1)
        elif ord == -2:
            ret = _min(sv, axis=-1)
        else:
            ret = _sum(sv, axis=-1)
    elif ord in (1, -1):
        col = col_axis - 1 if col_axis > row_axis else col_axis
        sums = _sum(absolute(x), axis=row_axis)
        ret = _max(sums, axis=col) if ord == 1 else _min(sums, axis=col)
    elif ord in (np.inf, -np.inf):
        row = row_axis - 1 if row_axis > col_axis else row_axis
        sums = _sum(absolute(x), axis=col_axis)
        ret = _max(sums, axis=row) if ord == np.inf else _min(sums, axis=row)
    elif ord is None or ord in ("fro", "f"):
        ret = _two_norm(x, axis=(row_axis, col_axis), keepdims=False)
    else:
        raise ValueError("Invalid norm order for matrices.")
    if keepdims:
        shape = list(x.shape)
        shape[row_axis] = shape[col_axis] = 1
        ret = reshape(ret, tuple(shape))
    return ret


# NumPy's own functions on Tensors run these ops (see _dispatch.py).
NUMPY = {
    np.linalg.inv: inv,
    np.linalg.det: det,
    np.linalg.slogdet: slogdet,
    np.linalg.solve: solve,
    np.linalg.cholesky: lambda a, upper=False: cholesky(a, upper=upper),
    np.linalg.eigh: eigh,
    np.linalg.eigvalsh: eigvalsh,
    np.linalg.qr: qr,
    np.linalg.norm: norm,
}
_dispatch.register(NUMPY)
