"""Products of arrays: einsum, and dot, vdot, inner, outer, kron, tensordot built on it or on @.

``einsum`` is one primitive over ``np.einsum``; the gradient for each operand is itself an
einsum of ``g`` and the other operands, so it is differentiable any number of times.  The
other products are compositions of ``matmul``, ``multiply``, ``reshape`` and ``transpose``
(as NumPy computes them), whose gradients follow from those ops.
"""

from __future__ import annotations

import math
import operator
import string
from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from . import _dispatch
from ._arrays import asarray
from ._ops_arith import matmul, multiply
from ._ops_shape import reshape, transpose
from ._primitive import Primitive

if TYPE_CHECKING:
    from ._tensor import Tensor

__all__ = ["dot", "einsum", "inner", "kron", "outer", "tensordot", "vdot"]

# The labels einsum knows, in NumPy's order (ASCII: upper case first), which is also the
# order of the implicit output and of the integer labels of the sublist form (0 is 'A').
_LABELS = string.ascii_uppercase + string.ascii_lowercase


# ---------------------------------------------------------------------------- einsum
def _einsum_forward(spec, *operands, optimize=False):  # type: ignore[no-untyped-def]
    return np.einsum(spec, *operands, optimize=optimize)


_einsum: Primitive = Primitive(_einsum_forward, name="einsum")
_einsum.__doc__ = "``np.einsum`` with explicit subscripts ('ab,bc->ac': no ellipsis, an output)."


def _from_sublists(args: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """The subscripts string and operands of einsum's interleaved form ``(a, [0, 1], b, [1])``."""
    out = None
    if len(args) % 2:
        out, args = args[-1], args[:-1]
    operands, sublists = args[0::2], args[1::2]

    def labels(sublist: Any) -> str:
        text = ""
        for s in sublist:
            if s is Ellipsis:
                text += "..."
            elif isinstance(s, (int, np.integer)) and 0 <= s < len(_LABELS):
                text += _LABELS[s]
            else:
                raise ValueError(
                    f"einsum: a sublist label must be an integer in [0, {len(_LABELS)}) or "
                    f"Ellipsis, got {s!r}"
                )
        return text

    spec = ",".join(labels(s) for s in sublists)
    if out is not None:
        spec += "->" + labels(out)
    return spec, operands


def _check_term(term: str, where: str) -> None:
    if term.count("...") > 1 or "." in term.replace("...", "", 1):
        raise ValueError(f"einsum: {where} {term!r} has a '.' that is not one ellipsis '...'")
    for label in term.replace("...", ""):
        if label not in _LABELS:
            raise ValueError(f"einsum: {label!r} in {where} {term!r} is not a letter (a-z, A-Z)")


def _explicit(subscripts: str, operands: tuple[Any, ...]) -> str:
    """``subscripts`` with every ellipsis spelled out in unused letters, and the output given.

    Ellipsis dimensions broadcast right-aligned, as NumPy's do; the implicit output (no
    ``->``) is the ellipsis dimensions followed by the labels used once, in ASCII order.
    """
    spec = subscripts.replace(" ", "")
    if spec.count("->") > 1:
        raise ValueError(f"einsum: subscripts {subscripts!r} have more than one '->'")
    explicit = "->" in spec
    lhs, out = spec.split("->") if explicit else (spec, "")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise ValueError(
            f"einsum: subscripts {subscripts!r} name {len(terms)} operand(s), "
            f"but {len(operands)} were given"
        )
    for term in terms:
        _check_term(term, "operand subscripts")
    _check_term(out, "output subscripts")
    ranks: list[int] = []  # the number of dimensions each operand's ellipsis stands for
    for k, (term, operand) in enumerate(zip(terms, operands)):
        ndim, named = np.ndim(operand), len(term.replace("...", ""))
        if "..." in term and ndim >= named:
            ranks.append(ndim - named)
        elif "..." not in term and ndim == named:
            ranks.append(0)
        else:
            raise ValueError(
                f"einsum: operand {k} has {ndim} dimension(s), which its subscripts "
                f"{term!r} do not match"
            )
    unused = [c for c in _LABELS if c not in spec]
    rank = max(ranks, default=0)
    if rank > len(unused):
        raise ValueError(f"einsum: too many dimensions for the 52 letters ({subscripts!r})")
    dots = "".join(unused[:rank])
    terms = [t.replace("...", dots[rank - r :]) for t, r in zip(terms, ranks)]
    if explicit:
        if "..." in out:
            out = out.replace("...", dots)
        elif rank:
            raise ValueError(
                "einsum: output has more dimensions than subscripts given in einstein sum, but "
                "no '...' ellipsis provided to broadcast the extra dimensions."
            )
    else:
        counts = Counter("".join(t.replace("...", "") for t in lhs.split(",")))
        out = dots + "".join(sorted(c for c, n in counts.items() if n == 1))
    return ",".join(terms) + "->" + out


def einsum(subscripts: Any, *operands: Any, optimize: Any = False) -> Tensor:
    """Einstein summation, as ``np.einsum(subscripts, *operands, optimize=...)``.

    Any subscripts: several operands, ``...`` ellipsis (broadcast as NumPy does), the
    implicit output (no ``->``: the labels used once, in order), repeated labels within
    one operand (``'ii->i'``, ``'ii->'``), and the interleaved sublist form
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])``.  ``optimize`` is passed on to NumPy, for the
    forward computation and for the einsums of the gradients.

    The gradient for each operand is an einsum of ``g`` and the other operands: a label
    that only that operand has is broadcast back (by a factor of ones), and a repeated
    label puts the gradient on the diagonal (by a factor of the identity), zero elsewhere.
    """
    if not isinstance(subscripts, str):
        subscripts, operands = _from_sublists((subscripts, *operands))
    if not operands:
        raise ValueError("einsum: needs at least one operand")
    return _einsum(_explicit(subscripts, operands), *operands, optimize=optimize)


@_einsum.defvjp_argnum
def _einsum_vjp(argnum, g, out, spec, *operands, optimize=False):  # type: ignore[no-untyped-def]
    i = argnum - 1  # argument 0 is the subscripts
    lhs, result = spec.split("->")
    terms = lhs.split(",")
    term, shape = terms[i], np.shape(operands[i])
    others = [t for j, t in enumerate(terms) if j != i]
    elsewhere = set(result).union(*others)
    fresh = iter([c for c in _LABELS if c not in spec])
    target, extra_terms, extra_operands = "", [], []
    first: dict[str, int] = {}
    for pos, label in enumerate(term):
        if label not in first:
            first[label] = pos
            target += label
            continue
        # A repeated label: a new one in the gradient, tied to the first by the identity.
        new = next(fresh, None)
        if new is None:
            raise ValueError(f"einsum: too many labels to differentiate {spec!r}")
        target += new
        extra_terms.append(label + new)
        extra_operands.append(np.eye(shape[first[label]], shape[pos], dtype=g.dtype))
    for label, pos in first.items():
        if label not in elsewhere and term.count(label) == 1:
            # Summed away in this operand alone: every element gets the same gradient.
            extra_terms.append(label)
            extra_operands.append(np.ones(shape[pos], dtype=g.dtype))
    grad_spec = ",".join([result, *others, *extra_terms]) + "->" + target
    rest = [op for j, op in enumerate(operands) if j != i]
    return _einsum(grad_spec, g, *rest, *extra_operands, optimize=optimize)


# ---------------------------------------------------------------------------- tensordot
def _contracted_axes(axes: Any, ndim_a: int, ndim_b: int) -> tuple[list[int], list[int]]:
    """NumPy's ``axes`` argument of tensordot as two lists of axes, of a and of b."""
    try:
        axes_a, axes_b = axes
    except TypeError:  # an integer N: the last N axes of a with the first N of b
        n = operator.index(axes)  # as NumPy: 1.5 is no number of axes
        if n < 0:
            raise ValueError(f"tensordot: axes must be a non-negative integer, got {n}") from None
        axes_a, axes_b = list(range(ndim_a - n, ndim_a)), list(range(n))
    else:
        axes_a = [axes_a] if isinstance(axes_a, (int, np.integer)) else list(axes_a)
        axes_b = [axes_b] if isinstance(axes_b, (int, np.integer)) else list(axes_b)
    if len(axes_a) != len(axes_b):
        raise ValueError(
            f"tensordot: shape-mismatch for sum ({len(axes_a)} axes of a, {len(axes_b)} of b)"
        )
    normal_a = list(normalize_axis_tuple(axes_a, ndim_a, "tensordot: axes of a"))
    normal_b = list(normalize_axis_tuple(axes_b, ndim_b, "tensordot: axes of b"))
    return normal_a, normal_b


def tensordot(a: Any, b: Any, axes: Any = 2) -> Tensor:
    """Sum of products over the given axes, as ``np.tensordot(a, b, axes=2)``.

    ``axes`` is an integer N (the last N axes of ``a`` with the first N of ``b``) or a pair
    of axis sequences (or of single axes).  Computed as NumPy does: both operands are
    transposed and reshaped into matrices, multiplied, and the product reshaped.
    """
    shape_a, shape_b = np.shape(a), np.shape(b)
    axes_a, axes_b = _contracted_axes(axes, len(shape_a), len(shape_b))
    for p, q in zip(axes_a, axes_b):
        if shape_a[p] != shape_b[q]:
            raise ValueError(
                f"tensordot: shape-mismatch for sum (axis {p} of a has length {shape_a[p]}, "
                f"axis {q} of b has length {shape_b[q]}; shapes {shape_a} and {shape_b})"
            )
    free_a = [k for k in range(len(shape_a)) if k not in axes_a]
    free_b = [k for k in range(len(shape_b)) if k not in axes_b]
    summed = math.prod(shape_a[k] for k in axes_a)
    left = reshape(
        transpose(a, (*free_a, *axes_a)), (math.prod(shape_a[k] for k in free_a), summed)
    )
    right = reshape(
        transpose(b, (*axes_b, *free_b)), (summed, math.prod(shape_b[k] for k in free_b))
    )
    return reshape(
        matmul(left, right), tuple(shape_a[k] for k in free_a) + tuple(shape_b[k] for k in free_b)
    )


# ---------------------------------------------------------------------------- dot and friends
def _strong(x: Any) -> Any:
    """``x`` as NumPy's products see it: a Python number becomes an array, of its own type
    (``np.dot(1.5, float32)`` is float64), not a weak scalar as in ``multiply``."""
    return x if hasattr(x, "dtype") else asarray(x)


def dot(a: Any, b: Any) -> Tensor:
    """Dot product, as ``np.dot``.

    A 0-d operand multiplies elementwise; 1-d with 1-d is the inner product; with ``b``
    1-d or 2-d it is ``a @ b``; otherwise the sum over the last axis of ``a`` and the
    second-to-last of ``b``.
    """
    shape_a, shape_b = np.shape(a), np.shape(b)
    if not shape_a or not shape_b:
        return multiply(_strong(a), _strong(b))
    k = -1 if len(shape_b) == 1 else -2
    if shape_a[-1] != shape_b[k]:
        raise ValueError(
            f"dot: shapes {shape_a} and {shape_b} not aligned: {shape_a[-1]} (dim "
            f"{len(shape_a) - 1}) != {shape_b[k]} (dim {len(shape_b) + k})"
        )
    if len(shape_b) <= 2:
        return matmul(a, b)
    # An einsum, as NumPy's N-d dot is a plain loop: through matmul's BLAS a sum of infs
    # would warn "invalid value", which np.dot does not.
    ta, tb = (
        list(_LABELS[: len(shape_a)]),
        list(_LABELS[len(shape_a) : len(shape_a) + len(shape_b)]),
    )
    tb[-2] = ta[-1]
    out = ta[:-1] + tb[:-2] + tb[-1:]
    return einsum(f"{''.join(ta)},{''.join(tb)}->{''.join(out)}", a, b)


def vdot(a: Any, b: Any) -> Tensor:
    """Dot product of the flattened operands, as ``np.vdot``: a complex ``a`` is conjugated."""
    size_a, size_b = math.prod(np.shape(a)), math.prod(np.shape(b))
    if size_a != size_b:
        raise ValueError(f"vdot: the operands have {size_a} and {size_b} elements")
    if np.iscomplexobj(_dispatch.plain(a)) or np.iscomplexobj(_dispatch.plain(b)):
        # np.vdot itself (conjugating a): complex values never carry a gradient, and its
        # results at overflow (nan + nanj) are its complex kernel's own.
        return _vdot_complex(a, b)
    # An einsum, as np.vdot's loop: through matmul an overflow would warn, np.vdot's not.
    return einsum("i,i->", reshape(a, (-1,)), reshape(b, (-1,)))


_vdot_complex: Primitive = Primitive(np.vdot, name="vdot")
_vdot_complex.defvjp(None, None)  # its results are complex: no input that requires grad


def inner(a: Any, b: Any) -> Tensor:
    """Inner product over the last axes, as ``np.inner``; a 0-d operand multiplies."""
    shape_a, shape_b = np.shape(a), np.shape(b)
    if not shape_a or not shape_b:
        return multiply(_strong(a), _strong(b))
    if shape_a[-1] != shape_b[-1]:
        raise ValueError(
            f"inner: shapes {shape_a} and {shape_b} do not match in their last dimension"
        )
    return tensordot(a, b, axes=([len(shape_a) - 1], [len(shape_b) - 1]))


def outer(a: Any, b: Any) -> Tensor:
    """Outer product of the flattened operands, as ``np.outer``: ``out[i, j] = a[i] * b[j]``."""
    return multiply(reshape(a, (-1, 1)), reshape(b, (1, -1)))


def kron(a: Any, b: Any) -> Tensor:
    """Kronecker product, as ``np.kron``: blocks of ``b`` scaled by the elements of ``a``.

    The operand with fewer dimensions gets leading length-1 axes; the result's shape is
    the elementwise product of the shapes.
    """
    shape_a, shape_b = np.shape(a), np.shape(b)
    ndim = max(len(shape_a), len(shape_b))
    shape_a = (1,) * (ndim - len(shape_a)) + tuple(shape_a)
    shape_b = (1,) * (ndim - len(shape_b)) + tuple(shape_b)
    spread_a = tuple(n for m in shape_a for n in (m, 1))  # (a0, 1, a1, 1, ...)
    spread_b = tuple(n for m in shape_b for n in (1, m))  # (1, b0, 1, b1, ...)
    blocks = multiply(reshape(a, spread_a), reshape(b, spread_b))
    return reshape(blocks, tuple(m * n for m, n in zip(shape_a, shape_b)))


# ---------------------------------------------------------------------------- NumPy's names
def _np_einsum(
    *operands: Any, out: Any = None, optimize: Any = False, dtype: Any = None, **kwargs: Any
) -> Tensor:
    # order= and casting= only matter with dtype= or out=, which are refused.
    kwargs.pop("order", None)
    kwargs.pop("casting", None)
    _dispatch.refuse_unsupported("einsum", out=out, dtype=dtype, **kwargs)
    return einsum(*operands, optimize=optimize)


def _np_dot(a: Any, b: Any, out: Any = None) -> Tensor:
    _dispatch.refuse_unsupported("dot", out=out)
    return dot(a, b)


def _np_outer(a: Any, b: Any, out: Any = None) -> Tensor:
    _dispatch.refuse_unsupported("outer", out=out)
    return outer(a, b)


# NumPy's own functions on Tensors run these ops (see _dispatch.py).
NUMPY = {
    np.einsum: _np_einsum,
    np.dot: _np_dot,
    np.vdot: vdot,
    np.inner: inner,
    np.outer: _np_outer,
    np.kron: kron,
    np.tensordot: tensordot,
}
_dispatch.register(NUMPY)
