"""Historical time series in SQL: MSFT daily prices and Melbourne temperatures, with forecasts.

Both series go into one `observations(series, ts, value)` table through `observations.ingest`:
ingested twice, the table holds the same rows; an ingest that fails half-way leaves none of its
rows. Monthly resampling and a 7-day rolling mean are computed in SQL and checked against
pandas. Forecasts are stored beside the actuals with their model and version, made from rolling
origins a week apart, 1 to 7 days ahead: week 16's ARIMA for the stock and week 17's direct LSTM
for the temperatures (each imported from its week, trained on the data before the origins), next
to the baselines they must beat (shared.forecast: naive for the stock, seasonal naive with a
365-day season for the temperatures). One SQL query then gives the error by horizon of every
model version, checked against pandas.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import text

from shared.bars import Bar
from shared.context import RunContext
from shared.db import database_url, make_engine
from shared.report import markdown_table
from week18_databases import migrate
from week18_databases.forecasts import SERIES, baseline_forecasts, model_forecasts
from week18_databases.observations import (
    ERROR_BY_HORIZON,
    ROLLING_SQL,
    error_by_horizon_pandas,
    ingest,
    monthly_pandas,
    monthly_sql,
    query,
    rolling_pandas,
    store_forecasts,
)
from week18_databases.queries import compare

BARS = [
    Bar("reingest_changed_rows", "<=", 0, "ingesting twice leaves the same rows (idempotent)"),
    Bar("interrupted_ingest_rows", "<=", 0, "an ingest that fails half-way leaves no rows"),
    Bar("sql_pandas_max_diff", "<=", 1e-9, "resampling, rolling and error by horizon = pandas"),
]


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    tail: int | None = None  # the latest observations kept per series (None: all)
    origins: int = 20  # rolling forecast origins, a week apart


FULL = Config()
FAST = Config(tail=800, origins=3)


class _Interrupted(RuntimeError):
    """Raised inside an ingest's transaction to stand for a process dying half-way."""


def run(ctx: RunContext) -> dict[str, float]:
    """Ingest (twice), interrupt an ingest, resample and roll in SQL, store and score forecasts."""
    config = FAST if ctx.fast else FULL
    engine = migrate.reset(make_engine(database_url(ctx.out / "timeseries.sqlite3")))
    ctx.info["database"] = engine.dialect.name
    series = {}
    for name, (entry, reader, _, _) in SERIES.items():
        s = reader(ctx.dataset(entry)).rename(name)
        series[name] = s if config.tail is None else s.iloc[-config.tail :]
    for s in series.values():
        ingest(engine, s)
    first = snapshot(engine)
    for s in series.values():
        ingest(engine, s)
    changed = int(not first.equals(snapshot(engine)))
    interrupted = interrupted_ingest_leftover(engine, series["melbourne_min_temp"])
    actuals = query(engine, "SELECT series, ts, value FROM observations")
    actuals["ts"] = pd.to_datetime(actuals["ts"]).dt.date
    diffs = {
        "monthly": compare(
            query(engine, monthly_sql(engine.dialect.name)),
            monthly_pandas(actuals),
            ("series", "month"),
        ),
        "rolling": compare(
            _dated(query(engine, ROLLING_SQL)), rolling_pandas(actuals), ("series", "ts")
        ),
    }
    origins = config.origins
    forecasts = pd.concat(
        [
            baseline_forecasts(series[n], n, m, season, origins)
            for n, (_, _, m, season) in SERIES.items()
        ]
        + [model_forecasts(series, origins, ctx)]
    )
    store_forecasts(engine, forecasts)
    errors = query(engine, ERROR_BY_HORIZON)
    diffs["error_by_horizon"] = compare(
        errors,
        error_by_horizon_pandas(forecasts, actuals),
        ("series", "model", "model_version", "horizon"),
    )
    engine.dispose()
    h1 = errors[errors["horizon"] == 1].set_index(["series", "model"])["mae"].astype(float)
    ctx.note(
        f"Database: **{ctx.info['database']}**. {len(actuals):,} observations of "
        f"{len(series)} series; {len(forecasts)} forecasts by "
        f"{forecasts[['model', 'model_version']].drop_duplicates().shape[0]} model versions. "
        "Error by horizon (one SQL query):\n\n" + _table(errors.sort_values(["series", "horizon"]))
    )
    return {
        "observations": len(actuals),
        "reingest_changed_rows": changed,
        "interrupted_ingest_rows": interrupted,
        "sql_pandas_max_diff": max(diffs.values()),
        "forecasts": len(forecasts),
        **{f"mae_h1_{name}_{model}": float(v) for (name, model), v in h1.items()},
    }


def snapshot(engine) -> pd.DataFrame:
    """Every observation, in key order: what a second ingest must leave exactly as it was."""
    return query(engine, "SELECT series, ts, value FROM observations ORDER BY series, ts")


def interrupted_ingest_leftover(engine, series: pd.Series) -> int:
    """Ingest a copy in batches of 100 that dies in batch 2; return the rows it left (none)."""
    copy = series.rename(f"{series.name}_interrupted")

    def die_in_batch_two(batch: int) -> None:
        if batch == 2:
            raise _Interrupted("stand-in for a process killed half-way through batch 2")

    with contextlib.suppress(_Interrupted):
        ingest(engine, copy, batch_rows=100, before_commit=die_in_batch_two)
    with engine.begin() as conn:
        params = {"name": copy.name}
        rows = conn.execute(
            text("SELECT COUNT(*) FROM observations WHERE series = :name"), params
        ).scalar_one()
        conn.execute(text("DELETE FROM observations WHERE series = :name"), params)
    return int(rows)


def _dated(frame: pd.DataFrame) -> pd.DataFrame:
    """SQLite returns dates as text: make `ts` a date in both dialects."""
    return frame.assign(ts=pd.to_datetime(frame["ts"]).dt.date)


def _table(frame: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table, floats to 3 decimals."""
    rows = [
        [f"{v:.3f}" if isinstance(v, float) else v for v in row]
        for row in frame.itertuples(index=False)
    ]
    return markdown_table(list(frame.columns), rows)
