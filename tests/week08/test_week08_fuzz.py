"""Property-based fuzzing of the OpenAPI schema: no generated request, valid or not, gets a 5xx."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from week08_support import AUTH, KEY, model_path, served_model, sqlite_url

from week08_fastapi.app import create_app
from week08_fastapi.settings import Settings

__all__ = ["model_path", "served_model"]  # fixtures, imported for pytest


@pytest.fixture(scope="module")
def api_schema(
    served_model, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[schemathesis.BaseSchema]:
    """The app's own OpenAPI schema, called in-process over ASGI, with a few rows stored."""
    settings = Settings(
        database_url=sqlite_url(tmp_path_factory.mktemp("fuzz")), api_key=KEY, max_batch=5
    )
    app = create_app(settings, served_model)
    yield schemathesis.openapi.from_asgi("/openapi.json", app)


def operations(schema: schemathesis.BaseSchema) -> list[schemathesis.APIOperation]:
    """Every operation the schema declares."""
    return [result.ok() for result in schema.get_all_operations()]


def test_no_request_gets_a_server_error(api_schema: schemathesis.BaseSchema) -> None:
    ops = operations(api_schema)
    assert len(ops) == 9
    statuses: Counter[int] = Counter()
    for operation, mode in itertools.product(ops, schemathesis.GenerationMode):

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def no_server_error(case: schemathesis.Case) -> None:
            response = case.call_and_validate(headers=AUTH, checks=[not_a_server_error])
            statuses[response.status_code] += 1

        try:
            no_server_error()
        except Unsatisfiable:
            assert (
                mode is schemathesis.GenerationMode.NEGATIVE
            )  # e.g. GET /health: nothing to break
    # Not vacuous: the fuzz reached the model and the database as well as the validators.
    assert statuses[200] > 0 and statuses[201] > 0 and statuses[422] > 0, statuses
