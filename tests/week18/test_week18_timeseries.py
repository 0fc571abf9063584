"""The time-series store: data sanity, idempotent and transactional ingest, SQL = pandas."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine, text

from shared.registry import fetch
from week18_databases import migrate
from week18_databases.forecasts import baseline_forecasts
from week18_databases.observations import (
    ERROR_BY_HORIZON,
    ROLLING_SQL,
    IngestError,
    error_by_horizon_pandas,
    ingest,
    monthly_pandas,
    monthly_sql,
    query,
    read_melbourne_min_temp,
    read_msft_close,
    rolling_pandas,
    store_forecasts,
)
from week18_databases.projects.time_series_store import snapshot
from week18_databases.queries import compare


@pytest.fixture(scope="module")
def msft() -> pd.Series:
    return read_msft_close(fetch("msft_daily"))


@pytest.fixture(scope="module")
def temps() -> pd.Series:
    return read_melbourne_min_temp(fetch("daily_min_temperatures"))


def test_series_sanity(msft: pd.Series, temps: pd.Series) -> None:
    assert len(msft) == 7983 and len(temps) == 3650
    for s in (msft, temps):
        assert s.index.is_monotonic_increasing and s.index.is_unique and s.notna().all()
    assert str(msft.index[0].date()) == "1986-03-13" and (msft > 0).all()
    assert temps.between(-10, 40).all()


def test_ingesting_twice_leaves_the_same_rows(engine: Engine, temps: pd.Series) -> None:
    migrate.upgrade(engine)
    series = temps.iloc[:1200]
    assert ingest(engine, series, batch_rows=500) == 3
    first = snapshot(engine)
    assert len(first) == 1200
    ingest(engine, series, batch_rows=300)
    assert snapshot(engine).equals(first)
    corrected = series.copy()
    corrected.iloc[0] = 99.0  # a correction is applied, not duplicated
    ingest(engine, corrected)
    after = snapshot(engine)
    assert len(after) == 1200 and after["value"].iloc[0] == 99.0


def count_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM observations")).scalar_one()


def test_a_call_that_fails_half_way_leaves_none_of_its_rows(
    engine: Engine, temps: pd.Series
) -> None:
    migrate.upgrade(engine)

    def fail_in_batch_three(batch: int) -> None:
        if batch == 3:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        ingest(engine, temps.iloc[:1000], batch_rows=100, before_commit=fail_in_batch_three)
    assert count_rows(engine) == 0


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_a_bad_value_at_750_of_1200_stores_nothing_and_names_its_position(
    engine: Engine, temps: pd.Series, bad: float
) -> None:
    """Issue 26: ingest was atomic per 500-row batch, so rows 0-499 stayed; +inf was stored."""
    migrate.upgrade(engine)
    series = temps.iloc[:1200].copy()
    series.iloc[750] = bad
    with pytest.raises(IngestError, match=r"finite.*1 row\(s\), at positions 750 \(1983-01-21\)"):
        ingest(engine, series, batch_rows=500)
    assert count_rows(engine) == 0


def test_a_day_given_twice_in_one_call_is_refused_with_its_positions(
    engine: Engine, temps: pd.Series
) -> None:
    migrate.upgrade(engine)
    series = temps.iloc[:10]
    twice = pd.concat([series, series.iloc[[2, 7]]])
    with pytest.raises(IngestError, match=r"come again: 2 row\(s\), at positions 10 .*, 11 "):
        ingest(engine, twice)
    assert count_rows(engine) == 0


@pytest.mark.parametrize("name", ["x" * 65, "", None, 7])
def test_a_name_that_does_not_fit_the_column_is_refused_on_every_database(
    engine: Engine, temps: pd.Series, name
) -> None:
    migrate.upgrade(engine)
    with pytest.raises(IngestError, match="1 to 64 characters"):
        ingest(engine, temps.iloc[:5].rename(name))
    assert count_rows(engine) == 0
    ingest(engine, temps.iloc[:5].rename("x" * 64))  # as long as the column holds
    assert count_rows(engine) == 5


def test_resampling_rolling_and_error_by_horizon_match_pandas(
    engine: Engine, msft: pd.Series, temps: pd.Series
) -> None:
    migrate.upgrade(engine)
    named = {"msft_close": msft.iloc[-600:], "melbourne_min_temp": temps.iloc[-900:]}
    for name, s in named.items():
        ingest(engine, s.rename(name))
    actuals = query(engine, "SELECT series, ts, value FROM observations")
    actuals["ts"] = pd.to_datetime(actuals["ts"]).dt.date
    monthly = query(engine, monthly_sql(engine.dialect.name))
    assert compare(monthly, monthly_pandas(actuals), ("series", "month")) <= 1e-9
    assert len(monthly) == monthly_pandas(actuals).shape[0] > 40
    rolling = query(engine, ROLLING_SQL).assign(ts=lambda d: pd.to_datetime(d["ts"]).dt.date)
    assert compare(rolling, rolling_pandas(actuals), ("series", "ts")) <= 1e-9
    forecasts = pd.concat(
        [
            baseline_forecasts(named["msft_close"], "msft_close", "naive", 1, 4),
            baseline_forecasts(named["melbourne_min_temp"], "melbourne_min_temp", "sn", 365, 4),
        ]
    )
    store_forecasts(engine, forecasts)
    store_forecasts(engine, forecasts)  # stored again: replaced, not duplicated
    errors = query(engine, ERROR_BY_HORIZON)
    assert len(errors) == 2 * 7 and set(errors["n"]) == {4}
    key = ("series", "model", "model_version", "horizon")
    assert compare(errors, error_by_horizon_pandas(forecasts, actuals), key) <= 1e-9


def test_baseline_forecasts_are_what_their_names_say(temps: pd.Series) -> None:
    f = baseline_forecasts(temps, "t", "seasonal_naive", 365, 2)
    assert len(f) == 14 and list(f["horizon"][:7]) == list(range(1, 8))
    first = f.iloc[0]
    target = pd.Timestamp(first["ts"])
    assert first["value"] == temps.iloc[temps.index.get_loc(target) - 365]
    assert pd.Timestamp(first["origin"]) == target - pd.Timedelta(days=1)
