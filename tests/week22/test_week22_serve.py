"""`python -m week22_capstone serve NAME` checks what a dashboard needs before it starts, and the
forecast page on a database with no forecast says so instead of showing a database error."""

from __future__ import annotations

import sqlite3

import pytest
from streamlit.testing.v1 import AppTest

from week22_capstone import forecast, serve
from week22_capstone.forecast.store import DB_ENV
from week22_capstone.mask.cli import WEEK13_MODELS
from week22_capstone.sentiment.models import MODELS_ENV, TFIDF_FILE

FORECAST_APP = forecast.PAGE


@pytest.fixture
def no_start(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the apps `serve` would start instead of starting them (exec would end pytest)."""
    started: list[str] = []
    monkeypatch.setattr(serve, "serve", lambda args, *rest: started.append(args.name) or 0)
    return started


def test_the_forecast_page_on_an_empty_database_says_no_forecasts_yet(tmp_path, monkeypatch):
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    monkeypatch.setenv(DB_ENV, f"sqlite:///{empty}")
    app = AppTest.from_file(str(FORECAST_APP), default_timeout=120).run()
    assert not app.exception, app.exception
    assert "No forecasts in the database yet" in app.warning[0].value
    assert "--project forecasting" in app.warning[0].value


def test_serve_forecast_with_a_database_in_a_missing_folder_names_the_command(
    tmp_path, monkeypatch, capsys, no_start
) -> None:
    missing = tmp_path / "no_such_folder" / "forecasts.sqlite3"
    monkeypatch.setenv(DB_ENV, f"sqlite:///{missing}")
    assert serve.main(["forecast"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "its folder does not exist" in err
    assert "python -m week22_capstone --project forecasting" in err
    assert not missing.parent.exists() and no_start == []
    missing.parent.mkdir()
    sqlite3.connect(missing).close()
    assert serve.main(["forecast"]) == 0 and no_start == ["forecast"]


def test_serve_sentiment_without_a_model_names_the_command(
    tmp_path, monkeypatch, capsys, no_start
) -> None:
    monkeypatch.setenv(MODELS_ENV, str(tmp_path / "none"))
    assert serve.main(["sentiment"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "python -m week22_capstone --project sentiment" in err
    folder = tmp_path / "models"
    folder.mkdir()
    assert serve.main(["sentiment", "--models", str(folder)]) == 2
    (folder / TFIDF_FILE).write_bytes(b"")
    assert serve.main(["sentiment", "--models", str(folder)]) == 0 and no_start == ["sentiment"]


def test_serve_mask_loads_week_13s_models_or_the_folder_given(tmp_path, monkeypatch) -> None:
    import week22_capstone.mask.service as mask_service

    folders = []
    monkeypatch.setattr(
        mask_service, "create_app", lambda settings, models, backend: folders.append(models)
    )
    monkeypatch.setenv("ML_ROADMAP_API_KEY", "week22-serve-key-0123")
    for argv in (["mask"], ["mask", "--models", str(tmp_path)]):
        serve._api(serve.build_parser().parse_args(argv))
    assert folders == [WEEK13_MODELS, tmp_path]


def test_serve_mask_on_onnx_without_the_export_names_the_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ML_ROADMAP_API_KEY", "week22-serve-key-0123")
    assert serve.main(["mask", "--backend", "onnx", "--models", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "python -m week24_deploy export-mask" in error
