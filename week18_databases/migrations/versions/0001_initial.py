"""Initial schema: applicants, model versions and the predictions they made.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from week18_databases.tables import BigId, Document, UTCDateTime

revision = "0001"
down_revision = None


def upgrade() -> None:
    """Create applicants, models and predictions."""
    op.create_table(
        "applicants",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("loanamt", sa.Float, nullable=False),
        sa.Column("appinc", sa.Float, nullable=False),
        sa.Column("married", sa.SmallInteger, nullable=True),
        sa.Column("features", Document, nullable=False),
    )
    op.create_table(
        "models",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("version", sa.String(12), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
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
        sa.Column("probability", sa.Float, nullable=False),
    )
    op.create_index("ix_predictions_model_created", "predictions", ["model_id", "created_at"])


def downgrade() -> None:
    """Drop what upgrade created, dependants first."""
    op.drop_index("ix_predictions_model_created", "predictions")
    op.drop_table("predictions")
    op.drop_table("models")
    op.drop_table("applicants")
