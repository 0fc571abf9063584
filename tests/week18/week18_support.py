"""Fixtures the week 18 tests share: both databases, the served models, a running service."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from shared.db import make_engine
from week08_fastapi.served_model import ServedModel
from week18_databases.catalog import build_models, load_catalog

KEY = "week18-test-key-0123"


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Week 7's two pipelines fitted (default settings) and saved into a temporary folder."""
    return build_models(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def catalog(models_dir: Path) -> dict[str, ServedModel]:
    """The served models, loaded and verified."""
    return load_catalog(models_dir)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """DATABASE_URL narrowed to a fresh schema of its own, dropped afterwards; skips without it."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("DATABASE_URL does not name a PostgreSQL server (.ci/postgres.sh sets one up)")
    schema = f"w18_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each database test runs on SQLite, and on PostgreSQL when DATABASE_URL names one."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'week18.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test's empty database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()
