"""Property-based fuzzing of the service's OpenAPI schema: no request, valid or not, gets a 5xx."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from week18_support import KEY

from shared.api import API_KEY_HEADER
from shared.db import make_engine
from shared.settings import Settings
from week18_databases import migrate
from week18_databases.loans import insert_applicants, read_loans
from week18_databases.service import create_app


@pytest.fixture(scope="module")
def api_schema(catalog, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """The app's own OpenAPI schema, called in-process over ASGI, on a database of applicants."""
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    insert_applicants(engine, read_loans())
    engine.dispose()
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(Settings(url, KEY), catalog))


def test_no_request_gets_a_server_error(api_schema, fuzz_api) -> None:
    operations, statuses = fuzz_api(api_schema, {API_KEY_HEADER: KEY}, examples=12)
    assert operations == 10
    # Not vacuous: the fuzz reached the models and the database as well as the validators.
    assert statuses[200] > 0 and statuses[201] > 0 and statuses[422] > 0, statuses
