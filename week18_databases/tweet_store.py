"""Week 14's tweets as JSON documents, through PyMongo's API and in SQL JSON / JSONB.

Each cleaned tweet becomes a document with its human label, VADER's scores as a nested object
and tags for what the cleaning masked: `{"tweet_id", "text", "label", "vader": {"compound",
"neg", "neu", "pos"}, "tags": ["mention", "link"]}`. Both stores answer the same questions:
tweets labelled negative that VADER scores clearly positive (a find with a projection), how
many carry a link, flagging those disagreements for review ($set, $inc), and per label the
count and mean compound score (an aggregation pipeline / GROUP BY).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from week14_nlp.tweets import LABELS, load_tweets
from week14_nlp.vader import load_vader
from week18_databases.document_stores import DATABASE, MongoDocuments, SqlDocuments

COLLECTION = "tweets"
DISAGREE_ABOVE = 0.5  # a "negative" tweet with compound >= this reads clearly positive to VADER
FULL_TWEETS = 5000  # enough for every question; tinymongo inserts about 2,000 documents a second
TAGS = {"mention": "@user", "link": "http"}  # what week 14's cleaning put in place of each


def tweet_documents(path: Path, vader_folder: Path, limit: int, seed: int) -> list[dict]:
    """A random `limit` of week 14's cleaned tweets, labelled and VADER-scored, as documents."""
    tweets = load_tweets(path, seed=seed, limit=limit)
    analyzer = load_vader(vader_folder)
    docs = []
    for i, (tweet, label) in enumerate(zip(tweets.texts, tweets.labels, strict=True)):
        scores = analyzer.polarity_scores(tweet)
        docs.append(
            {
                "tweet_id": i,
                "text": tweet,
                "label": LABELS[label],
                "vader": {k: scores[k] for k in ("compound", "neg", "neu", "pos")},
                "tags": [tag for tag, marker in TAGS.items() if marker in tweet],
            }
        )
    return docs


class MongoTweets(MongoDocuments):
    """The tweets in their own collection of the same document store."""

    def __init__(self, folder: Path, environ: dict[str, str] | None = None) -> None:
        super().__init__(folder, environ)
        self.collection = self.client[DATABASE][COLLECTION]

    def load(self, documents: list[dict]) -> int:
        """Replace the collection's contents with `documents`, index the label; return how many."""
        self.collection.drop()
        result = self.collection.insert_many([dict(d) for d in documents])
        self.collection.create_index([("label", 1)])
        return len(result.inserted_ids)

    def find_disagreements(self) -> list[tuple[int, float]]:
        """(tweet id, compound) of tweets labelled negative that VADER scores clearly positive."""
        cursor = self.collection.find(
            {"label": "negative", "vader.compound": {"$gte": DISAGREE_ABOVE}},
            {"_id": 0, "tweet_id": 1, "vader.compound": 1},
        )
        return sorted((d["tweet_id"], d["vader"]["compound"]) for d in cursor)

    def flag_disagreements(self) -> int:
        """Queue those tweets for a second annotator ($set, $inc); return how many changed."""
        result = self.collection.update_many(
            {"label": "negative", "vader.compound": {"$gte": DISAGREE_ABOVE}},
            {"$set": {"review.status": "queued"}, "$inc": {"review.count": 1}},
        )
        return result.modified_count

    def by_label(self) -> list[tuple[str, int, float]]:
        """Per label: tweets and mean compound score (an aggregation pipeline)."""
        pipeline = [
            {
                "$group": {
                    "_id": "$label",
                    "n": {"$sum": 1},
                    "mean_compound": {"$avg": "$vader.compound"},
                }
            },
            {"$sort": {"_id": 1}},
        ]
        return [(d["_id"], d["n"], d["mean_compound"]) for d in self.collection.aggregate(pipeline)]


_MYSQL = {
    "create": """
        CREATE TABLE tweet_documents (
            id BIGINT AUTO_INCREMENT PRIMARY KEY,
            doc JSON NOT NULL,
            label VARCHAR(16) AS (JSON_VALUE(doc, '$.label')) VIRTUAL
        )
    """,
    "index": "CREATE INDEX ix_tweet_documents ON tweet_documents (label)",
    "insert": "INSERT INTO tweet_documents (doc) VALUES (:doc)",
    "find_disagreements": """
        SELECT JSON_VALUE(doc, '$.tweet_id'), JSON_VALUE(doc, '$.vader.compound')
        FROM tweet_documents
        WHERE label = 'negative' AND JSON_VALUE(doc, '$.vader.compound') >= :threshold
    """,
    "count_tagged": """
        SELECT COUNT(*) FROM tweet_documents WHERE JSON_CONTAINS(doc, JSON_QUOTE(:tag), '$.tags')
    """,
    "flag_disagreements": """
        UPDATE tweet_documents
        SET doc = JSON_SET(doc, '$.review', JSON_OBJECT(
            'status', 'queued',
            'count', CAST(COALESCE(JSON_VALUE(doc, '$.review.count'), 0) AS SIGNED) + 1))
        WHERE label = 'negative' AND JSON_VALUE(doc, '$.vader.compound') >= :threshold
    """,
    "by_label": """
        SELECT label, COUNT(*), AVG(JSON_VALUE(doc, '$.vader.compound'))
        FROM tweet_documents GROUP BY 1 ORDER BY 1
    """,
}
_SQL = {
    "mysql": _MYSQL,
    "mariadb": _MYSQL,
    "postgresql": {
        "create": "CREATE TABLE tweet_documents (id SERIAL PRIMARY KEY, doc JSONB NOT NULL)",
        "index": "CREATE INDEX ix_tweet_documents ON tweet_documents USING GIN (doc jsonb_path_ops)",
        "insert": "INSERT INTO tweet_documents (doc) VALUES (CAST(:doc AS JSONB))",
        "find_disagreements": """
            SELECT (doc->>'tweet_id')::int, (doc->'vader'->>'compound')::float
            FROM tweet_documents
            WHERE doc @> '{"label": "negative"}'
              AND (doc->'vader'->>'compound')::float >= :threshold
        """,
        "count_tagged": "SELECT COUNT(*) FROM tweet_documents WHERE doc @> CAST(:tags AS JSONB)",
        "flag_disagreements": """
            UPDATE tweet_documents
            SET doc = doc || jsonb_build_object('review', jsonb_build_object(
                'status', 'queued',
                'count', COALESCE((doc->'review'->>'count')::int, 0) + 1))
            WHERE doc @> '{"label": "negative"}'
              AND (doc->'vader'->>'compound')::float >= :threshold
        """,
        "by_label": """
            SELECT doc->>'label', COUNT(*), AVG((doc->'vader'->>'compound')::float)
            FROM tweet_documents GROUP BY 1 ORDER BY 1
        """,
    },
    "sqlite": {
        "create": "CREATE TABLE tweet_documents (id INTEGER PRIMARY KEY, doc TEXT NOT NULL)",
        "index": "CREATE INDEX ix_tweet_documents ON tweet_documents (json_extract(doc, '$.label'))",
        "insert": "INSERT INTO tweet_documents (doc) VALUES (json(:doc))",
        "find_disagreements": """
            SELECT json_extract(doc, '$.tweet_id'), json_extract(doc, '$.vader.compound')
            FROM tweet_documents
            WHERE json_extract(doc, '$.label') = 'negative'
              AND json_extract(doc, '$.vader.compound') >= :threshold
        """,
        "count_tagged": """
            SELECT COUNT(*) FROM tweet_documents
            WHERE EXISTS (SELECT 1 FROM json_each(doc, '$.tags') WHERE value = :tag)
        """,
        "flag_disagreements": """
            UPDATE tweet_documents
            SET doc = json_set(doc, '$.review', json_object(
                'status', 'queued',
                'count', COALESCE(json_extract(doc, '$.review.count'), 0) + 1))
            WHERE json_extract(doc, '$.label') = 'negative'
              AND json_extract(doc, '$.vader.compound') >= :threshold
        """,
        "by_label": """
            SELECT json_extract(doc, '$.label'), COUNT(*),
                   AVG(json_extract(doc, '$.vader.compound'))
            FROM tweet_documents GROUP BY 1 ORDER BY 1
        """,
    },
}


class SqlTweets(SqlDocuments):
    """The same tweet documents in one JSON column of their own table (JSONB on PostgreSQL)."""

    TABLE = "tweet_documents"
    QUERIES = _SQL

    def find_disagreements(self) -> list[tuple[int, float]]:
        """As MongoTweets.find_disagreements."""
        rows = self._rows("find_disagreements", {"threshold": DISAGREE_ABOVE})
        return sorted((int(r[0]), float(r[1])) for r in rows)

    def flag_disagreements(self) -> int:
        """As MongoTweets.flag_disagreements."""
        with self.engine.begin() as conn:
            statement = text(self.sql["flag_disagreements"])
            return conn.execute(statement, {"threshold": DISAGREE_ABOVE}).rowcount

    def by_label(self) -> list[tuple[str, int, float]]:
        """As MongoTweets.by_label."""
        return [(r[0], int(r[1]), float(r[2])) for r in self._rows("by_label", {})]


def ask_tweets(store, documents: list[dict]) -> dict:
    """The tweet questions, in order: load, find, count, update, aggregate."""
    return {
        "tweets inserted": store.load(documents),
        "negative but VADER-positive": store.find_disagreements(),
        "tweets with a link": store.count_tagged("link"),
        "flagged for review": store.flag_disagreements(),
        "by label": store.by_label(),
    }
