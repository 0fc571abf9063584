"""Alembic's entry point: migrate the engine that `week18_databases.migrate` passes in."""

from alembic import context

from week18_databases.migrate import VERSION_TABLE
from week18_databases.tables import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    # render_as_batch: SQLite cannot ALTER most things, so Alembic rebuilds the table instead.
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        version_table=VERSION_TABLE,
    )
    context.run_migrations()
