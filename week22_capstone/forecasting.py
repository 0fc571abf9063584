"""Stock/Sales Forecasting: week 18's time-series store, week 16/17 models, a Streamlit page.

MSFT closing prices and Melbourne's daily minimum temperatures are ingested into week 18's
`observations` table (idempotent batched upserts); week 16's ARIMA (MSFT) and week 17's direct
LSTM (Melbourne) forecast 1-7 steps ahead from rolling origins, beside the naive baselines they
must beat, and every forecast is stored with its model and version (week 18's functions). The
dashboard (forecast_app.py) then reads everything back from the database: forecast vs actual,
and the error of each version at each horizon. The run checks the stored errors against pandas
and drives the page with Streamlit's AppTest.
"""

from __future__ import annotations

import pandas as pd

from shared.bars import Bar
from shared.context import RunContext
from shared.db import make_engine
from shared.report import markdown_table
from week18_databases import migrate
from week18_databases.time_series_store import SERIES, baseline_forecasts, model_forecasts
from week18_databases.timeseries import error_by_horizon_pandas, ingest, query, store_forecasts
from week22_capstone.apptest import load_page
from week22_capstone.forecast_store import DB_ENV, error_by_horizon, forecast_db_url

APP = __file__.replace("forecasting.py", "forecast_app.py")
KEY = ["series", "model", "model_version", "horizon"]
BARS = [
    Bar("stored_forecasts_missing", "<=", 0, "every forecast made is in the database"),
    Bar(
        "error_sql_pandas_max_diff", "<=", 1e-9, "the page's error table = pandas on the forecasts"
    ),
    Bar("app_error_rows", ">=", 1, "the dashboard shows error by horizon read from the database"),
]


def app_page(url: str) -> tuple[int, int]:
    """Load the real page (AppTest) on `url`; return (error-table rows, charts drawn)."""
    app = load_page(APP, **{DB_ENV: url})
    charts = len(app.get("arrow_line_chart")) + len(app.get("arrow_bar_chart"))
    return len(app.dataframe[0].value), charts


def run(ctx: RunContext) -> dict[str, float]:
    """Ingest, forecast with weeks 16-17 and the baselines, store with versions, read back."""
    url = forecast_db_url(ctx.out / "forecasts.sqlite3")
    engine = make_engine(url)
    migrate.upgrade(engine)
    ctx.info["database"] = engine.dialect.name
    series = {}
    for name, (entry, reader, _, _) in SERIES.items():
        s = reader(ctx.dataset(entry)).rename(name)
        series[name] = s.iloc[-800:] if ctx.fast else s
        ingest(engine, series[name])
    origins = 3 if ctx.fast else 20
    made = pd.concat(
        [
            model_forecasts(series, origins, ctx),
            *(
                baseline_forecasts(series[n], n, model, season, origins)
                for n, (_, _, model, season) in SERIES.items()
            ),
        ]
    )
    store_forecasts(engine, made)
    stored = query(engine, "SELECT series, model, model_version, origin, horizon FROM forecasts")
    missing = _missing(made, stored)
    actuals = query(engine, "SELECT series, ts, value FROM observations")
    actuals["ts"] = pd.to_datetime(actuals["ts"]).dt.date
    expected = error_by_horizon_pandas(made, actuals)
    diff, tables = 0.0, []
    for name in series:
        got = error_by_horizon(engine, name)
        mine = expected[expected["series"] == name].drop(columns="series")
        merged = got.merge(mine, on=KEY[1:], suffixes=("", "_pd"))
        if len(merged) != len(mine):
            raise RuntimeError(f"{name}: the stored errors miss versions the run made")
        diff = max(diff, float((merged["mae"] - merged["mae_pd"]).abs().max()))
        tables.append((name, got))
    engine.dispose()
    rows, charts = app_page(url)
    ctx.note(
        f"Database: **{ctx.info['database']}**. {len(made)} forecasts stored with their model "
        f"versions; the page drew {charts} charts and a {rows}-row error table from SQL. "
        "Start it with `python -m week22_capstone serve forecast`.\n\n"
        + "\n\n".join(f"**{n}**\n\n{_table(t)}" for n, t in tables)
    )
    h1 = expected[expected["horizon"] == 1]
    return {
        "forecasts": len(made),
        "stored_forecasts_missing": missing,
        "error_sql_pandas_max_diff": diff,
        "app_error_rows": rows,
        "app_charts": charts,
        **{f"mae_h1_{r.series}_{r.model}": float(r.mae) for r in h1.itertuples()},
    }


def _missing(made: pd.DataFrame, stored: pd.DataFrame) -> int:
    """How many forecasts made are not in the database (matched on their key)."""
    key = ["series", "model", "model_version", "origin", "horizon"]
    stored = stored.assign(origin=pd.to_datetime(stored["origin"]).dt.date)
    present = set(map(tuple, stored[key].astype(str).to_numpy()))
    return sum(tuple(map(str, row)) not in present for row in made[key].to_numpy())


def _table(frame: pd.DataFrame) -> str:
    """Error by horizon as Markdown, numbers to 3 decimals."""
    rows = [
        [f"{v:.3f}" if isinstance(v, float) else v for v in row]
        for row in frame.itertuples(index=False)
    ]
    return markdown_table(list(frame.columns), rows)
