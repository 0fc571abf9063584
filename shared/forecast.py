"""Forecast accuracy metrics, the naive forecasts every model must beat, and the comparison of
a model with the strongest of them over backtest windows (weeks 16, 17, 22).

MAE, MSE, RMSE and MAPE here are the project's one set of regression error metrics:
shared.evaluation's regression scores (week 5) use them too.

Each metric takes the actual values and the forecasts as arrays of the same shape. MASE scales
the error by the in-sample error of the (seasonal) naive forecast on the training series, so a
value below 1 means "better than naive" on any series, whatever its units (Hyndman & Koehler
2006, "Another look at measures of forecast accuracy").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


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


def seasonal_naive_drift_forecast(history: ArrayLike, horizon: int, season: int) -> np.ndarray:
    """Seasonal naive plus the average change from one season to the next, per season ahead.

    The forecast of a seasonal random walk with drift (FPP3 §5.2, SNAIVE with drift): a
    growing series' next year is last year's plus the typical yearly growth.
    """
    history = np.asarray(history, dtype=float)
    if len(history) <= season:
        raise ValueError(
            f"a seasonal naive forecast with drift needs more than {season} past values, "
            f"got {len(history)}"
        )
    drift = np.mean(history[season:] - history[:-season])
    seasons_ahead = np.arange(horizon) // season + 1
    return seasonal_naive_forecast(history, horizon, season) + drift * seasons_ahead


@dataclass(frozen=True)
class Comparison:
    """A model against the strongest baseline over backtest windows (errors: lower is better)."""

    baseline: str
    mean_ratio: float
    worst_ratio: float
    worst_window: int


def compare_to_baselines(
    errors: Mapping[str, Sequence[float]], model: str, baselines: Sequence[str]
) -> Comparison:
    """Compare `model` with the baseline of lowest mean error over the windows.

    `errors` maps each forecaster to its error in every window (same windows, same order).
    The mean ratio is the model's mean error over the baseline's; the worst is the largest
    ratio in any one window (numbered from 1), so a mean that hides a bad window is shown.
    """
    if not baselines:
        raise ValueError("name at least one baseline to compare with")
    lengths = {name: len(errors[name]) for name in (model, *baselines)}
    if len(set(lengths.values())) != 1 or not lengths[model]:
        raise ValueError(f"every forecaster needs an error in each window, got {lengths}")
    strongest = min(baselines, key=lambda name: float(np.mean(errors[name])))
    mine, theirs = np.asarray(errors[model], float), np.asarray(errors[strongest], float)
    ratios = mine / theirs
    return Comparison(
        strongest,
        float(mine.mean() / theirs.mean()),
        float(ratios.max()),
        int(ratios.argmax()) + 1,
    )
