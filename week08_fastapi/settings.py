"""The service's configuration, read from environment variables (twelve-factor style).

| variable                  | default                                            |
| ------------------------- | -------------------------------------------------- |
| DATABASE_URL              | sqlite:///reports/week08/predictions.sqlite3       |
| ML_ROADMAP_API_KEY        | a random key, generated and logged at start        |
|                           | (set: 8+ visible ASCII characters, no spaces)      |
| ML_ROADMAP_MODEL_PATH     | reports/week07/models/titanic_pipeline.joblib      |
| ML_ROADMAP_BUILD_MODEL    | 0: a missing model is an error (1: train it first) |
| ML_ROADMAP_PUBLIC_READS   | 0: reading stored predictions needs the key too    |
| ML_ROADMAP_MAX_BATCH      | 100 passengers per /predict/batch request          |
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shared import upstream
from shared.db import database_url, parse_url
from shared.paths import REPORTS_DIR
from shared.settings import API_KEY_ENV, check_api_key

DEFAULT_DATABASE_PATH = REPORTS_DIR / "week08" / "predictions.sqlite3"
DEFAULT_MODEL_PATH = upstream.path("week07.titanic_pipeline")
DEFAULT_MAX_BATCH = 100
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class Settings:
    """Everything the service needs to start: where its data and model are, and its key."""

    database_url: str
    api_key: str
    model_path: Path = DEFAULT_MODEL_PATH
    build_model: bool = False
    public_reads: bool = False
    max_batch: int = DEFAULT_MAX_BATCH
    generated_key: bool = False

    def __post_init__(self) -> None:
        check_api_key(self.api_key)
        parse_url(self.database_url)
        if self.max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, not {self.max_batch}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from environment variables; an unset key is replaced by a random one."""
        env = os.environ if environ is None else environ
        key = env.get(API_KEY_ENV, "")
        return cls(
            database_url=database_url(DEFAULT_DATABASE_PATH, env),
            api_key=key or secrets.token_urlsafe(24),
            model_path=Path(env.get("ML_ROADMAP_MODEL_PATH") or DEFAULT_MODEL_PATH),
            build_model=_flag(env, "ML_ROADMAP_BUILD_MODEL"),
            public_reads=_flag(env, "ML_ROADMAP_PUBLIC_READS"),
            max_batch=_positive_int(env, "ML_ROADMAP_MAX_BATCH", DEFAULT_MAX_BATCH),
            generated_key=not key,
        )


def _flag(env: Mapping[str, str], name: str) -> bool:
    """Parse an on/off variable, refusing anything that is not clearly one or the other."""
    value = env.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}={value!r}: use 1/true/yes/on or 0/false/no/off")


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    """Parse a positive whole number, or return the default when the variable is unset."""
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name}={value!r}: must be a positive whole number")
    return int(value)
