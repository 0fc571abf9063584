"""Week 16: the data, AR from scratch vs AutoReg, ARIMA without look-ahead, DM test, fast run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shared.registry import fetch
from shared.timeseries import rolling_origin_windows
from week16_ts_classical import stock_arima
from week16_ts_classical.ar_ols import fit_ar, forecast_ar, lag_matrix
from week16_ts_classical.arima import (
    NO_SEASON,
    aic_table,
    fit_sarima,
    multi_step_forecasts,
    one_step_forecasts,
)
from week16_ts_classical.forecast_tests import coverage, diebold_mariano
from week16_ts_classical.projects.sales_forecast import FAST, backtest_window, snaive_forecast
from week16_ts_classical.series import read_monthly_ts, read_msft
from week16_ts_classical.stock_arima import arima_price_paths


def simulated_ar(n: int = 400, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = np.zeros(n)
    for t in range(3, n):
        y[t] = 0.5 + 0.6 * y[t - 1] - 0.3 * y[t - 2] + 0.1 * y[t - 3] + rng.standard_normal()
    return y


def test_monthly_series_read_with_their_calendar() -> None:
    wine = read_monthly_ts(fetch("wineind"), "wineind")
    cafe = read_monthly_ts(fetch("auscafe"), "auscafe")
    assert len(wine) == 176 and (wine.index[0], wine.index[-1]) == (
        pd.Timestamp("1980-01-01"),
        pd.Timestamp("1994-08-01"),
    )
    assert len(cafe) == 426 and (cafe.index[0], cafe.index[-1]) == (
        pd.Timestamp("1982-04-01"),
        pd.Timestamp("2017-09-01"),
    )
    assert wine.min() > 10_000 and 0.3 < cafe.min() < cafe.max() < 5


def test_msft_prices() -> None:
    msft = read_msft(fetch("msft_daily"))
    assert len(msft) == 7983 and msft.index.is_unique and msft.index.is_monotonic_increasing
    assert (msft.index[0], msft.index[-1]) == (
        pd.Timestamp("1986-03-13"),
        pd.Timestamp("2017-11-10"),
    )
    assert (msft["Low"] <= msft["Close"]).all() and (msft["Close"] <= msft["High"]).all()


@pytest.mark.parametrize("p", [1, 3, 8])
def test_ar_least_squares_matches_statsmodels_autoreg(p: int) -> None:
    from statsmodels.tsa.ar_model import AutoReg

    y = simulated_ar()
    ours, theirs = fit_ar(y, p), AutoReg(y, lags=p, trend="c").fit()
    np.testing.assert_allclose(ours, theirs.params, atol=1e-8, rtol=0)
    np.testing.assert_allclose(forecast_ar(ours, y, 10), theirs.forecast(10), atol=1e-8, rtol=0)
    if p == 3:
        np.testing.assert_allclose(ours, [0.5, 0.6, -0.3, 0.1], atol=0.15)  # the true process


def test_lag_matrix_rows_and_short_series() -> None:
    x, target = lag_matrix(np.arange(6.0), 2)
    np.testing.assert_array_equal(x, [[1, 1, 0], [1, 2, 1], [1, 3, 2], [1, 4, 3]])
    np.testing.assert_array_equal(target, [2, 3, 4, 5])
    with pytest.raises(ValueError, match="more than 6 observations"):
        fit_ar(np.arange(5.0), 3)


def test_arima_walk_forward_forecasts_never_see_the_future() -> None:
    y = np.cumsum(simulated_ar(300, seed=1)) / 10
    result = fit_sarima(y[:250], (1, 1, 1), NO_SEASON, trend="c")
    changed = y.copy()
    changed[270:] += 50  # a shock from position 270 on
    one, one_changed = (one_step_forecasts(result, s, 250) for s in (y, changed))
    np.testing.assert_allclose(one[:20], one_changed[:20], atol=1e-10)  # forecasts of t <= 269
    assert abs(one_changed[21] - one[21]) > 1  # the forecast of 271 has seen the shock at 270
    multi, multi_changed = (multi_step_forecasts(result, s, [255, 270], 5) for s in (y, changed))
    np.testing.assert_allclose(multi, multi_changed, atol=1e-10)  # origin 270 uses y[:270]


def test_aic_table_is_ranked() -> None:
    y = simulated_ar(200)
    table = aic_table(y, [((p, 0, 0), NO_SEASON) for p in (1, 3)], trend="c")
    assert list(table["aic"]) == sorted(table["aic"])
    assert table["order"].iloc[0] == (3, 0, 0)  # the simulated process is an AR(3)


def test_diebold_mariano() -> None:
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(300)
    stat, p = diebold_mariano(0.5 * noise, noise)
    assert stat < -5 and p < 1e-6  # A's errors are half of B's: clearly better
    stat, p = diebold_mariano(noise, rng.standard_normal(300))
    assert abs(stat) < 3 and p > 0.01
    d = noise**2 - (noise + 0.1) ** 2  # with h = 1 it is the t statistic of the mean differential
    expected = d.mean() / np.sqrt(d.var() / len(d)) * np.sqrt((len(d) - 1) / len(d))
    assert diebold_mariano(noise, noise + 0.1)[0] == pytest.approx(expected)
    with pytest.raises(ValueError, match="identical"):
        diebold_mariano(noise, noise)


def test_coverage_and_seasonal_naive_intervals() -> None:
    assert coverage([1, 2, 3, 4], [0, 2.5, 2, 0], [2, 3, 4, 3]) == 0.5
    train = np.tile(np.arange(12.0), 4) + np.random.default_rng(0).normal(0, 0.1, 48)
    fc = snaive_forecast(train, 24)
    np.testing.assert_allclose(fc["mean"], np.tile(train[-12:], 2))
    width = fc["upper_95"] - fc["lower_95"]
    assert np.allclose(width[12:] / width[:12], np.sqrt(2))  # the second year is less certain
    assert (fc["upper_80"] - fc["lower_80"] < width).all()


def test_fast_run_end_to_end(fast_run) -> None:
    doc = fast_run("week16_ts_classical")
    projects = doc["projects"]
    assert set(projects) == {"decomposition", "ar_models", "stock_forecast", "sales_forecast"}
    assert all(p["status"] == "ok" for p in projects.values())
    assert projects["ar_models"]["metrics"]["ar_max_param_diff"] < 1e-8
    stock = projects["stock_forecast"]
    assert (
        0.8 < stock["metrics"]["rmse_ratio_1step"] < 1.2
        and 0 <= stock["metrics"]["dm_p_1step"] <= 1
    )
    assert stock["metrics"]["rmse_ratio_1step_worst_window"] >= stock["metrics"]["rmse_ratio_1step"]
    assert stock["bars"] == []  # nothing beats the random walk: no bar that cannot fail
    sales = projects["sales_forecast"]["metrics"]
    assert sales["wineind_chosen_rmse_mean"] < 1.2 * sales["wineind_seasonal_naive_rmse_mean"]
    assert {b["metric"] for b in projects["sales_forecast"]["bars"]} == {
        "wineind_rmse_ratio_best_baseline",
        "auscafe_rmse_ratio_best_baseline",
    }


def test_arima_price_paths_see_nothing_from_their_origin_on() -> None:
    close = read_msft(fetch("msft_daily"))["Close"].iloc[-400:]
    origins = [380, 390]
    paths, name = arima_price_paths(close, origins, 5, stock_arima.FAST)
    assert paths.shape == (2, 5) and name.startswith("ARIMA")
    future = close.copy()
    future.iloc[390:] *= 3.0  # prices from the last origin on: no forecast may change
    again, _ = arima_price_paths(future, origins, 5, stock_arima.FAST)
    np.testing.assert_allclose(again, paths)
    assert abs(np.log(paths[0, 0] / close.iloc[379])) < 0.05  # near the last seen price
    with pytest.raises(ValueError, match="need"):
        arima_price_paths(close, [10], 5, stock_arima.FAST)


def test_sales_backtest_chooses_on_the_months_before_the_test_window() -> None:
    series = read_monthly_ts(fetch("wineind"), "wineind")
    window = rolling_origin_windows(len(series), 24, 1, validation_size=24, min_fit=48)[0]
    result = backtest_window(series, window, FAST, seed=0)
    changed = series.copy()
    changed.iloc[window.test] *= 3.0  # the test months: neither choice nor forecast may move
    again = backtest_window(changed, window, FAST, seed=0)
    assert again.chosen == result.chosen and again.validation_rmse == result.validation_rmse
    for name, forecast in result.forecasts.items():
        np.testing.assert_allclose(again.forecasts[name]["mean"], forecast["mean"])
    assert set(result.forecasts) >= {"chosen", "persistence", "seasonal naive + drift"}
