"""AR(p) from scratch, then the ARMA family by AIC.

An autoregression is a linear regression on the series' own past: `ar_ols.py` builds the lag
matrix and solves least squares, and must match statsmodels' AutoReg to 1e-8. Then AR, MA,
ARMA and ARIMA models of log wine sales compete on AIC, fitted on the training window only
(the last 24 months, the test period of `sales_forecast`, are never seen).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shared.bars import Bar
from shared.context import RunContext
from shared.plotting import label, subplots
from shared.report import markdown_table
from shared.timeseries import train_test_split
from week16_ts_classical.ar_ols import fit_ar, forecast_ar
from week16_ts_classical.arima import NO_SEASON, aic_table, arma_grid, one_blas_thread
from week16_ts_classical.series import read_monthly_ts

TEST_MONTHS = 24
BARS = [Bar("ar_max_param_diff", "<=", 1e-8, "issue 12: OLS AR(p) equals statsmodels AutoReg")]


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    max_ar_order: int = 12  # AR(1) ... AR(p) checked against AutoReg
    orders_per_family: int | None = None  # ARMA-family orders ranked by AIC (None: all)


FULL = Config()
FAST = Config(max_ar_order=3, orders_per_family=1)


def compare_with_autoreg(y: np.ndarray, orders: range) -> pd.DataFrame:
    """Fit AR(p) both ways for each p; return the largest parameter and forecast differences."""
    from statsmodels.tsa.ar_model import AutoReg

    rows = []
    for p in orders:
        ours = fit_ar(y, p)
        theirs = AutoReg(y, lags=p, trend="c").fit()
        forecast_diff = np.abs(forecast_ar(ours, y, 12) - theirs.forecast(12)).max()
        rows.append(
            {
                "p": p,
                "max |param diff|": float(np.abs(ours - theirs.params).max()),
                "max |12-step forecast diff|": float(forecast_diff),
                "AutoReg AIC": float(theirs.aic),
            }
        )
    return pd.DataFrame(rows)


def family_candidates() -> dict[str, list]:
    """Return the AR, MA, ARMA and ARIMA candidates for the seasonally differenced log series."""
    ar = [((p, 0, 0), NO_SEASON) for p in range(1, 4)]
    ma = [((0, 0, q), NO_SEASON) for q in range(1, 4)]
    arma = [((p, 0, q), NO_SEASON) for p, q in arma_grid(2, 2) if p and q]
    arima = [((p, 1, q), NO_SEASON) for p, q in arma_grid(2, 2) if p or q]
    return {"AR": ar, "MA": ma, "ARMA": arma, "ARIMA": arima}


@one_blas_thread
def run(ctx: RunContext) -> dict[str, float]:
    """Check the hand-written AR against AutoReg, then rank the ARMA family by AIC."""
    config = FAST if ctx.fast else FULL
    series = read_monthly_ts(ctx.dataset("wineind"), "wineind")
    train, _ = train_test_split(series, TEST_MONTHS)
    stationary = np.log(train).diff(12).dropna()
    y = stationary.to_numpy()
    check = compare_with_autoreg(y, range(1, config.max_ar_order + 1))
    ctx.note(
        "**Hand-written AR(p) vs statsmodels AutoReg** on the seasonally differenced log "
        "wine sales (training window):\n\n"
        + markdown_table(list(check.columns), check.itertuples(index=False))
    )
    families = {k: v[: config.orders_per_family] for k, v in family_candidates().items()}
    tables = []
    for family, candidates in families.items():
        table = aic_table(y, candidates, trend="c")
        table.insert(0, "family", family)
        tables.append(table)
    ranked = pd.concat(tables).sort_values("aic", kind="stable").reset_index(drop=True)
    best = ranked.iloc[0]
    ctx.info["best_family"] = str(best["family"])
    ctx.info["best_order"] = str(best["order"])
    ctx.note(
        "**AIC on the training window** (lower is better; ARIMA's d = 1 differences once more, "
        "so its AIC is on one observation fewer):\n\n"
        + markdown_table(["family", "order", "AIC"], ranked[["family", "order", "aic"]].values)
    )
    fig, ax = subplots(width=7, height=3.2)
    for family, table in ranked.groupby("family", sort=False):
        ax.scatter([str(o) for o in table["order"]], table["aic"], label=family)
    ax.tick_params(axis="x", rotation=60)
    ax.legend()
    label(ax, "AIC by model (training window)", "order (p, d, q)", "AIC")
    ctx.save_figure(fig, "aic", f"Best by AIC: {best['family']}{best['order']}")
    return {
        "ar_max_param_diff": float(check["max |param diff|"].max()),
        "ar_max_forecast_diff": float(check["max |12-step forecast diff|"].max()),
        "best_aic": float(best["aic"]),
        "n_candidates": float(len(ranked)),
    }
