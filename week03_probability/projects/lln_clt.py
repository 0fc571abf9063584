"""Coin tosses and dice: the law of large numbers and the central limit theorem.

The running share of heads in a million fair-coin tosses settles on ½, inside the ±1.96σ/√n
funnel the CLT predicts. Means of n fair dice look more and more normal as n grows: their
variance is σ²/n and their distance from the normal curve (Kolmogorov–Smirnov) shrinks, within
the Berry–Esseen bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from shared.bars import Bar
from shared.context import RunContext
from shared.plotting import label, subplots
from week03_probability.formulas import normal_cdf, normal_pdf


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    tosses: int = 1_000_000  # coin tosses in each of the 5 runs
    draws: int = 100_000  # draws of each dice count


FULL = Config()
FAST = Config(tosses=10_000, draws=5_000)

DIE = np.arange(1, 7)
DIE_MEAN = 3.5
DIE_VAR = 35 / 12
# E|X − μ|³ / σ³ for one fair die, the skewness term of the Berry–Esseen bound.
DIE_RHO = float(np.mean(np.abs(DIE - DIE_MEAN) ** 3)) / DIE_VAR**1.5
DICE_COUNTS = (1, 2, 5, 30)
# Berry–Esseen: sup |Fₙ − Φ| ≤ C ρ / (σ³ √n) with C = 0.4748 (Shevtsova 2011); n = 30 dice.
BERRY_ESSEEN_30 = 0.4748 * DIE_RHO / math.sqrt(30)

BARS = [
    Bar("coin_z_final", "<=", 4.0, "CLT: |p̂ − ½| / (½/√n) beyond 4 has probability 6e-5"),
    Bar(
        "ks_mean_of_30_dice",
        "<=",
        round(BERRY_ESSEEN_30, 4),
        "Berry–Esseen bound, C = 0.4748 (Shevtsova 2011)",
    ),
    Bar(
        "variance_ratio_err_30",
        "<=",
        0.03,
        "Var(mean of n) = σ²/n; 3% ≈ 6 standard errors at 100k draws",
    ),
]


def ks_distance(sample: np.ndarray, cdf) -> float:
    """Return the Kolmogorov–Smirnov distance sup |F_sample(x) − cdf(x)|, ties included."""
    x = np.sort(sample)
    n = len(x)
    values, inverse = np.unique(x, return_inverse=True)
    reference = np.array([cdf(v) for v in values])[inverse]
    above = np.arange(1, n + 1) / n - reference
    below = reference - np.arange(n) / n
    return float(max(above.max(), below.max()))


def coin_figure(ctx: RunContext, rng: np.random.Generator, tosses: int) -> float:
    """Figure: running share of heads in five runs; return run 0's final z-score."""
    n = np.arange(1, tosses + 1)
    shown = np.unique(np.geomspace(1, tosses, 2_000).astype(int)) - 1
    fig, ax = subplots(width=7, height=4.2)
    z_final = 0.0
    for run in range(5):
        heads = rng.integers(0, 2, tosses)
        share = np.cumsum(heads) / n
        if run == 0:
            z_final = abs(share[-1] - 0.5) / (0.5 / math.sqrt(tosses))
        ax.plot(n[shown], share[shown], lw=1, alpha=0.85)
    band = 1.96 * 0.5 / np.sqrt(n[shown])
    ax.fill_between(n[shown], 0.5 - band, 0.5 + band, color="grey", alpha=0.2, label="±1.96·σ/√n")
    ax.axhline(0.5, color="black", lw=0.8)
    ax.set_xscale("log")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper right")
    label(ax, "Law of large numbers: five runs of fair-coin tosses", "tosses n", "share of heads")
    ctx.save_figure(
        fig, "coin_lln", "Every run's share of heads is funnelled onto ½ at the rate 1/√n"
    )
    return z_final


def dice_figure(ctx: RunContext, rng: np.random.Generator, draws: int) -> dict[str, float]:
    """Figure: histograms of means of n dice against the CLT's normal curve; return KS and Var."""
    fig, axes = subplots(1, len(DICE_COUNTS), width=3.4, height=3.4, sharey=False)
    metrics = {}
    for ax, count in zip(axes, DICE_COUNTS, strict=True):
        means = rng.integers(1, 7, (draws, count)).mean(axis=1)
        sigma = math.sqrt(DIE_VAR / count)
        ks = ks_distance(means, lambda v, s=sigma: normal_cdf(v, DIE_MEAN, s))
        metrics[f"ks_mean_of_{count}_dice"] = ks
        edges = np.arange(1, 6 * count + 2) / count - 0.5 / count
        ax.hist(means, bins=edges, density=True, color="C0", alpha=0.6)
        grid = np.linspace(1, 6, 400)
        ax.plot(grid, [normal_pdf(g, DIE_MEAN, sigma) for g in grid], color="C3", lw=2)
        label(ax, f"mean of {count} {'die' if count == 1 else 'dice'}", "value", "density")
        ax.text(0.03, 0.95, f"KS = {ks:.3f}", transform=ax.transAxes, va="top")
        if count == 30:
            metrics["variance_ratio_err_30"] = abs(means.var(ddof=1) / sigma**2 - 1)
    ctx.save_figure(
        fig, "dice_clt", "Means of more dice hug the normal curve ever closer: the CLT at work"
    )
    return metrics


def run(ctx: RunContext) -> dict[str, float]:
    """Simulate coins and dice and measure how fast averages converge."""
    config = FAST if ctx.fast else FULL
    rng = np.random.default_rng(ctx.seed)
    tosses, draws = config.tosses, config.draws
    ctx.log(f"{tosses:,} coin tosses x 5 runs, {draws:,} draws of 1, 2, 5, 30 dice")
    z_final = coin_figure(ctx, rng, tosses)
    metrics = dice_figure(ctx, rng, draws)
    ctx.note(
        f"After {tosses:,} tosses run 0's share of heads is {z_final:.2f} standard errors from ½. "
        f"The Berry–Esseen bound for the mean of 30 dice is {BERRY_ESSEEN_30:.3f}; the measured KS "
        f"distance ({metrics['ks_mean_of_30_dice']:.3f}) is far inside it, and most of what is "
        "left comes from the 181 possible values of the mean — a lattice the normal curve smooths."
    )
    return {"coin_z_final": z_final, **metrics}
