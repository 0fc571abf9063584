"""Outcomes: the truth behind a prediction, and the applicant a prediction was about.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

from shared.db import BigId, UTCDateTime

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    """Add outcomes, and predictions.applicant_id (nullable: a Titanic prediction has none)."""
    op.create_table(
        "outcomes",
        sa.Column(
            "prediction_id",
            BigId,
            sa.ForeignKey("predictions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("actual", sa.SmallInteger, nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
    )
    with op.batch_alter_table("predictions") as batch:
        batch.add_column(sa.Column("applicant_id", sa.Integer, nullable=True))
        batch.create_foreign_key(
            "fk_predictions_applicant_id_applicants", "applicants", ["applicant_id"], ["id"]
        )
        batch.create_index("ix_predictions_applicant_id", ["applicant_id"])


def downgrade() -> None:
    """Drop outcomes and predictions.applicant_id (the key before its index: MySQL needs it)."""
    with op.batch_alter_table("predictions") as batch:
        batch.drop_constraint("fk_predictions_applicant_id_applicants", type_="foreignkey")
        batch.drop_index("ix_predictions_applicant_id")
        batch.drop_column("applicant_id")
    op.drop_table("outcomes")
