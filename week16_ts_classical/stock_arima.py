"""ARIMA on daily log prices, as week 16 fits it: order by AIC on the training days, then frozen.

`choose_arima` picks ARIMA(p, 1, q) with drift on the training window only; `arima_price_paths`
forecasts price paths from given origins with that frozen model. The `stock_forecast` lesson
backtests it against the random walk; week 18 stores its paths beside the actuals. An
`ArimaSetup` says how much history the order is chosen on and which orders are tried: `FULL`
for a run, `FAST` for a smoke run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class ArimaSetup:
    """Training days before the first origin, and the largest p and q the AIC search tries."""

    train_days: int
    max_p: int
    max_q: int


# six years of trading days: enough for ARIMA, recent enough to be relevant; a smoke run takes one
FULL = ArimaSetup(train_days=1512, max_p=2, max_q=2)
FAST = ArimaSetup(train_days=250, max_p=1, max_q=1)


def choose_arima(train: np.ndarray, setup: ArimaSetup = FULL):
    """Pick ARIMA(p, 1, q) with drift by AIC on `train` (log prices) and fit it there.

    Returns the fitted result, its order and the AIC table of every candidate.
    """
    grid = arma_grid(setup.max_p, setup.max_q)
    table = aic_table(train, [((p, 1, q), NO_SEASON) for p, q in grid], trend="c")
    order = table["order"].iloc[0]
    return fit_sarima(train, order, trend="c"), order, table


@one_blas_thread
def arima_price_paths(
    close: pd.Series, origins: Sequence[int], horizon: int, setup: ArimaSetup = FULL
) -> tuple[np.ndarray, str]:
    """Forecast `horizon` closing prices from each origin (the first forecast day's position).

    The model is chosen and fitted on the setup's training days before the first origin,
    then frozen; each path uses only the prices before its origin. Returns the paths in price
    units, shape (len(origins), horizon), and the model's name. Week 18 stores these.
    """
    log_price = np.log(close.to_numpy(dtype=float))
    train_days = setup.train_days
    start = min(origins) - train_days
    if start < 0 or max(origins) + horizon > len(log_price):
        raise ValueError(
            f"origins {min(origins)}..{max(origins)} need {train_days} days before them and "
            f"{horizon} after, in a series of {len(log_price)}"
        )
    result, order, _ = choose_arima(log_price[start : min(origins)], setup)
    shifted = [o - start for o in origins]
    paths = multi_step_forecasts(result, log_price[start:], shifted, horizon)
    return np.exp(paths), f"ARIMA{order} with drift"
