"""Stored predictions in SQL: SQLite in a file by default, PostgreSQL when DATABASE_URL names one.

The engine and the column types come from shared.db, which gives each database what it needs.
One table, `predictions`: the passenger as sent, the model's answer and version, when it was
made, and the true outcome once someone reports it. Every method opens a short session of its
own and commits before returning, so a request never leaves half a row behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, Float, SmallInteger, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from shared.db import BigId, Document, UTCDateTime, paged


class Base(DeclarativeBase):
    """The declarative base of the week's tables."""


class PredictionRecord(Base):
    """One stored prediction."""

    __tablename__ = "predictions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    model_version: Mapped[str] = mapped_column(String(64), index=True)
    passenger: Mapped[dict] = mapped_column(Document)
    survived: Mapped[int] = mapped_column(SmallInteger, index=True)
    probability: Mapped[float] = mapped_column(Float)
    actual: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


@dataclass(frozen=True)
class PredictionFilter:
    """Which stored predictions to list; None means "any"."""

    model_version: str | None = None
    survived: int | None = None
    has_feedback: bool | None = None


class PredictionStore:
    """Create, read, update (feedback) and delete stored predictions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def create_schema(self) -> None:
        """Create the tables that do not exist yet (safe to call on every start)."""
        Base.metadata.create_all(self.engine)

    def check(self) -> None:
        """Read from the predictions table; raises if the database or the table is unreachable."""
        with self.engine.connect() as conn:
            conn.execute(select(PredictionRecord.id).limit(1))

    def add(
        self, passenger: dict, survived: int, probability: float, model_version: str
    ) -> PredictionRecord:
        """Store one prediction and return it with its new id."""
        record = PredictionRecord(
            created_at=datetime.now(UTC),
            model_version=model_version,
            passenger=passenger,
            survived=survived,
            probability=probability,
        )
        with self._sessions.begin() as session:
            session.add(record)
        return record

    def get(self, prediction_id: int) -> PredictionRecord | None:
        """Return the stored prediction with this id, or None."""
        with self._sessions() as session:
            return session.get(PredictionRecord, prediction_id)

    def list(
        self, filters: PredictionFilter, limit: int, offset: int
    ) -> tuple[list[PredictionRecord], int]:
        """Return one page of the matching predictions (oldest first) and how many match in all."""
        query = select(PredictionRecord)
        if filters.model_version is not None:
            query = query.where(PredictionRecord.model_version == filters.model_version)
        if filters.survived is not None:
            query = query.where(PredictionRecord.survived == filters.survived)
        if filters.has_feedback is not None:
            column = PredictionRecord.actual
            query = query.where(column.is_not(None) if filters.has_feedback else column.is_(None))
        count, page = paged(query, PredictionRecord.id, limit, offset)
        with self._sessions() as session:
            return list(session.scalars(page)), int(session.scalar(count) or 0)

    def set_feedback(self, prediction_id: int, actual: int) -> PredictionRecord | None:
        """Record the true outcome of a prediction; return the updated row, or None if absent."""
        with self._sessions.begin() as session:
            record = session.get(PredictionRecord, prediction_id)
            if record is not None:
                record.actual = actual
                record.feedback_at = datetime.now(UTC)
        return record

    def delete(self, prediction_id: int) -> bool:
        """Delete a stored prediction; return whether it existed."""
        with self._sessions.begin() as session:
            record = session.get(PredictionRecord, prediction_id)
            if record is not None:
                session.delete(record)
        return record is not None
