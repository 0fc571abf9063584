"""Decomposition and stationarity of monthly sales.

Australian wine sales (`wineind`, 1980–1994) and café and takeaway spending (`auscafe`,
1982–2017) split into trend, seasonality and remainder, twice: classical moving-average
decomposition and STL. Then the question ARIMA needs answered first: is the series stationary?
ADF (null: a unit root) and KPSS (null: stationary) before and after log, seasonal and first
differencing, with the ACF and PACF that suggest AR and MA orders.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shared.bars import Bar
from shared.context import RunContext
from shared.plotting import label, subplots
from shared.report import markdown_table
from week16_ts_classical.arima import one_blas_thread
from week16_ts_classical.series import read_monthly_ts
from week16_ts_classical.stationarity import stationarity_tests

SERIES = ("wineind", "auscafe")
SEASON = 12
# The textbook recipe (Hyndman & Athanasopoulos, FPP3 §9.1): after a log and seasonal plus
# first differencing, a monthly retail series passes ADF at the 5% level.
BARS = [
    Bar("wineind_adf_p_differenced", "<=", 0.05, "FPP3 §9.1: differenced series is stationary"),
    Bar("auscafe_adf_p_differenced", "<=", 0.05, "FPP3 §9.1: differenced series is stationary"),
]


def transforms(series: pd.Series) -> dict[str, pd.Series]:
    """Return the series on the way to stationarity: raw, log, seasonal diff, both diffs."""
    log = np.log(series)
    seasonal = log.diff(SEASON).dropna()
    return {
        "raw": series,
        "log": log,
        "log, seasonal diff": seasonal,
        "log, seasonal + first diff": seasonal.diff().dropna(),
    }


def strengths(stl_result) -> dict[str, float]:
    """Return trend and seasonal strength in [0, 1] (Wang, Smith & Hyndman 2006)."""
    remainder = stl_result.resid
    trend = 1 - np.var(remainder) / np.var(stl_result.trend + remainder)
    season = 1 - np.var(remainder) / np.var(stl_result.seasonal + remainder)
    return {"trend_strength": max(0.0, trend), "seasonal_strength": max(0.0, season)}


def plot_decompositions(series: pd.Series, classical, stl) -> object:
    """Draw observed, trend, seasonal and remainder of both decompositions side by side."""
    fig, axes = subplots(4, 2, width=5.5, height=1.9, sharex=True)
    for col, (name, result) in enumerate((("classical (multiplicative)", classical), ("STL", stl))):
        parts = (series, result.trend, result.seasonal, result.resid)
        for row, (part, title) in enumerate(
            zip(parts, ("observed", "trend", "seasonal", "remainder"), strict=True)
        ):
            axes[row, col].plot(part.index, part.to_numpy(), lw=1)
            label(axes[row, col], f"{name}: {title}" if row == 0 else title)
    return fig


def plot_correlograms(stages: dict[str, pd.Series], name: str) -> object:
    """Draw the ACF and PACF of the raw and the fully differenced series."""
    from statsmodels.graphics.tsaplots import plot_acf, plot_pacf

    fig, axes = subplots(2, 2, width=5, height=3)
    for row, stage in enumerate(("raw", "log, seasonal + first diff")):
        plot_acf(stages[stage], ax=axes[row, 0], lags=36)
        plot_pacf(stages[stage], ax=axes[row, 1], lags=36, method="ywm")
        label(axes[row, 0], f"{name} {stage}: ACF", "lag (months)")
        label(axes[row, 1], f"{name} {stage}: PACF", "lag (months)")
    return fig


@one_blas_thread
def run(ctx: RunContext) -> dict[str, float]:
    """Decompose both sales series, test stationarity stage by stage, plot the correlograms."""
    from statsmodels.tsa.seasonal import STL, seasonal_decompose

    metrics: dict[str, float] = {}
    rows = []
    for name in SERIES:
        series = read_monthly_ts(ctx.dataset(name), name)
        classical = seasonal_decompose(series, model="multiplicative", period=SEASON)
        stl = STL(np.log(series), period=SEASON, robust=True).fit()
        stl_levels = STL(series, period=SEASON, robust=True).fit()
        metrics.update({f"{name}_{k}": v for k, v in strengths(stl).items()})
        ctx.save_figure(
            plot_decompositions(series, classical, stl_levels),
            f"{name}_decomposition",
            f"{name}: classical (moving averages, multiplicative) vs STL (loess, robust). "
            "STL's seasonal shape may change over the years; the classical one is fixed.",
        )
        stages = transforms(series)
        for stage, values in stages.items():
            tests = stationarity_tests(values)
            rows.append((name, stage, tests["adf_p"], tests["kpss_p"]))
        metrics[f"{name}_adf_p_raw"] = rows[-4][2]
        metrics[f"{name}_kpss_p_raw"] = rows[-4][3]
        metrics[f"{name}_adf_p_differenced"] = rows[-1][2]
        metrics[f"{name}_kpss_p_differenced"] = rows[-1][3]
        ctx.save_figure(
            plot_correlograms(stages, name),
            f"{name}_acf_pacf",
            f"{name}: the raw ACF decays slowly with peaks every 12 months (trend and season); "
            "after log, seasonal and first differencing only a few short lags stay significant",
        )
    ctx.note(
        "**Stationarity, stage by stage** (ADF null: unit root, so small p = stationary; KPSS "
        "null: stationary, so small p = not; KPSS p-values are clipped to its table's "
        "0.01..0.10).\n\n" + markdown_table(["series", "transform", "ADF p", "KPSS p"], rows)
    )
    return metrics
