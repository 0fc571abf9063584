"""Serving the Titanic pipeline over HTTP.

Trains the week 7 pipeline if it is not there yet, starts the API with uvicorn on a free loopback
port, and drives every route with a short scripted client session: predictions one at a time and
in a batch, stored predictions created, listed, read, given feedback and deleted, and the errors
a careless client meets (bad fields, an oversized batch, a missing key, an unknown id). Each
request's status is checked against the one HTTP prescribes; the latencies are plotted.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

from shared.api import API_KEY_HEADER, serve_in_thread
from shared.bars import Bar
from shared.context import RunContext
from shared.data import read_titanic
from shared.plotting import label, subplots
from week07_pipelines.titanic import MODEL_FILENAME, train_and_save
from week08_fastapi.app import create_app
from week08_fastapi.schemas import COLUMNS
from week08_fastapi.served_model import load_served_model
from week08_fastapi.settings import DEFAULT_MODEL_PATH, Settings

BARS = [
    # RFC 9110 §15: 2xx for success, 4xx for the client's mistakes; a 5xx for bad input is a bug.
    Bar(
        "status_as_expected",
        ">=",
        1.0,
        "RFC 9110 §15: every response has the status HTTP prescribes",
    ),
    # Nielsen, Usability Engineering (1993), ch. 5: 0.1 s is the limit for feeling instantaneous.
    Bar(
        "latency_p50_ms",
        "<=",
        100.0,
        "Nielsen (1993) Usability Engineering ch. 5: 0.1 s feels instantaneous",
    ),
]

SESSION_PASSENGERS = 20  # stored predictions the session creates (and gives feedback on)


@dataclass
class Call:
    """One request of the session: what was asked, what HTTP prescribes, what came back."""

    step: str
    method: str
    route: str
    expected: int
    status: int
    ms: float


class ScriptedClient:
    """An httpx client that times every request and checks its status."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30.0)
        self.key = {API_KEY_HEADER: api_key}
        self.calls: list[Call] = []

    def call(
        self,
        step: str,
        method: str,
        url: str,
        expected: int,
        *,
        route: str = "",
        auth: bool = True,
        **kw,
    ):
        """Send one request and record it; return the response."""
        headers = {**(self.key if auth else {}), **kw.pop("headers", {})}
        start = time.perf_counter()
        response = self.http.request(method, url, headers=headers, **kw)
        ms = 1000 * (time.perf_counter() - start)
        self.calls.append(Call(step, method, route or url, expected, response.status_code, ms))
        return response


def run(ctx: RunContext) -> dict[str, float]:
    """Serve the pipeline, drive every route, and report statuses, latencies and feedback accuracy."""
    model_path = _ensure_model(ctx)
    model = load_served_model(model_path)
    db_path = ctx.out / "api_session.sqlite3"
    for stale in ctx.out.glob("api_session.sqlite3*"):
        stale.unlink()
    settings = Settings(database_url=f"sqlite:///{db_path}", api_key=secrets.token_urlsafe(24))
    passengers = session_passengers(ctx)
    ctx.log(f"serving model {model.version} from {model_path}")
    with serve_in_thread(create_app(settings, model)) as base_url:
        client = ScriptedClient(base_url, settings.api_key)
        feedback_accuracy = scripted_session(client, passengers, settings.max_batch)
    calls = pd.DataFrame([c.__dict__ for c in client.calls])
    ok = calls["status"] == calls["expected"]
    ctx.log(f"{len(calls)} requests, {int(ok.sum())} with the expected status")
    ctx.note(
        f"Served `{model_path.name}` (version `{model.version}`) with one uvicorn worker at `{base_url}`, "
        f"stored predictions in SQLite (`{db_path.name}`). The scripted session made {len(calls)} requests; "
        f"{int(ok.sum())} got the status HTTP prescribes. On the {SESSION_PASSENGERS} stored passengers whose "
        f"true outcome was sent back as feedback, the model was right {feedback_accuracy:.0%} of the time "
        "(they are training passengers: this checks the feedback loop, it does not estimate accuracy)."
    )
    ctx.note(_calls_table(calls))
    plot_latency(ctx, calls)
    return {
        "requests": float(len(calls)),
        "status_as_expected": float(ok.mean()),
        "latency_p50_ms": float(np.percentile(calls["ms"], 50)),
        "latency_max_ms": float(calls["ms"].max()),
        "feedback_accuracy": feedback_accuracy,
    }


def _ensure_model(ctx: RunContext) -> Path:
    """Return the week 7 model, training it first if missing (into this run's folder when fast)."""
    models, mode = DEFAULT_MODEL_PATH.parent, ""
    if ctx.fast:  # a smoke run trains its small model into its own folder, never week 7's
        models, mode = ctx.models_dir, " (fast)"
    path = models / MODEL_FILENAME
    if not path.is_file():
        ctx.log(f"no model at {path}: training the week 7 pipeline{mode}")
        path = train_and_save(models, seed=ctx.seed, fast=ctx.fast)
    return path


def session_passengers(ctx: RunContext) -> pd.DataFrame:
    """A random sample of real Titanic passengers, as API fields, with their true outcome."""
    df = read_titanic(ctx.dataset("titanic")).sample(SESSION_PASSENGERS, random_state=ctx.seed)
    fields = df[list(COLUMNS.values())].rename(columns={v: k for k, v in COLUMNS.items()})
    fields["survived"] = df["Survived"]
    return fields


def _as_json(row: pd.Series) -> dict:
    """One passenger's fields as JSON-ready values (missing ones as null)."""
    values = row.drop("survived").astype(object)
    return {
        k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v)
        for k, v in values.items()
    }


def scripted_session(client: ScriptedClient, passengers: pd.DataFrame, max_batch: int) -> float:
    """Exercise every route once or more; return the model's accuracy on the feedback given."""
    bodies = [_as_json(row) for _, row in passengers.iterrows()]
    c = client.call
    c("health", "GET", "/health", 200, auth=False)
    c("model info", "GET", "/model", 200, auth=False)
    c("predict one", "POST", "/predict", 200, json=bodies[0], auth=False)
    c("predict: age 130", "POST", "/predict", 422, json={**bodies[0], "age": 130}, auth=False)
    c("predict: sex unknown", "POST", "/predict", 422, json={**bodies[0], "sex": "x"}, auth=False)
    c(
        "predict: malformed JSON",
        "POST",
        "/predict",
        422,
        content=b"{",
        auth=False,
        headers={"content-type": "application/json"},
    )
    c("predict batch", "POST", "/predict/batch", 200, json={"passengers": bodies}, auth=False)
    oversized = {"passengers": bodies[:1] * (max_batch + 1)}
    c("batch over the limit", "POST", "/predict/batch", 413, json=oversized, auth=False)
    c("store without key", "POST", "/predictions", 401, json=bodies[0], auth=False)
    ids = [c("store", "POST", "/predictions", 201, json=b).json()["id"] for b in bodies]
    c("list, page 1", "GET", "/predictions", 200, params={"limit": 5})
    c("list without key", "GET", "/predictions", 401, auth=False)
    item = f"/predictions/{ids[0]}"
    c("read one", "GET", item, 200, route="/predictions/{id}")
    for pid, truth in zip(ids, passengers["survived"], strict=True):
        c(
            "feedback",
            "PATCH",
            f"/predictions/{pid}",
            200,
            json={"actual": int(truth)},
            route="/predictions/{id}",
        )
    c("feedback: bad value", "PATCH", item, 422, json={"actual": 2}, route="/predictions/{id}")
    page = c(
        "list with feedback",
        "GET",
        "/predictions",
        200,
        params={"has_feedback": True, "limit": 100},
    ).json()
    c("delete", "DELETE", item, 204, route="/predictions/{id}")
    c("read deleted", "GET", item, 404, route="/predictions/{id}")
    c("delete again", "DELETE", item, 404, route="/predictions/{id}")
    client.http.close()
    right = [p["survived"] == p["actual"] for p in page["items"]]
    return float(np.mean(right)) if right else float("nan")


def _calls_table(calls: pd.DataFrame) -> str:
    """Markdown table of the session's requests."""
    rows = ["| step | request | expected | got | ms |", "| --- | --- | ---: | ---: | ---: |"]
    grouped = calls.groupby(["step", "method", "route", "expected"], sort=False)
    for (step, method, route, expected), group in grouped:
        statuses = ", ".join(str(s) for s in sorted(set(group["status"])))
        count = f" ×{len(group)}" if len(group) > 1 else ""
        rows.append(
            f"| {step}{count} | `{method} {route}` | {expected} | {statuses} | {group['ms'].median():.1f} |"
        )
    return "\n".join(rows)


def plot_latency(ctx: RunContext, calls: pd.DataFrame) -> None:
    """Median latency per route, successes and refusals side by side."""
    calls = calls.assign(request=calls["method"] + " " + calls["route"], ok=calls["status"] < 400)
    medians = calls.groupby(["request", "ok"])["ms"].median().unstack("ok").sort_index()
    fig, ax = subplots(width=8, height=0.45 * len(medians) + 1.5)
    y = np.arange(len(medians))
    for offset, ok, colour, name in [
        (-0.2, True, "tab:blue", "2xx"),
        (0.2, False, "tab:orange", "4xx"),
    ]:
        if ok in medians:
            ax.barh(y + offset, medians[ok], height=0.4, color=colour, label=name)
    ax.set_yticks(y, medians.index)
    ax.invert_yaxis()
    ax.legend(title="status")
    label(ax, "Latency per route over loopback (median)", "milliseconds")
    slowest = medians.max(axis=1).idxmax()
    ctx.save_figure(
        fig,
        "latency",
        f"Every route answers in {calls['ms'].median():.1f} ms at the median; the slowest is {slowest}, "
        "and refusals (4xx) cost less than answers because the model never runs.",
    )
