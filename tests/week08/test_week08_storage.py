"""The prediction store on SQLite always, and on PostgreSQL when DATABASE_URL names a server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from week08_support import AUTH, KEY, PASSENGER, ROSE

from shared.db import make_engine
from week08_fastapi.app import create_app
from week08_fastapi.settings import Settings
from week08_fastapi.storage import PredictionFilter, PredictionStore


@pytest.fixture
def store(database_url: str) -> PredictionStore:
    """A store with its schema created on an empty database."""
    store = PredictionStore(make_engine(database_url))
    store.create_schema()
    yield store
    store.engine.dispose()


def test_add_get_feedback_delete(store: PredictionStore) -> None:
    before = datetime.now(UTC)
    record = store.add(PASSENGER, 0, 0.12, "abc123")
    got = store.get(record.id)
    assert (got.passenger, got.survived, got.probability, got.model_version) == (
        PASSENGER,
        0,
        0.12,
        "abc123",
    )
    assert got.created_at.tzinfo is not None and got.created_at >= before
    assert got.actual is None and got.feedback_at is None
    updated = store.set_feedback(record.id, 1)
    assert updated.actual == 1 and store.get(record.id).feedback_at >= got.created_at
    assert store.delete(record.id) is True
    assert store.get(record.id) is None
    assert store.delete(record.id) is False
    assert store.set_feedback(record.id, 0) is None


def test_list_filters_and_pages(store: PredictionStore) -> None:
    ids = [
        store.add(p, s, 0.5, v).id
        for p, s, v in [(PASSENGER, 0, "v1"), (ROSE, 1, "v1"), (ROSE, 1, "v2")]
    ]
    store.set_feedback(ids[2], 0)
    everything, total = store.list(PredictionFilter(), limit=10, offset=0)
    assert [r.id for r in everything] == ids and total == 3
    page, total = store.list(PredictionFilter(), limit=1, offset=1)
    assert [r.id for r in page] == [ids[1]] and total == 3
    assert store.list(PredictionFilter(model_version="v1"), 10, 0)[1] == 2
    assert store.list(PredictionFilter(survived=1), 10, 0)[1] == 2
    assert [r.id for r in store.list(PredictionFilter(has_feedback=True), 10, 0)[0]] == [ids[2]]
    assert store.list(PredictionFilter(has_feedback=False, survived=1), 10, 0)[1] == 1
    assert store.list(PredictionFilter(), limit=10, offset=99) == ([], 3)


def test_schema_creation_is_idempotent_and_keeps_rows(
    store: PredictionStore, database_url: str
) -> None:
    record = store.add(PASSENGER, 0, 0.1, "v1")
    store.engine.dispose()
    reopened = PredictionStore(make_engine(database_url))
    reopened.create_schema()
    assert reopened.get(record.id).passenger == PASSENGER
    reopened.engine.dispose()


def test_api_round_trip_on_each_database(database_url: str, served_model) -> None:
    settings = Settings(database_url=database_url, api_key=KEY)
    with TestClient(create_app(settings, served_model)) as client:
        assert client.get("/health").json()["database"] in {"sqlite", "postgresql"}
        row = client.post("/predictions", json=ROSE, headers=AUTH).json()
        client.patch(f"/predictions/{row['id']}", json={"actual": 1}, headers=AUTH)
        page = client.get("/predictions", params={"has_feedback": True}, headers=AUTH).json()
        assert [r["id"] for r in page["items"]] == [row["id"]] and page["items"][0]["actual"] == 1
        assert client.delete(f"/predictions/{row['id']}", headers=AUTH).status_code == 204
        assert client.get("/predictions", headers=AUTH).json()["total"] == 0


def test_health_fails_when_the_predictions_table_is_gone(database_url: str, served_model) -> None:
    settings = Settings(database_url=database_url, api_key=KEY)
    with TestClient(create_app(settings, served_model)) as client:
        assert client.get("/health").status_code == 200
        with client.app.state.store.engine.begin() as conn:
            conn.execute(text("DROP TABLE predictions"))
        response = client.get("/health")
        assert response.status_code == 503 and "predictions table" in response.json()["message"]
