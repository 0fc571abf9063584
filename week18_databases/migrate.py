"""Alembic migrations, run from code: `upgrade(engine)` brings any database to the head schema.

The migration scripts live in `migrations/versions/`, one file per step, each with its
`downgrade`. Alembic records the current revision in the table `VERSION_TABLE`, so upgrading
twice is a no-op and a service can run `upgrade` on every start. The table has this week's own
name, not Alembic's default `alembic_version`: one DATABASE_URL is shared with other tools that
keep their own Alembic revision there (Optuna's study storage in week 17 does).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "week18_alembic_version"


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration that runs this week's scripts on `engine`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


LEGACY_VERSION_TABLE = "alembic_version"  # Alembic's default, which this week used at first


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to `revision` that the database has not had yet."""
    adopt_legacy_version(engine)
    command.upgrade(alembic_config(engine), revision)


def adopt_legacy_version(engine: Engine) -> None:
    """Move this week's revision from Alembic's default table into VERSION_TABLE.

    Databases made before the week had its own version table record their revision in
    `alembic_version`, which other tools (Optuna's storage) share. Without this, a rerun sees
    no revision, tries to create tables that exist and stops. Other tools' rows are left alone.
    """
    tables = inspect(engine).get_table_names()
    if LEGACY_VERSION_TABLE not in tables or current_revision(engine) is not None:
        return
    with engine.begin() as conn:
        rows = conn.execute(text(f"SELECT version_num FROM {LEGACY_VERSION_TABLE}")).scalars()
        ours = [r for r in rows if r in revisions()]
        if not ours:
            return
        params = {"rev": ours[0]}
        conn.execute(text(f"DELETE FROM {LEGACY_VERSION_TABLE} WHERE version_num = :rev"), params)
    command.stamp(alembic_config(engine), ours[0])


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Undo migrations down to `revision` ("base": an empty database)."""
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None before the first migration."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def revisions() -> list[str]:
    """Every revision id, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(None))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def reset(engine: Engine) -> Engine:
    """Drop the week's tables (downgrade to base) and migrate up again: an empty head schema."""
    downgrade(engine, "base")
    upgrade(engine)
    return engine
