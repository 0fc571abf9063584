"""shared.db: engines for SQLite (always tested), PostgreSQL and MySQL/MariaDB (when named).

PostgreSQL runs when DATABASE_URL names one, MariaDB when MYSQL_URL does (.ci/ starts both).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import ForeignKey, Integer, String, inspect, select, text
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

import shared.db
from shared.db import (
    BigId,
    DatabaseURLError,
    Document,
    ExactString,
    Float64,
    UTCDateTime,
    make_engine,
    paged,
    parse_url,
)


class Base(DeclarativeBase):
    """Two tables linked by a foreign key, and one with shared.db's column types."""


class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))


class Event(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict] = mapped_column(Document)
    value: Mapped[float] = mapped_column(Float64, default=0.0)
    tag: Mapped[str] = mapped_column(ExactString(8), unique=True, default=None, nullable=True)


@pytest.fixture
def engine(any_database_url: str):
    """An engine with the tables created, dropped again afterwards (on each database)."""
    engine = make_engine(any_database_url)
    Base.metadata.create_all(engine)
    yield engine
    Base.metadata.drop_all(engine)
    engine.dispose()


def test_foreign_keys_are_enforced(engine) -> None:
    with Session(engine) as session, pytest.raises(IntegrityError):
        session.add(Book(id=1, author_id=42))
        session.commit()
    with Session(engine) as session:
        session.add_all([Author(id=1, name="Austen"), Book(id=1, author_id=1)])
        session.commit()
        assert session.scalar(select(Book.author_id)) == 1


def test_column_types_give_ids_aware_times_and_nested_documents(engine) -> None:
    """BigId autoincrements (BIGINT on servers), times come back aware, JSON round-trips."""
    local = datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=timezone(timedelta(hours=2)))
    payload = {"inputs": {"age": 22, "tags": ["a", "b"]}, "missing": None}
    with Session(engine) as session:
        session.add_all([Event(at=local, payload=payload), Event(at=local, payload={})])
        session.commit()
    with Session(engine) as session:
        first, second = session.scalars(select(Event).order_by(Event.id)).all()
    assert (first.id, second.id) == (1, 2)
    assert first.at == local and first.at.tzinfo is not None  # the same instant, to the µs
    assert first.payload == payload
    id_type = next(c["type"] for c in inspect(engine).get_columns("events") if c["name"] == "id")
    expected = "INTEGER" if engine.dialect.name == "sqlite" else "BIGINT"
    assert str(id_type) == expected


def test_floats_keep_eight_bytes_and_strings_keep_their_case(engine) -> None:
    """MySQL's FLOAT has 4 bytes and its default collation finds 'MSFT' = 'msft': not here."""
    at = datetime(2026, 3, 1, tzinfo=UTC)
    value = 415.26000213623047
    with Session(engine) as session:
        session.add_all([Event(at=at, payload={}, value=value, tag="MSFT")])
        session.add_all([Event(at=at, payload={}, tag="msft"), Event(at=at, payload={}, tag="a ")])
        session.commit()
        assert session.scalar(select(Event.value).where(Event.tag == "MSFT")) == value
        assert session.scalars(select(Event.tag).where(Event.tag == "a")).all() == []
    with Session(engine) as session, pytest.raises(IntegrityError):
        session.add(Event(at=at, payload={}, tag="MSFT"))
        session.commit()


def test_a_string_longer_than_its_column_is_refused_on_servers(engine) -> None:
    """PostgreSQL refuses it; MySQL would cut it silently outside strict mode, which we set."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite does not enforce VARCHAR lengths (the code that writes checks them)")
    with Session(engine) as session, pytest.raises((DataError, OperationalError)):
        session.add(Author(id=1, name="x" * 51))
        session.commit()


def test_paged_counts_every_match_and_returns_one_ordered_page(engine) -> None:
    with Session(engine) as session:
        session.add_all([Author(id=i, name=f"author {i}") for i in (5, 3, 1, 4, 2)])
        session.commit()
        count, page = paged(select(Author).where(Author.id > 1), Author.id, limit=2, offset=1)
        assert session.scalar(count) == 4
        assert [a.id for a in session.scalars(page)] == [3, 4]


def test_connections_work_from_other_threads(engine) -> None:
    """A web server's thread pool uses connections opened elsewhere (check_same_thread off)."""
    with Session(engine) as session:
        session.add(Author(id=7, name="Eliot"))
        session.commit()
    names: list[str] = []

    def read() -> None:
        with Session(engine) as session:
            names.append(session.scalar(select(Author.name).where(Author.id == 7)))

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert names == ["Eliot"] * 4


def test_sqlite_file_uses_write_ahead_logging(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "db.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
    assert path.is_file()


def test_in_memory_sqlite_is_one_database_for_every_thread() -> None:
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Author(id=1, name="Woolf"))
        session.commit()
    seen: list[int] = []
    worker = threading.Thread(
        target=lambda: seen.append(len(Session(engine).scalars(select(Author)).all()))
    )
    worker.start()
    worker.join()
    assert seen == [1]


def test_database_url_reads_the_environment_with_a_sqlite_default(tmp_path: Path) -> None:
    default = tmp_path / "app.sqlite3"
    assert shared.db.database_url(default, {}) == f"sqlite:///{default}"
    assert shared.db.database_url(default, {"DATABASE_URL": "  "}) == f"sqlite:///{default}"
    server = "postgresql+psycopg://u:p@127.0.0.1:5432/db"
    assert shared.db.database_url(default, {"DATABASE_URL": f" {server}\n"}) == server


def test_urls_without_a_driver_mean_the_drivers_we_ship() -> None:
    for alias in ("postgres://u:p@h/db", "postgresql://u:p@h/db"):
        assert parse_url(alias).drivername == "postgresql+psycopg"
    assert parse_url("mysql://u:p@h/db").drivername == "mysql+pymysql"
    assert parse_url("mariadb://u:p@h/db").drivername == "mariadb+pymysql"
    assert parse_url("mysql+pymysql://u:p@h:3306/db").get_backend_name() == "mysql"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not-a-url", "is not a database URL"),
        ("mssql://user:secret@127.0.0.1/db", "unsupported database 'mssql'"),
        ("mysql+mysqldb://user:secret@127.0.0.1/db", r"driver 'mysql\+mysqldb'"),
        ("postgresql+psycopg2://user:secret@127.0.0.1/db", r"driver 'postgresql\+psycopg2'"),
        ("user:secret@127.0.0.1/db", "is not a database URL"),
    ],
)
def test_a_bad_url_is_refused_clearly_without_its_password(url: str, message: str) -> None:
    with pytest.raises(DatabaseURLError, match=message) as info:
        make_engine(url)
    assert "secret" not in str(info.value) and "sqlite:///" in str(info.value)
