"""Week 17: weather data, leak-free scaling, the forecasters, Optuna workers, the fast run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from shared.data import DataSchemaError
from shared.registry import fetch
from shared.timeseries import LookAheadError, TimeSeriesError, rolling_origin_windows
from week17_ts_deep import tune
from week17_ts_deep.forecasting import (
    Setup,
    build_trainer,
    day_of_year_climatology,
    harmonic_climatology,
    predict_direct,
    predict_recursive,
    prepare,
)
from week17_ts_deep.melbourne_lstm import (
    FAST,
    HORIZON,
    TEST_DAYS,
    VAL_DAYS,
    load_melbourne,
    lstm_forecasts,
)
from week17_ts_deep.models import RecurrentForecaster
from week17_ts_deep.weather import read_melbourne, read_seattle


@pytest.fixture(scope="module")
def melbourne() -> pd.Series:
    return read_melbourne(fetch("daily_min_temperatures"))[0]


def test_melbourne_fills_exactly_the_two_known_missing_days(melbourne: pd.Series) -> None:
    series, filled = read_melbourne(fetch("daily_min_temperatures"))
    assert len(series) == 3652 and series.index.is_unique
    assert filled == [pd.Timestamp("1984-12-31"), pd.Timestamp("1988-12-31")]
    assert series["1984-12-31"] == pytest.approx((series["1984-12-30"] + series["1985-01-01"]) / 2)
    assert series.min() > -2 and series.max() < 27


def test_seattle_weather() -> None:
    weather = read_seattle(fetch("seattle_weather"))
    assert weather.shape == (1461, 4) and all(dtype == "float64" for dtype in weather.dtypes)
    assert (weather["temp_min"] <= weather["temp_max"]).all()


@pytest.mark.parametrize(
    ("edit", "error", "message"),
    [
        (
            lambda df: df.assign(Temp=df["Temp"].astype(str).where(df.index != 5, "?0.2")),
            TimeSeriesError,
            "non-numeric",
        ),
        (
            lambda df: df.assign(Date=df["Date"].where(df.index != 10, df["Date"][9])),
            TimeSeriesError,
            "duplicated",
        ),
        (
            lambda df: df.assign(
                Date=df["Date"].where(df.index < 3000, df["Date"] + pd.Timedelta("3D"))
            ),
            DataSchemaError,
            "missing days",
        ),
        (lambda df: df.iloc[:100], DataSchemaError, "expected 3650 rows"),
    ],
    ids=["non-numeric", "duplicate", "gap", "truncated"],
)
def test_bad_melbourne_files_are_refused_with_the_reason(
    tmp_path: Path, edit, error, message
) -> None:
    df = pd.read_csv(fetch("daily_min_temperatures"), parse_dates=["Date"])
    path = tmp_path / "temps.csv"
    edit(df).to_csv(path, index=False)
    with pytest.raises(error, match=message):
        read_melbourne(path)


def test_scaling_and_climatology_ignore_everything_after_the_fit_end(melbourne) -> None:
    frame = melbourne.to_frame()
    future = frame.copy()
    future.iloc[3000:] += 40  # a different future
    a, b = prepare(frame, "temp_min", 3000), prepare(future, "temp_min", 3000)
    np.testing.assert_array_equal(a.features[:3000], b.features[:3000])
    assert a.scaler.mean[0] == pytest.approx(melbourne.iloc[:3000].mean())
    for climatology in (harmonic_climatology, day_of_year_climatology):
        np.testing.assert_array_equal(
            climatology(melbourne, 3000), climatology(future["temp_min"], 3000)
        )


def test_a_scaler_fitted_past_the_origin_fails_prepare(melbourne) -> None:
    data = prepare(melbourne.to_frame(), "temp_min", 3000)
    data.scaler.fit(melbourne.to_frame())  # refit on every day, test period included
    with pytest.raises(LookAheadError):
        data.scaler.check_origin(melbourne.index[3000])


def test_forecasts_at_an_origin_read_only_the_window_before_it(melbourne) -> None:
    torch.manual_seed(0)
    setup = Setup(window=10, hidden=8)
    future = melbourne.copy()
    future.iloc[3300:] += 40
    trainer = build_trainer(
        "lstm", prepare(melbourne.to_frame(), "temp_min", 3000), 7, setup, "cpu"
    )
    outs = [
        predict_direct(trainer, prepare(s.to_frame(), "temp_min", 3000), [3200, 3300], 10, 7)
        for s in (melbourne, future)
    ]
    np.testing.assert_allclose(outs[0], outs[1], atol=1e-5)


def test_recursive_and_direct_agree_on_one_step_and_shapes(melbourne) -> None:
    torch.manual_seed(0)
    data = prepare(melbourne.to_frame(), "temp_min", 3000)
    trainer = build_trainer("gru", data, 1, Setup(window=10, hidden=8), "cpu")
    origins = [3100, 3200, 3300]
    one = predict_direct(trainer, data, origins, 10, 1)
    rec = predict_recursive(trainer, data, origins, 10, 5)
    assert rec.shape == (3, 5)
    np.testing.assert_allclose(rec[:, :1], one, atol=1e-5)
    multi = prepare(pd.DataFrame({"a": melbourne, "b": melbourne * 2}), "a", 3000)
    with pytest.raises(ValueError, match="univariate"):
        predict_recursive(trainer, multi, origins, 10, 5)


def test_recurrent_forecaster_shapes() -> None:
    x = torch.randn(4, 12, 3)
    for cell in ("lstm", "gru"):
        assert RecurrentForecaster(cell, 3, 7, hidden=8, layers=2, dropout=0.2)(x).shape == (4, 7)
    with pytest.raises(ValueError, match="cell"):
        RecurrentForecaster("rnn", 3, 7)


def test_storage_url(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert tune.storage_url(tmp_path) == f"sqlite:///{tmp_path.resolve()}/optuna.db"
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5432/ml")
    assert tune.storage_url(tmp_path) == "postgresql+psycopg://u:p@db:5432/ml"
    assert tune.shares(7, 3) == [3, 2, 2] and sum(tune.shares(2, 5)) == 2


@pytest.mark.service
def test_two_workers_finish_exactly_the_requested_trials(monkeypatch, tmp_path: Path) -> None:
    import optuna

    monkeypatch.delenv("DATABASE_URL", raising=False)
    args = ["--workers", "2", "--trials", "4", "--fast", "--out", str(tmp_path), "--study", "t"]
    assert tune.main(args) == 0
    study = optuna.load_study(study_name="t", storage=f"sqlite:///{tmp_path}/optuna.db")
    trials = study.trials
    assert sorted(t.number for t in trials) == [0, 1, 2, 3]  # none lost, none duplicated
    assert {t.state.name for t in trials} <= {"COMPLETE", "PRUNED"}
    assert len({t.user_attrs["worker"] for t in trials}) == 2  # both workers took part
    assert len({tuple(sorted(t.params.items())) for t in trials}) == 4


def test_fast_run_end_to_end(fast_run) -> None:
    doc = fast_run("week17_ts_deep")
    projects = doc["projects"]
    assert set(projects) == {"melbourne", "seattle", "tuning"}
    assert all(p["status"] == "ok" for p in projects.values())
    melbourne = projects["melbourne"]
    mel = melbourne["metrics"]
    assert mel["network_h1_rmse_mean"] < mel["persistence_h7_rmse_mean"]
    assert mel["network_h1_rmse_worst"] >= mel["network_h1_rmse_mean"]
    assert 0 <= mel["dm_p_h1_network_vs_best_baseline"] <= 1
    assert [b["metric"] for b in melbourne["bars"]] == ["network_h1_rmse_ratio_best_baseline"]
    assert projects["tuning"]["metrics"]["trials"] == 2


def test_lstm_forecasts_for_week_18_are_in_degrees_and_versioned() -> None:
    index = read_melbourne(fetch("daily_min_temperatures"))[0].index
    first = index[-30:-20]
    paths, version = lstm_forecasts(first, seed=0, plan=FAST)
    assert paths.shape == (10, 7) and np.isfinite(paths).all()
    assert 0 < paths.mean() < 25  # Melbourne minima, deg C
    again, same_version = lstm_forecasts(first, seed=0, plan=FAST)
    np.testing.assert_allclose(again, paths, atol=1e-6)
    assert version == same_version and version.startswith("LSTM direct")
    with pytest.raises(ValueError, match="test year"):
        lstm_forecasts(index[:3], plan=FAST)


def test_each_backtest_year_trains_before_it_and_tests_inside_it(melbourne) -> None:
    windows = rolling_origin_windows(len(melbourne), TEST_DAYS, 3, VAL_DAYS, min_fit=4 * TEST_DAYS)
    assert windows[-1].test.stop == len(melbourne)
    for window in windows:
        mel = load_melbourne(window.test.start)
        assert mel.val_start == window.validation.start and mel.test_start == window.test.start
        train, val = mel.fit_origins(30)
        assert (
            train.stop + HORIZON - 1 <= mel.val_start and val.stop + HORIZON - 1 <= mel.test_start
        )
        folds = mel.test_folds()
        assert folds[0].origin == window.test.start
        assert folds[-1].test.stop == window.test.stop  # every target inside the test year
        assert mel.data.scaler.fitted_until < melbourne.index[window.test.start]
