"""Binomial, Poisson and Normal distributions: formula, SciPy and simulation.

Each pmf or pdf is computed from its formula (formulas.py), compared with `scipy.stats` over its
whole support, and then with a large simulation: a chi-square goodness-of-fit test asks whether
the simulated counts could have come from the formula's probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from shared.bars import Bar
from shared.context import RunContext
from shared.plotting import label, subplots
from week03_probability.formulas import (
    binomial_pmf,
    goodness_of_fit,
    normal_cdf,
    normal_pdf,
    poisson_pmf,
    relative_difference,
)


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    draws: int = 500_000  # simulated draws of each distribution


FULL = Config()
FAST = Config(draws=20_000)

BINOMIAL = {"n": 20, "p": 0.3}
POISSON = {"lam": 4.0}
NORMAL = {"mu": 170.0, "sigma": 8.0}

# Agreement with scipy.stats to six significant digits; simulation consistent with the formula
# at the 0.1% level of Pearson's (1900) chi-square goodness-of-fit test.
_SCIPY = "scipy.stats reference implementation (Virtanen et al. 2020), 6 digits"
_GOF = "Pearson (1900) chi-square goodness of fit, 0.1% level"
BARS = [
    Bar("binomial_rel_diff_scipy", "<=", 1e-6, _SCIPY),
    Bar("poisson_rel_diff_scipy", "<=", 1e-6, _SCIPY),
    Bar("normal_pdf_rel_diff_scipy", "<=", 1e-6, _SCIPY),
    Bar("normal_cdf_rel_diff_scipy", "<=", 1e-6, _SCIPY),
    Bar("binomial_gof_pvalue", ">=", 0.001, _GOF),
    Bar("poisson_gof_pvalue", ">=", 0.001, _GOF),
    Bar("normal_gof_pvalue", ">=", 0.001, _GOF),
]


def pooled_counts(counts: np.ndarray, probs: np.ndarray, min_expected: float) -> tuple:
    """Merge the upper tail into one bin until every expected count reaches `min_expected`."""
    total = counts.sum()
    keep = np.flatnonzero(probs * total >= min_expected)
    last = keep.max()
    counts = np.append(counts[:last], counts[last:].sum())
    probs = np.append(probs[:last], 1 - probs[:last].sum())
    first = keep.min()
    counts = np.insert(counts[first + 1 :], 0, counts[: first + 1].sum())
    probs = np.insert(probs[first + 1 :], 0, probs[: first + 1].sum())
    return counts, probs


def run(ctx: RunContext) -> dict[str, float]:
    """Compare each distribution's formula with SciPy and with a simulation."""
    config = FAST if ctx.fast else FULL
    rng = np.random.default_rng(ctx.seed)
    draws = config.draws
    ctx.log(f"simulating {draws:,} draws of each distribution")
    fig, axes = subplots(1, 3, width=4.4, height=3.8)
    metrics: dict[str, float] = {}

    n, p = BINOMIAL["n"], BINOMIAL["p"]
    k = np.arange(n + 1)
    pmf = np.array([binomial_pmf(int(i), n, p) for i in k])
    metrics["binomial_rel_diff_scipy"] = relative_difference(pmf, stats.binom.pmf(k, n, p))
    counts = np.bincount(rng.binomial(n, p, draws), minlength=n + 1)
    metrics["binomial_gof_pvalue"] = goodness_of_fit(*pooled_counts(counts, pmf, 5)).pvalue
    axes[0].bar(k, counts / draws, color="C0", alpha=0.6, label="simulated")
    axes[0].plot(k, pmf, "o", color="C3", label="formula")
    label(axes[0], f"Binomial(n={n}, p={p})", "successes k", "P(K = k)")

    lam = POISSON["lam"]
    k = np.arange(40)
    pmf = np.array([poisson_pmf(int(i), lam) for i in k])
    metrics["poisson_rel_diff_scipy"] = relative_difference(pmf, stats.poisson.pmf(k, lam))
    counts = np.bincount(rng.poisson(lam, draws), minlength=len(k))[: len(k)]
    metrics["poisson_gof_pvalue"] = goodness_of_fit(*pooled_counts(counts, pmf, 5)).pvalue
    axes[1].bar(k[:16], counts[:16] / draws, color="C0", alpha=0.6, label="simulated")
    axes[1].plot(k[:16], pmf[:16], "o", color="C3", label="formula")
    label(axes[1], f"Poisson(λ={lam:g})", "events k", "P(K = k)")

    mu, sigma = NORMAL["mu"], NORMAL["sigma"]
    grid = np.linspace(mu - 6 * sigma, mu + 6 * sigma, 241)
    pdf = np.array([normal_pdf(x, mu, sigma) for x in grid])
    cdf = np.array([normal_cdf(x, mu, sigma) for x in grid])
    metrics["normal_pdf_rel_diff_scipy"] = relative_difference(pdf, stats.norm.pdf(grid, mu, sigma))
    metrics["normal_cdf_rel_diff_scipy"] = relative_difference(cdf, stats.norm.cdf(grid, mu, sigma))
    sample = rng.normal(mu, sigma, draws)
    edges = np.concatenate([[-np.inf], np.linspace(mu - 3 * sigma, mu + 3 * sigma, 25), [np.inf]])
    bin_probs = np.diff(
        [normal_cdf(e, mu, sigma) if np.isfinite(e) else float(e > 0) for e in edges]
    )
    counts = np.histogram(sample, edges)[0]
    metrics["normal_gof_pvalue"] = goodness_of_fit(counts, bin_probs).pvalue
    axes[2].hist(sample, bins=60, density=True, color="C0", alpha=0.6, label="simulated")
    axes[2].plot(grid, pdf, color="C3", lw=2, label="formula")
    axes[2].set_xlim(mu - 4.5 * sigma, mu + 4.5 * sigma)
    label(axes[2], f"Normal(μ={mu:g}, σ={sigma:g})", "x (e.g. height, cm)", "density")
    for ax in axes:
        ax.legend(loc="upper right", fontsize=8)
    ctx.save_figure(
        fig,
        "pmf_vs_simulation",
        "Each formula's probabilities (dots, curve) match what half a million draws produce (bars)",
    )
    ctx.note(
        "Goodness-of-fit p-values near 1 would be suspicious and near 0 would mean the formula "
        "or the sampler is wrong; values in between are what a correct formula gives. Tail bins "
        "are pooled until each expects at least 5 draws, the usual validity rule."
    )
    return metrics
