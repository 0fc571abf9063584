"""Idempotency: the key a client sent with a prediction, and the sha256 of its request.

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

from shared.db import ExactString

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    """Add predictions.idempotency_key (unique where set) and predictions.request_sha256."""
    with op.batch_alter_table("predictions") as batch:
        batch.add_column(sa.Column("idempotency_key", ExactString(255), nullable=True))
        batch.add_column(sa.Column("request_sha256", ExactString(64), nullable=True))
        batch.create_index("ix_predictions_idempotency_key", ["idempotency_key"], unique=True)


def downgrade() -> None:
    """Drop both columns and their index."""
    with op.batch_alter_table("predictions") as batch:
        batch.drop_index("ix_predictions_idempotency_key")
        batch.drop_column("request_sha256")
        batch.drop_column("idempotency_key")
