"""ag.linalg: exact values, conventions at kinks and edges, and gradients against PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import linalg as la
from autograd_lite.testing import check_grad

RNG = np.random.default_rng(20240601)


def grad_of(f: Any, *arrays: np.ndarray) -> list[np.ndarray]:
    """Gradients of a scalar function of Tensors, one per input."""
    tensors = [ag.Tensor(a, requires_grad=True) for a in arrays]
    f(*tensors).backward()
    return [t.grad for t in tensors]  # type: ignore[misc]


def well_conditioned(*shape: int) -> np.ndarray:
    n = shape[-1]
    return RNG.uniform(-1, 1, shape) + 3 * np.eye(n)


def spd(*shape: int) -> np.ndarray:
    a = RNG.uniform(-1, 1, shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


# ------------------------------------------------------------------------ det, slogdet, inv
def test_det_gradient_of_2x2_is_the_cofactor_matrix() -> None:
    a, b, c, d = 2.0, -1.0, 0.5, 3.0
    (g,) = grad_of(la.det, np.array([[a, b], [c, d]]))
    np.testing.assert_allclose(g, [[d, -c], [-b, a]], rtol=1e-12)


def test_inv_gradient_matches_finite_differences_on_a_fixed_matrix() -> None:
    A = np.array([[2.0, 1.0, 0.0], [-1.0, 3.0, 0.5], [0.25, 0.0, 1.5]])
    W = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, 3.0], [-1.0, 0.25, 2.0]])
    check_grad(lambda x: (la.inv(x) * W).sum(), A, rtol=1e-7, atol=1e-9)
    # and the closed form -A^-T W A^-T
    (g,) = grad_of(lambda x: (la.inv(x) * W).sum(), A)
    Ai = np.linalg.inv(A)
    np.testing.assert_allclose(g, -Ai.T @ W @ Ai.T, rtol=1e-12)


def test_slogdet_sign_carries_no_gradient_and_logabsdet_gives_inverse_transpose() -> None:
    A = np.array([[0.0, 2.0], [3.0, 1.0]])  # det = -6
    t = ag.Tensor(A, requires_grad=True)
    sign, logabsdet = la.slogdet(t)
    assert sign.item() == -1.0 and not sign.requires_grad
    np.testing.assert_allclose(logabsdet.item(), np.log(6.0), rtol=1e-14)
    logabsdet.backward()
    np.testing.assert_allclose(t.grad, np.linalg.inv(A).T, rtol=1e-12)
    result = np.linalg.slogdet(ag.Tensor(A))  # the dispatch path, named like NumPy's
    assert isinstance(result.logabsdet, ag.Tensor) and result.sign.item() == -1.0


def test_det_at_a_singular_matrix_has_no_gradient() -> None:
    t = ag.Tensor(np.array([[1.0, 2.0], [2.0, 4.0]]), requires_grad=True)
    out = la.det(t)
    assert out.item() == 0.0
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        out.backward()


def test_logdet_hessian_vector_product_closed_form() -> None:
    """d^2 log det A [V] = -(A^-1 V A^-1)^T."""
    A, V = well_conditioned(3, 3), RNG.normal(size=(3, 3))
    hv = ag.hvp(lambda x: la.slogdet(x)[1], A, V)
    Ai = np.linalg.inv(A)
    np.testing.assert_allclose(hv, -(Ai @ V @ Ai).T, rtol=1e-10, atol=1e-12)


def test_stacked_matrices_give_stacked_results_and_gradients() -> None:
    A = well_conditioned(2, 3, 3)
    (g,) = grad_of(lambda x: la.det(x).sum(), A)
    expected = np.linalg.det(A)[:, None, None] * np.swapaxes(np.linalg.inv(A), -1, -2)
    np.testing.assert_allclose(g, expected, rtol=1e-12)


# ------------------------------------------------------------------------ solve
@pytest.mark.parametrize(
    ("a_shape", "b_shape", "out_shape"),
    [
        ((3, 3), (3,), (3,)),
        ((2, 3, 3), (3,), (2, 3)),  # a 1-D b is a vector, for every matrix of the stack
        ((3, 3), (3, 1), (3, 1)),
        ((2, 3, 3), (3, 2), (2, 3, 2)),
        ((3, 3), (4, 3, 2), (4, 3, 2)),
    ],
)
def test_solve_follows_numpy_2_vector_and_matrix_rules(
    a_shape: tuple[int, ...], b_shape: tuple[int, ...], out_shape: tuple[int, ...]
) -> None:
    A, B = well_conditioned(*a_shape), RNG.normal(size=b_shape)
    x = la.solve(ag.Tensor(A), ag.Tensor(B))
    assert x.shape == out_shape == np.linalg.solve(A, B).shape
    W = RNG.normal(size=out_shape)
    ga, gb = grad_of(lambda a, b: (la.solve(a, b) * W).sum(), A, B)
    assert ga.shape == a_shape and gb.shape == b_shape
    check_grad(lambda a, b: (la.solve(a, b) * W).sum(), A, B, rtol=1e-6, atol=1e-8)


# ------------------------------------------------------------------------ cholesky
def test_cholesky_of_a_known_matrix_and_its_gradient() -> None:
    A = np.array([[4.0, 2.0], [2.0, 3.0]])
    L = la.cholesky(ag.Tensor(A))
    np.testing.assert_allclose(L.data, [[2.0, 0.0], [1.0, np.sqrt(2.0)]], rtol=1e-14)
    # L00 = sqrt(A00): 1 / (2 L00) = 1/4.
    (g00,) = grad_of(lambda x: la.cholesky(x)[0, 0], A)
    np.testing.assert_allclose(g00, [[0.25, 0.0], [0.0, 0.0]], atol=1e-15)
    # L11 = sqrt(A11 - A10^2 / A00): the symmetric gradient splits d/dA10 over both halves.
    r = np.sqrt(2.0)
    (g11,) = grad_of(lambda x: la.cholesky(x)[1, 1], A)
    expected = [[1 / (8 * r), -1 / (4 * r)], [-1 / (4 * r), 1 / (2 * r)]]
    np.testing.assert_allclose(g11, expected, rtol=1e-12)
    (gu,) = grad_of(lambda x: la.cholesky(x, upper=True)[1, 1], A)  # U = L^T
    np.testing.assert_allclose(gu, expected, rtol=1e-12)


def test_cholesky_gradient_is_symmetric() -> None:
    A, W = spd(3, 3), RNG.normal(size=(3, 3))
    (g,) = grad_of(lambda x: (la.cholesky(x) * W).sum(), A)
    np.testing.assert_allclose(g, g.T, rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------------ eigh
def test_eigenvalue_gradient_is_finite_at_repeated_eigenvalues() -> None:
    c = np.array([1.0, 2.0, 3.0])
    (g,) = grad_of(lambda x: (la.eigvalsh(x) * c).sum(), np.eye(3))
    _, v = np.linalg.eigh(np.eye(3))
    np.testing.assert_allclose(g, v @ np.diag(c) @ v.T, atol=1e-14)
    (g,) = grad_of(lambda x: la.eigvalsh(x).sum(), 2 * np.eye(3))  # the trace
    np.testing.assert_allclose(g, np.eye(3), atol=1e-14)


def test_eigenvalue_terms_stay_finite_when_only_distinct_eigenvectors_are_used() -> None:
    """w = (1, 1, 2): a loss of the eigenvalues and of the third eigenvector only."""
    A = np.diag([1.0, 1.0, 2.0]) + 0.0
    (g,) = grad_of(lambda x: la.eigh(x)[0].sum() + (la.eigh(x)[1][:, 2] ** 2).sum(), A)
    np.testing.assert_allclose(g, np.eye(3), atol=1e-14)  # |v2|^2 = 1 does not change


def test_eigenvector_gradient_at_repeated_eigenvalues_is_not_finite() -> None:
    W = RNG.normal(size=(3, 3))
    with np.errstate(divide="ignore", invalid="ignore"):
        (g,) = grad_of(lambda x: (la.eigh(x)[1] ** 2 * W).sum(), np.eye(3))
    assert not np.all(np.isfinite(g))


def test_eigh_reads_one_triangle_and_returns_numpy_named_fields() -> None:
    A = np.array([[2.0, 100.0], [1.0, 3.0]])  # not symmetric: UPLO picks the triangle
    for uplo in ("L", "U"):
        w, v = np.linalg.eigh(A, UPLO=uplo)
        result = np.linalg.eigh(ag.Tensor(A), UPLO=uplo)
        assert isinstance(result.eigenvalues, ag.Tensor)
        np.testing.assert_allclose(result.eigenvalues.data, w, rtol=1e-14)
        np.testing.assert_allclose(result.eigenvectors.data, v, rtol=1e-14)


# ------------------------------------------------------------------------ qr
def test_qr_refuses_other_modes_and_wide_gradients() -> None:
    with pytest.raises(ValueError, match="reduced"):
        la.qr(ag.Tensor(np.eye(2)), mode="complete")
    q, r = la.qr(ag.Tensor(RNG.normal(size=(2, 3)), requires_grad=True))
    np.testing.assert_allclose((q @ r).data.shape, (2, 3))
    with pytest.raises(NotImplementedError, match="wide"):
        r.sum().backward()


# ------------------------------------------------------------------------ norm
@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [
        ((3,), {}),
        ((3,), {"ord": 2}),
        ((2, 3), {}),
        ((2, 3), {"ord": "fro"}),
        ((2, 3), {"axis": 1, "keepdims": True}),
        ((3,), {"ord": 3}),
        ((3,), {"ord": 1}),
        ((3,), {"ord": np.inf}),
        ((3,), {"ord": -np.inf}),
        ((3,), {"ord": 0}),
        ((2, 3), {"ord": 1}),
        ((2, 3), {"ord": np.inf}),
    ],
)
def test_norm_gradient_at_zero_is_zero(shape: tuple[int, ...], kwargs: dict[str, Any]) -> None:
    x = np.zeros(shape)
    out = la.norm(ag.Tensor(x), **kwargs)
    assert np.all(out.data == 0)
    (g,) = grad_of(lambda t: la.norm(t, **kwargs).sum(), x)
    np.testing.assert_array_equal(g, np.zeros(shape))


def test_norm_ties_share_the_gradient_evenly() -> None:
    (g,) = grad_of(lambda t: la.norm(t, np.inf), np.array([3.0, -3.0, 1.0]))
    np.testing.assert_array_equal(g, [0.5, -0.5, 0.0])
    (g,) = grad_of(lambda t: la.norm(t, -np.inf), np.array([1.0, -1.0, 2.0, -1.0]))
    np.testing.assert_allclose(g, [1 / 3, -1 / 3, 0.0, -1 / 3])
    # Column sums 3 and 3 tie: each column gets half of the gradient, with |x|'s signs.
    (g,) = grad_of(lambda t: la.norm(t, 1), np.array([[1.0, -2.0], [2.0, 1.0]]))
    np.testing.assert_array_equal(g, [[0.5, -0.5], [0.5, 0.5]])


def test_norm_of_zero_count_has_zero_gradient() -> None:
    x = np.array([0.0, 2.0, -1.0, 0.0])
    t = ag.Tensor(x, requires_grad=True)
    out = la.norm(t, 0)
    assert out.item() == 2.0
    out.backward()
    np.testing.assert_array_equal(t.grad, np.zeros(4))


@pytest.mark.parametrize("ord", [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf])
@pytest.mark.parametrize("axis", [(0, 1), (2, 0), (-1, -2)])
def test_matrix_norms_match_numpy_over_any_two_axes(ord: Any, axis: tuple[int, int]) -> None:
    x = RNG.normal(size=(2, 3, 4))
    for keepdims in (False, True):
        out = la.norm(ag.Tensor(x), ord, axis, keepdims)
        expected = np.linalg.norm(x, ord, axis, keepdims)
        assert out.shape == expected.shape
        np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    check_grad(lambda t: la.norm(t, ord, axis).sum(), x, rtol=1e-5, atol=1e-7)


def test_norm_of_integers_is_a_float_and_of_float32_stays_float32() -> None:
    assert la.norm(ag.Tensor(np.array([3, 4]))).item() == 5.0
    x = ag.Tensor(np.array([[3.0, 4.0]], dtype=np.float32), requires_grad=True)
    out = la.norm(x, "nuc")
    assert out.dtype == np.float32
    out.backward()
    assert x.grad is not None and x.grad.dtype == np.float32


@pytest.mark.parametrize(
    ("shape", "kwargs", "message"),
    [
        ((3,), {"ord": "fro"}, "Invalid norm order 'fro' for vectors"),
        ((2, 2), {"ord": 3}, "Invalid norm order for matrices"),
        ((2, 2, 2), {"ord": 1}, "Improper number of dimensions"),
        ((2, 2), {"axis": (1, -1)}, "Duplicate axes"),
    ],
)
def test_norm_refuses_what_numpy_refuses(
    shape: tuple[int, ...], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        np.linalg.norm(np.ones(shape), **kwargs)
    with pytest.raises(ValueError, match=message):
        la.norm(ag.Tensor(np.ones(shape)), **kwargs)


# ------------------------------------------------------------------------ against PyTorch
torch_cases = {
    "inv": (lambda m: m.inv, lambda t, a: t.linalg.inv(a), well_conditioned),
    "det": (lambda m: m.det, lambda t, a: t.linalg.det(a), well_conditioned),
    "slogdet": (
        lambda m: lambda a: m.slogdet(a)[1],
        lambda t, a: t.linalg.slogdet(a)[1],
        well_conditioned,
    ),
    "cholesky": (lambda m: m.cholesky, lambda t, a: t.linalg.cholesky(a), spd),
    "eigvalsh": (lambda m: lambda a: m.eigh(a)[0], lambda t, a: t.linalg.eigh(a)[0], spd),
    # squared: independent of the signs of the eigenvectors and of QR's factors
    "eigh_vectors": (
        lambda m: lambda a: m.eigh(a)[1] ** 2, lambda t, a: t.linalg.eigh(a)[1] ** 2, spd
    ),
    "qr_R_squared": (
        lambda m: lambda a: m.qr(a)[1] ** 2,
        lambda t, a: t.linalg.qr(a)[1] ** 2,
        well_conditioned,
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(torch_cases))
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_gradients_and_hessian_vector_products_match_pytorch(
    name: str, shape: tuple[int, ...]
) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs, make = torch_cases[name]
    A = make(*shape)
    out_shape = ours(la)(ag.Tensor(A)).shape
    W, V = RNG.normal(size=out_shape), RNG.normal(size=shape)
    if name in ("cholesky", "eigvalsh", "eigh_vectors"):
        V = V + np.swapaxes(V, -1, -2)  # a symmetric direction: these assume symmetric input

    def f(a: Any) -> Any:
        return (ours(la)(a) * W).sum()

    g = ag.grad(f)(A)
    hv = ag.hvp(f, A, V)

    a = torch.tensor(A, requires_grad=True)
    (tg,) = torch.autograd.grad((theirs(torch, a) * torch.tensor(W)).sum(), a, create_graph=True)
    (thv,) = torch.autograd.grad((tg * torch.tensor(V)).sum(), a)
    np.testing.assert_allclose(g, tg.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(hv, thv.numpy(), rtol=1e-8, atol=1e-11)


def test_solve_and_norms_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    A, B = well_conditioned(2, 3, 3), RNG.normal(size=(2, 3, 2))
    ga, gb = grad_of(lambda a, b: (la.solve(a, b) ** 2).sum(), A, B)
    a, b = torch.tensor(A, requires_grad=True), torch.tensor(B, requires_grad=True)
    (torch.linalg.solve(a, b) ** 2).sum().backward()
    np.testing.assert_allclose(ga, a.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(gb, b.grad.numpy(), rtol=1e-10)
    x = RNG.normal(size=(3, 4))
    for ord, kind in [(None, "vector"), (3, "vector"), ("nuc", "matrix"), (2, "matrix")]:
        axis = None if kind == "matrix" else 1
        (g,) = grad_of(lambda t, ord=ord, axis=axis: la.norm(t, ord, axis).sum(), x)
        t = torch.tensor(x, requires_grad=True)
        if kind == "vector":
            torch.linalg.vector_norm(t, 2 if ord is None else ord, dim=1).sum().backward()
        else:
            torch.linalg.matrix_norm(t, ord).backward()
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-9, atol=1e-12)
