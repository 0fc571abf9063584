"""Every route of the week 8 API through TestClient: answers, errors and the API key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from week08_support import AUTH, KEY, PASSENGER, ROSE, sqlite_url

from shared.artifacts import sidecar_path
from week08_fastapi.app import MAX_BODY_BYTES, create_app
from week08_fastapi.schemas import Passenger, to_frame
from week08_fastapi.served_model import ModelUnavailableError, load_served_model
from week08_fastapi.settings import Settings


def store(client: TestClient, passenger: dict = PASSENGER) -> dict:
    """POST one passenger to /predictions and return the stored row."""
    response = client.post("/predictions", json=passenger, headers=AUTH)
    assert response.status_code == 201, response.text
    return response.json()


def test_health_and_model_info(client: TestClient, served_model) -> None:
    health = client.get("/health").json()
    assert health == {"status": "ok", "model_version": served_model.version, "database": "sqlite"}
    info = client.get("/model").json()
    assert info["version"] == served_model.version == info["sha256"][:12]
    assert info["metrics"] == {"cv_accuracy": 0.8}
    assert set(info["feature_schema"]) == {
        "Pclass",
        "Sex",
        "Age",
        "SibSp",
        "Parch",
        "Fare",
        "Embarked",
    }
    assert info["max_batch"] == 5 and "sklearn" in info["library_versions"]


def test_predict_matches_the_pipeline_in_process(client: TestClient, served_model) -> None:
    answers = [client.post("/predict", json=p).json() for p in (PASSENGER, ROSE)]
    expected = served_model.pipeline.predict_proba(
        to_frame([Passenger(**PASSENGER), Passenger(**ROSE)])
    )[:, 1]
    assert [a["probability"] for a in answers] == pytest.approx(list(expected))
    # A third-class man mostly died, a first-class girl mostly lived: the model learned that.
    assert (answers[0]["survived"], answers[1]["survived"]) == (0, 1)


def test_unknown_age_fare_and_port_are_accepted(client: TestClient) -> None:
    response = client.post(
        "/predict", json={**PASSENGER, "age": None, "fare": None, "embarked": None}
    )
    assert response.status_code == 200
    assert 0 <= response.json()["probability"] <= 1


def test_batch_keeps_order_and_agrees_with_single_predictions(client: TestClient) -> None:
    batch = client.post("/predict/batch", json={"passengers": [PASSENGER, ROSE, PASSENGER]})
    assert batch.status_code == 200
    singles = [client.post("/predict", json=p).json() for p in (PASSENGER, ROSE, PASSENGER)]
    assert batch.json()["predictions"] == singles


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"pclass": 4}, "pclass", "less than or equal to 3"),
        ({"pclass": 0}, "pclass", "greater than or equal to 1"),
        ({"sex": "unknown"}, "sex", "'male' or 'female'"),
        ({"age": 121}, "age", "less than or equal to 120"),
        ({"age": -1}, "age", "greater than or equal to 0"),
        ({"fare": -5}, "fare", "greater than or equal to 0"),
        ({"sibsp": -1}, "sibsp", "greater than or equal to 0"),
        ({"embarked": "X"}, "embarked", "'C', 'Q' or 'S'"),
        ({"pclass": "first"}, "pclass", "valid integer"),
        ({"name": "Jack"}, "name", "Extra inputs are not permitted"),
    ],
)
def test_bad_fields_get_422_naming_field_and_rule(
    client: TestClient, change: dict, field: str, rule: str
) -> None:
    response = client.post("/predict", json={**PASSENGER, **change})
    assert response.status_code == 422
    body = response.json()
    assert f"body.{field}: " in body["message"] and rule in body["message"]
    assert body["detail"][0]["loc"] == ["body", field]


def test_missing_required_field_is_named(client: TestClient) -> None:
    body = {k: v for k, v in PASSENGER.items() if k != "sex"}
    response = client.post("/predict", json=body)
    assert response.status_code == 422 and "body.sex: Field required" in response.json()["message"]


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"not json",
        b"[]",
        b'"text"',
        b"null",
        b'{"pclass": 3, "sex": "male", "age": NaN, "sibsp": 0, "parch": 0}',
        b'{"pclass": 3, "sex": "male", "fare": Infinity, "sibsp": 0, "parch": 0}',
        b"\xff\xfe",
        b'{"pclass": 3, "sex": "\xff", "sibsp": 0, "parch": 0}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": ' * 5_000 + b"1" + b"}" * 5_000,
        b'{"pclass": ' + b"9" * 5_000 + b', "sex": "male", "sibsp": 0, "parch": 0}',
    ],
)
def test_malformed_json_is_a_422_never_a_500(client: TestClient, raw: bytes) -> None:
    """Deep nesting, invalid UTF-8 and huge integers included: the README's promise holds."""
    response = client.post("/predict", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    body = response.json()
    assert body["message"] and body["detail"][0]["loc"][0] == "body"


@pytest.mark.parametrize("field", ["pclass", "sibsp", "parch", "age", "fare"])
def test_booleans_are_not_numbers(client: TestClient, field: str) -> None:
    response = client.post("/predict", json={**PASSENGER, field: True})
    assert response.status_code == 422 and f"body.{field}" in response.json()["message"]


def test_every_error_is_json_with_a_message(client: TestClient) -> None:
    """One error contract: 401, 404, 405, 413 and 422 all answer JSON with a `message`."""
    refusals = [
        client.post("/predictions", json=PASSENGER),
        client.get("/predictions/999", headers=AUTH),
        client.get("/no-such-route"),
        client.put("/predict", json=PASSENGER),
        client.post("/predict/batch", json={"passengers": [PASSENGER] * 6}),
        client.post("/predict", json={**PASSENGER, "age": 130}),
    ]
    assert [r.status_code for r in refusals] == [401, 404, 404, 405, 413, 422]
    for response in refusals:
        assert response.headers["content-type"] == "application/json"
        assert isinstance(response.json()["message"], str) and response.json()["message"]
    assert refusals[0].headers["www-authenticate"] == "X-API-Key"


def test_oversized_batch_gets_413_and_empty_batch_422(client: TestClient) -> None:
    response = client.post("/predict/batch", json={"passengers": [PASSENGER] * 6})
    assert response.status_code == 413 and "the limit is 5" in response.json()["detail"]
    assert client.post("/predict/batch", json={"passengers": []}).status_code == 422


def test_oversized_body_gets_413_before_parsing(client: TestClient) -> None:
    """The same JSON 413 whether the body declares its length or arrives in chunks."""
    body = json.dumps({"passengers": [PASSENGER]}).encode() + b" " * MAX_BODY_BYTES
    headers = {"content-type": "application/json"}

    def chunks():
        for start in range(0, len(body), 1 << 16):
            yield body[start : start + (1 << 16)]

    declared = client.post("/predict/batch", content=body, headers=headers)
    chunked = client.post("/predict/batch", content=chunks(), headers=headers)
    for response in (declared, chunked):
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/json"
        assert "over the limit" in response.json()["message"]


def test_stored_prediction_crud(client: TestClient, served_model) -> None:
    created = client.post("/predictions", json=ROSE, headers=AUTH)
    assert created.status_code == 201
    row = created.json()
    assert created.headers["location"] == f"/predictions/{row['id']}"
    assert row["passenger"] == {**ROSE, "age": 17.0}
    assert row["model_version"] == served_model.version and row["actual"] is None
    assert row["probability"] == client.post("/predict", json=ROSE).json()["probability"]
    url = f"/predictions/{row['id']}"
    assert client.get(url, headers=AUTH).json() == row
    patched = client.patch(url, json={"actual": 1}, headers=AUTH).json()
    assert patched["actual"] == 1 and patched["feedback_at"] >= row["created_at"]
    assert client.get(url, headers=AUTH).json() == patched
    assert client.delete(url, headers=AUTH).status_code == 204
    assert client.get(url, headers=AUTH).status_code == 404


def test_unknown_ids_get_404_and_bad_ids_422(client: TestClient) -> None:
    for method in ("GET", "DELETE"):
        response = client.request(method, "/predictions/999", headers=AUTH)
        assert response.status_code == 404 and "999" in response.json()["detail"]
    assert client.patch("/predictions/999", json={"actual": 0}, headers=AUTH).status_code == 404
    for bad in ("0", "abc", str(2**64)):
        assert client.get(f"/predictions/{bad}", headers=AUTH).status_code == 422


def test_feedback_must_be_0_or_1(client: TestClient) -> None:
    url = f"/predictions/{store(client)['id']}"
    for bad in ({"actual": 2}, {"actual": "yes"}, {}, {"actual": 1, "extra": 0}):
        assert client.patch(url, json=bad, headers=AUTH).status_code == 422


def test_list_paginates_and_filters(client: TestClient) -> None:
    rows = [store(client, p) for p in (PASSENGER, ROSE, PASSENGER, ROSE, PASSENGER)]
    client.patch(f"/predictions/{rows[1]['id']}", json={"actual": 1}, headers=AUTH)
    page = client.get("/predictions", params={"limit": 2, "offset": 1}, headers=AUTH).json()
    assert page["total"] == 5 and [r["id"] for r in page["items"]] == [rows[1]["id"], rows[2]["id"]]
    lived = client.get("/predictions", params={"survived": 1}, headers=AUTH).json()
    assert lived["total"] == 2 and all(r["passenger"]["sex"] == "female" for r in lived["items"])
    with_feedback = client.get("/predictions", params={"has_feedback": True}, headers=AUTH).json()
    assert [r["id"] for r in with_feedback["items"]] == [rows[1]["id"]]
    version = rows[0]["model_version"]
    assert (
        client.get("/predictions", params={"model_version": version}, headers=AUTH).json()["total"]
        == 5
    )
    assert (
        client.get("/predictions", params={"model_version": "other"}, headers=AUTH).json()["total"]
        == 0
    )
    for bad in (
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"survived": 2},
        {"has_feedback": "maybe"},
    ):
        assert client.get("/predictions", params=bad, headers=AUTH).status_code == 422


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong-key-000"}, {"X-API-Key": ""}])
def test_writes_and_reads_need_the_key(client: TestClient, headers: dict) -> None:
    row_url = f"/predictions/{store(client)['id']}"
    refused = [
        client.post("/predictions", json=PASSENGER, headers=headers),
        client.get("/predictions", headers=headers),
        client.get(row_url, headers=headers),
        client.patch(row_url, json={"actual": 0}, headers=headers),
        client.delete(row_url, headers=headers),
    ]
    assert [r.status_code for r in refused] == [401] * 5
    assert "X-API-Key" in refused[0].json()["detail"]
    assert client.get("/predictions", headers=AUTH).json()["total"] == 1  # nothing was written


def test_public_reads_open_reads_but_not_writes(served_model, tmp_path: Path) -> None:
    settings = Settings(database_url=sqlite_url(tmp_path), api_key=KEY, public_reads=True)
    with TestClient(create_app(settings, served_model)) as client:
        row = store(client)
        assert client.get("/predictions").status_code == 200
        assert client.get(f"/predictions/{row['id']}").status_code == 200
        assert client.delete(f"/predictions/{row['id']}").status_code == 401


def test_missing_model_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="make week07"):
        load_served_model(tmp_path / "titanic_pipeline.joblib")
    settings = Settings(
        database_url=sqlite_url(tmp_path), api_key=KEY, model_path=tmp_path / "absent.joblib"
    )
    with (
        pytest.raises(ModelUnavailableError, match="make week07"),
        TestClient(create_app(settings)),
    ):
        pass


def test_tampered_model_is_refused_before_loading(model_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / model_path.name
    copy.write_bytes(model_path.read_bytes() + b"\0")
    sidecar_path(copy).write_bytes(sidecar_path(model_path).read_bytes())
    with pytest.raises(ModelUnavailableError, match="sha256"):
        load_served_model(copy)


def test_model_with_other_columns_is_refused(model_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / model_path.name
    copy.write_bytes(model_path.read_bytes())
    meta = json.loads(sidecar_path(model_path).read_text())
    meta["feature_schema"] = {"Pclass": meta["feature_schema"]["Pclass"]}
    sidecar_path(copy).write_text(json.dumps(meta))
    with pytest.raises(ModelUnavailableError, match="expects columns"):
        load_served_model(copy)


def test_app_loads_the_verified_model_from_settings(model_path: Path, tmp_path: Path) -> None:
    settings = Settings(database_url=sqlite_url(tmp_path), api_key=KEY, model_path=model_path)
    with TestClient(create_app(settings)) as client:
        assert client.post("/predict", json=PASSENGER).status_code == 200


def test_a_bug_answers_500_in_the_same_json_shape(tmp_path: Path) -> None:
    class Broken:
        version = "broken"

        def predict(self, frame):
            raise RuntimeError("a bug")

    settings = Settings(database_url=sqlite_url(tmp_path), api_key=KEY)
    app = create_app(settings, Broken())
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/predict", json=PASSENGER)
    assert response.status_code == 500
    assert response.json()["message"] == "internal error; see the server log"
    assert "a bug" not in response.text
