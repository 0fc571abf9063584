"""The prediction service: CRUD, auth, performance in SQL, concurrency, SIGKILL, bad input,
strict types and idempotent retries."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from week18_support import KEY

from shared.api import API_KEY_HEADER, serve_in_thread
from shared.db import make_engine
from shared.servers import free_port
from shared.settings import Settings
from week18_databases import migrate
from week18_databases.loans import insert_applicants, read_loans, request_rows
from week18_databases.projects.prediction_service import kill_test, pandas_performance
from week18_databases.reliability import concurrent_writes, malformed_named, post_loan
from week18_databases.service import create_app

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
def prepared_url(any_database_url: str, loans: pd.DataFrame) -> str:
    """A migrated database holding the applicants (SQLite, and PostgreSQL and MariaDB if named)."""
    engine = make_engine(any_database_url)
    migrate.upgrade(engine)
    insert_applicants(engine, loans)
    engine.dispose()
    return any_database_url


@pytest.fixture
def client(prepared_url: str, catalog) -> Iterator[TestClient]:
    """A client sending the key on every request unless a test removes it."""
    app = create_app(Settings(prepared_url, KEY), catalog)
    with TestClient(app, headers=AUTH) as test_client:
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


def test_writes_and_reads_of_applicants_data_need_the_key(client: TestClient, loans) -> None:
    """Issue 26: the stored inputs (applicants' income and net worth) were readable keyless."""
    pid = client.post("/models/loan/predictions", json=loan_body(loans)).json()["id"]
    calls = [
        ("POST", "/models/loan/predictions", loan_body(loans)),
        ("GET", "/predictions", None),
        ("GET", f"/predictions/{pid}", None),
        ("PUT", f"/predictions/{pid}/outcome", {"actual": 1}),
        ("DELETE", f"/predictions/{pid}/outcome", None),
        ("DELETE", f"/predictions/{pid}", None),
    ]
    for method, url, body in calls:
        wrong = client.request(method, url, json=body, headers={API_KEY_HEADER: "wrong-key-123"})
        assert wrong.status_code == 401, (method, url)
    del client.headers[API_KEY_HEADER]
    for method, url, body in calls:
        response = client.request(method, url, json=body)
        assert response.status_code == 401 and API_KEY_HEADER in response.json()["message"]
    assert client.get("/models").status_code == 200  # no applicant's data: open
    assert client.get("/models/loan/performance").status_code == 200
    assert client.get(f"/predictions/{pid}", headers=AUTH).status_code == 200


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
    from week18_databases.serve import main

    monkeypatch.delenv("ML_ROADMAP_API_KEY", raising=False)
    assert main(["--models", str(tmp_path), "--port", str(free_port())]) == 2
    assert "ML_ROADMAP_API_KEY" in capsys.readouterr().err
    monkeypatch.setenv("ML_ROADMAP_API_KEY", KEY)
    assert main(["--models", str(tmp_path), "--port", str(free_port())]) == 2
    assert "no such model file" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("field", "value"),
    [("loanamt", True), ("loanamt", "100"), ("appinc", False), ("married", True), ("mortg", 1.0)],
)
def test_a_number_is_a_json_number_not_true_or_text(
    client: TestClient, loans, field: str, value
) -> None:
    body = loan_body(loans)
    body["inputs"][field] = value
    response = client.post("/models/loan/predictions", json=body)
    assert response.status_code == 422 and field in response.json()["message"], response.text
    assert client.get("/predictions").json()["total"] == 0


def test_titanic_refuses_true_as_an_age_or_a_class(client: TestClient) -> None:
    for field in ("Age", "Pclass", "SibSp"):
        body = {"inputs": {**PASSENGER, field: True}}
        response = client.post("/models/titanic/predictions", json=body)
        assert response.status_code == 422 and field in response.json()["message"]
    assert client.post("/models/titanic/predictions", json={"inputs": PASSENGER}).status_code == 201


def test_an_outcome_is_0_or_1_and_nothing_else(client: TestClient, loans) -> None:
    pid = client.post("/models/loan/predictions", json=loan_body(loans)).json()["id"]
    for body in ({"actual": True}, {"actual": "1"}, {"actual": 1.0}, {"actual": 1, "note": "x"}):
        response = client.put(f"/predictions/{pid}/outcome", json=body)
        assert response.status_code == 422, body
    assert client.get(f"/predictions/{pid}").json()["actual"] is None
    assert client.put(f"/predictions/{pid}/outcome", json={"actual": 1}).json()["actual"] == 1


def test_a_retry_with_the_same_idempotency_key_creates_no_second_row(
    client: TestClient, loans
) -> None:
    """Issue 26: a client that retries after a lost answer stored the prediction twice."""
    retry = {"Idempotency-Key": "retry-0001"}
    first = client.post("/models/loan/predictions", json=loan_body(loans), headers=retry)
    assert first.status_code == 201 and first.json()["idempotency_key"] == "retry-0001"
    assert "Idempotent-Replayed" not in first.headers
    again = client.post("/models/loan/predictions", json=loan_body(loans), headers=retry)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    other = client.post("/models/loan/predictions", json=loan_body(loans, 1), headers=retry)
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["message"]
    titanic = client.post("/models/titanic/predictions", json={"inputs": PASSENGER}, headers=retry)
    assert titanic.status_code == 422  # the same key for another model is another request
    for bad in ("", "x" * 201, "a key with spaces"):
        refused = client.post(
            "/models/loan/predictions", json=loan_body(loans), headers={"Idempotency-Key": bad}
        )
        assert refused.status_code == 422, bad
    plain = [client.post("/models/loan/predictions", json=loan_body(loans)) for _ in range(2)]
    assert plain[0].json()["id"] != plain[1].json()["id"]  # no key: each request is new
    assert client.get("/predictions").json()["total"] == 3


def test_concurrent_retries_with_one_key_store_one_row(prepared_url: str, catalog, loans) -> None:
    body = loan_body(loans)
    with serve_in_thread(create_app(Settings(prepared_url, KEY), catalog)) as base:

        def post(client, i: int):
            headers = {**AUTH, "Idempotency-Key": f"race-{i % 3}"}
            return client.post("/models/loan/predictions", json=body, headers=headers)

        ids = concurrent_writes(base, post, writes=30, threads=10)
    assert len(ids) == 30 and len(set(ids)) == 3
    engine = make_engine(prepared_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM predictions")).scalar_one() == 3
    engine.dispose()


def test_idempotency_keys_differing_only_in_case_are_two_keys(client: TestClient, loans) -> None:
    """MySQL's default collation would find 'Retry-A' = 'retry-a' and refuse the second body."""
    first = client.post(
        "/models/loan/predictions", json=loan_body(loans), headers={"Idempotency-Key": "Retry-A"}
    )
    second = client.post(
        "/models/loan/predictions", json=loan_body(loans, 1), headers={"Idempotency-Key": "retry-a"}
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
