"""ARIMA on daily log prices, as week 16 fits it: order by AIC on the training days, then frozen.

`choose_arima` picks ARIMA(p, 1, q) with drift on the training window only; `arima_price_paths`
forecasts price paths from given origins with that frozen model. The `stock_forecast` lesson
backtests it against the random walk; week 18 stores its paths beside the actuals.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from week16_ts_classical.arima import (
    NO_SEASON,
    aic_table,
    arma_grid,
    fit_sarima,
    multi_step_forecasts,
    one_blas_thread,
)

TRAIN_DAYS = 1512  # six years of trading days: enough for ARIMA, recent enough to be relevant
FAST_TRAIN_DAYS = 250  # one year, for a smoke run


def choose_arima(train: np.ndarray, fast: bool):
    """Pick ARIMA(p, 1, q) with drift by AIC on `train` (log prices) and fit it there.

    Returns the fitted result, its order and the AIC table of every candidate.
    """
    grid = arma_grid(1, 1) if fast else arma_grid(2, 2)
    table = aic_table(train, [((p, 1, q), NO_SEASON) for p, q in grid], trend="c")
    order = table["order"].iloc[0]
    return fit_sarima(train, order, trend="c"), order, table


@one_blas_thread
def arima_price_paths(
    close: pd.Series, origins: Sequence[int], horizon: int, fast: bool = False
) -> tuple[np.ndarray, str]:
    """Forecast `horizon` closing prices from each origin (the first forecast day's position).

    The model is chosen and fitted on the TRAIN_DAYS of log prices before the first origin,
    then frozen; each path uses only the prices before its origin. Returns the paths in price
    units, shape (len(origins), horizon), and the model's name. Week 18 stores these.
    """
    log_price = np.log(close.to_numpy(dtype=float))
    train_days = FAST_TRAIN_DAYS if fast else TRAIN_DAYS
    start = min(origins) - train_days
    if start < 0 or max(origins) + horizon > len(log_price):
        raise ValueError(
            f"origins {min(origins)}..{max(origins)} need {train_days} days before them and "
            f"{horizon} after, in a series of {len(log_price)}"
        )
    result, order, _ = choose_arima(log_price[start : min(origins)], fast)
    shifted = [o - start for o in origins]
    paths = multi_step_forecasts(result, log_price[start:], shifted, horizon)
    return np.exp(paths), f"ARIMA{order} with drift"
