"""The audit trail: every loan decision the API made, with its inputs, model version and reasons.

One table, `loan_decisions`, written once per decision in its own transaction that commits before
the API answers, so every decision a client has seen is on record (and survives a crash). Rows
are never updated or deleted by the service: an audit trail that can be edited is not one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, Engine, Float, String, insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import BigId, Document, UTCDateTime, paged


class Base(DeclarativeBase):
    """The declarative base of the capstone's tables."""


class LoanDecision(Base):
    """One decision: when, by which model version, on which inputs, and why."""

    __tablename__ = "loan_decisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    model_version: Mapped[str] = mapped_column(String(12))
    inputs: Mapped[dict] = mapped_column(Document)
    approve: Mapped[bool] = mapped_column(Boolean)
    probability: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(String(1000))


class AuditTrail:
    """Append decisions and read them back."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        Base.metadata.create_all(engine)

    def record(self, version: str, inputs: dict, decision) -> RowMapping:
        """Append one decision (a loan_model.Decision) and return the stored row."""
        row = {
            "created_at": datetime.now(UTC),
            "model_version": version,
            "inputs": inputs,
            "approve": decision.approve,
            "probability": decision.probability,
            "threshold": decision.threshold,
            "explanation": decision.explanation,
        }
        statement = insert(LoanDecision).values(row).returning(*LoanDecision.__table__.columns)
        with self.engine.begin() as conn:
            return conn.execute(statement).mappings().one()

    def get(self, decision_id: int) -> RowMapping | None:
        """One decision, or None."""
        query = select(*LoanDecision.__table__.columns).where(LoanDecision.id == decision_id)
        with self.engine.connect() as conn:
            return conn.execute(query).mappings().first()

    def list(self, limit: int, offset: int) -> tuple[list[RowMapping], int]:
        """One page of decisions, oldest first, and how many there are in all."""
        count, page = paged(select(*LoanDecision.__table__.columns), LoanDecision.id, limit, offset)
        with self.engine.connect() as conn:
            return list(conn.execute(page).mappings()), conn.execute(count).scalar_one()
