"""Matrices as lists of rows: multiply, transpose, LU, determinant and Gauss–Jordan inverse.

A matrix is a `list[list[float]]` of equal-length rows. Bad input raises a clear error:
`ValueError` for ragged, empty or wrongly shaped matrices, `SingularMatrixError` (also a
ValueError) when an inverse is asked of a matrix whose pivots vanish. Algorithms follow Golub &
Van Loan, *Matrix Computations* (4th ed.), §3.2 (LU with partial pivoting) and §3.1 (solves).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from week02_linalg.vectors import Vector, dot

Matrix = list[list[float]]

# A pivot smaller than this fraction of the largest entry is treated as zero: in float64 the
# elimination of an exactly singular matrix leaves pivots of order 1e-16 times its scale.
SINGULAR_TOLERANCE = 1e-12


class SingularMatrixError(ValueError):
    """The matrix has no inverse: Gaussian elimination met a zero pivot."""


@dataclass(frozen=True)
class LU:
    """PA = LU: the row order `perm` (P), unit lower L, upper U, and the sign of P (±1)."""

    perm: list[int]
    lower: Matrix
    upper: Matrix
    sign: int


def shape(a: Sequence[Sequence[float]]) -> tuple[int, int]:
    """Return (rows, columns), or raise ValueError for an empty or ragged matrix."""
    if not a or not a[0]:
        raise ValueError("matrix must have at least one row and one column")
    widths = {len(row) for row in a}
    if len(widths) > 1:
        raise ValueError(f"matrix rows must have equal length, got lengths {sorted(widths)}")
    return len(a), len(a[0])


def check_square(a: Sequence[Sequence[float]]) -> int:
    """Return n for an n×n matrix, or raise ValueError naming its shape."""
    rows, cols = shape(a)
    if rows != cols:
        raise ValueError(f"a square matrix is required, got shape {rows}×{cols}")
    return rows


def identity(n: int) -> Matrix:
    """Return the n×n identity matrix."""
    return [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]


def transpose(a: Sequence[Sequence[float]]) -> Matrix:
    """Return Aᵀ: row i of the result is column i of A."""
    rows, cols = shape(a)
    return [[a[i][j] for i in range(rows)] for j in range(cols)]


def matmul(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]]) -> Matrix:
    """Return AB, whose (i, j) entry is row i of A dotted with column j of B."""
    (n, k), (k2, _) = shape(a), shape(b)
    if k != k2:
        raise ValueError(f"cannot multiply {n}×{k} by {k2}×{len(b[0])}: inner sizes differ")
    columns = transpose(b)
    return [[dot(row, col) for col in columns] for row in a]


def matvec(a: Sequence[Sequence[float]], v: Sequence[float]) -> Vector:
    """Return the matrix-vector product Av."""
    _, cols = shape(a)
    if len(v) != cols:
        raise ValueError(f"cannot multiply a matrix with {cols} columns by a {len(v)}-vector")
    return [dot(row, v) for row in a]


def lu_decompose(a: Sequence[Sequence[float]]) -> LU:
    """Factor PA = LU by Gaussian elimination, swapping in the largest pivot of each column."""
    n = check_square(a)
    upper = [list(map(float, row)) for row in a]
    lower = identity(n)
    perm, sign = list(range(n)), 1
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(upper[r][col]))
        if pivot != col:
            upper[col], upper[pivot] = upper[pivot], upper[col]
            perm[col], perm[pivot] = perm[pivot], perm[col]
            for j in range(col):
                lower[col][j], lower[pivot][j] = lower[pivot][j], lower[col][j]
            sign = -sign
        if upper[col][col] == 0.0:
            continue
        for r in range(col + 1, n):
            factor = upper[r][col] / upper[col][col]
            lower[r][col] = factor
            upper[r] = [x - factor * y for x, y in zip(upper[r], upper[col], strict=True)]
    return LU(perm, lower, upper, sign)


def determinant(a: Sequence[Sequence[float]]) -> float:
    """Return det A = sign(P) · Π Uᵢᵢ from the LU factors (0 for a singular matrix)."""
    lu = lu_decompose(a)
    return lu.sign * math.prod(lu.upper[i][i] for i in range(len(lu.upper)))


def inverse(a: Sequence[Sequence[float]]) -> Matrix:
    """Return A⁻¹ by Gauss–Jordan elimination on [A | I] with partial pivoting."""
    n = check_square(a)
    scale = max(abs(x) for row in a for x in row)
    if scale == 0.0:
        raise SingularMatrixError("the zero matrix has no inverse")
    augmented = [list(map(float, row)) + unit for row, unit in zip(a, identity(n), strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(augmented[r][col]))
        if abs(augmented[pivot][col]) <= SINGULAR_TOLERANCE * scale:
            raise SingularMatrixError(
                f"matrix is singular: no usable pivot in column {col} "
                f"(largest candidate {abs(augmented[pivot][col]):.2e}); it has no inverse"
            )
        augmented[col], augmented[pivot] = augmented[pivot], augmented[col]
        head = augmented[col][col]
        augmented[col] = [x / head for x in augmented[col]]
        for r in range(n):
            if r != col and augmented[r][col] != 0.0:
                factor = augmented[r][col]
                augmented[r] = [
                    x - factor * y for x, y in zip(augmented[r], augmented[col], strict=True)
                ]
    return [row[n:] for row in augmented]
