"""Constants and helpers the week 8 tests share (the fixtures are in conftest.py)."""

from __future__ import annotations

from pathlib import Path

from shared.api import API_KEY_HEADER
from week08_fastapi.schemas import EXAMPLE_PASSENGER

KEY = "test-key-0123456789"
AUTH = {API_KEY_HEADER: KEY}
PASSENGER = EXAMPLE_PASSENGER
ROSE = {
    "pclass": 1,
    "sex": "female",
    "age": 17,
    "sibsp": 1,
    "parch": 1,
    "fare": 100.0,
    "embarked": "S",
}


def sqlite_url(folder: Path) -> str:
    """A SQLite database file in `folder`."""
    return f"sqlite:///{folder / 'predictions.sqlite3'}"
