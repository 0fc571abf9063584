"""The service's data access: model versions, predictions and outcomes, each call one transaction.

Every write opens its own transaction and commits before returning, so a write the API has
acknowledged is in the database (and survives the server being killed), and a failed one leaves
nothing behind. A prediction created with an idempotency key is stored with it and the sha256 of
its request; adding the same key again returns that row instead of a second one, even when two
requests race (the key's unique index decides). Model performance is computed by the database in one SQL query (`PERFORMANCE`)
from the recorded outcomes, not by loading rows into Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, func, insert, select, text
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from shared.db import paged
from week18_databases.tables import Model, Outcome, Prediction

# 1e0, not 1.0: MySQL would average a DECIMAL and keep only 4 more decimals (week18's queries.py).
PERFORMANCE = text(
    """
    SELECT m.version,
           COUNT(p.id) AS predictions,
           COUNT(o.prediction_id) AS outcomes,
           AVG(CASE WHEN o.actual = p.label THEN 1e0 WHEN o.actual IS NOT NULL THEN 0e0 END)
               AS accuracy,
           AVG((p.probability - o.actual) * (p.probability - o.actual)) AS brier,
           SUM(CASE WHEN p.label = 1 AND o.actual = 1 THEN 1 ELSE 0 END) AS true_positives,
           SUM(CASE WHEN p.label = 1 AND o.actual IS NOT NULL THEN 1 ELSE 0 END)
               AS predicted_positives,
           SUM(CASE WHEN o.actual = 1 THEN 1 ELSE 0 END) AS actual_positives
    FROM models m
    JOIN predictions p ON p.model_id = m.id
    LEFT JOIN outcomes o ON o.prediction_id = p.id
    WHERE m.name = :name
    GROUP BY m.version
    ORDER BY m.version
    """
)


class UnknownApplicantError(ValueError):
    """A prediction names an applicant id that is not in the applicants table."""


@dataclass(frozen=True)
class PredictionFilter:
    """Which predictions to list; None means "any"."""

    model: str | None = None
    version: str | None = None
    label: int | None = None
    has_outcome: bool | None = None


def _listing():
    """Predictions joined with their model's name and version and their outcome (if any)."""
    return (
        select(
            Prediction.id,
            Model.name.label("model"),
            Model.version,
            Prediction.applicant_id,
            Prediction.created_at,
            Prediction.inputs,
            Prediction.idempotency_key,
            Prediction.request_sha256,
            Prediction.label,
            Prediction.probability,
            Outcome.actual,
            Outcome.recorded_at,
        )
        .join(Model, Model.id == Prediction.model_id)
        .outerjoin(Outcome, Outcome.prediction_id == Prediction.id)
    )


class PredictionStore:
    """Create, read, update and delete predictions and their outcomes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def register_model(self, name: str, version: str, sha256: str) -> int:
        """Return the id of (name, version), adding the row the first time the version is served."""
        key = (Model.name == name) & (Model.version == version)
        with self.engine.begin() as conn:
            found = conn.scalar(select(Model.id).where(key))
            if found is not None:
                return found
            row = {"name": name, "version": version, "sha256": sha256}
            return conn.execute(
                insert(Model).values(**row, registered_at=datetime.now(UTC)).returning(Model.id)
            ).scalar_one()

    def add(
        self,
        model_id: int,
        inputs: dict,
        label: int,
        probability: float,
        applicant_id: int | None,
        idempotency: tuple[str, str] | None = None,
    ) -> tuple[RowMapping, bool]:
        """Store one prediction; return it as listed, and whether it is new.

        `idempotency` is (key, request sha256): a key stored before returns its row, not new.
        """
        key, request_sha256 = idempotency or (None, None)
        if key is not None and (earlier := self._by_key(key)) is not None:
            return earlier, False
        values = {
            "model_id": model_id,
            "applicant_id": applicant_id,
            "created_at": datetime.now(UTC),
            "inputs": inputs,
            "idempotency_key": key,
            "request_sha256": request_sha256,
            "label": label,
            "probability": probability,
        }
        try:
            with self.engine.begin() as conn:
                new_id = conn.execute(insert(Prediction).values(**values).returning(Prediction.id))
                new_id = new_id.scalar_one()
        except IntegrityError:
            if key is not None and (raced := self._by_key(key)) is not None:
                return raced, False  # a request with the same key was stored first
            raise UnknownApplicantError(f"no applicant has id {applicant_id}") from None
        return self.get(new_id), True

    def _by_key(self, key: str) -> RowMapping | None:
        """The prediction stored with idempotency key `key`, or None."""
        with self.engine.connect() as conn:
            query = _listing().where(Prediction.idempotency_key == key)
            return conn.execute(query).mappings().first()

    def get(self, prediction_id: int) -> RowMapping | None:
        """One prediction with its model and outcome, or None."""
        with self.engine.connect() as conn:
            query = _listing().where(Prediction.id == prediction_id)
            return conn.execute(query).mappings().first()

    def list(self, filters: PredictionFilter, limit: int, offset: int) -> tuple[list, int]:
        """One page of matching predictions (oldest first) and how many match in all."""
        query = _listing()
        if filters.model is not None:
            query = query.where(Model.name == filters.model)
        if filters.version is not None:
            query = query.where(Model.version == filters.version)
        if filters.label is not None:
            query = query.where(Prediction.label == filters.label)
        if filters.has_outcome is not None:
            column = Outcome.actual
            query = query.where(column.is_not(None) if filters.has_outcome else column.is_(None))
        count, page = paged(query, Prediction.id, limit, offset)
        with self.engine.connect() as conn:
            return list(conn.execute(page).mappings()), int(conn.scalar(count) or 0)

    def delete(self, prediction_id: int) -> bool:
        """Delete a prediction (its outcome goes with it); return whether it existed."""
        with self.engine.begin() as conn:
            conn.execute(delete(Outcome).where(Outcome.prediction_id == prediction_id))
            gone = conn.execute(delete(Prediction).where(Prediction.id == prediction_id))
        return gone.rowcount > 0

    def set_outcome(self, prediction_id: int, actual: int) -> RowMapping | None:
        """Record (or correct) a prediction's true class; None when the prediction is absent."""
        with self.engine.begin() as conn:
            if conn.scalar(select(Prediction.id).where(Prediction.id == prediction_id)) is None:
                return None
            values = {"actual": actual, "recorded_at": datetime.now(UTC)}
            updated = conn.execute(
                Outcome.__table__.update()
                .where(Outcome.prediction_id == prediction_id)
                .values(**values)
            )
            if updated.rowcount == 0:
                conn.execute(insert(Outcome).values(prediction_id=prediction_id, **values))
        return self.get(prediction_id)

    def delete_outcome(self, prediction_id: int) -> bool:
        """Forget a prediction's outcome; return whether there was one."""
        with self.engine.begin() as conn:
            gone = conn.execute(delete(Outcome).where(Outcome.prediction_id == prediction_id))
        return gone.rowcount > 0

    def performance(self, name: str) -> list[dict]:
        """Per version of model `name`: counts, accuracy, Brier score, precision and recall."""
        with self.engine.connect() as conn:
            rows = conn.execute(PERFORMANCE, {"name": name}).mappings().all()
        return [_with_rates(dict(r)) for r in rows]

    def count(self) -> int:
        """How many predictions are stored."""
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(Prediction)))


def _with_rates(row: dict) -> dict:
    """Add precision and recall to a PERFORMANCE row (None where undefined)."""
    tp, predicted, actual = (
        int(row.pop(k) or 0) for k in ("true_positives", "predicted_positives", "actual_positives")
    )
    row["precision"] = tp / predicted if predicted else None
    row["recall"] = tp / actual if actual else None
    for key in ("accuracy", "brier"):
        row[key] = float(row[key]) if row[key] is not None else None
    return row
