"""Monthly sales: SARIMA or ETS, chosen beforehand, against three naive baselines, backtested.

Wine sales (`wineind`) and café spending (`auscafe`), scored by a rolling-origin backtest:
several consecutive 24-month test windows, the last ending at the last month, each forecast all
at once from the months before it. In every window the choice between SARIMA and Holt-Winters
(ETS) is made on the 24 months before the test window (the validation window): each is fitted
on the months before that, its form chosen there by AIC (SARIMA: differencing by KPSS, orders
by stepwise AIC; ETS: error, damping and seasonality), and the one with the lower validation
RMSE is refitted on everything before the test window. The baselines: persistence, seasonal
naive, and seasonal naive with drift; the bar compares with the strongest of them.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from shared.bars import Bar
from shared.context import RunContext
from shared.forecast import (
    compare_to_baselines,
    mase,
    naive_forecast,
    rmse,
    seasonal_naive_drift_forecast,
    seasonal_naive_forecast,
)
from shared.plotting import label, subplots
from shared.report import markdown_table
from shared.timeseries import BacktestWindow, rolling_origin_windows
from week16_ts_classical.arima import aic_table, arma_grid, fit_sarima, one_blas_thread
from week16_ts_classical.forecast_tests import coverage
from week16_ts_classical.series import read_monthly_ts
from week16_ts_classical.stationarity import stationarity_tests

SEASON, TEST_MONTHS = 12, 24
LEVELS = (80, 95)
BASELINES = ("persistence", "seasonal naive", "seasonal naive + drift")
MODELS = ("chosen", "SARIMA", "ETS")


@dataclass(frozen=True)
class Config:
    """How many 24-month test windows per series, and how wide the model searches are."""

    windows: dict[str, int]
    full_search: bool


FULL = Config({"wineind": 3, "auscafe": 4}, full_search=True)
FAST = Config({"wineind": 1, "auscafe": 1}, full_search=False)
SERIES = tuple(FULL.windows)
# FPP3 §5.2: the simple benchmarks a forecasting model has to beat. The mean RMSE over the
# windows must be below the strongest baseline's; the report shows the worst window beside it.
# auscafe's model beats seasonal naive + drift by a wide margin, so its bar asks for 10%;
# wineind's best benchmark (seasonal naive) is close behind, so its bar asks only to beat it.
BARS = [
    Bar(
        "wineind_rmse_ratio_best_baseline",
        "<=",
        1.0,
        "FPP3 §5.2: beat the strongest simple benchmark (seasonal naive on wineind)",
    ),
    Bar(
        "auscafe_rmse_ratio_best_baseline",
        "<=",
        0.90,
        "FPP3 §5.2: beat the strongest simple benchmark (seasonal naive + drift) by 10%",
    ),
]

Forecast = dict[str, np.ndarray]  # "mean", and "lower_80", "upper_80", ... per level


@dataclass(frozen=True)
class SarimaSpec:
    """A SARIMA form chosen on a training window: orders and trend, fitted on log values."""

    order: tuple[int, int, int]
    seasonal_order: tuple[int, int, int, int]
    trend: str | None

    @property
    def name(self) -> str:
        """E.g. SARIMA(1, 1, 1)(0, 1, 1)12 on log."""
        return f"SARIMA{self.order}{self.seasonal_order[:3]}12 on log"


@dataclass(frozen=True)
class EtsSpec:
    """An ETS form chosen on a training window: error, damped additive trend, seasonality."""

    error: str
    damped: bool
    seasonal: str

    @property
    def name(self) -> str:
        """E.g. ETS(M,Ad,M)."""
        return (
            f"ETS({self.error[0].upper()},A{'d' if self.damped else ''},{self.seasonal[0].upper()})"
        )


def snaive_forecast(train: np.ndarray, horizon: int) -> Forecast:
    """Seasonal naive forecast with FPP3 §5.5's intervals: sigma * sqrt(seasons ahead + 1)."""
    mean = seasonal_naive_forecast(train, horizon, SEASON)
    residuals = train[SEASON:] - train[:-SEASON]
    sigma = np.sqrt(np.mean(residuals**2))
    k = np.arange(horizon) // SEASON
    out = {"mean": mean}
    for level in LEVELS:
        half = stats.norm.ppf(0.5 + level / 200) * sigma * np.sqrt(k + 1)
        out[f"lower_{level}"], out[f"upper_{level}"] = mean - half, mean + half
    return out


def baseline_forecasts(train: np.ndarray, horizon: int) -> dict[str, np.ndarray]:
    """The three naive forecasts a model must beat, each from the training values only."""
    return {
        "persistence": naive_forecast(train, horizon),
        "seasonal naive": seasonal_naive_forecast(train, horizon, SEASON),
        "seasonal naive + drift": seasonal_naive_drift_forecast(train, horizon, SEASON),
    }


def sarima_candidates(p_q: list[tuple[int, int]], d: int, seasonal: list[tuple[int, int]]):
    """Return ((p, d, q), (P, 1, Q, 12)) candidates for every pair of the two lists."""
    return [
        ((p, d, q), (sp, 1, sq, SEASON)) for (p, q), (sp, sq) in itertools.product(p_q, seasonal)
    ]


def choose_sarima(train: pd.Series, full_search: bool) -> SarimaSpec:
    """Choose d by KPSS and the orders by stepwise AIC on log(train)."""
    log = np.log(train)
    d = int(stationarity_tests(log.diff(SEASON).dropna())["kpss_p"] < 0.05)
    trend = "c" if d == 0 else None
    p_q = arma_grid(2, 2, max_total=2) if full_search else [(0, 1)]
    stage1 = aic_table(log.to_numpy(), sarima_candidates(p_q, d, [(0, 1)]), trend)
    best_pq = stage1["order"].iloc[0]
    seasonal = [(1, 0), (1, 1)] if full_search else [(0, 1)]
    stage2 = aic_table(
        log.to_numpy(), sarima_candidates([(best_pq[0], best_pq[2])], d, seasonal), trend
    )
    best = pd.concat([stage1, stage2]).sort_values("aic", kind="stable").iloc[0]
    return SarimaSpec(best["order"], best["seasonal_order"], trend)


def sarima_forecast(train: pd.Series, spec: SarimaSpec, horizon: int) -> Forecast:
    """Fit `spec` on log(train); forecast `horizon` months with intervals, in levels."""
    result = fit_sarima(np.log(train.to_numpy()), spec.order, spec.seasonal_order, spec.trend)
    prediction = result.get_forecast(horizon)
    out = {"mean": np.exp(prediction.predicted_mean)}
    for level in LEVELS:
        bounds = np.exp(prediction.conf_int(alpha=1 - level / 100))
        out[f"lower_{level}"], out[f"upper_{level}"] = bounds[:, 0], bounds[:, 1]
    return out


def fit_ets(train: pd.Series, spec: EtsSpec):
    """Fit one ETS form on `train` by maximum likelihood; return the statsmodels result."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    model = ETSModel(
        train,
        error=spec.error,
        trend="add",
        damped_trend=spec.damped,
        seasonal=spec.seasonal,
        seasonal_periods=SEASON,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(disp=False)


def choose_ets(train: pd.Series, full_search: bool) -> EtsSpec:
    """Choose the ETS form (error, damping, seasonality) by AIC on `train`."""
    forms = (
        [
            EtsSpec(*form)
            for form in itertools.product(("add", "mul"), (True, False), ("add", "mul"))
        ]
        if full_search
        else [EtsSpec("add", True, "add")]
    )
    return min(forms, key=lambda spec: fit_ets(train, spec).aic)


def ets_forecast(train: pd.Series, spec: EtsSpec, horizon: int, seed: int) -> Forecast:
    """Fit `spec` on `train`; forecast `horizon` months with (simulated) prediction intervals."""
    result = fit_ets(train, spec)
    start, end = len(train), len(train) + horizon - 1
    out = {"mean": np.asarray(result.forecast(horizon))}
    for level in LEVELS:
        frame = result.get_prediction(start, end, rng=np.random.default_rng(seed)).summary_frame(
            alpha=1 - level / 100
        )
        out[f"lower_{level}"] = frame["pi_lower"].to_numpy()
        out[f"upper_{level}"] = frame["pi_upper"].to_numpy()
    return out


@dataclass
class WindowResult:
    """One backtest window: what was chosen and why, and every forecaster's test forecasts."""

    window: BacktestWindow
    chosen: str
    validation_rmse: dict[str, float]
    forecasts: dict[str, Forecast]


def backtest_window(
    series: pd.Series, window: BacktestWindow, config: Config, seed: int
) -> WindowResult:
    """Choose SARIMA or ETS on the validation window, refit the choice, forecast the test one."""
    fit, history = series.iloc[window.fit], series.iloc[window.history]
    validation = series.iloc[window.validation].to_numpy()
    sarima, ets = choose_sarima(fit, config.full_search), choose_ets(fit, config.full_search)
    horizon = len(validation)
    validation_rmse = {
        sarima.name: rmse(validation, sarima_forecast(fit, sarima, horizon)["mean"]),
        ets.name: rmse(validation, ets_forecast(fit, ets, horizon, seed)["mean"]),
    }
    chosen = min(validation_rmse, key=validation_rmse.get)
    forecasts = {
        "SARIMA": sarima_forecast(history, sarima, TEST_MONTHS),
        "ETS": ets_forecast(history, ets, TEST_MONTHS, seed),
    }
    forecasts["chosen"] = forecasts["SARIMA" if chosen == sarima.name else "ETS"]
    forecasts["seasonal naive intervals"] = snaive_forecast(history.to_numpy(), TEST_MONTHS)
    for name, mean in baseline_forecasts(history.to_numpy(), TEST_MONTHS).items():
        forecasts[name] = {"mean": mean}
    return WindowResult(window, chosen, validation_rmse, forecasts)


def window_metrics(series: pd.Series, result: WindowResult) -> dict[str, float]:
    """RMSE of every forecaster, and MASE and interval coverage of the chosen model."""
    actual = series.iloc[result.window.test].to_numpy()
    chosen = result.forecasts["chosen"]
    out = {name: rmse(actual, result.forecasts[name]["mean"]) for name in MODELS + BASELINES}
    out["mase"] = mase(actual, chosen["mean"], series.iloc[result.window.history], SEASON)
    for level in LEVELS:
        out[f"coverage_{level}"] = coverage(
            actual, chosen[f"lower_{level}"], chosen[f"upper_{level}"]
        )
    return out


def plot_window(series: pd.Series, result: WindowResult, name: str):
    """Draw the last window: recent history, actual months, the chosen model and its intervals."""
    history, test = series.iloc[result.window.history], series.iloc[result.window.test]
    fig, ax = subplots(1, 1, width=7, height=3.6)
    recent = history.iloc[-5 * SEASON :]
    ax.plot(recent.index, recent.to_numpy(), color="black", lw=1, label="training")
    ax.plot(test.index, test.to_numpy(), color="black", lw=1, ls="--", label="actual")
    chosen = result.forecasts["chosen"]
    for level, alpha in zip(LEVELS, (0.35, 0.18), strict=True):
        ax.fill_between(
            test.index,
            chosen[f"lower_{level}"],
            chosen[f"upper_{level}"],
            alpha=alpha,
            color="C0",
            label=f"{level}% interval",
        )
    ax.plot(test.index, chosen["mean"], color="C0", lw=1.5, label=result.chosen)
    for baseline, color in zip(BASELINES[1:], ("C1", "C2"), strict=True):
        ax.plot(test.index, result.forecasts[baseline]["mean"], color=color, lw=1, label=baseline)
    ax.tick_params(axis="x", rotation=30)
    ax.legend(fontsize=8)
    label(ax, f"{name}: last test window")
    return fig


def summarise(name: str, per_window: list[dict[str, float]]) -> tuple[dict[str, float], list]:
    """Return the series' metrics (mean and worst window) and its rows for the summary table."""
    errors = {model: [w[model] for w in per_window] for model in MODELS + BASELINES}
    metrics, rows = {}, []
    for model, values in errors.items():
        key = model.lower().replace(" + ", "_").replace(" ", "_")
        metrics[f"{name}_{key}_rmse_mean"] = float(np.mean(values))
        metrics[f"{name}_{key}_rmse_worst"] = float(np.max(values))
        ratio = compare_to_baselines(errors, model, BASELINES)
        rows.append(
            (name, model, np.mean(values), np.max(values), ratio.mean_ratio, ratio.worst_ratio)
        )
    best = compare_to_baselines(errors, "chosen", BASELINES)
    metrics[f"{name}_rmse_ratio_best_baseline"] = best.mean_ratio
    metrics[f"{name}_rmse_ratio_best_baseline_worst_window"] = best.worst_ratio
    for extra in ("mase", "coverage_80", "coverage_95"):
        metrics[f"{name}_chosen_{extra}_mean"] = float(np.mean([w[extra] for w in per_window]))
    return metrics, rows


@one_blas_thread
def run(ctx: RunContext) -> dict[str, float]:
    """Backtest the validation-chosen model and the baselines over rolling 24-month windows."""
    config = FAST if ctx.fast else FULL
    metrics: dict[str, float] = {}
    window_rows, summary_rows = [], []
    for name, n_windows in config.windows.items():
        series = read_monthly_ts(ctx.dataset(name), name)
        windows = rolling_origin_windows(
            len(series), TEST_MONTHS, n_windows, TEST_MONTHS, min_fit=4 * SEASON
        )
        per_window, last = [], None
        for window in windows:
            last = backtest_window(series, window, config, ctx.seed)
            scores = window_metrics(series, last)
            per_window.append(scores)
            dates = series.index[window.test]
            window_rows.append(
                (
                    name,
                    f"{dates[0]:%Y-%m}–{dates[-1]:%Y-%m}",
                    ", ".join(f"{m} {v:.4g}" for m, v in last.validation_rmse.items()),
                    last.chosen,
                    *(scores[m] for m in MODELS[:1] + BASELINES),
                )
            )
            ctx.info[f"{name}_window{window.number}_chosen"] = last.chosen
        series_metrics, rows = summarise(name, per_window)
        metrics.update(series_metrics)
        summary_rows += rows
        ctx.info[f"{name}_strongest_baseline"] = compare_to_baselines(
            {m: [w[m] for w in per_window] for m in MODELS + BASELINES}, "chosen", BASELINES
        ).baseline
        ctx.save_figure(
            plot_window(series, last, name),
            f"{name}_forecasts",
            f"{name}: the last 24-month window, the chosen model's 80/95% intervals and baselines",
        )
    ctx.note(
        "**Rolling-origin backtest.** Each window's 24 months are forecast all at once from the "
        "months before them. *chosen* is SARIMA or ETS, whichever had the lower RMSE on the 24 "
        "months before the test window (validation RMSE in the table), refitted on everything "
        "before the test window; SARIMA and ETS are also shown as if each had always been used. "
        "RMSE in the series' units.\n\n"
        + markdown_table(
            ["series", "test window", "validation RMSE", "chosen", "chosen RMSE", *BASELINES],
            window_rows,
        )
    )
    ctx.note(
        "**Over the windows.** ratio = mean RMSE / mean RMSE of the strongest baseline (the one "
        "with the lowest mean); worst = the largest ratio in any single window.\n\n"
        + markdown_table(
            ["series", "forecaster", "mean RMSE", "worst RMSE", "ratio", "worst-window ratio"],
            summary_rows,
        )
    )
    return metrics
