"""Initial schema: applicants, model versions and the predictions they made.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from shared.db import BigId, Document, ExactString, Float64, UTCDateTime

revision = "0001"
down_revision = None


def upgrade() -> None:
    """Create applicants, models and predictions."""
    op.create_table(
        "applicants",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("loanamt", Float64, nullable=False),
        sa.Column("appinc", Float64, nullable=False),
        sa.Column("married", sa.SmallInteger, nullable=True),
        sa.Column("features", Document, nullable=False),
    )
    op.create_table(
        "models",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", ExactString(64), nullable=False),
        sa.Column("version", ExactString(12), nullable=False),
        sa.Column("sha256", ExactString(64), nullable=False),
        sa.Column("registered_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("name", "version", name="uq_models_name_version"),
    )
    op.create_table(
        "predictions",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("model_id", sa.Integer, sa.ForeignKey("models.id"), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("inputs", Document, nullable=False),
        sa.Column("label", sa.SmallInteger, nullable=False),
        sa.Column("probability", Float64, nullable=False),
    )
    op.create_index("ix_predictions_model_created", "predictions", ["model_id", "created_at"])


def downgrade() -> None:
    """Drop what upgrade created, dependants first; a table takes its indexes with it.

    (MySQL refuses to drop ix_predictions_model_created on its own: its foreign key uses it.)
    """
    op.drop_table("predictions")
    op.drop_table("models")
    op.drop_table("applicants")
