# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -all
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Week 08 — FastAPI: serving the Titanic pipeline
#
# A trained model is only useful behind an interface. This notebook walks through the
# `api_session` project: week 7's Titanic pipeline (trained here at FAST size into a temporary
# folder, since a notebook never depends on another week's full run) is served by the week's
# FastAPI app with predictions stored in SQLite. First it is driven in-process with FastAPI's
# `TestClient` (no server, no port), one route at a time; then the project's scripted client
# session runs against a real uvicorn server on a free loopback port and checks that every
# response carries the status HTTP prescribes.
#
# Every step calls the week's own modules (`week08_fastapi`, week 7's library it serves,
# `shared`); nothing is copied here.

# %%
import secrets
import tempfile
from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient
from IPython.display import Image, display

from shared.api import API_KEY_HEADER, serve_in_thread
from shared.bars import check_bars
from shared.context import RunContext
from week07_pipelines.titanic import train_and_save
from week08_fastapi.app import create_app
from week08_fastapi.projects.api_session import (
    BARS,
    ScriptedClient,
    plot_latency,
    scripted_session,
    session_passengers,
)
from week08_fastapi.served_model import load_served_model
from week08_fastapi.settings import Settings

# %matplotlib inline

# %% [markdown]
# ## 1. The model and the service
# `train_and_save` tunes week 7's Titanic pipeline (FAST) and saves it with its checksum sidecar;
# `load_served_model` refuses a file whose sha256 or library versions do not match. `Settings`
# checks every option at start: the database URL, the API key that guards stored predictions,
# the batch limit.

# %%
work = Path(tempfile.mkdtemp())
model = load_served_model(train_and_save(work / "models", seed=0, fast=True))
settings = Settings(
    database_url=f"sqlite:///{work / 'predictions.sqlite3'}", api_key=secrets.token_urlsafe(24)
)
app = create_app(settings, model)
print(f"model version {model.version}; routes:")
print(sorted({route.path for route in app.routes}))

# %% [markdown]
# ## 2. Predictions, in-process
# `TestClient` calls the app directly; as a context manager it runs the app's start-up (the model
# and the database are attached there). A passenger is validated strictly: an age of 130 or an
# unknown sex is a 422 with a message that says which field is wrong and why.

# %%
passenger = {"pclass": 3, "sex": "female", "age": 22, "sibsp": 1, "parch": 0}
passenger |= {"fare": 7.25, "embarked": "S"}
with TestClient(app) as client:
    print(client.get("/health").json())
    print(client.post("/predict", json=passenger).json())
    bad = client.post("/predict", json={**passenger, "age": 130})
    print(bad.status_code, bad.json())

# %% [markdown]
# ## 3. Stored predictions need the key
# Creating, listing, reading, feedback and deletion of stored predictions are guarded by the
# `X-API-Key` header: without it, 401. Feedback (the true outcome) is what a later retraining
# would learn from.

# %%
key = {API_KEY_HEADER: settings.api_key}
with TestClient(app) as client:
    print("without key:", client.post("/predictions", json=passenger).status_code)
    stored = client.post("/predictions", json=passenger, headers=key).json()
    print("stored:", stored)
    item = f"/predictions/{stored['id']}"
    print("feedback:", client.patch(item, json={"actual": 1}, headers=key).json())
    print("delete:", client.delete(item, headers=key).status_code)
    print("read deleted:", client.get(item, headers=key).status_code)

# %% [markdown]
# ## 4. The scripted session over real HTTP
# The project's session serves the app with uvicorn on a free loopback port and drives every
# route with 20 real passengers, including the mistakes a careless client makes (bad fields,
# malformed JSON, an oversized batch, a missing key, an unknown id). Each call records the status
# HTTP prescribes and the one it got.

# %%
ctx = RunContext(week=8, project="api_session", out=work, fast=True)
passengers = session_passengers(ctx)
with serve_in_thread(create_app(settings, model)) as base_url:
    scripted = ScriptedClient(base_url, settings.api_key)
    feedback_accuracy = scripted_session(scripted, passengers, settings.max_batch)
calls = pd.DataFrame([call.__dict__ for call in scripted.calls])
calls.groupby(["step", "method", "route", "expected"], sort=False).agg(
    got=("status", "max"), ms=("ms", "median")
).round(1)

# %% [markdown]
# ## 5. Latency per route
# Look at the refusals (4xx): they cost less than answers, because the model never runs.

# %%
plot_latency(ctx, calls)
for name, caption in ctx.figures:
    display(Image(ctx.figures_dir / Path(name).name))
    print(caption)

# %% [markdown]
# ## 6. The quality bars
# Every response has the status RFC 9110 prescribes, and the median latency is under 100 ms
# (Nielsen: 0.1 s feels instantaneous).

# %%
metrics = {
    "status_as_expected": float((calls["status"] == calls["expected"]).mean()),
    "latency_p50_ms": float(calls["ms"].median()),
}
checked, _ = check_bars(BARS, metrics, ["titanic"])
for row in checked:
    verdict = "PASS" if row["passed"] else "FAIL"
    print(f"{verdict} {row['metric']} {row['op']} {row['target']}: {row['value']:.3g}")
