"""A multi-model prediction service on a database, and its reliability bars.

Week 7's Titanic and loan pipelines are served by name from one FastAPI app (`service.py`);
every prediction is stored with its model version. The run posts 500 loan applications from
50 threads at once and counts the rows; records each application's true outcome and reads the
loan model's performance, computed in SQL, back from the API (checked against pandas); sends
malformed requests and checks each 4xx names the field; and finally starts the service as its
own process, writes to it from 8 threads and kills it with SIGKILL mid-burst, then checks that
every write it had acknowledged is in the database.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import httpx
import numpy as np
import pandas as pd

from shared.api import API_KEY_ENV, API_KEY_HEADER, serve_in_thread
from shared.bars import Bar
from shared.context import RunContext
from shared.db import database_url, make_engine
from shared.servers import free_port
from shared.settings import Settings
from week07_pipelines.loan import TARGET
from week18_databases import migrate
from week18_databases.catalog import catalog_for_run
from week18_databases.loans import insert_applicants, read_loans, request_rows
from week18_databases.reliability import (
    burst_until_killed,
    concurrent_writes,
    malformed_named,
    post_loan,
)
from week18_databases.serve import ServerProcess
from week18_databases.service import create_app

# The reliability bars: no lost or duplicated write under concurrency or a crash, and
# every malformed request answered with a 4xx that names the field.
BARS = [
    Bar("concurrent_row_mismatch", "<=", 0, "N concurrent writes leave exactly N rows"),
    Bar("acknowledged_writes_lost", "<=", 0, "a write acknowledged (201) survives SIGKILL"),
    Bar("malformed_named_fraction", ">=", 1.0, "every malformed request: 4xx naming the field"),
    Bar("performance_sql_pandas_diff", "<=", 1e-9, "the SQL performance query equals pandas"),
]


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    writes: int = 500  # concurrent prediction requests
    threads: int = 50  # client threads sending them
    kill_after: int = 200  # acknowledged writes before the server is SIGKILLed


FULL = Config()
FAST = Config(writes=100, threads=10, kill_after=40)


def run(ctx: RunContext) -> dict[str, float]:
    """Serve, write concurrently, record outcomes, read performance, fuzz by hand, kill."""
    config = FAST if ctx.fast else FULL
    ctx.dataset("titanic")
    ctx.dataset("loanapp")
    catalog, models_dir, source = catalog_for_run(ctx.models_dir, ctx.fast, ctx.seed)
    url = database_url(ctx.out / "service.sqlite3")
    engine = migrate.reset(make_engine(url))
    ctx.info["database"] = engine.dialect.name
    ctx.info["models"] = source
    loans = read_loans()
    insert_applicants(engine, loans)
    rows = request_rows(loans)
    key = secrets.token_urlsafe(24)
    post = post_loan(rows, key)
    writes, threads = config.writes, config.threads
    with serve_in_thread(create_app(Settings(url, key), catalog)) as base:
        ids = concurrent_writes(base, post, writes, threads)
        stored = pd.read_sql("SELECT id, applicant_id, label, probability FROM predictions", engine)
        ctx.log(f"{len(ids)} writes acknowledged from {threads} threads; {len(stored)} rows")
        record_outcomes(base, key, stored, loans[TARGET])
        performance = httpx.get(f"{base}/models/loan/performance").json()
        named, sent = malformed_named(base, rows[0], key)
    expected = pandas_performance(stored, loans[TARGET])
    diff = max(abs(performance[0][k] - expected[k]) for k in expected)
    lost, acknowledged = kill_test(models_dir, url, key, post, kill_after=config.kill_after)
    engine.dispose()
    versions = ", ".join(f"{n} `{m.version}`" for n, m in catalog.items())
    loan = performance[0]
    ctx.note(
        f"Database: **{ctx.info['database']}**. Models: {source}; versions {versions}. "
        f"{writes} writes from {threads} threads left {len(stored)} rows. Loan model on its "
        "recorded outcomes (SQL; in-sample: the model has seen these applications): accuracy "
        f"{loan['accuracy']:.3f}, Brier {loan['brier']:.3f}. Malformed requests answered with "
        f"a 4xx naming the field: {named}/{sent}. SIGKILL after {acknowledged} acknowledged "
        f"writes: {lost} lost."
    )
    return {
        "concurrent_writes": writes,
        "concurrent_row_mismatch": abs(len(stored) - writes) + abs(len(set(ids)) - writes),
        "loan_accuracy_sql": performance[0]["accuracy"],
        "loan_brier_sql": performance[0]["brier"],
        "performance_sql_pandas_diff": diff,
        "malformed_named_fraction": named / sent,
        "acknowledged_before_kill": acknowledged,
        "acknowledged_writes_lost": lost,
    }


def record_outcomes(base: str, key: str, stored: pd.DataFrame, truth: pd.Series) -> None:
    """PUT each stored prediction's true outcome (the application's `approve`)."""
    with httpx.Client(base_url=base, timeout=30.0, headers={API_KEY_HEADER: key}) as client:
        for pid, applicant in zip(stored["id"], stored["applicant_id"], strict=True):
            actual = int(truth.loc[applicant])
            client.put(f"/predictions/{pid}/outcome", json={"actual": actual}).raise_for_status()


def pandas_performance(stored: pd.DataFrame, truth: pd.Series) -> dict[str, float]:
    """Accuracy, Brier score, precision and recall of the stored predictions, in pandas."""
    actual = truth.loc[stored["applicant_id"]].to_numpy()
    label, prob = stored["label"].to_numpy(), stored["probability"].to_numpy()
    tp = float(np.sum((label == 1) & (actual == 1)))
    return {
        "accuracy": float(np.mean(label == actual)),
        "brier": float(np.mean((prob - actual) ** 2)),
        "precision": tp / max(int(np.sum(label == 1)), 1),
        "recall": tp / max(int(np.sum(actual == 1)), 1),
    }


def kill_test(models_dir, url: str, key: str, post, kill_after: int) -> tuple[int, int]:
    """Serve in a child process, SIGKILL it mid-burst; return (acknowledged writes lost, acked)."""
    env = {"DATABASE_URL": url, API_KEY_ENV: key}
    with ServerProcess(models_dir, free_port(), env) as server:
        acked = burst_until_killed(server.url, post, 8, kill_after, server.kill)
    engine = make_engine(url)
    try:
        present = set(pd.read_sql("SELECT id FROM predictions", engine)["id"])
    finally:
        engine.dispose()
    return len(set(acked) - present), len(acked)
