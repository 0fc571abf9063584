"""Fixtures the week 8 tests share: a small real pipeline, fitted once per test run, and an app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from week08_support import KEY, sqlite_url

from shared.artifacts import save_artifact
from shared.data import read_titanic
from shared.registry import fetch
from shared.serving import ServedModel
from week07_pipelines.titanic import (
    TITANIC_INPUT_COLUMNS,
    TITANIC_SCHEMA,
    build_pipeline,
)
from week08_fastapi.app import create_app
from week08_fastapi.served_model import load_served_model
from week08_fastapi.settings import Settings


@pytest.fixture(scope="session")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The week 7 pipeline (30 trees) fitted on all 891 Titanic rows, saved with its sidecar."""
    df = read_titanic(fetch("titanic"))
    pipeline = build_pipeline(seed=0).set_params(model__n_estimators=30, model__max_depth=6)
    pipeline.fit(df[list(TITANIC_INPUT_COLUMNS)], df["Survived"])
    path = tmp_path_factory.mktemp("model") / "titanic_pipeline.joblib"
    return save_artifact(
        pipeline, path, metrics={"cv_accuracy": 0.8}, feature_schema=TITANIC_SCHEMA
    )


@pytest.fixture(scope="session")
def served_model(model_path: Path) -> ServedModel:
    """The saved pipeline, loaded and verified as the service loads it."""
    return load_served_model(model_path)


@pytest.fixture
def client(served_model: ServedModel, tmp_path: Path) -> Iterator[TestClient]:
    """A TestClient of the app on a fresh SQLite file (batch limit 5, reads need the key)."""
    settings = Settings(database_url=sqlite_url(tmp_path), api_key=KEY, max_batch=5)
    with TestClient(create_app(settings, served_model)) as test_client:
        yield test_client
