"""Alembic migrations, up and down, on SQLite, and on PostgreSQL and MariaDB when named."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from week18_databases import migrate
from week18_databases.tables import Base

HEAD_TABLES = {"applicants", "models", "predictions", "outcomes", "observations", "forecasts"}


def tables(engine: Engine) -> set[str]:
    """This week's tables in the database (other tools may keep theirs in the same one)."""
    return set(inspect(engine).get_table_names()) & (HEAD_TABLES | set(Base.metadata.tables))


def _ours(name, type_, parent_names) -> bool:
    """Compare only this week's tables: the database may hold other tools' (Optuna's)."""
    return type_ != "table" or name in Base.metadata.tables


def test_upgrade_builds_the_orm_schema_exactly(engine: Engine) -> None:
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.revisions()[-1]
    assert tables(engine) == HEAD_TABLES
    with engine.connect() as conn:
        ours = {"compare_type": True, "include_name": _ours}
        context = MigrationContext.configure(conn, opts=ours)
        assert compare_metadata(context, Base.metadata) == []


def test_each_step_goes_down_and_up_again(engine: Engine) -> None:
    expected = {
        "0001": {"applicants", "models", "predictions"},
        "0002": {"applicants", "models", "predictions", "outcomes"},
        "0003": HEAD_TABLES,
        "0004": HEAD_TABLES,
    }
    assert migrate.revisions() == list(expected)
    for revision, names in expected.items():
        migrate.upgrade(engine, revision)
        assert tables(engine) == names
    columns = {c["name"] for c in inspect(engine).get_columns("predictions")}
    assert {"applicant_id", "idempotency_key", "request_sha256"} <= columns
    migrate.downgrade(engine, "0003")
    columns = {c["name"] for c in inspect(engine).get_columns("predictions")}
    assert "applicant_id" in columns and "idempotency_key" not in columns
    migrate.downgrade(engine, "0001")
    assert tables(engine) == expected["0001"]
    assert "applicant_id" not in {c["name"] for c in inspect(engine).get_columns("predictions")}
    migrate.downgrade(engine, "base")
    assert tables(engine) == set() and migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    migrate.upgrade(engine)  # a second upgrade is a no-op
    assert tables(engine) == HEAD_TABLES


def test_a_database_from_before_the_own_version_table_migrates_again(engine: Engine) -> None:
    migrate.reset(engine)
    head = migrate.current_revision(engine)
    created = "alembic_version" not in inspect(engine).get_table_names()  # Optuna's may be there
    with engine.begin() as conn:  # the bookkeeping as the first layout left it
        conn.execute(text(f"DROP TABLE {migrate.VERSION_TABLE}"))
        if created:
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        conn.execute(text("INSERT INTO alembic_version VALUES (:a), ('v9_other')"), {"a": head})
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == head
        with engine.connect() as conn:
            left = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        assert head not in left and "v9_other" in left  # another tool's row stays
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM alembic_version WHERE version_num = 'v9_other'"))
            if created:
                conn.execute(text("DROP TABLE alembic_version"))
        migrate.reset(engine)
