"""An ML team's data in SQL: a migrated schema, and queries checked against pandas.

The schema is built by Alembic migrations (`migrations/versions/`, each with its downgrade):
applicants (week 7's 1,989 mortgage applications), model versions with their sha256,
predictions and outcomes. The run migrates up, down to nothing and up again, fills the tables
(week 7's loan pipeline scores every applicant, the Titanic pipeline every passenger; each
application's real decision is its outcome), then asks four questions in SQL — joins,
GROUP BY, window functions, a CTE — and computes each answer again in pandas.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Engine, insert, inspect

from shared.bars import Bar
from shared.context import RunContext
from shared.db import database_url, make_engine
from shared.serving import ServedModel
from week07_pipelines.loan import LOAN_INPUT_COLUMNS, TARGET
from week18_databases import migrate
from week18_databases.catalog import catalog_for_run, read_titanic_inputs
from week18_databases.loans import inputs_of, insert_applicants, read_loans
from week18_databases.prediction_store import PredictionStore
from week18_databases.queries import QUERIES, compare, read_tables, run_sql
from week18_databases.tables import Base, Outcome, Prediction

BARS = [
    Bar("sql_pandas_max_diff", "<=", 1e-9, "each SQL answer equals pandas' (float rounding)"),
    Bar("migration_roundtrip_ok", ">=", 1, "Alembic upgrade -> downgrade -> upgrade gives head"),
]


def run(ctx: RunContext) -> dict[str, float]:
    """Migrate both ways, fill the tables, run each query in SQL and in pandas, compare."""
    ctx.dataset("loanapp")
    ctx.dataset("titanic")
    catalog, _, ctx.info["models"] = catalog_for_run(ctx.models_dir, ctx.fast, ctx.seed)
    engine = make_engine(database_url(ctx.out / "analytics.sqlite3"))
    ctx.info["database"] = engine.dialect.name
    roundtrip = migration_roundtrip(engine)
    loans = read_loans()
    counts = populate(engine, catalog, loans)
    frames = read_tables(engine)
    rows, worst = [], 0.0
    for query in QUERIES:
        sql = run_sql(engine, query)
        diff = compare(sql, query.pandas(frames), query.key)
        worst = max(worst, diff)
        rows.append(f"| `{query.name}` | {query.question} | {len(sql)} | {diff:.1e} |")
        ctx.log(f"{query.name}: {len(sql)} rows, max |SQL - pandas| = {diff:.2e}")
    engine.dispose()
    ctx.note(
        f"Database: **{ctx.info['database']}**, migrated {' -> '.join(migrate.revisions())}; "
        f"upgrade/downgrade/upgrade round trip {'ok' if roundtrip else 'FAILED'}. Rows: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + ".\n\n| query | question | rows | max abs(SQL - pandas) |\n|---|---|---|---|\n"
        + "\n".join(rows)
    )
    return {
        "migration_roundtrip_ok": float(roundtrip),
        "queries": len(QUERIES),
        "sql_pandas_max_diff": worst,
        **{f"rows_{k}": v for k, v in counts.items()},
    }


def migration_roundtrip(engine: Engine) -> bool:
    """Upgrade to head, downgrade to base, upgrade again; True if each step left what it should."""
    migrate.upgrade(engine)
    at_head = migrate.current_revision(engine) == migrate.revisions()[-1]
    migrate.downgrade(engine, "base")
    emptied = not set(inspect(engine).get_table_names()) & set(Base.metadata.tables)
    migrate.upgrade(engine)
    return at_head and emptied and migrate.current_revision(engine) == migrate.revisions()[-1]


def populate(
    engine: Engine, catalog: dict[str, ServedModel], loans: pd.DataFrame
) -> dict[str, int]:
    """Fill the tables: applicants, both model versions, their predictions, and the outcomes."""
    store = PredictionStore(engine)
    insert_applicants(engine, loans)
    loan = catalog["loan"]
    loan_id = store.register_model("loan", loan.version, loan.sidecar["sha256"])
    answers = loan.predict(loans[list(LOAN_INPUT_COLUMNS)])
    now = datetime.now(UTC)
    predictions = [
        {
            "model_id": loan_id,
            "applicant_id": int(i),
            "created_at": now,
            "label": label,
            "probability": prob,
            "inputs": inputs_of(row),
        }
        for (i, row), (label, prob) in zip(loans.iterrows(), answers, strict=True)
    ]
    titanic = catalog["titanic"]
    titanic_id = store.register_model("titanic", titanic.version, titanic.sidecar["sha256"])
    passengers = read_titanic_inputs()
    answers = titanic.predict(passengers)
    predictions += [
        {
            "model_id": titanic_id,
            "applicant_id": None,
            "created_at": now,
            "label": label,
            "probability": prob,
            "inputs": {k: _plain(v) for k, v in row.items()},
        }
        for row, (label, prob) in zip(passengers.to_dict("records"), answers, strict=True)
    ]
    with engine.begin() as conn:
        conn.execute(insert(Prediction), predictions)
        loan_rows = conn.execute(
            Prediction.__table__.select().where(Prediction.model_id == loan_id)
        ).mappings()
        truth = loans[TARGET]
        outcomes = [
            {
                "prediction_id": r["id"],
                "actual": int(truth.loc[r["applicant_id"]]),
                "recorded_at": now,
            }
            for r in loan_rows
        ]
        conn.execute(insert(Outcome), outcomes)
    return {"applicants": len(loans), "predictions": len(predictions), "outcomes": len(outcomes)}


def _plain(value: object) -> object:
    """A JSON value: NaN becomes None, NumPy scalars become Python numbers."""
    if isinstance(value, float) and value != value:
        return None
    return value.item() if hasattr(value, "item") else value
