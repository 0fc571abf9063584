"""Time-series plumbing both forecasting weeks use: checked series, time-ordered splits,
rolling-origin backtest windows, walk-forward evaluation, lag/window/calendar features and a
scaler that knows its cut-off.

The rule behind every helper is "no look-ahead": a forecast made at origin t may use only
values observed before t. Splits never shuffle; features at t are built from values before t;
a `TrainScaler` remembers the last timestamp it was fitted on and refuses to serve a forecast
origin at or before it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike


class TimeSeriesError(ValueError):
    """A series cannot be used as given; the message names the problem and the fix."""


class LookAheadError(RuntimeError):
    """Something fitted on data at or after a forecast origin was used for that forecast."""


def check_series(
    series: pd.Series, name: str, freq: str | None = None, season: int | None = None
) -> pd.Series:
    """Return `series` as float if it is a clean time series, else raise TimeSeriesError.

    Clean means: a DatetimeIndex, sorted, no duplicated timestamps, numeric values, no missing
    values, no gaps at `freq` (when given) and, with a `season`, at least two full seasons.
    """
    if not isinstance(series.index, pd.DatetimeIndex):
        raise TimeSeriesError(f"{name}: the index must be timestamps, not {type(series.index)}")
    duplicated = series.index[series.index.duplicated()]
    if len(duplicated):
        raise TimeSeriesError(
            f"{name}: {len(duplicated)} duplicated timestamps (first {duplicated[0].date()}); "
            "aggregate or drop them first"
        )
    if not series.index.is_monotonic_increasing:
        raise TimeSeriesError(f"{name}: timestamps are not in order; sort the series first")
    values = pd.to_numeric(series, errors="coerce")
    bad = series[values.isna() & series.notna()]
    if len(bad):
        raise TimeSeriesError(
            f"{name}: {len(bad)} non-numeric values (first {bad.iloc[0]!r} at "
            f"{bad.index[0].date()}); clean or drop them"
        )
    if values.isna().any():
        first = values.index[values.isna()][0]
        raise TimeSeriesError(
            f"{name}: {int(values.isna().sum())} missing values (first at {first.date()}); "
            "fill or interpolate them explicitly"
        )
    if freq is not None:
        expected = pd.date_range(series.index[0], series.index[-1], freq=freq)
        missing = expected.difference(series.index)
        if len(missing) or len(expected) != len(series):
            where = f" (first {missing[0].date()})" if len(missing) else ""
            raise TimeSeriesError(
                f"{name}: {len(missing)} gaps at frequency {freq!r}{where}; "
                "reindex and fill them explicitly, or forecast on a gap-free stretch"
            )
    if season is not None and len(series) < 2 * season:
        raise TimeSeriesError(
            f"{name}: {len(series)} observations are too short for seasonal period {season} "
            f"(need at least {2 * season}, two full seasons)"
        )
    return values.astype(float)


def train_test_split(series: pd.Series, test_size: int) -> tuple[pd.Series, pd.Series]:
    """Split a series in time: everything before the last `test_size` values, and those."""
    if not 0 < test_size < len(series):
        raise TimeSeriesError(
            f"test_size must be between 1 and {len(series) - 1} for a series of {len(series)}"
        )
    return series.iloc[:-test_size], series.iloc[-test_size:]


@dataclass(frozen=True)
class Fold:
    """One walk-forward step: fit on positions [0, origin), forecast [origin, origin + horizon)."""

    origin: int
    horizon: int

    @property
    def train(self) -> slice:
        """Positions the model may see."""
        return slice(0, self.origin)

    @property
    def test(self) -> slice:
        """Positions it forecasts."""
        return slice(self.origin, self.origin + self.horizon)


def walk_forward_folds(n_obs: int, n_test: int, horizon: int = 1, step: int = 1) -> list[Fold]:
    """Return the folds of a walk-forward evaluation over the last `n_test` positions.

    Origins run from n_obs - n_test every `step` positions while a full horizon still fits, so
    every forecast is scored against values that exist and every fold trains on all the past.
    """
    if horizon < 1 or step < 1:
        raise ValueError(f"horizon and step must be >= 1, got {horizon} and {step}")
    if not 0 < n_test < n_obs:
        raise TimeSeriesError(f"n_test must be between 1 and {n_obs - 1}, not {n_test}")
    if horizon > n_test:
        raise TimeSeriesError(f"horizon {horizon} is longer than the test stretch ({n_test})")
    first = n_obs - n_test
    return [Fold(origin, horizon) for origin in range(first, n_obs - horizon + 1, step)]


@dataclass(frozen=True)
class BacktestWindow:
    """One rolling-origin window: choose on `validation`, then forecast `test` from before it.

    A candidate judged on the validation stretch is fitted on `fit` (everything before it);
    the chosen one is refitted on `history` (everything before the test stretch) and scored on
    `test`. Nothing at or after `test.start` reaches either step.
    """

    number: int
    validation: slice
    test: slice

    @property
    def fit(self) -> slice:
        """Positions a candidate may be fitted on while it is judged on the validation stretch."""
        return slice(0, self.validation.start)

    @property
    def history(self) -> slice:
        """Positions the chosen model may be fitted on to forecast the test stretch."""
        return slice(0, self.test.start)


def rolling_origin_windows(
    n_obs: int, test_size: int, n_windows: int, validation_size: int = 0, min_fit: int = 1
) -> list[BacktestWindow]:
    """Return `n_windows` consecutive test stretches of `test_size` ending at the last value.

    The test stretches are those of scikit-learn's TimeSeriesSplit(n_splits=n_windows,
    test_size=test_size) (which refuses a single window): training data only before each. The
    `validation_size` values just before each test stretch are its validation window, and at
    least `min_fit` values must remain before that for fitting.
    """
    if test_size < 1 or n_windows < 1 or validation_size < 0:
        raise ValueError(
            f"need test_size >= 1, n_windows >= 1 and validation_size >= 0, got "
            f"{test_size}, {n_windows} and {validation_size}"
        )
    first_test = n_obs - n_windows * test_size
    if first_test - validation_size < min_fit:
        raise TimeSeriesError(
            f"{n_windows} test windows of {test_size} with {validation_size} validation values "
            f"leave {first_test - validation_size} of {n_obs} observations to fit on the first "
            f"window, fewer than {min_fit}: use fewer or shorter windows"
        )
    starts = range(first_test, n_obs, test_size)
    return [
        BacktestWindow(
            number, slice(start - validation_size, start), slice(start, start + test_size)
        )
        for number, start in enumerate(starts, start=1)
    ]


Forecaster = Callable[[np.ndarray, int], np.ndarray]


def walk_forward(
    values: ArrayLike, folds: Sequence[Fold], forecaster: Forecaster
) -> tuple[np.ndarray, np.ndarray]:
    """Run `forecaster(history, horizon)` at every fold; return (forecasts, actuals), (folds, h).

    The forecaster receives a copy of the history only, so it cannot peek at what it forecasts.
    """
    series = np.asarray(values, dtype=float)
    forecasts, actuals = [], []
    for fold in folds:
        prediction = np.asarray(forecaster(series[fold.train].copy(), fold.horizon), dtype=float)
        if prediction.shape != (fold.horizon,):
            raise ValueError(
                f"the forecaster returned shape {prediction.shape}, expected ({fold.horizon},)"
            )
        forecasts.append(prediction)
        actuals.append(series[fold.test])
    return np.array(forecasts), np.array(actuals)


def lag_features(series: pd.Series, lags: Sequence[int]) -> pd.DataFrame:
    """Return columns lag_k = the value k steps before each timestamp (NaN where unknown)."""
    if any(k < 1 for k in lags):
        raise ValueError(f"lags must be >= 1 (lag 0 is the target itself), got {list(lags)}")
    return pd.DataFrame({f"lag_{k}": series.shift(k) for k in lags}, index=series.index)


def window_features(series: pd.Series, windows: Sequence[int]) -> pd.DataFrame:
    """Return rolling mean and std over the `w` values before each timestamp (not including it)."""
    past = series.shift(1)
    columns = {}
    for w in windows:
        columns[f"mean_{w}"] = past.rolling(w).mean()
        columns[f"std_{w}"] = past.rolling(w).std()
    return pd.DataFrame(columns, index=series.index)


def calendar_features(index: pd.DatetimeIndex) -> pd.DataFrame:
    """Return day-of-year sine and cosine: a smooth yearly clock where Dec 31 meets Jan 1."""
    angle = 2 * np.pi * (index.day_of_year - 1) / 365.25
    return pd.DataFrame({"doy_sin": np.sin(angle), "doy_cos": np.cos(angle)}, index=index)


def sequence_windows(
    inputs: np.ndarray, target: np.ndarray, window: int, horizon: int, origins: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Return (X, Y): for each origin t, X = inputs[t - window:t] and Y = target[t:t + horizon].

    X has shape (n, window, features), Y (n, horizon); an origin without a full window before it
    or a full horizon after it is an error, not a silently shorter sample.
    """
    inputs = inputs.reshape(len(inputs), -1)
    at = np.asarray(origins, dtype=int)
    if at.size and (at.min() < window or at.max() + horizon > len(target)):
        raise TimeSeriesError(
            f"origins must lie in [{window}, {len(target) - horizon}] for window {window} and "
            f"horizon {horizon}, got {at.min()}..{at.max()}"
        )
    x = np.stack([inputs[t - window : t] for t in at]) if at.size else np.empty(0)
    y = np.stack([target[t : t + horizon] for t in at]) if at.size else np.empty(0)
    return x.astype(np.float32), y.astype(np.float32)


@dataclass
class TrainScaler:
    """Standardise columns with the mean and std of the training window only.

    It records the last timestamp it saw; `check_origin` raises LookAheadError for a forecast
    origin at or before that timestamp, the symptom of a scaler fitted on the test period.
    """

    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    fitted_until: pd.Timestamp | None = None

    def fit(self, frame: pd.DataFrame | pd.Series) -> TrainScaler:
        """Learn each column's mean and std from `frame`, which must end before any forecast."""
        values = np.asarray(frame, dtype=float).reshape(len(frame), -1)
        self.mean, self.std = values.mean(axis=0), values.std(axis=0)
        self.std = np.where(self.std == 0, 1.0, self.std)
        self.fitted_until = pd.Timestamp(frame.index[-1])
        return self

    def check_origin(self, origin: pd.Timestamp) -> None:
        """Raise LookAheadError unless the scaler was fitted strictly before `origin`."""
        if self.fitted_until is None:
            raise RuntimeError("TrainScaler is not fitted yet; call fit on the training window")
        if pd.Timestamp(origin) <= self.fitted_until:
            raise LookAheadError(
                f"scaler was fitted on data up to {self.fitted_until.date()}, at or after the "
                f"forecast origin {pd.Timestamp(origin).date()}: fit it on the training window"
            )

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Return standardised values (columns in the order they were fitted)."""
        if self.mean is None:
            raise RuntimeError("TrainScaler is not fitted yet; call fit on the training window")
        values = np.asarray(values, dtype=float)
        return ((values.reshape(len(values), -1) - self.mean) / self.std).reshape(values.shape)

    def inverse(self, values: np.ndarray, column: int = 0) -> np.ndarray:
        """Map standardised values of one column back to its units."""
        if self.mean is None or self.std is None:
            raise RuntimeError("TrainScaler is not fitted yet; call fit on the training window")
        return np.asarray(values) * self.std[column] + self.mean[column]
