"""Property-based fuzzing of the OpenAPI schema: no generated request, valid or not, gets a 5xx."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from week08_support import AUTH, KEY, sqlite_url

from week08_fastapi.app import create_app
from week08_fastapi.settings import Settings


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


def test_no_request_gets_a_server_error(api_schema: schemathesis.BaseSchema, fuzz_api) -> None:
    operations, statuses = fuzz_api(api_schema, AUTH, examples=15)
    assert operations == 9
    # Not vacuous: the fuzz reached the model and the database as well as the validators.
    assert statuses[200] > 0 and statuses[201] > 0 and statuses[422] > 0, statuses
