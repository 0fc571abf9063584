"""MSFT stock prices: ARIMA against the random walk, backtested over four two-year windows.

Log closing prices of Microsoft, 1986–2017. Four consecutive two-year windows (504 trading days
each, the last ending on the last day) are test periods; for each, the ARIMA order is chosen by
AIC on the six years before it, its parameters are estimated there and frozen, and forecasts
are made walk-forward: at each test day, from the prices before it only, 1 and 20 trading days
ahead. The baselines are persistence (the random walk: tomorrow's price = today's) and the
random walk with the training years' drift; the Diebold–Mariano test asks whether ARIMA's
difference from the random walk is more than noise. No model here beats the random walk, so
the project has no quality bar: a bar that cannot fail would say nothing (see the README).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shared.context import RunContext
from shared.forecast import compare_to_baselines, naive_forecast, rmse
from shared.plotting import label, subplots
from shared.report import markdown_table
from shared.timeseries import (
    BacktestWindow,
    lag_features,
    rolling_origin_windows,
    walk_forward,
    walk_forward_folds,
)
from week16_ts_classical import stock_arima
from week16_ts_classical.arima import (
    multi_step_forecasts,
    one_blas_thread,
    one_step_forecasts,
)
from week16_ts_classical.forecast_tests import diebold_mariano
from week16_ts_classical.series import read_msft
from week16_ts_classical.stock_arima import ArimaSetup, choose_arima

TEST_DAYS = 504  # two years of trading days
HORIZON = 20
BASELINES = ("random walk", "random walk + drift")


@dataclass(frozen=True)
class Config:
    """The backtest's size: test windows, days per window, and the ARIMA set-up (training days)."""

    windows: int
    test_days: int
    arima: ArimaSetup


FULL = Config(windows=4, test_days=TEST_DAYS, arima=stock_arima.FULL)
FAST = Config(windows=2, test_days=60, arima=stock_arima.FAST)


@dataclass
class WindowErrors:
    """Forecast errors of one test window, in log price: 1-step and 20-step, per forecaster."""

    order: tuple[int, int, int]
    one_step: dict[str, np.ndarray]
    multi_step: dict[str, np.ndarray]


def backtest_window(log_price: np.ndarray, window: BacktestWindow, config: Config) -> WindowErrors:
    """Choose and freeze ARIMA on the training days before `window`, forecast it walk-forward."""
    first, stop = window.test.start, window.test.stop
    split = config.arima.train_days
    series = log_price[first - split : stop]
    result, order, _ = choose_arima(series[:split], config.arima)
    actual = series[split:]
    drift = float(np.mean(np.diff(series[:split])))
    one_step = {
        "ARIMA": one_step_forecasts(result, series, split),
        "random walk": series[split - 1 : -1],
        "random walk + drift": series[split - 1 : -1] + drift,
    }
    folds = walk_forward_folds(len(series), config.test_days, horizon=HORIZON)
    paths = multi_step_forecasts(result, series, [f.origin for f in folds], HORIZON)
    rw_paths, actual_paths = walk_forward(series, folds, naive_forecast)
    actual_h = actual_paths[:, -1]
    multi_step = {
        "ARIMA": paths[:, -1],
        "random walk": rw_paths[:, -1],
        "random walk + drift": rw_paths[:, -1] + drift * HORIZON,
    }
    return WindowErrors(
        order,
        {k: actual - v for k, v in one_step.items()},
        {k: actual_h - v for k, v in multi_step.items()},
    )


def rms(errors: np.ndarray) -> float:
    """Root mean square of forecast errors."""
    return rmse(errors, np.zeros_like(errors))


@one_blas_thread
def run(ctx: RunContext) -> dict[str, float]:
    """Backtest ARIMA and the random walks over consecutive two-year windows; DM-test them."""
    config = FAST if ctx.fast else FULL
    prices = read_msft(ctx.dataset("msft_daily"))["Close"]
    log_price = np.log(prices.to_numpy())
    windows = rolling_origin_windows(
        len(log_price), config.test_days, config.windows, min_fit=config.arima.train_days
    )
    results = [backtest_window(log_price, w, config) for w in windows]
    metrics: dict[str, float] = {}
    rows = []
    for w, r in zip(windows, results, strict=True):
        dm1, p1 = diebold_mariano(r.one_step["ARIMA"], r.one_step["random walk"], horizon=1)
        dm20, p20 = diebold_mariano(
            r.multi_step["ARIMA"], r.multi_step["random walk"], horizon=HORIZON
        )
        dates = prices.index[w.test]
        rows.append(
            (
                f"{dates[0].date()} – {dates[-1].date()}",
                f"ARIMA{r.order}",
                *(rms(r.one_step[m]) for m in ("ARIMA", *BASELINES)),
                p1,
                *(rms(r.multi_step[m]) for m in ("ARIMA", *BASELINES)),
                p20,
            )
        )
        ctx.info[f"window{w.number}_arima_order"] = str(r.order)
    for steps, attr in (("1step", "one_step"), (f"{HORIZON}step", "multi_step")):
        errors = {m: [rms(getattr(r, attr)[m]) for r in results] for m in ("ARIMA", *BASELINES)}
        for model, values in errors.items():
            key = model.lower().replace(" + ", "_").replace(" ", "_")
            metrics[f"rmse_{key}_{steps}_mean"] = float(np.mean(values))
            metrics[f"rmse_{key}_{steps}_worst"] = float(np.max(values))
        versus = compare_to_baselines(errors, "ARIMA", BASELINES)
        metrics[f"rmse_ratio_{steps}"] = versus.mean_ratio
        metrics[f"rmse_ratio_{steps}_worst_window"] = versus.worst_ratio
        ctx.info[f"strongest_baseline_{steps}"] = versus.baseline
    pooled = {
        attr: {
            m: np.concatenate([getattr(r, attr)[m] for r in results])
            for m in ("ARIMA", "random walk")
        }
        for attr in ("one_step", "multi_step")
    }
    dm1, p1 = diebold_mariano(pooled["one_step"]["ARIMA"], pooled["one_step"]["random walk"])
    dm20, p20 = diebold_mariano(
        pooled["multi_step"]["ARIMA"], pooled["multi_step"]["random walk"], horizon=HORIZON
    )
    metrics.update(
        {"dm_stat_1step": dm1, "dm_p_1step": p1, "dm_stat_20step": dm20, "dm_p_20step": p20}
    )
    train = log_price[windows[0].test.start - config.arima.train_days : windows[0].test.start]
    returns = pd.Series(np.diff(train))
    lags = lag_features(returns, [1, 2, 5])
    autocorr = {k: float(returns.corr(lags[k])) for k in lags}
    metrics.update({f"return_autocorr_{k}": v for k, v in autocorr.items()})
    ctx.note(
        f"**Rolling-origin backtest**: {len(windows)} consecutive windows of {config.test_days} "
        f"trading days; in each, ARIMA(p, 1, q) with drift is chosen by AIC on the "
        f"{config.arima.train_days} trading days before it, frozen, and forecasts walk-forward. "
        "Errors are RMSE in log price, so 0.01 is about 1% of the price; DM p = "
        "Diebold–Mariano p-value of ARIMA against the random walk.\n\n"
        + markdown_table(
            [
                "test window",
                "model",
                "ARIMA 1d",
                "RW 1d",
                "RW+drift 1d",
                "DM p 1d",
                f"ARIMA {HORIZON}d",
                f"RW {HORIZON}d",
                f"RW+drift {HORIZON}d",
                f"DM p {HORIZON}d",
            ],
            rows,
        )
        + f"\n\nOver the windows, ARIMA's mean RMSE over the strongest baseline's: "
        f"{metrics['rmse_ratio_1step']:.4f} at 1 day (worst window "
        f"{metrics['rmse_ratio_1step_worst_window']:.4f}), {metrics[f'rmse_ratio_{HORIZON}step']:.4f} "
        f"at {HORIZON} days (worst {metrics[f'rmse_ratio_{HORIZON}step_worst_window']:.4f}). "
        f"Pooled over all windows, DM p = {p1:.3g} (1 day) and {p20:.3g} ({HORIZON} days)."
    )
    ctx.note(
        f"**What this shows.** {dm_verdict(dm1, p1, '1 day')} {dm_verdict(dm20, p20, f'{HORIZON} days')} "
        "ARIMA on daily log prices is at best the random walk plus a drift: its AR and MA terms, "
        "fitted to noise, cost a little accuracy, because daily returns are almost uncorrelated "
        "(correlation of a training-window return "
        "with the return 1, 2 and 5 days before: "
        + ", ".join(f"{v:+.3f}" for v in autocorr.values())
        + "). That is the weak form of the efficient-market hypothesis (Fama 1970): if "
        "yesterday's returns predicted today's, traders would trade on it until they no longer "
        "did. So this project declares no quality bar: a band around the random walk cannot "
        "fail a model that is the random walk, and 'beats the random walk' is not something "
        "an honest daily-price model can promise. A model that seems to beat it by a wide "
        "margin is far more likely to be leaking the future (a scaler or an order chosen on the "
        "test period, a shifted target) than to have found an edge."
    )
    ctx.save_figure(
        plot_last_window(prices, windows[-1], results[-1]),
        "forecasts",
        "The 1-day ARIMA forecast is yesterday's price, shifted: the random walk in disguise",
    )
    return metrics


def dm_verdict(statistic: float, p_value: float, horizon: str) -> str:
    """One sentence: what the pooled Diebold–Mariano test says about ARIMA vs the random walk."""
    if p_value > 0.05:
        return f"At {horizon}, the Diebold–Mariano test cannot tell them apart (p = {p_value:.2g})."
    side = "worse" if statistic > 0 else "better"
    return f"At {horizon}, ARIMA is significantly {side} than the random walk (p = {p_value:.2g})."


def plot_last_window(prices: pd.Series, window: BacktestWindow, result: WindowErrors):
    """Draw the last window's prices and ARIMA's 1-day forecasts (actual minus error)."""
    days = prices.index[window.test]
    actual = prices.to_numpy()[window.test]
    fig, ax = subplots(1, 1, width=7, height=3.6)
    ax.plot(days, actual, lw=1, label="actual", color="black")
    ax.plot(days, actual * np.exp(-result.one_step["ARIMA"]), lw=1, label="ARIMA 1-day forecast")
    ax.legend()
    ax.tick_params(axis="x", rotation=30)
    label(ax, "MSFT close, last test window: 1-day-ahead forecasts", None, "USD")
    return fig
