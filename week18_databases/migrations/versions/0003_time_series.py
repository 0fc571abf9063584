"""Time series: observations keyed by (series, ts), and forecasts beside them.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

from shared.db import ExactString, Float64

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    """Create observations and forecasts; their primary keys are the indexes queries use."""
    op.create_table(
        "observations",
        sa.Column("series", ExactString(64), primary_key=True),
        sa.Column("ts", sa.Date, primary_key=True),
        sa.Column("value", Float64, nullable=False),
    )
    op.create_table(
        "forecasts",
        sa.Column("series", ExactString(64), primary_key=True),
        sa.Column("model", ExactString(64), primary_key=True),
        sa.Column("model_version", ExactString(64), primary_key=True),
        sa.Column("origin", sa.Date, primary_key=True),
        sa.Column("horizon", sa.SmallInteger, primary_key=True),
        sa.Column("ts", sa.Date, nullable=False),
        sa.Column("value", Float64, nullable=False),
    )


def downgrade() -> None:
    """Drop the time-series tables."""
    op.drop_table("forecasts")
    op.drop_table("observations")
