"""What the forecast dashboard reads, all from the database: series, versions, forecasts, errors.

The tables are week 18's (`observations`, `forecasts`); each function runs one SQL query, so
the page shows what is stored, not what a run kept in memory.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, text

from shared.db import database_url
from shared.paths import week_report_dir
from week18_databases.observations import ERROR_BY_HORIZON

DB_ENV = "WEEK22_FORECAST_DB"
DEFAULT_DB = week_report_dir(22) / "forecasts.sqlite3"


def forecast_db_url(default: Path = DEFAULT_DB) -> str:
    """$WEEK22_FORECAST_DB, else DATABASE_URL, else the SQLite file of week 22's run."""
    return os.environ.get(DB_ENV) or database_url(default)


def _read(engine: Engine, sql: str, **params) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(text(sql), params).mappings().all())


def forecast_series(engine: Engine) -> list[str]:
    """The series that have stored forecasts."""
    frame = _read(engine, "SELECT DISTINCT series FROM forecasts ORDER BY series")
    return frame["series"].tolist() if len(frame) else []


def versions(engine: Engine, series: str) -> pd.DataFrame:
    """Each model and version forecasting `series`, with how many forecasts it stored."""
    return _read(
        engine,
        "SELECT model, model_version, COUNT(*) AS forecasts FROM forecasts WHERE series = :s "
        "GROUP BY model, model_version ORDER BY model, model_version",
        s=series,
    )


def forecast_vs_actual(engine: Engine, series: str, horizon: int) -> pd.DataFrame:
    """Forecasts made `horizon` steps ahead, beside the actual value of the same day."""
    frame = _read(
        engine,
        "SELECT f.ts, f.model, f.model_version, f.value AS forecast, o.value AS actual "
        "FROM forecasts f JOIN observations o ON o.series = f.series AND o.ts = f.ts "
        "WHERE f.series = :s AND f.horizon = :h ORDER BY f.ts",
        s=series,
        h=horizon,
    )
    if len(frame):
        frame["ts"] = pd.to_datetime(frame["ts"])
    return frame


def error_by_horizon(engine: Engine, series: str) -> pd.DataFrame:
    """MAE and MSE of every model and version at every horizon (week 18's query)."""
    frame = _read(engine, ERROR_BY_HORIZON)
    if not len(frame):
        return frame
    frame = frame[frame["series"] == series].drop(columns="series")
    return frame.sort_values(["model", "model_version", "horizon"]).reset_index(drop=True)
