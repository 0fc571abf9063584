"""Bayes' theorem on a diagnostic test: what does a positive mammogram mean?

Gigerenzer & Hoffrage (1995)'s classic problem: 1% of women screened have breast cancer, the
test finds 80% of cancers and gives a false alarm to 9.6% of healthy women. Bayes' theorem says
only about 7.8% of positives have cancer — most doctors they asked guessed near 75%. The
formula is checked against a simulated population, the natural-frequency picture shows why, and
a second positive test shows the posterior becoming the next prior.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from shared.bars import Bar
from shared.context import RunContext
from shared.plotting import label, subplots
from week03_probability.formulas import bayes_posterior


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    women: int = 5_000_000  # simulated screenings


FULL = Config()
FAST = Config(women=100_000)

PREVALENCE = 0.01
SENSITIVITY = 0.80
FALSE_POSITIVE_RATE = 0.096
PUBLISHED_POSTERIOR = 0.078  # Gigerenzer & Hoffrage (1995), Psychological Review 102(4), p. 685

BARS = [
    Bar("posterior_rel_diff_published", "<=", 0.01, "Gigerenzer & Hoffrage (1995): 7.8%, rounded"),
    Bar("simulation_z", "<=", 4.0, "binomial standard error of the simulated share"),
]


def simulate_screening(rng: np.random.Generator, women: int) -> tuple[int, int]:
    """Screen a simulated population; return (positives, positives who have cancer)."""
    cancer = rng.random(women) < PREVALENCE
    positive = np.where(
        cancer, rng.random(women) < SENSITIVITY, rng.random(women) < FALSE_POSITIVE_RATE
    )
    return int(positive.sum()), int((positive & cancer).sum())


def frequency_figure(ctx: RunContext) -> None:
    """Figure: 1,000 women as natural frequencies, and the posterior against the prevalence."""
    fig, (left, right) = subplots(1, 2, width=5.5, height=4.2)
    sick = 1000 * PREVALENCE
    healthy = 1000 - sick
    groups = {
        "cancer,\ntest +": sick * SENSITIVITY,
        "cancer,\ntest −": sick * (1 - SENSITIVITY),
        "healthy,\ntest +": healthy * FALSE_POSITIVE_RATE,
        "healthy,\ntest −": healthy * (1 - FALSE_POSITIVE_RATE),
    }
    bars = left.bar(list(groups), list(groups.values()), color=["C3", "C1", "C0", "C2"])
    left.bar_label(bars, fmt="%.0f")
    left.set_yscale("log")
    positives = groups["cancer,\ntest +"] + groups["healthy,\ntest +"]
    label(
        left,
        f"Of 1,000 women: {positives:.0f} positives, {sick * SENSITIVITY:.0f} with cancer",
        "",
        "women (log scale)",
    )

    prevalence = np.geomspace(1e-4, 0.5, 200)
    once = [bayes_posterior(p, SENSITIVITY, 1 - FALSE_POSITIVE_RATE) for p in prevalence]
    twice = [bayes_posterior(q, SENSITIVITY, 1 - FALSE_POSITIVE_RATE) for q in once]
    right.plot(prevalence, once, label="after one positive test")
    right.plot(prevalence, twice, label="after two positive tests")
    right.axvline(PREVALENCE, color="grey", ls="--", lw=1)
    right.set_xscale("log")
    right.legend()
    label(
        right, "The posterior depends on the prior", "prevalence P(cancer)", "P(cancer | positive)"
    )
    ctx.save_figure(
        fig,
        "natural_frequencies",
        "8 of 103 positives have cancer: the rare disease's few true positives drown in "
        "false alarms",
    )


def run(ctx: RunContext) -> dict[str, float]:
    """Apply Bayes' theorem, check it against a simulation, and chain two tests."""
    config = FAST if ctx.fast else FULL
    rng = np.random.default_rng(ctx.seed)
    posterior = bayes_posterior(PREVALENCE, SENSITIVITY, 1 - FALSE_POSITIVE_RATE)
    women = config.women
    positives, true_positives = simulate_screening(rng, women)
    simulated = true_positives / positives
    standard_error = math.sqrt(posterior * (1 - posterior) / positives)
    second = bayes_posterior(posterior, SENSITIVITY, 1 - FALSE_POSITIVE_RATE)
    frequency_figure(ctx)
    ctx.note(
        f"P(cancer | +) = 0.8·0.01 / (0.8·0.01 + 0.096·0.99) = {posterior:.4f}. Among {women:,} "
        f"simulated women, {positives:,} tested positive and {true_positives:,} of them had "
        f"cancer: {simulated:.4f}. A second, independent positive test turns the {posterior:.1%} "
        f"prior into {second:.1%}: yesterday's posterior is today's prior."
    )
    return {
        "posterior": posterior,
        "posterior_rel_diff_published": abs(posterior - PUBLISHED_POSTERIOR) / PUBLISHED_POSTERIOR,
        "posterior_simulated": simulated,
        "simulation_z": abs(simulated - posterior) / standard_error,
        "posterior_after_two_positives": second,
    }
