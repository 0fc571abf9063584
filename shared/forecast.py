"""Forecast accuracy metrics and the naive forecasts every model must beat (weeks 16, 17, 22).

Each metric takes the actual values and the forecasts as arrays of the same shape. MASE scales
the error by the in-sample error of the (seasonal) naive forecast on the training series, so a
value below 1 means "better than naive" on any series, whatever its units (Hyndman & Koehler
2006, "Another look at measures of forecast accuracy").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

ArrayLike = Sequence[float] | np.ndarray


def _pair(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Return both inputs as float arrays, or raise if their shapes differ or they are empty."""
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"actuals have shape {y_true.shape} but forecasts {y_pred.shape}")
    if y_true.size == 0:
        raise ValueError("no forecasts to score: the arrays are empty")
    return y_true, y_pred


def mae(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute error, in the series' units."""
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(np.abs(y_true - y_pred)))


def mse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean squared error, in squared units (what least squares and an LSTM's loss minimise)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean((y_true - y_pred) ** 2))


def rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Root mean squared error, in the series' units."""
    return float(np.sqrt(mse(y_true, y_pred)))


def mape(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute percentage error, in percent; undefined when an actual value is zero."""
    y_true, y_pred = _pair(y_true, y_pred)
    if np.any(y_true == 0):
        raise ValueError("MAPE is undefined when an actual value is 0; use MAE or MASE instead")
    return float(100 * np.mean(np.abs((y_true - y_pred) / y_true)))


def mase(y_true: ArrayLike, y_pred: ArrayLike, y_train: ArrayLike, season: int = 1) -> float:
    """Mean absolute scaled error: MAE over the in-sample MAE of the seasonal naive forecast."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_train = np.asarray(y_train, dtype=float)
    if season < 1:
        raise ValueError(f"season must be >= 1, not {season}")
    if len(y_train) <= season:
        raise ValueError(
            f"MASE needs a training series longer than its season ({season}), got {len(y_train)}"
        )
    scale = np.mean(np.abs(y_train[season:] - y_train[:-season]))
    if scale == 0:
        raise ValueError("MASE is undefined: the training series is constant over every season")
    return float(np.mean(np.abs(y_true - y_pred)) / scale)


def scores(y_true: ArrayLike, y_pred: ArrayLike) -> dict[str, float]:
    """Return MAE, RMSE and MAPE (when defined) of one set of forecasts."""
    out = {"mae": mae(y_true, y_pred), "rmse": rmse(y_true, y_pred)}
    if np.all(np.asarray(y_true, dtype=float) != 0):
        out["mape"] = mape(y_true, y_pred)
    return out


def naive_forecast(history: ArrayLike, horizon: int) -> np.ndarray:
    """Persistence (random walk): every future value equals the last one seen."""
    history = np.asarray(history, dtype=float)
    if history.size == 0:
        raise ValueError("a naive forecast needs at least one past value")
    return np.full(horizon, history[-1])


def seasonal_naive_forecast(history: ArrayLike, horizon: int, season: int) -> np.ndarray:
    """Each future value equals the value one season earlier (the last season, repeated)."""
    history = np.asarray(history, dtype=float)
    if len(history) < season:
        raise ValueError(
            f"a seasonal naive forecast needs {season} past values, got {len(history)}"
        )
    last_season = history[-season:]
    return np.resize(last_season, horizon)
