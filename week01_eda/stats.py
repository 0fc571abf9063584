"""Summary statistics written with plain Python, so each formula is visible.

Comprehensions, `map`, `filter` and lambdas do the work here; pandas checks the answers in
titanic_eda (they must agree to 1e-9 relative).
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean: the sum divided by the count."""
    if not values:
        raise ValueError("mean of an empty sequence is undefined")
    return sum(values) / len(values)


def median(values: Sequence[float]) -> float:
    """Middle value of the sorted data (the mean of the two middle ones for an even count)."""
    if not values:
        raise ValueError("median of an empty sequence is undefined")
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def variance(values: Sequence[float]) -> float:
    """Sample variance (n - 1 in the denominator, as pandas and NumPy's ddof=1)."""
    if len(values) < 2:
        raise ValueError("sample variance needs at least two values")
    m = mean(values)
    return sum((v - m) ** 2 for v in values) / (len(values) - 1)


def correlation(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Pearson correlation: the covariance over the product of standard deviations."""
    if len(xs) != len(ys):
        raise ValueError(f"correlation needs paired data; got {len(xs)} and {len(ys)} values")
    mx, my = mean(xs), mean(ys)
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs))
    sy = math.sqrt(sum((y - my) ** 2 for y in ys))
    return cov / (sx * sy)


def present(values: Sequence[float | None]) -> list[float]:
    """Drop missing values (None or NaN), the way pandas' skipna does."""
    return list(filter(lambda v: v is not None and not math.isnan(v), values))


def describe(columns: dict[str, Sequence[float]]) -> dict[str, dict[str, float]]:
    """Return mean, median and variance of each column, ignoring missing values."""
    stats = {"mean": mean, "median": median, "variance": variance}
    return {name: {s: f(present(col)) for s, f in stats.items()} for name, col in columns.items()}
