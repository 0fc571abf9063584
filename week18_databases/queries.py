"""Analytical SQL over the team's tables, each query beside the pandas computation of its answer.

Every query is plain SQL that runs unchanged on SQLite (3.25+, for window functions),
PostgreSQL and MySQL 8/MariaDB 10.2+: joins, GROUP BY, window functions (a rolling average,
ranks) and a CTE. Each `QUERIES` entry pairs the SQL with a function computing the same table
from DataFrames of the raw tables, and `compare` checks they agree, row for row, within float
rounding. Averages of integers multiply by `1e0`, not `1.0`: MySQL reads 1.0 as a DECIMAL and
AVG of a DECIMAL keeps only 4 more decimals (0.89381 for 0.893805...); 1e0 is a float there,
as in SQLite, and an exact NUMERIC in PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

Frames = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Query:
    """One question, asked in SQL and in pandas; `key` columns order both answers the same way."""

    name: str
    question: str
    sql: str
    pandas: Callable[[Frames], pd.DataFrame]
    key: tuple[str, ...]


def _joined(f: Frames) -> pd.DataFrame:
    """Predictions with their model, applicant and outcome (inner joins, as the SQL does)."""
    models = f["models"].rename(columns={"id": "model_id", "name": "model"})
    return (
        f["predictions"]
        .merge(models[["model_id", "model", "version"]], on="model_id")
        .merge(f["applicants"].rename(columns={"id": "applicant_id"}), on="applicant_id")
        .merge(f["outcomes"].rename(columns={"prediction_id": "id"}), on="id")
    )


def _by_married(f: Frames) -> pd.DataFrame:
    """BY_MARRIED in pandas: merge, then groupby."""
    d = _joined(f)
    d["married"] = d["married"].fillna(-1).astype(int)
    d["correct"] = (d["label"] == d["actual"]).astype(float)
    out = d.groupby(["model", "married"], as_index=False).agg(
        n=("id", "size"), approval_rate=("label", "mean"), accuracy=("correct", "mean")
    )
    return out


BY_MARRIED = Query(
    "accuracy_by_married",
    "Per model and marital status: how many, predicted approval rate, accuracy (JOIN, GROUP BY)",
    """
    SELECT m.name AS model, COALESCE(a.married, -1) AS married, COUNT(*) AS n,
           AVG(1e0 * p.label) AS approval_rate,
           AVG(CASE WHEN p.label = o.actual THEN 1e0 ELSE 0e0 END) AS accuracy
    FROM predictions p
    JOIN models m ON m.id = p.model_id
    JOIN applicants a ON a.id = p.applicant_id
    JOIN outcomes o ON o.prediction_id = p.id
    GROUP BY m.name, COALESCE(a.married, -1)
    """,
    _by_married,
    ("model", "married"),
)


def _rolling(f: Frames) -> pd.DataFrame:
    """ROLLING in pandas: a 50-row rolling mean per model."""
    d = f["predictions"].sort_values("id")
    d["rolling_probability"] = d.groupby("model_id")["probability"].transform(
        lambda s: s.rolling(50, min_periods=1).mean()
    )
    return d[["id", "model_id", "rolling_probability"]]


ROLLING = Query(
    "rolling_probability",
    "Each prediction's model's mean probability over its last 50 predictions (window AVG)",
    """
    SELECT id, model_id,
           AVG(probability) OVER (PARTITION BY model_id ORDER BY id
                                  ROWS BETWEEN 49 PRECEDING AND CURRENT ROW)
               AS rolling_probability
    FROM predictions
    """,
    _rolling,
    ("id",),
)


def _ranks(f: Frames) -> pd.DataFrame:
    """RANKS in pandas: rank(method="min") is RANK, "dense" is DENSE_RANK."""
    d = f["applicants"].copy()
    d["married"] = d["married"].fillna(-1).astype(int)
    d["loan_rank"] = d.groupby("married")["loanamt"].rank(method="min", ascending=False).astype(int)
    d["income_rank"] = d["appinc"].rank(method="dense", ascending=False).astype(int)
    return d[["id", "married", "loan_rank", "income_rank"]]


RANKS = Query(
    "loan_ranks",
    "Each applicant's loan rank within marital status (RANK) and income rank overall (DENSE_RANK)",
    """
    SELECT id, COALESCE(married, -1) AS married,
           RANK() OVER (PARTITION BY COALESCE(married, -1) ORDER BY loanamt DESC) AS loan_rank,
           DENSE_RANK() OVER (ORDER BY appinc DESC) AS income_rank
    FROM applicants
    """,
    _ranks,
    ("id",),
)


def _income_bands(f: Frames) -> pd.DataFrame:
    """INCOME_BANDS in pandas: the mean, a band column, then groupby."""
    d = _joined(f)
    d = d[d["model"] == "loan"]
    mean_income = f["applicants"]["appinc"].mean()
    d["band"] = np.where(d["appinc"] >= mean_income, "above_mean", "below_mean")
    d["approved"] = d["actual"].astype(float)
    d["missed"] = ((d["label"] == 1) & (d["actual"] == 0)).astype(float)
    return d.groupby("band", as_index=False).agg(
        n=("id", "size"), approval_rate=("approved", "mean"), false_approvals=("missed", "sum")
    )


INCOME_BANDS = Query(
    "income_bands",
    "Loan model, applicants above vs below mean income: true approval rate, false approvals (CTE)",
    """
    WITH mean_income AS (SELECT AVG(appinc) AS value FROM applicants),
         scored AS (
             SELECT p.id, p.label, o.actual,
                    CASE WHEN a.appinc >= (SELECT value FROM mean_income)
                         THEN 'above_mean' ELSE 'below_mean' END AS band
             FROM predictions p
             JOIN models m ON m.id = p.model_id AND m.name = 'loan'
             JOIN applicants a ON a.id = p.applicant_id
             JOIN outcomes o ON o.prediction_id = p.id
         )
    SELECT band, COUNT(*) AS n, AVG(1e0 * actual) AS approval_rate,
           SUM(CASE WHEN label = 1 AND actual = 0 THEN 1 ELSE 0 END) AS false_approvals
    FROM scored
    GROUP BY band
    """,
    _income_bands,
    ("band",),
)

QUERIES = (BY_MARRIED, ROLLING, RANKS, INCOME_BANDS)
TABLES = ("applicants", "models", "predictions", "outcomes")


def read_tables(engine: Engine) -> Frames:
    """The raw tables pandas computes from (the JSON columns are not needed)."""
    columns = {
        "applicants": "id, loanamt, appinc, married",
        "models": "id, name, version",
        "predictions": "id, model_id, applicant_id, label, probability",
        "outcomes": "prediction_id, actual",
    }
    return {t: pd.read_sql(f"SELECT {c} FROM {t}", engine) for t, c in columns.items()}


def run_sql(engine: Engine, query: Query) -> pd.DataFrame:
    """The query's answer from the database."""
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(text(query.sql)).mappings().all())


def compare(sql: pd.DataFrame, expected: pd.DataFrame, key: tuple[str, ...]) -> float:
    """Largest absolute difference of the two answers; inf when their rows or columns differ."""
    if set(sql.columns) != set(expected.columns) or len(sql) != len(expected):
        return float("inf")
    a = sql.sort_values(list(key)).reset_index(drop=True)
    b = expected[list(sql.columns)].sort_values(list(key)).reset_index(drop=True)
    worst = 0.0
    for column in a.columns:
        if pd.api.types.is_numeric_dtype(b[column]):
            gap = np.abs(a[column].astype(float).to_numpy() - b[column].astype(float).to_numpy())
            worst = max(worst, float(gap.max(initial=0.0)))
        elif not (a[column].astype(str) == b[column].astype(str)).all():
            return float("inf")
    return worst
