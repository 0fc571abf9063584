"""SQL engines: SQLite in a file by default; PostgreSQL or MySQL/MariaDB named by DATABASE_URL.

Weeks 8 and 18 and the capstones open their databases here, so every one gets the same options:
SQLite with foreign keys enforced (off by default in SQLite), write-ahead logging (readers and
one writer at once), a busy timeout and connections usable from a web server's thread pool;
PostgreSQL through psycopg 3 and MySQL/MariaDB through PyMySQL, with connections checked before
use and a connect timeout, so an unreachable server fails fast instead of hanging. A MySQL
session is made to behave like the other two: strict mode (a string too long for its column is
an error, not silently cut), UTC as its time zone, utf8mb4 and READ COMMITTED (PostgreSQL's
default; InnoDB's REPEATABLE READ takes gap locks that turn concurrent inserts into deadlocks).
A URL that names no supported database is refused with DatabaseURLError saying what a valid
one looks like.

The column types the same tables need on every database live here too: `BigId` (BIGINT, but
INTEGER on SQLite, which only autoincrements a column declared exactly INTEGER), `Document`
(JSONB on PostgreSQL, JSON text on SQLite and MariaDB), `Float64` (an 8-byte float: MySQL's
FLOAT has 4), `ExactString` (a VARCHAR compared byte for byte: MySQL's default collation
finds 'MSFT' = 'msft') and `UTCDateTime` (read back timezone-aware, though SQLite and MySQL
drop the zone, and to the microsecond, though MySQL's DATETIME keeps whole seconds); and
`paged`, the two queries a paginated listing runs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Engine,
    Float,
    Integer,
    Select,
    String,
    create_engine,
    event,
    func,
    make_url,
    select,
)
from sqlalchemy.dialects.mysql import DATETIME, DOUBLE, VARCHAR
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator, TypeEngine

ENV_VAR = "DATABASE_URL"
EXAMPLES = (
    "sqlite:///path/to/file.sqlite3, postgresql+psycopg://user:password@host:5432/dbname "
    "or mysql+pymysql://user:password@host:3306/dbname"
)
# A URL without a driver ("postgres://" from Heroku and docker docs, "mysql://") means the
# driver we ship: psycopg 3 for PostgreSQL, PyMySQL for MySQL and MariaDB.
_DEFAULT_DRIVERS = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
}
_BACKENDS = {"sqlite", "postgresql", "mysql", "mariadb"}
MYSQL_DIALECTS = ("mysql", "mariadb")
_SQLITE_BUSY_TIMEOUT_S = 30
_CONNECT_TIMEOUT_S = 10
_MYSQL_SESSION = "SET SESSION sql_mode = 'TRADITIONAL', time_zone = '+00:00'"

BigId = BigInteger().with_variant(Integer, "sqlite")
Document = JSON().with_variant(JSONB, "postgresql")
Float64 = Float().with_variant(DOUBLE(asdecimal=False), *MYSQL_DIALECTS)


class ExactString(TypeDecorator):
    """VARCHAR(length) whose comparisons, keys and unique indexes tell 'a' from 'A' and 'a '.

    MySQL's and MariaDB's default collations ignore case and trailing spaces; a binary NO PAD
    collation (each server names its own) compares strings as PostgreSQL and SQLite do.
    """

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect) -> TypeEngine:
        """A VARCHAR with a byte-wise NO PAD collation on MySQL/MariaDB; plain elsewhere."""
        if dialect.name in MYSQL_DIALECTS:
            collation = "utf8mb4_nopad_bin" if dialect.is_mariadb else "utf8mb4_0900_bin"
            length = cast(String, self.impl).length
            return dialect.type_descriptor(VARCHAR(length, collation=collation))
        return dialect.type_descriptor(self.impl)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect) -> TypeEngine:
        """MySQL's DATETIME with microseconds (fsp=6); the others keep theirs by default."""
        if dialect.name in MYSQL_DIALECTS:
            return dialect.type_descriptor(DATETIME(fsp=6))
        return dialect.type_descriptor(self.impl)

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        """Store the time in UTC."""
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        """Read a zone-less time (SQLite's, MySQL's) back as UTC."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class DatabaseURLError(ValueError):
    """A database URL cannot be used; the message says why and what a valid one looks like."""


def database_url(sqlite_path: Path, environ: Mapping[str, str] | None = None) -> str:
    """Return DATABASE_URL from the environment, or a SQLite URL for `sqlite_path` when unset."""
    env = os.environ if environ is None else environ
    return env.get(ENV_VAR, "").strip() or f"sqlite:///{Path(sqlite_path)}"


def parse_url(url: str) -> URL:
    """Parse and check a database URL (SQLite, PostgreSQL, MySQL); raise DatabaseURLError if not."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise DatabaseURLError(
            f"{ENV_VAR}: {_redacted(url)!r} is not a database URL; expected e.g. {EXAMPLES}"
        ) from None
    if parsed.drivername in _DEFAULT_DRIVERS:
        parsed = parsed.set(drivername=_DEFAULT_DRIVERS[parsed.drivername])
    backend = parsed.get_backend_name()
    if backend not in _BACKENDS:
        raise DatabaseURLError(
            f"{ENV_VAR}: unsupported database {backend!r}; "
            f"use SQLite, PostgreSQL or MySQL/MariaDB, e.g. {EXAMPLES}"
        )
    return parsed


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine for `url` with the options its database needs (see the module notes)."""
    parsed = parse_url(url)
    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite":
            return _sqlite_engine(parsed, **kwargs)
        connect_args: dict[str, object] = {"connect_timeout": _CONNECT_TIMEOUT_S}
        if backend in MYSQL_DIALECTS:
            connect_args |= {"charset": "utf8mb4", "init_command": _MYSQL_SESSION}
            kwargs.setdefault("isolation_level", "READ COMMITTED")
        return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise DatabaseURLError(
            f"{ENV_VAR}: driver {parsed.drivername!r} is not installed ({exc}); "
            f"use one of {EXAMPLES}"
        ) from None


def paged(query: Select, order_by, limit: int, offset: int) -> tuple[Select, Select]:
    """The number of rows `query` matches, and one page of them ordered by `order_by`."""
    count = select(func.count()).select_from(query.subquery())
    return count, query.order_by(order_by).limit(limit).offset(offset)


def _sqlite_engine(url: URL, **kwargs) -> Engine:
    """A SQLite engine; a file database gets its folder created, an in-memory one is shared."""
    in_memory = url.database in (None, "", ":memory:")
    if not in_memory:
        Path(str(url.database)).parent.mkdir(parents=True, exist_ok=True)
    connect_args = {"check_same_thread": False, "timeout": _SQLITE_BUSY_TIMEOUT_S}
    if in_memory:
        # One connection for every thread, or each thread would see an empty database of its own.
        kwargs.setdefault("poolclass", StaticPool)
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Enforce foreign keys; write-ahead logging lets readers and one writer work at once."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _redacted(url: str) -> str:
    """The URL with any password (between `user:` and `@`) replaced, for error messages."""
    return re.sub(r"(?<=:)[^:@]*(?=@)", "***", url)
