"""Covariance and correlation on real data: Titanic passengers and Ames house prices.

Sample covariance and Pearson correlation matrices from their formulas, compared with NumPy and
with `scipy.stats.pearsonr` (whose p-value comes from t = r√((n − 2)/(1 − r²))). Which features
move with a house's price, and which with a passenger's survival?
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from shared.bars import Bar
from shared.context import RunContext
from shared.data import read_ames, read_titanic
from shared.plotting import label, subplots
from week03_probability import formulas


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    titanic_rows: int | None = None  # the first rows kept of each dataset; None: all
    ames_rows: int | None = None


FULL = Config()
FAST = Config(titanic_rows=200, ames_rows=300)

TITANIC_NUMERIC = ["Survived", "Pclass", "Age", "SibSp", "Parch", "Fare"]
AMES_NUMERIC = [
    "SalePrice",
    "OverallQual",
    "GrLivArea",
    "GarageCars",
    "TotalBsmtSF",
    "1stFlrSF",
    "FullBath",
    "TotRmsAbvGrd",
    "YearBuilt",
    "LotArea",
    "OverallCond",
]

_REF = "numpy.cov / numpy.corrcoef / scipy.stats.pearsonr, 6 digits"
BARS = [
    Bar("cov_rel_diff_numpy", "<=", 1e-6, _REF),
    Bar("corr_rel_diff_numpy", "<=", 1e-6, _REF),
    Bar("pearson_r_rel_diff_scipy", "<=", 1e-6, _REF),
    Bar("pearson_p_rel_diff_scipy", "<=", 1e-6, _REF),
    # De Cock (2011) J. Stat. Educ. 19(3): overall quality and living area lead Ames price.
    Bar("ames_corr_price_quality", ">=", 0.7, "De Cock (2011): quality drives Ames prices"),
]


def pearson_test(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Return Pearson's r and its two-sided p-value from t = r√((n − 2)/(1 − r²))."""
    r = formulas.correlation(x.tolist(), y.tolist())
    n = len(x)
    t = r * math.sqrt((n - 2) / (1 - r * r))
    return r, formulas.t_two_sided_p(t, n - 2)


def compare(frame: pd.DataFrame) -> tuple[float, float, np.ndarray]:
    """Return (cov scale-free diff, corr diff) against NumPy, and our correlation matrix."""
    data = frame.to_numpy(dtype=float)
    cov, ref_cov = formulas.covariance_matrix(data), np.cov(data, rowvar=False)
    spread = np.sqrt(np.outer(np.diag(ref_cov), np.diag(ref_cov)))
    corr = formulas.correlation_matrix(data)
    cov_diff = float(np.max(np.abs(cov - ref_cov) / spread))
    corr_diff = float(np.max(np.abs(corr - np.corrcoef(data, rowvar=False))))
    return cov_diff, corr_diff, corr


def heatmap(ax, corr: np.ndarray, names: list[str], title: str) -> None:
    """Draw a correlation matrix as an annotated diverging heatmap."""
    image = ax.imshow(corr, cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.grid(False)
    for (i, j), value in np.ndenumerate(corr):
        ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=6.5)
    ax.figure.colorbar(image, ax=ax, shrink=0.8)
    label(ax, title)


def run(ctx: RunContext) -> dict[str, float]:
    """Compute covariance and correlation matrices of both datasets and check them."""
    config = FAST if ctx.fast else FULL
    titanic = read_titanic(ctx.dataset("titanic"))[TITANIC_NUMERIC]
    unknown_age = int(titanic["Age"].isna().sum())
    titanic = titanic.dropna()
    ames = read_ames(ctx.dataset("ames_house_prices"))[AMES_NUMERIC].dropna()
    if config.titanic_rows is not None:
        titanic, ames = titanic.head(config.titanic_rows), ames.head(config.ames_rows)
    ctx.log(f"titanic {titanic.shape}, ames {ames.shape}")
    t_cov, t_corr, titanic_corr = compare(titanic)
    a_cov, a_corr, ames_corr = compare(ames)

    price, area = ames["SalePrice"].to_numpy(float), ames["GrLivArea"].to_numpy(float)
    r, p = pearson_test(area, price)
    reference = stats.pearsonr(area, price)
    fare, survived = titanic["Fare"].to_numpy(float), titanic["Survived"].to_numpy(float)
    r2, p2 = pearson_test(fare, survived)
    reference2 = stats.pearsonr(fare, survived)

    fig, axes = subplots(1, 2, width=6.2, height=5.4)
    heatmap(axes[0], ames_corr, AMES_NUMERIC, f"Ames houses (n = {len(ames)})")
    heatmap(
        axes[1],
        titanic_corr,
        TITANIC_NUMERIC,
        f"Titanic passengers with known age (n = {len(titanic)})",
    )
    ctx.save_figure(
        fig,
        "correlation_heatmaps",
        "Price moves with quality and size; survival with class and fare, in opposite signs",
    )

    fig, ax = subplots(width=6.5, height=4.5)
    ax.scatter(area, price / 1000, s=8, alpha=0.4)
    slope = formulas.covariance(area.tolist(), price.tolist()) / formulas.variance(area.tolist())
    grid = np.array([area.min(), area.max()])
    ax.plot(
        grid,
        (price.mean() + slope * (grid - area.mean())) / 1000,
        color="C3",
        lw=2,
        label=f"slope = cov/var = ${slope:.0f} per sq ft",
    )
    ax.legend(loc="upper left")
    label(
        ax,
        f"Ames: price vs living area, r = {r:.3f}",
        "above-ground living area (sq ft)",
        "sale price ($1000)",
    )
    ctx.save_figure(
        fig,
        "price_vs_area",
        "Bigger houses sell for more (r ≈ 0.71), but the spread widens with size",
    )

    ctx.note(
        "Covariances are compared scale-free, |ours − numpy| / (s_i s_j), so that a lot area in "
        "square feet and a count of bathrooms weigh alike. Rows with a missing value are dropped "
        f"first (Titanic loses the {unknown_age} passengers of unknown age). "
        f"Fare and survival: r = {r2:.3f} (p = {p2:.1e})."
    )
    return {
        "cov_rel_diff_numpy": max(t_cov, a_cov),
        "corr_rel_diff_numpy": max(t_corr, a_corr),
        "pearson_r_rel_diff_scipy": max(
            formulas.relative_difference(r, reference.statistic),
            formulas.relative_difference(r2, reference2.statistic),
        ),
        "pearson_p_rel_diff_scipy": max(
            formulas.relative_difference(p, reference.pvalue),
            formulas.relative_difference(p2, reference2.pvalue),
        ),
        "ames_corr_price_quality": float(ames_corr[0, AMES_NUMERIC.index("OverallQual")]),
        "ames_corr_price_area": r,
        "titanic_corr_survived_fare": r2,
        "titanic_corr_survived_pclass": float(titanic_corr[0, TITANIC_NUMERIC.index("Pclass")]),
    }
