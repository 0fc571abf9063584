"""A service's settings, read from the environment: the API key, and where its data lives.

Weeks 18, 22 and 23 serve with the same two settings (DATABASE_URL, default a SQLite file of
the service's own, and ML_ROADMAP_API_KEY, which writes need); week 22's mask API and week 8
add their own fields on the same key check. `Settings.from_env` names the service in the error
for an unset key, and every refusal is one line saying which variable is wrong and how to fix it.

Plain frozen dataclasses, not pydantic-settings: it would make them neither shorter nor stricter.
Twenty call sites build them positionally (`Settings(url, key)`), which a pydantic model
refuses; the tests hand `from_env` an environment mapping of their own, which pydantic-settings
reads only through a custom source; its refusals are several lines ("1 validation error for
Settings ... [type=value_error, input_value=...]", echoing the offending value, here a secret)
where a service must print one; and its boolean parser accepts t/y/f/n but refuses an empty
variable, which week 8 reads as off.

Free of FastAPI (shared.api re-exports `API_KEY_ENV` for the services), so a Streamlit page can
read the key's variable name without importing a web framework; SQLAlchemy is imported only by
`Settings`, so the mask API's image, which has no database, loads the key checks alone.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

API_KEY_ENV = "ML_ROADMAP_API_KEY"


def api_key_from_env(environ: Mapping[str, str] | None, service: str) -> str:
    """The key writes need, from ML_ROADMAP_API_KEY; a clear error naming `service` if unset."""
    env = os.environ if environ is None else environ
    key = env.get(API_KEY_ENV, "")
    if not key:
        raise ValueError(f"set {API_KEY_ENV} (8+ visible characters) to serve {service}")
    return key


def check_api_key(key: str) -> None:
    """Refuse a key no client could send: too short, padded, blank, or not visible ASCII.

    HTTP clients strip spaces around a header value and cannot send control or (portably)
    non-ASCII characters, so such a key would turn every write into a 401.
    """
    name = f"the API key ({API_KEY_ENV})"
    if not key.strip():
        raise ValueError(f"{name} is blank; set 8 or more visible characters, or unset it")
    if key != key.strip():
        raise ValueError(f"{name} starts or ends with spaces, which HTTP clients cannot send")
    if not all("!" <= c <= "~" for c in key):
        raise ValueError(
            f"{name} may only hold visible ASCII characters (letters, digits, punctuation; "
            "no spaces), e.g. python -c 'import secrets; print(secrets.token_urlsafe(24))'"
        )
    if len(key) < 8:
        raise ValueError(f"{name} must be at least 8 characters long")


class KeyedSettings:
    """Base of a service's frozen settings dataclass: its `api_key` is checked once it is set.

    Not a dataclass itself, so each subclass declares `api_key` where its fields want it.
    """

    api_key: str

    def __post_init__(self) -> None:
        check_api_key(self.api_key)


@dataclass(frozen=True)
class Settings(KeyedSettings):
    """Where a service's data lives (a database URL, checked), and the key writes need."""

    database_url: str
    api_key: str

    def __post_init__(self) -> None:
        from shared.db import parse_url

        super().__post_init__()
        parse_url(self.database_url)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None, default_path: Path, service: str
    ) -> Settings:
        """DATABASE_URL (default: the SQLite file `default_path`) and ML_ROADMAP_API_KEY.

        `service` names the service in the error for an unset key.
        """
        from shared.db import database_url

        key = api_key_from_env(environ, service)
        return cls(database_url(default_path, environ), key)
