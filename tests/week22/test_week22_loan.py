"""The loan capstone: ONNX parity, week 6's threshold, the API and its audit trail."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import schemathesis
from fastapi.testclient import TestClient
from lightgbm import LGBMClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from shared.api import API_KEY_HEADER
from shared.artifacts import ArtifactError
from shared.settings import Settings
from week06_advanced_ml.credit_costs import misclassification_cost
from week07_pipelines.loan import build_pipeline
from week18_databases.loans import inputs_of
from week22_capstone.loan.convert import CompileError, input_types, to_onnx
from week22_capstone.loan.model import (
    bayes_threshold,
    decision_cost,
    explain,
    load_loan_model,
    read_applications,
    tune_threshold,
)
from week22_capstone.loan.service import create_app

KEY = "week22-test-key-0123"


@pytest.fixture(scope="module")
def applications():
    """The 1,989 applications and their labels."""
    return read_applications()


def test_onnx_matches_sklearn_on_every_training_row(loan_model, applications) -> None:
    x, _ = applications
    reference = loan_model.pipeline.predict_proba(x)[:, 1]
    batch = loan_model.onnx.predict_proba(x)
    single = np.array([loan_model.onnx.probability(inputs_of(r)) for _, r in x.iterrows()])
    assert np.abs(batch - reference).max() <= 1e-6
    assert np.abs(single - reference).max() <= 1e-6
    t = loan_model.policy["threshold"]
    assert np.array_equal(single >= t, reference >= t)


def test_onnx_handles_gaps_like_the_pipeline(loan_model, applications) -> None:
    x, _ = applications
    row = x.iloc[[0]].copy()
    row[["dep", "married", "gdlin", "multi"]] = np.nan
    inputs = {**inputs_of(x.iloc[0]), "dep": None, "married": None, "gdlin": None, "multi": None}
    expected = loan_model.pipeline.predict_proba(row)[0, 1]
    assert loan_model.onnx.probability(inputs) == pytest.approx(expected, abs=1e-12)


def test_the_graph_takes_category_codes_as_int64(loan_model) -> None:
    types = input_types(loan_model.pipeline)
    assert {c for c, t in types.items() if t == "int64"} == {"mortg", "cons"}
    assert len(types) == 21 and set(loan_model.onnx.dtypes) == set(types)


def test_converter_refuses_a_step_it_cannot_translate(applications) -> None:
    x, y = applications
    tanh = FunctionTransformer(np.tanh)
    pipeline = build_pipeline()
    pipeline = Pipeline([pipeline.steps[0], ("tanh", tanh), *pipeline.steps[1:]]).fit(x, y)
    with pytest.raises(CompileError, match="tanh"):
        to_onnx(pipeline)
    boosted = build_pipeline().set_params(model=LGBMClassifier(n_estimators=5, verbose=-1))
    with pytest.raises(CompileError, match="LGBMClassifier"):
        to_onnx(boosted.fit(x, y))


def test_threshold_minimises_week6_cost() -> None:
    approved = np.array([1, 1, 1, 0, 0, 1])
    probability = np.array([0.95, 0.9, 0.7, 0.75, 0.2, 0.88])
    threshold, costs = tune_threshold(approved, probability)
    # Refusing the 0.7 (cost 1) beats approving the 0.75 refused one (cost 5).
    assert 0.75 < threshold <= 0.88
    assert costs["cost_at_threshold"] == pytest.approx(1 / 6)
    assert decision_cost(approved, np.ones(6, int)) == misclassification_cost(
        1 - approved, 0 * approved
    )
    assert bayes_threshold() == pytest.approx(5 / 6)


def test_explanation_names_threshold_and_costs(loan_model) -> None:
    decision = explain(0.9, loan_model.policy)
    assert decision.approve and decision.threshold == loan_model.policy["threshold"]
    assert "threshold" in decision.explanation and "costs 5" in decision.explanation
    assert not explain(0.1, loan_model.policy).approve


def test_a_tampered_model_is_refused(loan_model_path, tmp_path) -> None:
    copy = tmp_path / loan_model_path.name
    copy.write_bytes(loan_model_path.read_bytes() + b"x")
    (tmp_path / f"{copy.name}.json").write_text(
        loan_model_path.with_name(f"{loan_model_path.name}.json").read_text()
    )
    with pytest.raises(ArtifactError, match="sha256"):
        load_loan_model(copy)


def _copy_model(path, folder):
    """Copy the joblib file, the ONNX graph and both sidecars into `folder`."""
    for file in (path, path.with_suffix(".onnx")):
        for part in (file, file.with_name(f"{file.name}.json")):
            shutil.copy(part, folder / part.name)
    return folder / path.name


def test_a_tampered_or_missing_graph_is_refused(loan_model_path, tmp_path) -> None:
    copy = _copy_model(loan_model_path, tmp_path)
    graph = copy.with_suffix(".onnx")
    graph.write_bytes(graph.read_bytes() + b"x")
    with pytest.raises(ArtifactError, match=r"sha256.*To fix: rebuild"):
        load_loan_model(copy)
    graph.unlink()
    with pytest.raises(ArtifactError, match="no ONNX graph"):
        load_loan_model(copy)


def test_a_graph_from_another_pipeline_is_refused(loan_model_path, tmp_path) -> None:
    copy = _copy_model(loan_model_path, tmp_path)
    sidecar = copy.with_suffix(".onnx.json")
    meta = json.loads(sidecar.read_text())
    meta["source"]["sha256"] = "0" * 64
    sidecar.write_text(json.dumps(meta))
    with pytest.raises(ArtifactError, match="another pipeline"):
        load_loan_model(copy)


@pytest.fixture
def client(loan_model, database_url):
    """The API on an empty database (SQLite, and PostgreSQL when DATABASE_URL names one)."""
    with TestClient(create_app(Settings(database_url, KEY), loan_model)) as client:
        yield client


def test_a_decision_is_explained_and_audited(client, loan_model, applications) -> None:
    inputs = inputs_of(applications[0].iloc[3])
    response = client.post("/decisions", json=inputs, headers={API_KEY_HEADER: KEY})
    assert response.status_code == 201, response.text
    body = response.json()
    expected = loan_model.decide(inputs)
    assert body["approve"] == expected.approve
    assert body["probability"] == pytest.approx(expected.probability, abs=1e-12)
    assert f"threshold {expected.threshold:.2f}" in body["explanation"]
    stored = client.get(response.headers["Location"], headers={API_KEY_HEADER: KEY}).json()
    assert stored == body
    page = client.get("/decisions", headers={API_KEY_HEADER: KEY}).json()
    assert page["total"] == 1 and page["items"][0]["inputs"] == json.loads(json.dumps(inputs))


def test_bad_requests_get_a_4xx_naming_the_problem(client, applications) -> None:
    inputs = inputs_of(applications[0].iloc[0])
    assert client.post("/decisions", json=inputs).status_code == 401
    assert client.get("/decisions").status_code == 401
    response = client.post("/decisions", json={**inputs, "cons": 7}, headers={API_KEY_HEADER: KEY})
    assert response.status_code == 422 and "cons" in response.json()["message"]
    missing = {k: v for k, v in inputs.items() if k != "appinc"}
    response = client.post("/decisions", json=missing, headers={API_KEY_HEADER: KEY})
    assert response.status_code == 422 and "appinc" in response.json()["message"]
    assert client.get("/decisions/99", headers={API_KEY_HEADER: KEY}).status_code == 404
    assert client.get("/decisions", headers={API_KEY_HEADER: KEY}).json()["total"] == 0


def test_no_request_gets_a_server_error(loan_model, tmp_path, fuzz_api) -> None:
    app = create_app(Settings(f"sqlite:///{tmp_path / 'fuzz.sqlite3'}", KEY), loan_model)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations, statuses = fuzz_api(schema, {API_KEY_HEADER: KEY}, examples=15)
    assert operations == 5
    assert statuses[201] > 0 and statuses[422] > 0 and statuses[200] > 0, statuses


@pytest.mark.parametrize(
    "change",
    [
        {"loanamt": True},
        {"loanamt": "100"},
        {"appinc": False},
        {"dep": True},
        {"dep": "2"},
        {"pubrec": True},
        {"married": False},
        {"unknown_field": 1},
    ],
    ids=str,
)
def test_numbers_are_strict_and_unknown_fields_refused(client, applications, change) -> None:
    inputs = inputs_of(applications[0].iloc[0])
    response = client.post("/decisions", json={**inputs, **change}, headers={API_KEY_HEADER: KEY})
    assert response.status_code == 422, response.text
    assert next(iter(change)) in response.json()["message"]
    assert client.get("/decisions", headers={API_KEY_HEADER: KEY}).json()["total"] == 0


def test_a_retry_with_the_same_idempotency_key_is_recorded_once(client, applications) -> None:
    inputs = inputs_of(applications[0].iloc[5])
    headers = {API_KEY_HEADER: KEY, "Idempotency-Key": "loan-retry-1"}
    first = client.post("/decisions", json=inputs, headers=headers)
    again = client.post("/decisions", json=inputs, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    other = client.post("/decisions", json={**inputs, "loanamt": 1.0}, headers=headers)
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["message"]
    unkeyed = client.post("/decisions", json=inputs, headers={API_KEY_HEADER: KEY})
    assert unkeyed.json()["id"] != first.json()["id"]
    assert client.get("/decisions", headers={API_KEY_HEADER: KEY}).json()["total"] == 2
    too_long = {**headers, "Idempotency-Key": "k" * 201}
    assert client.post("/decisions", json=inputs, headers=too_long).status_code == 422


def test_an_audit_table_from_before_idempotency_keys_gets_the_column(
    loan_model, applications, tmp_path
) -> None:
    from sqlalchemy import create_engine

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    old = create_engine(url)
    with old.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE loan_decisions (id INTEGER PRIMARY KEY, created_at DATETIME, "
            "model_version VARCHAR(12), inputs JSON, approve BOOLEAN, probability FLOAT, "
            "threshold FLOAT, explanation VARCHAR(1000))"
        )
    old.dispose()
    headers = {API_KEY_HEADER: KEY, "Idempotency-Key": "after-upgrade"}
    with TestClient(create_app(Settings(url, KEY), loan_model)) as api:
        inputs = inputs_of(applications[0].iloc[1])
        ids = {api.post("/decisions", json=inputs, headers=headers).json()["id"] for _ in range(2)}
    assert len(ids) == 1


def test_every_read_needs_the_key(client) -> None:
    for route in client.app.routes:
        if "GET" not in getattr(route, "methods", ()) or route.path == "/health":
            continue
        if route.path in ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"):
            continue
        path = route.path.replace("{decision_id}", "1")
        assert client.get(path).status_code == 401, path
