"""Fixtures the week 18 tests share: the served models (built once per test run), an engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from shared.db import make_engine
from shared.serving import ServedModel
from week18_databases.catalog import build_models, load_catalog


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Week 7's two pipelines fitted (default settings) and saved into a temporary folder."""
    return build_models(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def catalog(models_dir: Path) -> dict[str, ServedModel]:
    """The served models, loaded and verified."""
    return load_catalog(models_dir)


@pytest.fixture
def engine(any_database_url: str) -> Iterator[Engine]:
    """An engine on the test's empty database (SQLite, and PostgreSQL and MariaDB when named)."""
    engine = make_engine(any_database_url)
    yield engine
    engine.dispose()
