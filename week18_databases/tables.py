"""The week's tables, as the Alembic migrations leave them at head (`migrations/versions/`).

An ML team's data: `applicants` (week 7's mortgage applications), `models` (name, version,
sha256 of each saved pipeline), `predictions` (every answer a model gave, with its inputs),
`outcomes` (the truth, once known), and the time-series pair `observations` / `forecasts`.
The ORM classes are used by the service and checked against the migrated schema in the tests,
so the two cannot drift apart.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, SmallInteger, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import BigId, Document, ExactString, Float64, UTCDateTime


class Base(DeclarativeBase):
    """The declarative base of the week's tables."""


class Applicant(Base):
    """One mortgage application from week 7's loanapp (inputs only; the truth is an outcome)."""

    __tablename__ = "applicants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    loanamt: Mapped[float] = mapped_column(Float64)
    appinc: Mapped[float] = mapped_column(Float64)
    married: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    features: Mapped[dict] = mapped_column(Document)


class Model(Base):
    """One version of a saved model; its version is the first 12 hex digits of its sha256."""

    __tablename__ = "models"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_models_name_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(ExactString(64))
    version: Mapped[str] = mapped_column(ExactString(12))
    sha256: Mapped[str] = mapped_column(ExactString(64))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Prediction(Base):
    """One answer a model gave: its inputs as sent, the label and the probability of class 1.

    A client's Idempotency-Key, when it sent one, is kept with the sha256 of its request.
    """

    __tablename__ = "predictions"
    __table_args__ = (
        Index("ix_predictions_model_created", "model_id", "created_at"),
        Index("ix_predictions_idempotency_key", "idempotency_key", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    applicant_id: Mapped[int | None] = mapped_column(
        ForeignKey("applicants.id", name="fk_predictions_applicant_id_applicants"),
        nullable=True,
        index=True,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    inputs: Mapped[dict] = mapped_column(Document)
    idempotency_key: Mapped[str | None] = mapped_column(ExactString(255), nullable=True)
    request_sha256: Mapped[str | None] = mapped_column(ExactString(64), nullable=True)
    label: Mapped[int] = mapped_column(SmallInteger)
    probability: Mapped[float] = mapped_column(Float64)


class Outcome(Base):
    """The true class of a prediction, recorded later; one per prediction."""

    __tablename__ = "outcomes"

    prediction_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("predictions.id", ondelete="CASCADE"), primary_key=True
    )
    actual: Mapped[int] = mapped_column(SmallInteger)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Observation(Base):
    """One value of a time series; (series, ts) is the key and the index range scans use."""

    __tablename__ = "observations"

    series: Mapped[str] = mapped_column(ExactString(64), primary_key=True)
    ts: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[float] = mapped_column(Float64)


class Forecast(Base):
    """A forecast made at `origin` for day `ts`, `horizon` steps ahead, by one model version."""

    __tablename__ = "forecasts"

    series: Mapped[str] = mapped_column(ExactString(64), primary_key=True)
    model: Mapped[str] = mapped_column(ExactString(64), primary_key=True)
    model_version: Mapped[str] = mapped_column(ExactString(64), primary_key=True)
    origin: Mapped[date] = mapped_column(Date, primary_key=True)
    horizon: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    ts: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float64)
