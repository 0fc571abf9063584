"""The prediction service: CRUD, auth, performance in SQL, concurrency, SIGKILL, bad input."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from week18_support import KEY

from shared.api import API_KEY_HEADER, free_port, serve_in_thread
from shared.db import make_engine
from week18_databases import migrate
from week18_databases.loans import insert_applicants, read_loans, request_rows
from week18_databases.prediction_service import kill_test, pandas_performance
from week18_databases.reliability import concurrent_writes, malformed_named, post_loan
from week18_databases.service import Settings, create_app

AUTH = {API_KEY_HEADER: KEY}
PASSENGER = {
    "Pclass": 1,
    "Sex": "female",
    "Age": 29.0,
    "SibSp": 0,
    "Parch": 0,
    "Fare": 80.0,
    "Embarked": "S",
}


@pytest.fixture(scope="module")
def loans() -> pd.DataFrame:
    return read_loans()


@pytest.fixture
def prepared_url(database_url: str, loans: pd.DataFrame) -> str:
    """A migrated database holding the applicants."""
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    insert_applicants(engine, loans)
    engine.dispose()
    return database_url


@pytest.fixture
def client(prepared_url: str, catalog) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(prepared_url, KEY), catalog)) as test_client:
        yield test_client


def loan_body(loans: pd.DataFrame, i: int = 0) -> dict:
    row = request_rows(loans.iloc[[i]])[0]
    return {"inputs": row["inputs"], "applicant_id": row["id"]}


def test_crud_on_predictions_and_outcomes(client: TestClient, loans, catalog) -> None:
    created = client.post("/models/loan/predictions", json=loan_body(loans), headers=AUTH)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["model"] == "loan" and body["version"] == catalog["loan"].version
    assert body["actual"] is None and 0 <= body["probability"] <= 1
    assert created.headers["Location"] == f"/predictions/{body['id']}"
    titanic = client.post("/models/titanic/predictions", json={"inputs": PASSENGER}, headers=AUTH)
    assert titanic.status_code == 201 and titanic.json()["applicant_id"] is None
    pid = body["id"]
    assert client.get(f"/predictions/{pid}").json() == body
    put = client.put(f"/predictions/{pid}/outcome", json={"actual": 1}, headers=AUTH)
    assert put.status_code == 200 and put.json()["actual"] == 1
    again = client.put(f"/predictions/{pid}/outcome", json={"actual": 0}, headers=AUTH)
    assert again.json()["actual"] == 0  # an update, not a second row
    assert client.delete(f"/predictions/{pid}/outcome", headers=AUTH).status_code == 204
    assert client.get(f"/predictions/{pid}").json()["actual"] is None
    assert client.delete(f"/predictions/{pid}/outcome", headers=AUTH).status_code == 404
    assert client.delete(f"/predictions/{pid}", headers=AUTH).status_code == 204
    assert client.get(f"/predictions/{pid}").status_code == 404
    assert (
        client.put(f"/predictions/{pid}/outcome", json={"actual": 1}, headers=AUTH).status_code
        == 404
    )


def test_listing_filters_and_pages(client: TestClient, loans) -> None:
    ids = [
        client.post("/models/loan/predictions", json=loan_body(loans, i), headers=AUTH).json()["id"]
        for i in range(5)
    ]
    client.post("/models/titanic/predictions", json={"inputs": PASSENGER}, headers=AUTH)
    client.put(f"/predictions/{ids[1]}/outcome", json={"actual": 1}, headers=AUTH)
    everything = client.get("/predictions").json()
    assert everything["total"] == 6
    page = client.get("/predictions", params={"model": "loan", "limit": 2, "offset": 2}).json()
    assert [p["id"] for p in page["items"]] == ids[2:4] and page["total"] == 5
    assert client.get("/predictions", params={"has_outcome": True}).json()["total"] == 1
    assert client.get("/predictions", params={"model": "titanic"}).json()["total"] == 1
    labels = {p["label"] for p in everything["items"]}
    for label in labels:
        listed = client.get("/predictions", params={"label": label}).json()["items"]
        assert listed and all(p["label"] == label for p in listed)
    assert client.get("/predictions", params={"model": "nope"}).status_code == 422
    assert client.get("/predictions", params={"limit": 0}).status_code == 422


def test_writes_need_the_key_and_reads_do_not(client: TestClient, loans) -> None:
    for headers in ({}, {API_KEY_HEADER: "wrong-key-123"}):
        response = client.post("/models/loan/predictions", json=loan_body(loans), headers=headers)
        assert response.status_code == 401 and API_KEY_HEADER in response.json()["message"]
    pid = client.post("/models/loan/predictions", json=loan_body(loans), headers=AUTH).json()["id"]
    assert client.delete(f"/predictions/{pid}").status_code == 401
    assert client.put(f"/predictions/{pid}/outcome", json={"actual": 1}).status_code == 401
    assert client.get(f"/predictions/{pid}").status_code == 200
    assert client.get("/predictions").json()["total"] == 1


def test_unknown_applicant_is_a_404_and_stores_nothing(client: TestClient, loans) -> None:
    body = {**loan_body(loans), "applicant_id": 999_999}
    response = client.post("/models/loan/predictions", json=body, headers=AUTH)
    assert response.status_code == 404 and "999999" in response.json()["message"]
    assert client.get("/predictions").json()["total"] == 0


def test_performance_is_computed_in_sql_from_outcomes(client: TestClient, loans) -> None:
    assert client.get("/models/loan/performance").json() == []
    stored = []
    for i in range(0, 400, 20):
        p = client.post("/models/loan/predictions", json=loan_body(loans, i), headers=AUTH).json()
        stored.append(p)
        actual = int(loans["approve"].loc[p["applicant_id"]])
        client.put(f"/predictions/{p['id']}/outcome", json={"actual": actual}, headers=AUTH)
    [perf] = client.get("/models/loan/performance").json()
    assert perf["predictions"] == perf["outcomes"] == 20
    expected = pandas_performance(pd.DataFrame(stored), loans["approve"])
    for key, value in expected.items():
        assert perf[key] == pytest.approx(value, abs=1e-12), key
    assert client.get("/models/nope/performance").status_code == 422


def test_500_concurrent_writes_leave_500_rows(prepared_url: str, catalog, loans) -> None:
    rows = request_rows(loans)
    with serve_in_thread(create_app(Settings(prepared_url, KEY), catalog)) as base:
        ids = concurrent_writes(base, post_loan(rows, KEY), writes=500, threads=50)
    engine = make_engine(prepared_url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT COUNT(*), COUNT(DISTINCT id) FROM predictions")).one()
    engine.dispose()
    assert len(ids) == len(set(ids)) == 500 and tuple(count) == (500, 500)


def test_sigkill_mid_burst_loses_no_acknowledged_write(
    prepared_url: str, models_dir, loans
) -> None:
    post = post_loan(request_rows(loans), KEY)
    lost, acknowledged = kill_test(models_dir, prepared_url, KEY, post, kill_after=60)
    assert acknowledged >= 60 and lost == 0


def test_every_malformed_request_gets_a_4xx_naming_the_field(
    prepared_url: str, catalog, loans
) -> None:
    example = request_rows(loans.iloc[:1])[0]
    with serve_in_thread(create_app(Settings(prepared_url, KEY), catalog)) as base:
        named, sent = malformed_named(base, example, KEY)
    assert sent >= 10 and named == sent


def test_serve_refuses_to_start_without_a_key_or_models(tmp_path, monkeypatch, capsys) -> None:
    from week18_databases.server import main

    monkeypatch.delenv("ML_ROADMAP_API_KEY", raising=False)
    assert main(["--models", str(tmp_path), "--port", str(free_port())]) == 2
    assert "ML_ROADMAP_API_KEY" in capsys.readouterr().err
    monkeypatch.setenv("ML_ROADMAP_API_KEY", KEY)
    assert main(["--models", str(tmp_path), "--port", str(free_port())]) == 2
    assert "no such model file" in capsys.readouterr().err
