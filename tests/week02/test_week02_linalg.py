"""Week 2 code layer: the from-scratch vector, matrix and eigen routines against NumPy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import hilbert

from week02_linalg import eigen, matrix, vectors

finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False)
three = st.lists(finite, min_size=3, max_size=3)


@settings(max_examples=50, deadline=None)
@given(three, three, finite)
def test_vector_ops_match_numpy(u: list[float], v: list[float], c: float) -> None:
    nu, nv = np.array(u), np.array(v)
    np.testing.assert_allclose(vectors.add(u, v), nu + nv, atol=1e-9)
    np.testing.assert_allclose(vectors.scale(c, u), c * nu, atol=1e-9)
    np.testing.assert_allclose(vectors.dot(u, v), nu @ nv, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(vectors.cross(u, v), np.cross(nu, nv), rtol=1e-9, atol=1e-6)
    for p in (1, 2, 3, math.inf):
        np.testing.assert_allclose(vectors.norm(u, p), np.linalg.norm(nu, p), rtol=1e-12)


def test_projection_is_orthogonal_and_refuses_zero() -> None:
    a, b = [1.0, 2.0, 3.0], [4.0, -1.0, 0.5]
    residual = vectors.subtract(a, vectors.project(a, b))
    assert abs(vectors.dot(residual, b)) < 1e-12
    with pytest.raises(ValueError, match="zero vector"):
        vectors.project(a, [0.0, 0.0, 0.0])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: vectors.add([1.0], [1.0, 2.0]), "same length"),
        (lambda: vectors.cross([1.0, 2.0], [3.0, 4.0]), "3-vectors"),
        (lambda: vectors.dot([], []), "empty"),
        (lambda: matrix.matmul([[1.0, 2.0]], [[1.0, 2.0]]), "inner sizes"),
        (lambda: matrix.transpose([[1.0, 2.0], [3.0]]), "equal length"),
        (lambda: matrix.inverse([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), "square"),
        (lambda: matrix.determinant([[1.0, 2.0]]), "square"),
        (lambda: eigen.symmetric_eigen([[1.0, 2.0], [0.0, 1.0]]), "not symmetric"),
    ],
)
def test_bad_input_raises_a_clear_error(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("n", [1, 2, 5, 9])
def test_matmul_inverse_determinant_match_numpy(n: int) -> None:
    a = np.random.default_rng(n).standard_normal((n, n))
    b = np.random.default_rng(n + 100).standard_normal((n, 3))
    np.testing.assert_allclose(matrix.matmul(a.tolist(), b.tolist()), a @ b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(matrix.transpose(b.tolist()), b.T)
    np.testing.assert_allclose(matrix.inverse(a.tolist()), np.linalg.inv(a), rtol=1e-9, atol=1e-10)
    assert matrix.determinant(a.tolist()) == pytest.approx(np.linalg.det(a), rel=1e-10)


def test_lu_factors_reassemble_the_permuted_matrix() -> None:
    a = np.random.default_rng(3).standard_normal((6, 6))
    lu = matrix.lu_decompose(a.tolist())
    np.testing.assert_allclose(np.array(lu.lower) @ np.array(lu.upper), a[lu.perm], atol=1e-12)
    assert np.allclose(np.tril(lu.upper, -1), 0) and np.allclose(np.diag(lu.lower), 1)


def test_ill_conditioned_inverse_agrees_to_cond_times_eps() -> None:
    h = hilbert(6)
    ours = np.array(matrix.inverse(h.tolist()))
    reference = np.linalg.inv(h)
    assert np.abs(ours - reference).max() / np.abs(reference).max() < 1e-6
    assert matrix.determinant(h.tolist()) == pytest.approx(np.linalg.det(h), rel=1e-6)


@pytest.mark.parametrize(
    "singular",
    [
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]],
        [[1.0, 2.0], [2.0, 4.0]],
        [[0.0, 0.0], [0.0, 0.0]],
    ],
)
def test_singular_matrix_has_no_inverse_and_zero_determinant(singular: list[list[float]]) -> None:
    with pytest.raises(matrix.SingularMatrixError, match=r"singular|zero matrix"):
        matrix.inverse(singular)
    assert abs(matrix.determinant(singular)) < 1e-12


@pytest.mark.parametrize("n", [2, 4, 7])
def test_symmetric_qr_algorithm_matches_eigh(n: int) -> None:
    a = np.random.default_rng(n).standard_normal((n, n))
    sym = a + a.T
    values, vecs = eigen.symmetric_eigen(sym.tolist())
    ref_values, ref_vecs = np.linalg.eigh(sym)
    np.testing.assert_allclose(values, ref_values, rtol=1e-9, atol=1e-12)
    overlap = np.abs(np.array(vecs) @ ref_vecs)
    np.testing.assert_allclose(overlap, np.eye(n), atol=1e-8)


def test_householder_qr_is_orthogonal_times_upper() -> None:
    a = np.random.default_rng(1).standard_normal((5, 5))
    q, r = (np.array(m) for m in eigen.householder_qr(a.tolist()))
    np.testing.assert_allclose(q @ r, a, atol=1e-12)
    np.testing.assert_allclose(q.T @ q, np.eye(5), atol=1e-12)
    assert np.allclose(np.tril(r, -1), 0)


def test_power_iteration_finds_the_dominant_pair() -> None:
    b = np.random.default_rng(2).standard_normal((6, 6))
    spd = b @ b.T
    value, vec = eigen.power_iteration(spd.tolist())
    ref_values, ref_vecs = np.linalg.eigh(spd)
    assert value == pytest.approx(ref_values[-1], rel=1e-10)
    assert abs(np.dot(vec, ref_vecs[:, -1])) == pytest.approx(1.0, abs=1e-9)


def test_power_iteration_refuses_a_tie_in_size() -> None:
    with pytest.raises(eigen.ConvergenceError, match="did not converge"):
        eigen.power_iteration([[1.0, 0.0], [0.0, -1.0]], max_iter=200)
