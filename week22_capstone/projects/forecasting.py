"""Stock/Sales Forecasting: week 18's time-series store, week 16/17 models, a Streamlit page.

MSFT closing prices and Melbourne's daily minimum temperatures are ingested into week 18's
`observations` table (idempotent batched upserts); week 16's ARIMA (MSFT) and week 17's direct
LSTM (Melbourne) forecast 1-7 steps ahead from rolling origins, beside the naive baselines they
must beat, and every forecast is stored with its model and version (week 18's functions). The
dashboard (forecast/app.py) then reads everything back from the database: forecast vs actual,
and the error of each version at each horizon. The run checks the stored errors against pandas
and drives the page with Streamlit's AppTest. Whether a model beats its baseline is not judged
on these few origins: the report quotes weeks 16 and 17's rolling-origin backtests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from shared import upstream
from shared.apptest import load_page
from shared.bars import Bar
from shared.context import RunContext
from shared.db import make_engine
from shared.report import markdown_table
from week18_databases import migrate
from week18_databases.forecasts import SERIES, baseline_forecasts, model_forecasts
from week18_databases.observations import error_by_horizon_pandas, ingest, query, store_forecasts
from week22_capstone.forecast import PAGE
from week22_capstone.forecast.store import DB_ENV, error_by_horizon, forecast_db_url

APP = str(PAGE)
KEY = ["series", "model", "model_version", "horizon"]
BARS = [
    Bar("stored_forecasts_missing", "<=", 0, "every forecast made is in the database"),
    Bar(
        "error_sql_pandas_max_diff", "<=", 1e-9, "the page's error table = pandas on the forecasts"
    ),
    Bar("app_error_rows", ">=", 1, "the dashboard shows error by horizon read from the database"),
]


@dataclass(frozen=True)
class Backtest:
    """Where a stored series' model-vs-baseline verdict comes from: an earlier week's full run.

    `source` is that week's metrics.json in shared.upstream's table, which names the project;
    `metric` is the model's mean RMSE over the strongest baseline's across the backtest windows;
    the run also writes `<metric>_worst_window`.
    """

    source: str
    metric: str
    what: str


BACKTESTS = {
    "msft_close": Backtest(
        "week16.metrics", "rmse_ratio_1step", "ARIMA vs strongest baseline, 1 day"
    ),
    "melbourne_min_temp": Backtest(
        "week17.metrics",
        "network_h1_rmse_ratio_best_baseline",
        "network vs strongest baseline, 1 day",
    ),
}


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    tail: int | None = None  # the latest observations kept per series (None: all)
    origins: int = 20  # rolling forecast origins, a week apart


FULL = Config()
FAST = Config(tail=800, origins=3)


def backtest_ratios() -> tuple[dict[str, float], list[tuple]]:
    """Read weeks 16-17's full-run backtests: model/baseline RMSE ratios, mean and worst window.

    Returns the metrics found and a table row per series; where a week's full run is missing,
    the row names the command that writes it.
    """
    metrics, rows = {}, []
    for series, b in BACKTESTS.items():
        source, path = upstream.artefact(b.source), upstream.path(b.source)
        doc = json.loads(path.read_text()) if path.exists() else {"projects": {}}
        found = doc["projects"].get(source.project, {}).get("metrics", {})
        if doc.get("fast") or b.metric not in found:
            rows.append((series, b.what, "–", "–", f"no full run yet: `{source.command}`"))
            continue
        mean, worst = found[b.metric], found[f"{b.metric}_worst_window"]
        metrics[f"backtest_{series}_ratio_mean"] = mean
        metrics[f"backtest_{series}_ratio_worst_window"] = worst
        rows.append((series, b.what, mean, worst, source.repo_path))
    return metrics, rows


def app_page(url: str) -> tuple[int, int]:
    """Load the real page (AppTest) on `url`; return (error-table rows, charts drawn)."""
    app = load_page(APP, **{DB_ENV: url})
    charts = len(app.get("arrow_line_chart")) + len(app.get("arrow_bar_chart"))
    return len(app.dataframe[0].value), charts


def run(ctx: RunContext) -> dict[str, float]:
    """Ingest, forecast with weeks 16-17 and the baselines, store with versions, read back."""
    config = FAST if ctx.fast else FULL
    url = forecast_db_url(ctx.out / "forecasts.sqlite3")
    engine = make_engine(url)
    migrate.upgrade(engine)
    ctx.info["database"] = engine.dialect.name
    series = {}
    for name, (entry, reader, _, _) in SERIES.items():
        s = reader(ctx.dataset(entry)).rename(name)
        series[name] = s if config.tail is None else s.iloc[-config.tail :]
        ingest(engine, series[name])
    origins = config.origins
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
    backtest, backtest_rows = backtest_ratios()
    ctx.note(
        f"**Does the model beat its baseline?** Not judged on these {origins} origins (one short "
        "stretch, where luck decides): weeks 16 and 17's rolling-origin backtests answer it, "
        "as the model's mean RMSE over the strongest baseline's across their test windows "
        "(below 1 = better), with the worst window beside it.\n\n"
        + markdown_table(
            ["series", "comparison", "mean ratio", "worst window", "source"], backtest_rows
        )
    )
    h1 = expected[expected["horizon"] == 1]
    return {
        **backtest,
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
