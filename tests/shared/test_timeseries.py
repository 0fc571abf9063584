"""shared.timeseries and shared.forecast: checked series, splits, walk-forward, metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    root_mean_squared_error,
)
from sklearn.model_selection import TimeSeriesSplit

from shared.forecast import (
    compare_to_baselines,
    mae,
    mape,
    mase,
    mse,
    naive_forecast,
    rmse,
    seasonal_naive_drift_forecast,
    seasonal_naive_forecast,
)
from shared.timeseries import (
    Fold,
    LookAheadError,
    TimeSeriesError,
    TrainScaler,
    calendar_features,
    check_series,
    lag_features,
    rolling_origin_windows,
    sequence_windows,
    train_test_split,
    walk_forward,
    walk_forward_folds,
    window_features,
)


def daily(values, start: str = "2020-01-01") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="D"))


# --- metrics -----------------------------------------------------------------------------------


def test_metrics_match_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    y, p = rng.uniform(1, 10, 50), rng.uniform(1, 10, 50)
    assert mae(y, p) == pytest.approx(mean_absolute_error(y, p), rel=1e-12)
    assert mse(y, p) == pytest.approx(mean_squared_error(y, p), rel=1e-12)
    assert rmse(y, p) == pytest.approx(root_mean_squared_error(y, p), rel=1e-12)
    assert mape(y, p) == pytest.approx(100 * mean_absolute_percentage_error(y, p), rel=1e-12)


def test_mape_and_mase_on_hand_computed_examples() -> None:
    assert mape([100, 200], [110, 150]) == pytest.approx(17.5)  # (10% + 25%) / 2
    # naive in-sample errors of [1, 2, 4, 7]: 1, 2, 3 -> scale 2; test MAE (1 + 2) / 2 = 1.5
    assert mase([8, 10], [9, 8], [1, 2, 4, 7]) == pytest.approx(0.75)
    # seasonal (m = 2) errors of [1, 2, 3, 5, 4, 6]: 2, 3, 1, 1 -> scale 1.75; test MAE 3.5
    assert mase([5, 9], [8, 5], [1, 2, 3, 5, 4, 6], season=2) == pytest.approx(2.0)


def test_metrics_reject_bad_input_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="actual value is 0"):
        mape([0, 1], [1, 1])
    with pytest.raises(ValueError, match="shape"):
        rmse([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="empty"):
        mae([], [])
    with pytest.raises(ValueError, match="constant"):
        mase([1], [2], [5, 5, 5])
    with pytest.raises(ValueError, match="longer than its season"):
        mase([1], [2], [1, 2, 3], season=12)


def test_naive_forecasts() -> None:
    np.testing.assert_array_equal(naive_forecast([1, 2, 3], 3), [3, 3, 3])
    np.testing.assert_array_equal(
        seasonal_naive_forecast([9, 1, 2, 3, 4], 5, season=4), [1, 2, 3, 4, 1]
    )
    with pytest.raises(ValueError, match="12 past values"):
        seasonal_naive_forecast([1, 2], 3, season=12)


# --- checked series ----------------------------------------------------------------------------


def test_check_series_accepts_a_clean_series_and_returns_floats() -> None:
    out = check_series(daily([1, 2, 3]), "s", freq="D")
    assert out.dtype == float and list(out) == [1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    ("series", "kwargs", "message"),
    [
        (daily(range(5)).drop(pd.Timestamp("2020-01-03")), {"freq": "D"}, "1 gaps"),
        (pd.concat([daily([1, 2]), daily([3], "2020-01-02")]), {}, "duplicated timestamps"),
        (daily(range(20)), {"season": 12}, "too short for seasonal period 12"),
        (daily([1.0, "n/a", 3.0]), {}, "non-numeric values"),
        (daily([1.0, np.nan, 3.0]), {}, "missing values"),
        (daily([1, 2, 3]).iloc[::-1], {}, "not in order"),
        (pd.Series([1.0, 2.0]), {}, "index must be timestamps"),
    ],
    ids=["gap", "duplicate", "too-short", "non-numeric", "missing", "unsorted", "no-dates"],
)
def test_check_series_names_the_problem(series: pd.Series, kwargs: dict, message: str) -> None:
    with pytest.raises(TimeSeriesError, match=message):
        check_series(series, "demo", **kwargs)


# --- splits and walk-forward -------------------------------------------------------------------


def test_train_test_split_keeps_time_order() -> None:
    train, test = train_test_split(daily(range(10)), 3)
    assert list(test) == [7, 8, 9] and train.index.max() < test.index.min()
    with pytest.raises(TimeSeriesError):
        train_test_split(daily(range(3)), 3)


def test_walk_forward_folds_windows() -> None:
    folds = walk_forward_folds(n_obs=10, n_test=4, horizon=2)
    assert [f.origin for f in folds] == [6, 7, 8]  # origin 9 has no full horizon left
    for fold in folds:
        assert fold.train == slice(0, fold.origin) and fold.test == slice(
            fold.origin, fold.origin + 2
        )
    assert [f.origin for f in walk_forward_folds(10, 4, horizon=1, step=2)] == [6, 8]
    with pytest.raises(TimeSeriesError, match="horizon 5 is longer"):
        walk_forward_folds(10, 4, horizon=5)


def test_walk_forward_gives_the_forecaster_only_the_past() -> None:
    values = np.arange(20.0)
    seen = []

    def forecaster(history: np.ndarray, horizon: int) -> np.ndarray:
        seen.append(history.copy())
        history[:] = -1  # a forecaster that scribbles on its input must not corrupt the data
        return np.repeat(history[-1] + 1, horizon)

    forecasts, actuals = walk_forward(values, walk_forward_folds(20, 5, horizon=2), forecaster)
    assert [len(h) for h in seen] == [15, 16, 17, 18]
    assert all(np.array_equal(h, values[: len(h)]) for h in seen)
    assert forecasts.shape == actuals.shape == (4, 2)
    np.testing.assert_array_equal(actuals[0], [15, 16])


def test_walk_forward_rejects_a_forecast_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="expected \\(2,\\)"):
        walk_forward(np.arange(10.0), [Fold(8, 2)], lambda h, k: np.zeros(3))


# --- features without look-ahead ---------------------------------------------------------------


def test_lag_and_window_features_use_only_earlier_values() -> None:
    series = daily(np.arange(30.0) ** 1.5)
    changed = series.copy()
    changed.iloc[20:] += 1000  # rewrite the "future" from position 20 on
    for build in (lambda s: lag_features(s, [1, 2, 7]), lambda s: window_features(s, [3, 7])):
        before, after = build(series), build(changed)
        pd.testing.assert_frame_equal(before.iloc[:21], after.iloc[:21])  # t <= 20 unaffected
        assert not before.iloc[21:].equals(after.iloc[21:])
    assert lag_features(series, [1]).iloc[5, 0] == series.iloc[4]
    with pytest.raises(ValueError, match="lag 0"):
        lag_features(series, [0, 1])


def test_calendar_features_wrap_the_year() -> None:
    cal = calendar_features(pd.DatetimeIndex(["2021-01-01", "2021-07-02", "2021-12-31"]))
    np.testing.assert_allclose(cal.iloc[0], [0.0, 1.0], atol=1e-12)
    assert np.hypot(*(cal.iloc[2] - cal.iloc[0])) < 0.03  # Dec 31 sits next to Jan 1
    assert cal.iloc[1]["doy_cos"] < -0.99  # mid-year is the far side of the clock


def test_sequence_windows_align_inputs_before_targets() -> None:
    values = np.arange(12.0)
    x, y = sequence_windows(values, values, window=3, horizon=2, origins=[3, 10])
    np.testing.assert_array_equal(x[:, :, 0], [[0, 1, 2], [7, 8, 9]])
    np.testing.assert_array_equal(y, [[3, 4], [10, 11]])
    with pytest.raises(TimeSeriesError, match="origins must lie"):
        sequence_windows(values, values, window=3, horizon=2, origins=[11])


def test_a_scaler_fitted_after_the_forecast_origin_is_refused() -> None:
    series = daily(np.arange(100.0))
    train, test = series.iloc[:80], series.iloc[80:]
    TrainScaler().fit(train).check_origin(test.index[0])  # fitted before the origin: fine
    leaky = TrainScaler().fit(series)  # fitted on the test period too
    with pytest.raises(LookAheadError, match="fitted on data up to"):
        leaky.check_origin(test.index[0])


def test_scaler_standardises_with_training_statistics_only() -> None:
    index = pd.date_range("2020", periods=3)
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [10.0, 10.0, 10.0]}, index=index)
    scaler = TrainScaler().fit(frame)
    z = scaler.transform(frame.to_numpy())
    np.testing.assert_allclose(z[:, 0], [-1.2247449, 0, 1.2247449], atol=1e-6)
    np.testing.assert_array_equal(z[:, 1], 0)  # a constant column is centred, not divided by 0
    np.testing.assert_allclose(scaler.inverse(z[:, 0]), frame["a"])


def test_rolling_origin_windows_are_consecutive_and_end_at_the_last_value() -> None:
    windows = rolling_origin_windows(100, 10, 3, validation_size=5, min_fit=20)
    assert [(w.test.start, w.test.stop) for w in windows] == [(70, 80), (80, 90), (90, 100)]
    for w in windows:
        assert (w.validation.start, w.validation.stop) == (w.test.start - 5, w.test.start)
        assert w.fit == slice(0, w.validation.start) and w.history == slice(0, w.test.start)
    assert [w.number for w in windows] == [1, 2, 3]
    splits = TimeSeriesSplit(n_splits=3, test_size=10).split(np.arange(100))
    assert [(t[0], t[-1] + 1) for _, t in splits] == [(w.test.start, w.test.stop) for w in windows]


def test_rolling_origin_windows_refuse_too_little_history() -> None:
    with pytest.raises(TimeSeriesError, match="fewer than 30: use fewer or shorter windows"):
        rolling_origin_windows(100, 20, 4, validation_size=5, min_fit=30)
    with pytest.raises(ValueError, match="test_size >= 1"):
        rolling_origin_windows(100, 0, 4)


def test_seasonal_naive_with_drift_adds_the_yearly_growth_per_season_ahead() -> None:
    history = np.arange(24.0)  # grows by 4 every season of 4
    np.testing.assert_allclose(
        seasonal_naive_drift_forecast(history[:12], 6, 4), [12, 13, 14, 15, 16, 17]
    )
    flat = np.tile([1.0, 5.0, 3.0], 4)
    np.testing.assert_allclose(seasonal_naive_drift_forecast(flat, 4, 3), [1, 5, 3, 1])
    with pytest.raises(ValueError, match="more than 4 past values"):
        seasonal_naive_drift_forecast(history[:4], 2, 4)


def test_compare_to_baselines_uses_the_strongest_and_shows_the_worst_window() -> None:
    errors = {"model": [1.0, 3.0], "weak": [4.0, 4.0], "strong": [2.0, 2.0]}
    result = compare_to_baselines(errors, "model", ["weak", "strong"])
    assert result.baseline == "strong" and result.mean_ratio == pytest.approx(1.0)
    assert (result.worst_ratio, result.worst_window) == (pytest.approx(1.5), 2)
    with pytest.raises(ValueError, match="an error in each window"):
        compare_to_baselines({"model": [1.0], "weak": [1.0, 2.0]}, "model", ["weak"])
