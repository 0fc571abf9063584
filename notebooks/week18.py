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
# # Week 18 — Databases: an ML team's data in SQL (`sql_analytics`)
#
# The schema (applicants, model versions with their sha256, predictions, outcomes) is built by
# **Alembic migrations**, each with its downgrade. We migrate up, down to nothing and up again,
# fill the tables (week 7's loan pipeline scores every mortgage applicant, its Titanic pipeline
# every passenger; each application's real decision is its outcome), then ask four questions in
# SQL — joins with GROUP BY, a window AVG, RANK / DENSE_RANK, a CTE — and answer each again in
# pandas to check them. The database is SQLite in a temporary folder; the models are week 7's
# pipelines fitted here with default settings (`catalog_for_run` in FAST mode), so nothing
# depends on an earlier run.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from sqlalchemy import inspect

from shared.db import database_url, make_engine
from week18_databases import migrate
from week18_databases.catalog import catalog_for_run
from week18_databases.loans import read_loans
from week18_databases.projects.sql_analytics import BARS, migration_roundtrip, populate
from week18_databases.queries import QUERIES, compare, read_tables, run_sql

# %matplotlib inline

# %% [markdown]
# ## 1. The models and the database

# %%
folder = Path(tempfile.mkdtemp())
catalog, _, source = catalog_for_run(folder / "models", fast=True, seed=0)
print(source, {name: model.version for name, model in catalog.items()})
engine = make_engine(database_url(folder / "analytics.sqlite3"))
print(engine.dialect.name, engine.url)

# %% [markdown]
# ## 2. Migrations, both ways
# Upgrade to head, downgrade to base (every table gone), upgrade again.

# %%
print("revisions:", " -> ".join(migrate.revisions()))
roundtrip = migration_roundtrip(engine)
print("round trip ok:", roundtrip)
print("tables:", sorted(inspect(engine).get_table_names()))

# %% [markdown]
# ## 3. Fill the tables

# %%
loans = read_loans()
counts = populate(engine, catalog, loans)
print(counts)
pd.read_sql("SELECT * FROM predictions LIMIT 3", engine)

# %% [markdown]
# ## 4. Four questions, in SQL and in pandas
# `compare` orders both answers by the query's key and returns the largest absolute difference:
# float rounding at most.

# %%
frames = read_tables(engine)
answers, checks = {}, []
for query in QUERIES:
    answers[query.name] = run_sql(engine, query)
    diff = compare(answers[query.name], query.pandas(frames), query.key)
    checks.append({"query": query.name, "question": query.question, "max |SQL - pandas|": diff})
pd.DataFrame(checks)

# %%
print(QUERIES[0].sql)
answers[QUERIES[0].name]

# %% [markdown]
# ## 5. The window function, drawn
# Each prediction's model's mean probability over its last 50 predictions: SQL's
# `AVG(...) OVER (PARTITION BY model_id ORDER BY id ROWS BETWEEN 49 PRECEDING AND CURRENT ROW)`,
# which pandas needs a `groupby().transform(rolling)` for.

# %%
rolling = answers["rolling_probability"].sort_values("id")
fig, ax = plt.subplots(figsize=(8, 3))
for model_id, rows in rolling.groupby("model_id"):
    ax.plot(rows["id"], rows["rolling_probability"], lw=0.8, label=f"model {model_id}")
ax.set_xlabel("prediction id")
ax.set_ylabel("rolling mean probability")
ax.legend()
plt.show()

# %% [markdown]
# ## 6. Against the declared bars

# %%
metrics = {
    "sql_pandas_max_diff": max(c["max |SQL - pandas|"] for c in checks),
    "migration_roundtrip_ok": float(roundtrip),
}
engine.dispose()
pd.DataFrame([bar.check(metrics) for bar in BARS])
