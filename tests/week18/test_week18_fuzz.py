"""Property-based fuzzing of the service's OpenAPI schema: no request, valid or not, gets a 5xx."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from week18_support import KEY, catalog, models_dir

from shared.db import make_engine
from week08_fastapi.app import API_KEY_HEADER
from week18_databases import migrate
from week18_databases.loans import insert_applicants, read_loans
from week18_databases.service import Settings, create_app

__all__ = ["catalog", "models_dir"]  # fixtures, imported for pytest


@pytest.fixture(scope="module")
def api_schema(catalog, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """The app's own OpenAPI schema, called in-process over ASGI, on a database of applicants."""
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    insert_applicants(engine, read_loans())
    engine.dispose()
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(Settings(url, KEY), catalog))


def test_no_request_gets_a_server_error(api_schema) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 10
    statuses: Counter[int] = Counter()
    for operation, mode in itertools.product(operations, schemathesis.GenerationMode):

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def no_server_error(case: schemathesis.Case) -> None:
            response = case.call_and_validate(
                headers={API_KEY_HEADER: KEY}, checks=[not_a_server_error]
            )
            statuses[response.status_code] += 1

        try:
            no_server_error()
        except Unsatisfiable:
            assert mode is schemathesis.GenerationMode.NEGATIVE  # e.g. GET /health
    # Not vacuous: the fuzz reached the models and the database as well as the validators.
    assert statuses[200] > 0 and statuses[201] > 0 and statuses[422] > 0, statuses
