"""Probability and statistics written from their textbook formulas.

Distributions (pmf, pdf, cdf), summary statistics (mean, variance, covariance, correlation) and
the classical tests (Student's and Welch's t, Pearson's chi-square) spelled out term by term.
The only borrowed pieces are the regularized incomplete beta and gamma functions from
`scipy.special`, which turn a t or chi-square statistic into a p-value (as every statistics
library does). Reference: Wasserman, *All of Statistics* (2004), ch. 2, 3 and 10.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import betainc, gammaincc


def relative_difference(ours: object, reference: object) -> float:
    """Return max |ours − reference| / |reference| elementwise: 1e-6 means six digits agree."""
    ours, reference = np.asarray(ours, dtype=float), np.asarray(reference, dtype=float)
    return float(np.max(np.abs(ours - reference) / np.abs(reference)))


def binomial_pmf(k: int, n: int, p: float) -> float:
    """Return P(K = k) for K ~ Binomial(n, p): C(n, k) pᵏ (1 − p)ⁿ⁻ᵏ."""
    if not 0 <= p <= 1:
        raise ValueError(f"p must be a probability in [0, 1], got {p}")
    if not 0 <= k <= n:
        return 0.0
    return math.comb(n, k) * p**k * (1 - p) ** (n - k)


def poisson_pmf(k: int, lam: float) -> float:
    """Return P(K = k) for K ~ Poisson(λ): λᵏ e^−λ / k!, computed in logs to avoid overflow."""
    if lam <= 0:
        raise ValueError(f"the Poisson rate λ must be positive, got {lam}")
    if k < 0:
        return 0.0
    return math.exp(k * math.log(lam) - lam - math.lgamma(k + 1))


def normal_pdf(x: float, mu: float = 0.0, sigma: float = 1.0) -> float:
    """Return the Normal(μ, σ²) density exp(−(x − μ)² / 2σ²) / (σ√(2π))."""
    if sigma <= 0:
        raise ValueError(f"σ must be positive, got {sigma}")
    z = (x - mu) / sigma
    return math.exp(-0.5 * z * z) / (sigma * math.sqrt(2 * math.pi))


def normal_cdf(x: float, mu: float = 0.0, sigma: float = 1.0) -> float:
    """Return P(X ≤ x) for X ~ Normal(μ, σ²), via the complementary error function."""
    if sigma <= 0:
        raise ValueError(f"σ must be positive, got {sigma}")
    return 0.5 * math.erfc(-(x - mu) / (sigma * math.sqrt(2)))


def mean(x: Sequence[float]) -> float:
    """Return the sample mean x̄ = Σxᵢ / n."""
    if len(x) == 0:
        raise ValueError("the mean of an empty sample is undefined")
    return math.fsum(x) / len(x)


def covariance(x: Sequence[float], y: Sequence[float]) -> float:
    """Return the sample covariance Σ(xᵢ − x̄)(yᵢ − ȳ) / (n − 1)."""
    if len(x) != len(y):
        raise ValueError(f"x and y must pair up, got lengths {len(x)} and {len(y)}")
    if len(x) < 2:
        raise ValueError("covariance needs at least two observations")
    mx, my = mean(x), mean(y)
    return math.fsum((a - mx) * (b - my) for a, b in zip(x, y, strict=True)) / (len(x) - 1)


def variance(x: Sequence[float]) -> float:
    """Return the unbiased sample variance s² = Σ(xᵢ − x̄)² / (n − 1)."""
    return covariance(x, x)


def correlation(x: Sequence[float], y: Sequence[float]) -> float:
    """Return Pearson's r = cov(x, y) / (s_x s_y), the covariance in units of spread."""
    sx, sy = math.sqrt(variance(x)), math.sqrt(variance(y))
    if sx == 0 or sy == 0:
        raise ValueError("correlation is undefined when a variable is constant")
    return covariance(x, y) / (sx * sy)


def covariance_matrix(data: np.ndarray) -> np.ndarray:
    """Return the p×p sample covariance of an n×p array: XcᵀXc / (n − 1), Xc centered columns."""
    data = np.asarray(data, dtype=float)
    if data.ndim != 2 or data.shape[0] < 2:
        raise ValueError(f"need an n×p array with n >= 2, got shape {data.shape}")
    centered = data - data.mean(axis=0)
    return centered.T @ centered / (data.shape[0] - 1)


def correlation_matrix(data: np.ndarray) -> np.ndarray:
    """Return Pearson correlations: the covariance divided by s_i s_j."""
    cov = covariance_matrix(data)
    spread = np.sqrt(np.diag(cov))
    return cov / np.outer(spread, spread)


def t_two_sided_p(t: float, df: float) -> float:
    """Return P(|T| ≥ |t|) for Student's t with df degrees of freedom: I_{df/(df+t²)}(df/2, 1/2)."""
    return float(betainc(df / 2, 0.5, df / (df + t * t)))


def chi2_sf(x: float, df: float) -> float:
    """Return P(X ≥ x) for a chi-square with df degrees of freedom: Q(df/2, x/2)."""
    return float(gammaincc(df / 2, x / 2))


@dataclass(frozen=True)
class TestResult:
    """A test statistic, its degrees of freedom and its p-value."""

    statistic: float
    df: float
    pvalue: float


def welch_t_test(a: Sequence[float], b: Sequence[float]) -> TestResult:
    """Welch's two-sample t-test of equal means, not assuming equal variances (Welch 1947)."""
    na, nb = len(a), len(b)
    va, vb = variance(a) / na, variance(b) / nb
    t = (mean(a) - mean(b)) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
    return TestResult(t, df, t_two_sided_p(t, df))


def student_t_test(a: Sequence[float], b: Sequence[float]) -> TestResult:
    """Student's two-sample t-test of equal means with a pooled variance (equal variances)."""
    na, nb = len(a), len(b)
    pooled = ((na - 1) * variance(a) + (nb - 1) * variance(b)) / (na + nb - 2)
    t = (mean(a) - mean(b)) / math.sqrt(pooled * (1 / na + 1 / nb))
    df = na + nb - 2
    return TestResult(t, df, t_two_sided_p(t, df))


def expected_counts(table: np.ndarray) -> np.ndarray:
    """Return the counts expected under independence: row total × column total / grand total."""
    table = np.asarray(table, dtype=float)
    return np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()


def chi_square_independence(table: np.ndarray, yates: bool = False) -> TestResult:
    """Pearson's chi-square test of independence for an r×c table of counts.

    Σ (observed − expected)² / expected with (r − 1)(c − 1) degrees of freedom; for a 2×2 table
    `yates=True` first shrinks each |observed − expected| by ½ (Yates' continuity correction).
    """
    table = np.asarray(table, dtype=float)
    if table.ndim != 2 or min(table.shape) < 2:
        raise ValueError(f"need an r×c table with r, c >= 2, got shape {table.shape}")
    if (table < 0).any() or (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any():
        raise ValueError("counts must be non-negative with no empty row or column")
    expected = expected_counts(table)
    gap = np.abs(table - expected)
    if yates:
        if table.shape != (2, 2):
            raise ValueError("Yates' correction applies to 2×2 tables only")
        gap = np.maximum(gap - 0.5, 0.0)
    statistic = float(np.sum(gap**2 / expected))
    df = (table.shape[0] - 1) * (table.shape[1] - 1)
    return TestResult(statistic, df, chi2_sf(statistic, df))


def goodness_of_fit(observed: np.ndarray, probabilities: np.ndarray) -> TestResult:
    """Pearson's chi-square goodness of fit of observed counts to bin probabilities."""
    observed = np.asarray(observed, dtype=float)
    expected = observed.sum() * np.asarray(probabilities, dtype=float)
    statistic = float(np.sum((observed - expected) ** 2 / expected))
    df = len(observed) - 1
    return TestResult(statistic, df, chi2_sf(statistic, df))


def bayes_posterior(prior: float, sensitivity: float, specificity: float) -> float:
    """Return P(condition | positive test) = P(+|D)P(D) / [P(+|D)P(D) + P(+|¬D)P(¬D)]."""
    for name, value in (
        ("prior", prior),
        ("sensitivity", sensitivity),
        ("specificity", specificity),
    ):
        if not 0 <= value <= 1:
            raise ValueError(f"{name} must be a probability in [0, 1], got {value}")
    true_positive = sensitivity * prior
    false_positive = (1 - specificity) * (1 - prior)
    return true_positive / (true_positive + false_positive)
