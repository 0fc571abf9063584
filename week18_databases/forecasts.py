"""The forecasts week 18 stores beside the actuals: baselines and weeks 16-17's models.

For each series of SERIES, forecasts 1..HORIZON steps ahead are made from rolling origins a week
apart: the baseline it must beat (shared.forecast: naive for the stock, seasonal naive with a
365-day season for the temperatures) and the earlier weeks' model (week 16's ARIMA for MSFT,
week 17's direct LSTM for Melbourne), each trained on the data before the origins. They come
back as rows of the `forecasts` table, with their model and version. The `time_series_store`
lesson stores and scores them; week 22's forecasting app does the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shared.context import RunContext
from shared.forecast import naive_forecast, seasonal_naive_forecast
from week16_ts_classical import stock_arima
from week16_ts_classical.stock_arima import ArimaSetup, arima_price_paths
from week17_ts_deep import melbourne_lstm
from week17_ts_deep.melbourne_lstm import LstmPlan, lstm_forecasts
from week18_databases.observations import read_melbourne_min_temp, read_msft_close

# name: (registry entry, reader, baseline model, season)
SERIES = {
    "msft_close": ("msft_daily", read_msft_close, "naive", 1),
    "melbourne_min_temp": (
        "daily_min_temperatures",
        read_melbourne_min_temp,
        "seasonal_naive",
        365,
    ),
}
BASELINE_VERSION = "shared.forecast/1"
HORIZON = 7


def first_days(series: pd.Series, origins: int) -> list[int]:
    """Positions of the first forecast day of `origins` rolling origins, 7 observations apart."""
    return [len(series) - HORIZON - 7 * k for k in range(origins)]


def baseline_forecasts(
    series: pd.Series, name: str, model: str, season: int, origins: int
) -> pd.DataFrame:
    """1..HORIZON-step baseline forecasts from the rolling origins."""
    values = series.to_numpy(dtype=float)
    starts = first_days(series, origins)
    if season == 1:
        paths = [naive_forecast(values[:cut], HORIZON) for cut in starts]
    else:
        paths = [seasonal_naive_forecast(values[:cut], HORIZON, season) for cut in starts]
    days = [series.index[cut : cut + HORIZON] for cut in starts]
    return forecast_rows(name, model, BASELINE_VERSION, series.index, starts, days, paths)


@dataclass(frozen=True)
class Models:
    """How week 16's ARIMA and week 17's LSTM are fitted before they forecast."""

    arima: ArimaSetup
    lstm: LstmPlan


FULL = Models(stock_arima.FULL, melbourne_lstm.FULL)
FAST = Models(stock_arima.FAST, melbourne_lstm.FAST)


def model_forecasts(series: dict[str, pd.Series], origins: int, ctx: RunContext) -> pd.DataFrame:
    """The same origins forecast by week 16's ARIMA (MSFT) and week 17's LSTM (Melbourne)."""
    models = FAST if ctx.fast else FULL
    close = series["msft_close"]
    starts = first_days(close, origins)
    ctx.log("week 16: ARIMA on MSFT log prices")
    paths, name = arima_price_paths(close, starts, HORIZON, models.arima)
    days = [close.index[cut : cut + HORIZON] for cut in starts]
    arima = forecast_rows("msft_close", "arima", f"week16 {name}", close.index, starts, days, paths)
    temp = series["melbourne_min_temp"]
    starts = first_days(temp, origins)
    ctx.log("week 17: direct LSTM on Melbourne temperatures")
    paths, version = lstm_forecasts(temp.index[starts], ctx.seed, models.lstm, ctx.device)
    # week 17 fills the file's missing days, so its forecast days are consecutive calendar days
    days = [pd.date_range(temp.index[cut], periods=HORIZON) for cut in starts]
    lstm = forecast_rows(
        "melbourne_min_temp", "lstm", f"week17 {version}", temp.index, starts, days, paths
    )
    return pd.concat([arima, lstm])


def forecast_rows(
    name: str,
    model: str,
    version: str,
    index: pd.DatetimeIndex,
    starts: list[int],
    days: list[pd.DatetimeIndex],
    paths,
) -> pd.DataFrame:
    """Rows of the forecasts table: one per origin and horizon (origin = the day before)."""
    rows = []
    for cut, dates, path in zip(starts, days, paths, strict=True):
        for h in range(1, HORIZON + 1):
            rows.append(
                {
                    "series": name,
                    "model": model,
                    "model_version": version,
                    "origin": index[cut - 1].date(),
                    "horizon": h,
                    "ts": dates[h - 1].date(),
                    "value": float(np.asarray(path)[h - 1]),
                }
            )
    return pd.DataFrame(rows)
