"""The `observations` and `forecasts` tables in SQL: idempotent, all-or-nothing ingest, resampling.

`observations(series, ts, value)` has (series, ts) as its primary key: one value per series and
day, and the index every "this series between these dates" query uses. `ingest` checks the whole
series first (a name that fits the column, finite values, no day twice) and refuses it with the
positions of what is wrong; it then writes in batches of INSERT ... ON CONFLICT (series, ts) DO
UPDATE, all in one transaction: running it twice leaves the same rows, and a call that fails (or
a process killed mid-way) leaves none of its rows behind (MySQL/MariaDB: ON DUPLICATE KEY
UPDATE). Forecasts are stored beside the actuals with their model and version, and
`ERROR_BY_HORIZON` scores every model at every horizon in one query.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Real
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, text
from sqlalchemy.dialects import mysql, postgresql, sqlite

from shared.data import DataSchemaError
from shared.db import MYSQL_DIALECTS
from week16_ts_classical.series import read_msft
from week18_databases.tables import Forecast, Observation

BATCH_ROWS = 500
SERIES_NAME_CHARS = Observation.__table__.c.series.type.length
SHOWN_POSITIONS = 5  # how many offending positions an IngestError lists


class IngestError(ValueError):
    """A series `ingest` refuses before writing anything; the message names what and where."""


def read_msft_close(path: Path) -> pd.Series:
    """MSFT daily closing prices (7,983 trading days, 1986-2017), read by week 16's reader."""
    return read_msft(path)["Close"].rename("msft_close")


def read_melbourne_min_temp(path: Path) -> pd.Series:
    """Melbourne daily minimum temperatures (3,650 days, 1981-1990), deg C."""
    df = pd.read_csv(path, parse_dates=["Date"])
    if len(df) != 3650 or not {"Date", "Temp"} <= set(df.columns):
        raise DataSchemaError(f"{path}: expected 3650 rows with Date and Temp, got {df.shape}")
    temp = pd.to_numeric(df["Temp"], errors="raise")
    return pd.Series(temp.to_numpy(), index=df["Date"], name="melbourne_min_temp")


def _upsert(engine: Engine, table, key: list[str], update: list[str]):
    """INSERT ... ON CONFLICT (key) DO UPDATE SET update = excluded.update, for this dialect.

    MySQL/MariaDB say it as ON DUPLICATE KEY UPDATE, which takes any unique key that
    clashes (here the primary key, the table's only one) rather than naming it.
    """
    if engine.dialect.name in MYSQL_DIALECTS:
        statement = mysql.insert(table)
        return statement.on_duplicate_key_update({c: statement.inserted[c] for c in update})
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    return statement.on_conflict_do_update(
        index_elements=key, set_={c: statement.excluded[c] for c in update}
    )


def ingest(
    engine: Engine,
    series: pd.Series,
    batch_rows: int = BATCH_ROWS,
    before_commit: Callable[[int], None] | None = None,
) -> int:
    """Write `series` (date index -> value) as rows of `observations`; return the batches written.

    The whole call is one transaction, written `batch_rows` rows per statement; IngestError
    refuses a series that cannot be stored whole before anything is written.
    `before_commit(batch number)` runs after each batch, inside the transaction (the tests use
    it to fail a call half-way).
    """
    days = [ts.date() for ts in series.index]
    check_series(series.name, days, list(series))
    rows = [
        {"series": series.name, "ts": d, "value": float(v)}
        for d, v in zip(days, series, strict=True)
    ]
    statement = _upsert(engine, Observation.__table__, ["series", "ts"], ["value"])
    batches = 0
    with engine.begin() as conn:
        for start in range(0, len(rows), batch_rows):
            conn.execute(statement, rows[start : start + batch_rows])
            if before_commit is not None:
                before_commit(batches)
            batches += 1
    return batches


def check_series(name: object, days: list, values: list) -> None:
    """Refuse (IngestError) a bad name, a value that is not finite, or a day given twice.

    The name must fit the `series` column on every database (SQLite does not enforce the
    length); the message gives the positions (0-based) and days of the offending rows.
    """
    if not isinstance(name, str) or not 1 <= len(name) <= SERIES_NAME_CHARS:
        raise IngestError(
            f"the series name must be text of 1 to {SERIES_NAME_CHARS} characters "
            f"(the `series` column), got {_shown(name)}"
        )
    not_finite = [i for i, v in enumerate(values) if not _finite_number(v)]
    if not_finite:
        raise IngestError(
            f"series {name!r}: values must be finite numbers (not NaN, +inf or -inf); "
            f"{_positions(not_finite, days)}"
        )
    first_seen: dict = {}
    repeats = [i for i, day in enumerate(days) if first_seen.setdefault(day, i) != i]
    if repeats:
        raise IngestError(
            f"series {name!r}: one value per day, but these days come again: "
            f"{_positions(repeats, days)}"
        )


def _finite_number(value: object) -> bool:
    """Whether `value` is a real, finite number (a bool is not one)."""
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def _positions(positions: list[int], days: list) -> str:
    """'3 rows, at positions 750 (1983-01-21), ...' listing the first few."""
    shown = ", ".join(f"{i} ({days[i]})" for i in positions[:SHOWN_POSITIONS])
    more = ", …" if len(positions) > SHOWN_POSITIONS else ""
    return f"{len(positions)} row(s), at positions {shown}{more}"


def _shown(name: object) -> str:
    """A name for an error message, cut short if it is long."""
    text = repr(name)
    return text if len(text) <= 80 else f"{text[:77]}… ({len(text)} characters)"


def store_forecasts(engine: Engine, forecasts: pd.DataFrame) -> None:
    """Upsert forecast rows (series, model, model_version, origin, horizon, ts, value)."""
    key = ["series", "model", "model_version", "origin", "horizon"]
    statement = _upsert(engine, Forecast.__table__, key, ["ts", "value"])
    with engine.begin() as conn:
        conn.execute(statement, forecasts.to_dict("records"))


MONTH_OF_TS = {
    "postgresql": "to_char(date_trunc('month', ts), 'YYYY-MM')",
    "mysql": "DATE_FORMAT(ts, '%Y-%m')",
    "mariadb": "DATE_FORMAT(ts, '%Y-%m')",
    "sqlite": "strftime('%Y-%m', ts)",
}


def monthly_sql(dialect: str) -> str:
    """Monthly mean, min, max, count per series (each dialect names the month its own way)."""
    month = MONTH_OF_TS[dialect]
    return f"""
        SELECT series, {month} AS month, AVG(value) AS mean, MIN(value) AS min,
               MAX(value) AS max, COUNT(*) AS n
        FROM observations
        GROUP BY series, {month}
    """


# `day_change`, not `change`: CHANGE is a reserved word in MySQL/MariaDB (ALTER TABLE ... CHANGE).
ROLLING_SQL = """
    SELECT series, ts,
           AVG(value) OVER w AS rolling_mean_7,
           value - LAG(value) OVER (PARTITION BY series ORDER BY ts) AS day_change
    FROM observations
    WINDOW w AS (PARTITION BY series ORDER BY ts ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
"""

ERROR_BY_HORIZON = """
    SELECT f.series, f.model, f.model_version, f.horizon,
           COUNT(*) AS n,
           AVG(ABS(f.value - o.value)) AS mae,
           AVG((f.value - o.value) * (f.value - o.value)) AS mse
    FROM forecasts f
    JOIN observations o ON o.series = f.series AND o.ts = f.ts
    GROUP BY f.series, f.model, f.model_version, f.horizon
"""


def query(engine: Engine, sql: str) -> pd.DataFrame:
    """Run `sql` and return its rows."""
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(text(sql)).mappings().all())


def monthly_pandas(frame: pd.DataFrame) -> pd.DataFrame:
    """The same monthly table from a DataFrame of (series, ts, value)."""
    d = frame.assign(month=pd.to_datetime(frame["ts"]).dt.strftime("%Y-%m"))
    return d.groupby(["series", "month"], as_index=False)["value"].agg(
        mean="mean", min="min", max="max", n="size"
    )


def rolling_pandas(frame: pd.DataFrame) -> pd.DataFrame:
    """The same rolling mean (7 rows) and day-on-day change."""
    d = frame.sort_values(["series", "ts"]).copy()
    grouped = d.groupby("series")["value"]
    d["rolling_mean_7"] = grouped.transform(lambda s: s.rolling(7, min_periods=1).mean())
    d["day_change"] = grouped.diff()
    return d[["series", "ts", "rolling_mean_7", "day_change"]]


def error_by_horizon_pandas(forecasts: pd.DataFrame, actuals: pd.DataFrame) -> pd.DataFrame:
    """The same error table from DataFrames of forecasts and observations."""
    d = forecasts.merge(actuals.rename(columns={"value": "actual"}), on=["series", "ts"])
    d["abs_error"] = (d["value"] - d["actual"]).abs()
    d["sq_error"] = (d["value"] - d["actual"]) ** 2
    return d.groupby(["series", "model", "model_version", "horizon"], as_index=False).agg(
        n=("abs_error", "size"), mae=("abs_error", "mean"), mse=("sq_error", "mean")
    )
