"""JSON documents two ways: through PyMongo's API, and in SQL (PostgreSQL JSONB, or SQLite JSON).

The documents are raw prediction requests with nested fields, as a service would log them:
`{"request_id", "model": {"name", "version"}, "inputs": {...}, "output": {"label",
"probability"}, "tags": ["missing:dep", ...]}`. `MongoDocuments` speaks PyMongo's API to a
real MongoDB when MONGODB_URI is set, and otherwise to tinymongo, an embedded store (kept in a
SQLite file) with the same API. `SqlDocuments` holds the same documents in one JSON column:
JSONB with a GIN index on PostgreSQL, JSON text with an expression index on SQLite. Both answer
the same questions (`find_confident`, `count_tagged`, `queue_for_review`, `count_by_model`),
so a run can check that they agree.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import Engine, text

MONGODB_ENV = "MONGODB_URI"
DATABASE = "ml_roadmap_week18"
COLLECTION = "prediction_requests"
CONFIDENT = 0.9
REVIEW_BELOW = 0.5


class DocumentStoreError(RuntimeError):
    """The document store named by MONGODB_URI cannot be used; the message says what to do."""


class MongoDocuments:
    """The documents in a MongoDB collection, through PyMongo's API (a server or tinymongo)."""

    def __init__(
        self, folder: Path, environ: dict[str, str] | None = None, timeout_ms: int = 5000
    ) -> None:
        env = os.environ if environ is None else environ
        uri = env.get(MONGODB_ENV, "").strip()
        if uri:
            from pymongo import MongoClient
            from pymongo.errors import PyMongoError

            self.client = MongoClient(uri, serverSelectionTimeoutMS=timeout_ms)
            try:
                self.client.admin.command("ping")  # fail now, clearly, if no server answers
            except PyMongoError as exc:
                self.client.close()
                raise DocumentStoreError(
                    f"{MONGODB_ENV}: no MongoDB answered within {timeout_ms} ms "
                    f"({type(exc).__name__}); start it, or unset {MONGODB_ENV} to use the "
                    "embedded store"
                ) from None
            self.where = "MongoDB at MONGODB_URI"
        else:
            from tinymongo import TinyMongoClient

            Path(folder).mkdir(parents=True, exist_ok=True)
            self.client = TinyMongoClient(str(folder), backend="sqlite")
            self.where = f"tinymongo (embedded; a SQLite file in {Path(folder).name}/)"
        self.collection = self.client[DATABASE][COLLECTION]

    def load(self, documents: list[dict]) -> int:
        """Replace the collection's contents with `documents` and index them; return how many."""
        self.collection.drop()
        result = self.collection.insert_many([dict(d) for d in documents])
        self.collection.create_index([("model.name", 1), ("output.label", 1)])
        return len(result.inserted_ids)

    def find_confident(self, model: str) -> list[tuple[str, float]]:
        """(request id, probability) of married applicants the model approves with >= CONFIDENT."""
        cursor = self.collection.find(
            {"model.name": model, "inputs.married": 1, "output.probability": {"$gte": CONFIDENT}},
            {"_id": 0, "request_id": 1, "output.probability": 1},
        )
        return sorted((d["request_id"], d["output"]["probability"]) for d in cursor)

    def count_tagged(self, tag: str) -> int:
        """How many documents carry `tag` in their tags array."""
        return self.collection.count_documents({"tags": tag})

    def queue_for_review(self, model: str) -> int:
        """Mark the model's unsure answers for review ($set, $inc); return how many changed."""
        result = self.collection.update_many(
            {"model.name": model, "output.probability": {"$lt": REVIEW_BELOW}},
            {"$set": {"review.status": "queued"}, "$inc": {"review.count": 1}},
        )
        return result.modified_count

    def count_by_model(self) -> list[tuple[str, int, int, float]]:
        """Per model: documents, approvals (label 1), mean probability (an aggregation pipeline)."""
        pipeline = [
            {
                "$group": {
                    "_id": "$model.name",
                    "n": {"$sum": 1},
                    "positive": {"$sum": "$output.label"},
                    "mean_probability": {"$avg": "$output.probability"},
                }
            },
            {"$sort": {"_id": 1}},
        ]
        return [
            (d["_id"], d["n"], d["positive"], d["mean_probability"])
            for d in self.collection.aggregate(pipeline)
        ]

    def reviewed(self) -> int:
        """How many documents are queued for review."""
        return self.collection.count_documents({"review.status": "queued"})

    def close(self) -> None:
        """Close the client."""
        self.client.close()


# The same questions in SQL, per dialect: JSONB operators and containment (@>, served by the GIN
# index) on PostgreSQL; json_extract / json_each on SQLite; on MySQL/MariaDB, JSON_VALUE (NULL
# for a JSON null, where JSON_EXTRACT gives the text 'null') and JSON_CONTAINS, and an index on
# a generated column, since MariaDB indexes neither JSON nor an expression.
_MYSQL = {
    "create": """
        CREATE TABLE documents (
            id BIGINT AUTO_INCREMENT PRIMARY KEY,
            doc JSON NOT NULL,
            model_name VARCHAR(64) AS (JSON_VALUE(doc, '$.model.name')) VIRTUAL
        )
    """,
    "index": "CREATE INDEX ix_documents_model ON documents (model_name)",
    "insert": "INSERT INTO documents (doc) VALUES (:doc)",
    "find_confident": """
        SELECT JSON_VALUE(doc, '$.request_id') AS request_id,
               JSON_VALUE(doc, '$.output.probability') AS probability
        FROM documents
        WHERE model_name = :model
          AND JSON_VALUE(doc, '$.inputs.married') = 1
          AND JSON_VALUE(doc, '$.output.probability') >= :threshold
    """,
    "count_tagged": """
        SELECT COUNT(*) FROM documents WHERE JSON_CONTAINS(doc, JSON_QUOTE(:tag), '$.tags')
    """,
    "queue_for_review": """
        UPDATE documents
        SET doc = JSON_SET(doc, '$.review', JSON_OBJECT(
            'status', 'queued',
            'count', CAST(COALESCE(JSON_VALUE(doc, '$.review.count'), 0) AS SIGNED) + 1))
        WHERE model_name = :model
          AND JSON_VALUE(doc, '$.output.probability') < :threshold
    """,
    "count_by_model": """
        SELECT model_name AS model, COUNT(*) AS n,
               SUM(JSON_VALUE(doc, '$.output.label')) AS positive,
               AVG(JSON_VALUE(doc, '$.output.probability')) AS mean_probability
        FROM documents GROUP BY 1 ORDER BY 1
    """,
    "reviewed": """
        SELECT COUNT(*) FROM documents WHERE JSON_VALUE(doc, '$.review.status') = 'queued'
    """,
}
_SQL = {
    "mysql": _MYSQL,
    "mariadb": _MYSQL,
    "postgresql": {
        "create": "CREATE TABLE documents (id SERIAL PRIMARY KEY, doc JSONB NOT NULL)",
        "index": "CREATE INDEX ix_documents_doc ON documents USING GIN (doc jsonb_path_ops)",
        "insert": "INSERT INTO documents (doc) VALUES (CAST(:doc AS JSONB))",
        "find_confident": """
            SELECT doc->>'request_id' AS request_id,
                   (doc->'output'->>'probability')::float AS probability
            FROM documents
            WHERE doc @> CAST(:match AS JSONB)
              AND (doc->'output'->>'probability')::float >= :threshold
        """,
        "count_tagged": "SELECT COUNT(*) FROM documents WHERE doc @> CAST(:tags AS JSONB)",
        "queue_for_review": """
            UPDATE documents
            SET doc = doc || jsonb_build_object('review', jsonb_build_object(
                'status', 'queued',
                'count', COALESCE((doc->'review'->>'count')::int, 0) + 1))
            WHERE doc->'model'->>'name' = :model
              AND (doc->'output'->>'probability')::float < :threshold
        """,
        "count_by_model": """
            SELECT doc->'model'->>'name' AS model, COUNT(*) AS n,
                   SUM((doc->'output'->>'label')::int) AS positive,
                   AVG((doc->'output'->>'probability')::float) AS mean_probability
            FROM documents GROUP BY 1 ORDER BY 1
        """,
        "reviewed": """
            SELECT COUNT(*) FROM documents WHERE doc @> '{"review": {"status": "queued"}}'
        """,
    },
    "sqlite": {
        "create": "CREATE TABLE documents (id INTEGER PRIMARY KEY, doc TEXT NOT NULL)",
        "index": "CREATE INDEX ix_documents_model ON documents (json_extract(doc, '$.model.name'))",
        "insert": "INSERT INTO documents (doc) VALUES (json(:doc))",
        "find_confident": """
            SELECT json_extract(doc, '$.request_id') AS request_id,
                   json_extract(doc, '$.output.probability') AS probability
            FROM documents
            WHERE json_extract(doc, '$.model.name') = :model
              AND json_extract(doc, '$.inputs.married') = 1
              AND json_extract(doc, '$.output.probability') >= :threshold
        """,
        "count_tagged": """
            SELECT COUNT(*) FROM documents
            WHERE EXISTS (SELECT 1 FROM json_each(doc, '$.tags') WHERE value = :tag)
        """,
        "queue_for_review": """
            UPDATE documents
            SET doc = json_set(doc, '$.review', json_object(
                'status', 'queued',
                'count', COALESCE(json_extract(doc, '$.review.count'), 0) + 1))
            WHERE json_extract(doc, '$.model.name') = :model
              AND json_extract(doc, '$.output.probability') < :threshold
        """,
        "count_by_model": """
            SELECT json_extract(doc, '$.model.name') AS model, COUNT(*) AS n,
                   SUM(json_extract(doc, '$.output.label')) AS positive,
                   AVG(json_extract(doc, '$.output.probability')) AS mean_probability
            FROM documents GROUP BY 1 ORDER BY 1
        """,
        "reviewed": """
            SELECT COUNT(*) FROM documents WHERE json_extract(doc, '$.review.status') = 'queued'
        """,
    },
}


_WHERE = {
    "postgresql": "PostgreSQL JSONB (GIN index)",
    "sqlite": "SQLite JSON (expression index)",
}


class SqlDocuments:
    """The same documents in one JSON column of a SQL table (JSONB on PostgreSQL).

    A subclass stores other documents by naming its `TABLE` and its dialect's `QUERIES`.
    """

    TABLE = "documents"
    QUERIES = _SQL

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sql = self.QUERIES[engine.dialect.name]
        self.where = _WHERE.get(engine.dialect.name, "MySQL/MariaDB JSON (generated-column index)")

    def load(self, documents: list[dict]) -> int:
        """Replace the table's contents with `documents` and index them; return how many."""
        with self.engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {self.TABLE}"))
            conn.execute(text(self.sql["create"]))
            conn.execute(text(self.sql["insert"]), [{"doc": json.dumps(d)} for d in documents])
            conn.execute(text(self.sql["index"]))
        return len(documents)

    def find_confident(self, model: str) -> list[tuple[str, float]]:
        """As MongoDocuments.find_confident."""
        params = {
            "model": model,
            "threshold": CONFIDENT,
            "match": json.dumps({"model": {"name": model}, "inputs": {"married": 1}}),
        }
        rows = self._rows("find_confident", params)
        return sorted((r[0], float(r[1])) for r in rows)

    def count_tagged(self, tag: str) -> int:
        """As MongoDocuments.count_tagged."""
        return int(
            self._rows("count_tagged", {"tag": tag, "tags": json.dumps({"tags": [tag]})})[0][0]
        )

    def queue_for_review(self, model: str) -> int:
        """As MongoDocuments.queue_for_review."""
        with self.engine.begin() as conn:
            params = {"model": model, "threshold": REVIEW_BELOW}
            return conn.execute(text(self.sql["queue_for_review"]), params).rowcount

    def count_by_model(self) -> list[tuple[str, int, int, float]]:
        """As MongoDocuments.count_by_model."""
        return [(r[0], int(r[1]), int(r[2]), float(r[3])) for r in self._rows("count_by_model", {})]

    def reviewed(self) -> int:
        """As MongoDocuments.reviewed."""
        return int(self._rows("reviewed", {})[0][0])

    def drop(self) -> None:
        """Drop the documents table."""
        with self.engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {self.TABLE}"))

    def _rows(self, name: str, params: dict) -> list:
        """Run the named query with `params`; return its rows."""
        with self.engine.connect() as conn:
            return conn.execute(text(self.sql[name]), params).all()
