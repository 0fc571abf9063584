"""shared.db: engines for SQLite (always tested) and PostgreSQL (when DATABASE_URL names one)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import ForeignKey, Integer, String, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from shared.db import DatabaseURLError, database_url, make_engine, parse_url


class Base(DeclarativeBase):
    """Two tables linked by a foreign key."""


class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A SQLite file in a folder that does not exist yet, or DATABASE_URL's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'new' / 'folder' / 'db.sqlite3'}"
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith(("postgresql", "postgres:")):
        pytest.skip("DATABASE_URL does not name a PostgreSQL server (.ci/postgres.sh sets one up)")
    return server


@pytest.fixture
def engine(url: str):
    """An engine with the two tables created, dropped again afterwards."""
    engine = make_engine(url)
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
    assert database_url(default, {}) == f"sqlite:///{default}"
    assert database_url(default, {"DATABASE_URL": "  "}) == f"sqlite:///{default}"
    server = "postgresql+psycopg://u:p@127.0.0.1:5432/db"
    assert database_url(default, {"DATABASE_URL": f" {server}\n"}) == server


def test_postgres_aliases_mean_psycopg_3() -> None:
    for alias in ("postgres://u:p@h/db", "postgresql://u:p@h/db"):
        assert parse_url(alias).drivername == "postgresql+psycopg"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not-a-url", "is not a database URL"),
        ("mysql://user:secret@127.0.0.1/db", "unsupported database 'mysql'"),
        ("postgresql+psycopg2://user:secret@127.0.0.1/db", r"driver 'postgresql\+psycopg2'"),
        ("user:secret@127.0.0.1/db", "is not a database URL"),
    ],
)
def test_a_bad_url_is_refused_clearly_without_its_password(url: str, message: str) -> None:
    with pytest.raises(DatabaseURLError, match=message) as info:
        make_engine(url)
    assert "secret" not in str(info.value) and "sqlite:///" in str(info.value)
