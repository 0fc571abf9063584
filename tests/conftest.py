"""Fixtures every test layer shares, and the tiers each test belongs to.

Tiers are markers given here by what a test uses (tests/tiers.py), so no test file has to
remember them; `postgres` marks the PostgreSQL side of `database_url`. `make test-unit` runs
everything else.
"""

from __future__ import annotations

import importlib
import itertools
import json
import os
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from tiers import HostNetworkScheduling, tiers

from shared.apptest import scan_components_once
from shared.cli import run_week
from shared.db import make_engine, parse_url


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, give each worker its share of the cores, not all of them.

    PyTorch and OpenMP start a thread per core in every process: two workers on two cores would
    run four threads that wait on each other. The variable reaches the processes tests start.
    """
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1 and "OMP_NUM_THREADS" not in os.environ:
        threads = max(1, (os.cpu_count() or 1) // workers)
        os.environ["OMP_NUM_THREADS"] = str(threads)
        import torch

        torch.set_num_threads(threads)


def pytest_xdist_make_scheduler(config: pytest.Config, log) -> HostNetworkScheduling | None:
    """Schedule `--dist loadfile` runs with HostNetworkScheduling; leave other modes alone."""
    return HostNetworkScheduling(config, log) if config.getoption("dist") == "loadfile" else None


@pytest.fixture(autouse=True)
def _main_module_restored() -> Iterator[None]:
    """Put `__main__` back after each test: Streamlit's AppTest leaves its page there.

    A process that test later spawns (week 17's tuning workers) would run that page first and
    die, so a test would fail or pass depending on what its xdist worker ran before it.
    """
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(autouse=True)
def _streamlit_components_scanned_once() -> Iterator[None]:
    """Keep Streamlit's first component scan for the worker's later AppTests (0.3 s each)."""
    yield
    if "streamlit.components.v2.manifest_scanner" in sys.modules:
        scan_components_once()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with the tiers it belongs to (see the module docstring)."""
    for item in items:
        for marker in tiers(item):
            item.add_marker(marker)


@pytest.fixture
def fast_run(tmp_path: Path) -> Callable[..., dict]:
    """Run a week's `--fast` mode in-process into tmp_path and return its metrics.json."""

    def _run(package: str, *extra: str) -> dict:
        main = importlib.import_module(f"{package}.__main__")
        argv = ["--fast", "--out", str(tmp_path), "--device", "cpu", *extra]
        assert run_week(main.WEEK, main.TITLE, main.PROJECTS, argv) == 0
        assert (tmp_path / "report.md").is_file()
        return json.loads((tmp_path / "metrics.json").read_text())

    return _run


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """DATABASE_URL narrowed to a fresh schema of its own, dropped afterwards; skips without it."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("DATABASE_URL does not name a PostgreSQL server (.ci/postgres.sh sets one up)")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        scoped = parse_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def mysql_url() -> Iterator[str]:
    """MYSQL_URL's server with a fresh database of its own, dropped afterwards; skips without it."""
    url = os.environ.get("MYSQL_URL", "")
    if not url.startswith(("mysql", "mariadb")):
        pytest.skip("MYSQL_URL does not name a MySQL/MariaDB server (.ci/mariadb.sh sets one up)")
    database = f"{parse_url(url).database}_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE DATABASE {database} CHARACTER SET utf8mb4"))
    try:
        yield parse_url(url).set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP DATABASE {database}"))
        admin.dispose()


SQLITE_AND_POSTGRES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=SQLITE_AND_POSTGRES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each database test runs on a SQLite file, and on PostgreSQL when DATABASE_URL names one."""
    return _test_database(request, tmp_path)


@pytest.fixture(params=[*SQLITE_AND_POSTGRES, pytest.param("mysql", marks=pytest.mark.mysql)])
def any_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """database_url's databases, and MySQL/MariaDB when MYSQL_URL names one (shared.db, week 18)."""
    return _test_database(request, tmp_path)


def _test_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty test database of the kind the fixture's parameter names."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    return request.getfixturevalue(
        {"postgresql": "postgres_url", "mysql": "mysql_url"}[request.param]
    )


@pytest.fixture
def fuzz_api() -> Callable[..., tuple[int, Counter[int]]]:
    """Fuzz every operation of an OpenAPI schema, valid and invalid requests; no 5xx allowed.

    Returns (how many operations the schema declares, how often each status came back), so a
    test can check the fuzz reached past the validators. An operation with nothing to break
    (e.g. GET /health) may have no invalid requests at all.
    """

    def _fuzz(schema, headers: dict[str, str], examples: int) -> tuple[int, Counter[int]]:
        import schemathesis
        from hypothesis import HealthCheck, given, settings
        from hypothesis.errors import Unsatisfiable
        from schemathesis.checks import not_a_server_error

        operations = [result.ok() for result in schema.get_all_operations()]
        statuses: Counter[int] = Counter()
        for operation, mode in itertools.product(operations, schemathesis.GenerationMode):

            @given(case=operation.as_strategy(mode))
            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def no_server_error(case: schemathesis.Case) -> None:
                response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
                statuses[response.status_code] += 1

            try:
                no_server_error()
            except Unsatisfiable:
                assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
        return len(operations), statuses

    return _fuzz
