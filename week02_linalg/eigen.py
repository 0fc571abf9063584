"""Eigenvalues and eigenvectors from scratch: power iteration and the QR algorithm.

Power iteration finds the dominant eigenpair of any square matrix whose largest eigenvalue is
strictly largest in size. The shifted QR algorithm (Householder QR, Wilkinson shift, deflation)
finds every eigenpair of a symmetric matrix. References: Golub & Van Loan, *Matrix
Computations* (4th ed.), §7.3.1 (power method), §5.1.2 (Householder QR), §8.3 (symmetric QR).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from week02_linalg.matrix import Matrix, check_square, identity, matmul, matvec, transpose
from week02_linalg.vectors import Vector, dot, norm, scale


class ConvergenceError(ArithmeticError):
    """An iteration did not meet its tolerance within its iteration budget."""


def power_iteration(
    a: Sequence[Sequence[float]], tol: float = 1e-13, max_iter: int = 20_000
) -> tuple[float, Vector]:
    """Return the dominant eigenvalue and its unit eigenvector by repeatedly applying A.

    Each step multiplies by A and renormalizes; the component along the dominant eigenvector
    grows fastest, by |λ₁/λ₂| per step. The eigenvalue is the Rayleigh quotient vᵀAv.
    """
    n = check_square(a)
    v = [1.0 + i / n for i in range(n)]
    v = scale(1 / norm(v), v)
    for _ in range(max_iter):
        w = matvec(a, v)
        length = norm(w)
        if length == 0.0:
            raise ConvergenceError("A·v is zero: the start vector lies in the null space of A")
        w = scale(1 / length, w)
        if dot(w, v) < 0:
            w = scale(-1.0, w)
        change = norm([x - y for x, y in zip(w, v, strict=True)])
        v = w
        if change <= tol:
            return dot(v, matvec(a, v)), v
    raise ConvergenceError(
        f"power iteration did not converge in {max_iter} steps: are the two largest eigenvalues "
        "equal in size (e.g. λ and −λ, or a complex pair)?"
    )


def householder_qr(a: Sequence[Sequence[float]]) -> tuple[Matrix, Matrix]:
    """Return Q (orthogonal) and R (upper triangular) with A = QR, by Householder reflections."""
    n = check_square(a)
    r = [list(map(float, row)) for row in a]
    q = identity(n)
    for k in range(n - 1):
        x = [r[i][k] for i in range(k, n)]
        alpha = -math.copysign(norm(x), x[0])
        v = [x[0] - alpha, *x[1:]]
        vv = dot(v, v)
        if vv == 0.0:
            continue
        for j in range(n):
            factor = 2 * sum(v[i - k] * r[i][j] for i in range(k, n)) / vv
            for i in range(k, n):
                r[i][j] -= factor * v[i - k]
            factor = 2 * sum(q[j][i] * v[i - k] for i in range(k, n)) / vv
            for i in range(k, n):
                q[j][i] -= factor * v[i - k]
    for i in range(n):
        for j in range(i):
            r[i][j] = 0.0
    return q, r


def _wilkinson_shift(a: float, b: float, c: float) -> float:
    """Return the eigenvalue of [[a, b], [b, c]] closer to c (the shift that converges fastest)."""
    d = (a - c) / 2
    if b == 0.0:
        return c
    return c - math.copysign(1.0, d or 1.0) * b * b / (abs(d) + math.hypot(d, b))


def _shift(a: Matrix, mu: float) -> Matrix:
    """Return A + μI."""
    return [[x + mu * (i == j) for j, x in enumerate(row)] for i, row in enumerate(a)]


def check_symmetric(a: Sequence[Sequence[float]], tol: float = 1e-12) -> int:
    """Return n for a symmetric n×n matrix, or raise ValueError naming the first asymmetry."""
    n = check_square(a)
    size = max(abs(x) for row in a for x in row) or 1.0
    for i in range(n):
        for j in range(i):
            if abs(a[i][j] - a[j][i]) > tol * size:
                raise ValueError(f"matrix is not symmetric: A[{i}][{j}] != A[{j}][{i}]")
    return n


def symmetric_eigen(
    a: Sequence[Sequence[float]], tol: float = 1e-14, max_iter: int = 10_000
) -> tuple[Vector, list[Vector]]:
    """Return (eigenvalues ascending, matching unit eigenvectors) of a symmetric matrix.

    Each step factors A − μI = QR and forms RQ + μI = QᵀAQ, a similar matrix closer to diagonal;
    the product of the Q's collects the eigenvectors. When the last active row's off-diagonal
    entries vanish, its diagonal entry is an eigenvalue: the active block shrinks by one and the
    steps go on in the block above it (deflation), leaving the found eigenvalue untouched.
    """
    n = check_symmetric(a)
    current = [list(map(float, row)) for row in a]
    vectors = identity(n)
    size = math.sqrt(sum(x * x for row in current for x in row)) or 1.0
    m = n - 1
    for _ in range(max_iter):
        while m > 0 and max(abs(current[m][j]) for j in range(m)) <= tol * size:
            m -= 1
        if m == 0:
            break
        block = [row[: m + 1] for row in current[: m + 1]]
        mu = _wilkinson_shift(block[m - 1][m - 1], block[m][m - 1], block[m][m])
        q, r = householder_qr(_shift(block, -mu))
        for i, row in enumerate(_shift(matmul(r, q), mu)):
            current[i][: m + 1] = row
        rotated = matmul([row[: m + 1] for row in vectors], q)
        for i, row in enumerate(rotated):
            vectors[i][: m + 1] = row
    else:
        raise ConvergenceError(f"QR algorithm did not converge in {max_iter} steps")
    pairs = sorted(zip((current[i][i] for i in range(n)), transpose(vectors), strict=True))
    return [value for value, _ in pairs], [vector for _, vector in pairs]
