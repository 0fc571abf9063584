"""The audit trail: every loan decision the API made, with its inputs, model version and reasons.

One table, `loan_decisions`, written once per decision in its own transaction that commits before
the API answers, so every decision a client has seen is on record (and survives a crash). Rows
are never updated or deleted by the service: an audit trail that can be edited is not one. A
decision asked for with an Idempotency-Key keeps that key (unique), so a client that retries
after a lost answer finds its first decision instead of creating a second; a table made before
the column existed gets it added on start.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, Engine, Float, String, insert, inspect, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
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
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, index=True)


class AuditTrail:
    """Append decisions and read them back."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        Base.metadata.create_all(engine)
        _add_key_column(engine)

    def record(
        self, version: str, inputs: dict, decision, idempotency_key: str | None = None
    ) -> RowMapping:
        """Append one decision (a loan_model.Decision) and return the stored row.

        With a key already on record, nothing is appended: the row stored under it is returned.
        """
        if idempotency_key is not None and (stored := self.by_key(idempotency_key)):
            return stored
        row = {
            "created_at": datetime.now(UTC),
            "model_version": version,
            "inputs": inputs,
            "approve": decision.approve,
            "probability": decision.probability,
            "threshold": decision.threshold,
            "explanation": decision.explanation,
            "idempotency_key": idempotency_key,
        }
        statement = insert(LoanDecision).values(row).returning(*LoanDecision.__table__.columns)
        try:
            with self.engine.begin() as conn:
                return conn.execute(statement).mappings().one()
        except IntegrityError:  # the same key, committed by a concurrent request in between
            stored = self.by_key(idempotency_key) if idempotency_key is not None else None
            if stored is None:
                raise
            return stored

    def by_key(self, idempotency_key: str) -> RowMapping | None:
        """The decision stored under an Idempotency-Key, or None."""
        columns = LoanDecision.__table__.columns
        query = select(*columns).where(LoanDecision.idempotency_key == idempotency_key)
        with self.engine.connect() as conn:
            return conn.execute(query).mappings().first()

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


def _add_key_column(engine: Engine) -> None:
    """Add the idempotency_key column (and its unique index) to a table made before it existed."""
    columns = {c["name"] for c in inspect(engine).get_columns(LoanDecision.__tablename__)}
    if "idempotency_key" in columns:
        return
    column = LoanDecision.__table__.c.idempotency_key
    kind = column.type.compile(dialect=engine.dialect)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"ALTER TABLE loan_decisions ADD COLUMN idempotency_key {kind}")
        for index in column.table.indexes:
            if column in index.columns.values():
                index.create(conn)
