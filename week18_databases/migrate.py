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
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "week18_alembic_version"


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration that runs this week's scripts on `engine`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to `revision` that the database has not had yet."""
    command.upgrade(alembic_config(engine), revision)


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
