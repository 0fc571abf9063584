"""Vector operations on plain Python lists, so that every step of the arithmetic is visible.

A vector is a `list[float]`. Every function checks its inputs and raises `ValueError` with a
message naming the problem (empty vector, mismatched lengths, zero vector to project onto).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Vector = list[float]


def _check(*vectors: Sequence[float]) -> int:
    """Return the common length of `vectors`, or raise ValueError if they are empty or differ."""
    lengths = {len(v) for v in vectors}
    if 0 in lengths:
        raise ValueError("vectors must not be empty")
    if len(lengths) > 1:
        raise ValueError(f"vectors must have the same length, got lengths {sorted(lengths)}")
    return lengths.pop()


def add(u: Sequence[float], v: Sequence[float]) -> Vector:
    """Return u + v, element by element."""
    _check(u, v)
    return [a + b for a, b in zip(u, v, strict=True)]


def subtract(u: Sequence[float], v: Sequence[float]) -> Vector:
    """Return u - v, element by element."""
    _check(u, v)
    return [a - b for a, b in zip(u, v, strict=True)]


def scale(c: float, v: Sequence[float]) -> Vector:
    """Return the scalar multiple c·v."""
    _check(v)
    return [c * a for a in v]


def dot(u: Sequence[float], v: Sequence[float]) -> float:
    """Return the inner product u·v = Σ uᵢvᵢ."""
    _check(u, v)
    return math.fsum(a * b for a, b in zip(u, v, strict=True))


def cross(u: Sequence[float], v: Sequence[float]) -> Vector:
    """Return the cross product u × v of two 3-vectors (orthogonal to both, |u||v|sin θ long)."""
    if _check(u, v) != 3:
        raise ValueError(f"the cross product is defined for 3-vectors, got length {len(u)}")
    return [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]]


def norm(v: Sequence[float], p: float = 2) -> float:
    """Return the p-norm (Σ|vᵢ|ᵖ)^(1/p); p=1 is the taxicab length, p=inf the largest entry."""
    _check(v)
    if p == math.inf:
        return max(abs(a) for a in v)
    if p < 1:
        raise ValueError(f"p must be >= 1 for a norm, got {p}")
    if p == 2:
        return math.sqrt(math.fsum(a * a for a in v))
    return math.fsum(abs(a) ** p for a in v) ** (1 / p)


def project(u: Sequence[float], onto: Sequence[float]) -> Vector:
    """Return the orthogonal projection of u onto the line spanned by `onto`: (u·b / b·b) b."""
    denominator = dot(onto, onto)
    if denominator == 0:
        raise ValueError("cannot project onto the zero vector")
    return scale(dot(u, onto) / denominator, onto)
