"""shared.settings: one API-key variable, checked keys, and a service's database from the env."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared import api
from shared.settings import API_KEY_ENV, Settings

KEY = "settings-key-123"


def test_the_key_variable_has_one_name() -> None:
    assert api.API_KEY_ENV is API_KEY_ENV == "ML_ROADMAP_API_KEY"


def test_from_env_reads_the_database_and_key_with_the_services_default(tmp_path: Path) -> None:
    default = tmp_path / "service.sqlite3"
    assert Settings.from_env({API_KEY_ENV: KEY}, default, "x") == Settings(
        f"sqlite:///{default}", KEY
    )
    given = {API_KEY_ENV: KEY, "DATABASE_URL": "sqlite:///elsewhere.sqlite3"}
    assert Settings.from_env(given, default, "x").database_url == "sqlite:///elsewhere.sqlite3"


def test_an_unset_key_names_the_service_and_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=rf"^set {API_KEY_ENV} .* to serve the loan API$"):
        Settings.from_env({}, tmp_path / "db.sqlite3", "the loan API")


def test_a_bad_key_or_database_url_is_refused_in_one_line() -> None:
    with pytest.raises(ValueError, match="at least 8 characters"):
        Settings("sqlite://", "short")
    with pytest.raises(ValueError, match=r"DATABASE_URL: unsupported database 'oracle'"):
        Settings("oracle://db", KEY)
