"""One FastAPI service for several models: predict, record, and CRUD on predictions and outcomes.

`create_app(settings, catalog)` serves every model of the catalog under /models/{name}; each
prediction is stored with its model's name and version, and outcomes recorded later feed
/models/{name}/performance, computed in SQL. Writes need the API key, and so do reads of stored
predictions: their inputs are applicants' income and net worth. The model list, the aggregate
performance and /health are open. A create route takes an `Idempotency-Key`, stored with the
row: a retry with the same key and body answers that row again (201, `Idempotent-Replayed:
true`) instead of storing a second one; the same key with another body is a 422. Request bodies
are strict (`true` is not a number, unknown fields are refused). The error shapes, the body-size
limit and the key check are shared with week 8 (`shared.api`). The database is migrated to
head with Alembic on start-up.
"""

import hashlib
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Literal

import pandas as pd
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from shared.api import (
    IdempotencyKey,
    Limit,
    Offset,
    Page,
    RowId,
    creating,
    deleted,
    deleting,
    found,
    guarded,
    same_request,
    service_app,
)
from shared.db import make_engine
from shared.paths import REPORTS_DIR
from shared.serving import ServedModel
from shared.settings import Settings
from week18_databases import migrate
from week18_databases.inputs import input_model, one_of, prediction_request
from week18_databases.prediction_store import (
    PredictionFilter,
    PredictionStore,
    UnknownApplicantError,
)

MAX_BODY_BYTES = 1 << 16
DEFAULT_DATABASE_PATH = REPORTS_DIR / "week18" / "service.sqlite3"
_NO_SUCH = "no such prediction"


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """DATABASE_URL (default: a SQLite file in reports/week18) and ML_ROADMAP_API_KEY."""
    return Settings.from_env(environ, DEFAULT_DATABASE_PATH, "week 18")


class StoredPrediction(BaseModel):
    """A recorded prediction, with its outcome once one is known."""

    id: int
    model: str
    version: str
    applicant_id: int | None
    created_at: datetime
    inputs: dict
    idempotency_key: str | None
    label: int
    probability: float
    actual: int | None
    recorded_at: datetime | None


class PredictionPage(Page[StoredPrediction]):
    """One page of predictions and how many match in all."""


class OutcomeIn(BaseModel):
    """The true class of a prediction (0 or 1: JSON integers, not `true` or `"1"`)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    actual: one_of(0, 1)


class ModelEntry(BaseModel):
    """A served model: name, version, sha256 and input schema."""

    name: str
    version: str
    sha256: str
    feature_schema: dict


class VersionPerformance(BaseModel):
    """How one version did on the predictions whose outcomes are known (None: no outcomes yet)."""

    version: str
    predictions: int
    outcomes: int
    accuracy: float | None
    brier: float | None = Field(description="mean squared error of the probability")
    precision: float | None
    recall: float | None


def create_app(settings: Settings, catalog: Mapping[str, ServedModel]) -> FastAPI:
    """Return the API serving every model of `catalog`, storing into settings.database_url."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        migrate.upgrade(engine)
        store = PredictionStore(engine)
        app.state.model_ids = {
            name: store.register_model(name, m.version, m.sidecar["sha256"])
            for name, m in catalog.items()
        }
        app.state.store = store
        yield
        engine.dispose()

    app = service_app(
        title="Week 18 prediction service",
        summary="Serves week 7's pipelines by name and records every prediction in SQL.",
        lifespan=lifespan,
        settings=settings,
        max_body_bytes=MAX_BODY_BYTES,
    )
    _add_service_routes(app, catalog)
    for name, model in catalog.items():
        _add_model_route(app, name, model)
    return app


def get_store(request: Request) -> PredictionStore:
    """The app's prediction store."""
    return request.app.state.store


Store = Annotated[PredictionStore, Depends(get_store)]


def _add_model_route(app: FastAPI, name: str, model: ServedModel) -> None:
    """POST /models/{name}/predictions, with a body checked against this model's input schema."""
    body_type = prediction_request(name, input_model(name, model.sidecar["feature_schema"]))

    @app.post(
        f"/models/{name}/predictions",
        response_model=StoredPrediction,
        name=f"predict_{name}",
        **creating("predictions", "no such applicant"),
    )
    def predict(
        body: body_type,
        store: Store,
        request: Request,
        response: Response,
        idempotency_key: IdempotencyKey = None,
    ):
        """Predict one row with this model and store inputs, answer, model version and time."""
        inputs = body.inputs.model_dump()
        [(label, probability)] = model.predict(pd.DataFrame([inputs]))
        model_id = request.app.state.model_ids[name]
        key = None if idempotency_key is None else (idempotency_key, _fingerprint(name, body))
        try:
            row, created = store.add(model_id, inputs, label, probability, body.applicant_id, key)
        except UnknownApplicantError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
        if not created:
            same_request(row["request_sha256"], key[1])
            response.headers["Idempotent-Replayed"] = "true"
        response.headers["Location"] = f"/predictions/{row['id']}"
        return StoredPrediction.model_validate(dict(row))


def _add_service_routes(app: FastAPI, catalog: Mapping[str, ServedModel]) -> None:
    """Health, the model list, performance, and CRUD on predictions and outcomes."""
    names = tuple(catalog)
    ModelName = Literal[names]  # a type, built from the catalog

    @app.get("/health", tags=["service"])
    def health(store: Store) -> dict:
        """Liveness: the database answers, and which database it is."""
        return {"status": "ok", "database": store.engine.dialect.name, "models": list(names)}

    @app.get("/models", response_model=list[ModelEntry], tags=["models"])
    def list_models() -> list[ModelEntry]:
        """Every served model with its version, sha256 and input schema."""
        return [
            ModelEntry(
                name=n,
                version=m.version,
                sha256=m.sidecar["sha256"],
                feature_schema=m.sidecar["feature_schema"],
            )
            for n, m in catalog.items()
        ]

    @app.get("/models/{name}/performance", response_model=list[VersionPerformance], tags=["models"])
    def performance(name: ModelName, store: Store) -> list[VersionPerformance]:
        """Per version: accuracy, Brier score, precision and recall on the recorded outcomes."""
        return [VersionPerformance.model_validate(r) for r in store.performance(name)]

    @app.get("/predictions", response_model=PredictionPage, **guarded("predictions"))
    def list_predictions(
        store: Store,
        limit: Limit = 20,
        offset: Offset = 0,
        model: ModelName | None = None,
        version: Annotated[str | None, Query(max_length=12)] = None,
        label: Annotated[int | None, Query(ge=0, le=1)] = None,
        has_outcome: bool | None = None,
    ) -> PredictionPage:
        """List predictions, oldest first, filtered and paginated (applicants' data: keyed)."""
        filters = PredictionFilter(model, version, label, has_outcome)
        rows, total = store.list(filters, limit, offset)
        items = [StoredPrediction.model_validate(dict(r)) for r in rows]
        return PredictionPage(items=items, total=total, limit=limit, offset=offset)

    @app.get(
        "/predictions/{prediction_id}",
        response_model=StoredPrediction,
        **guarded("predictions", _NO_SUCH),
    )
    def read_prediction(prediction_id: RowId, store: Store) -> StoredPrediction:
        """One prediction with its outcome (applicants' data: keyed)."""
        row = found(store.get(prediction_id), _missing(prediction_id))
        return StoredPrediction.model_validate(dict(row))

    @app.delete("/predictions/{prediction_id}", **deleting("predictions", _NO_SUCH))
    def delete_prediction(prediction_id: RowId, store: Store) -> Response:
        """Delete a prediction and its outcome."""
        return deleted(store.delete(prediction_id), _missing(prediction_id))

    @app.put(
        "/predictions/{prediction_id}/outcome",
        response_model=StoredPrediction,
        **guarded("outcomes", _NO_SUCH),
    )
    def put_outcome(prediction_id: RowId, outcome: OutcomeIn, store: Store):
        """Record or correct the true class of a prediction."""
        row = found(store.set_outcome(prediction_id, outcome.actual), _missing(prediction_id))
        return StoredPrediction.model_validate(dict(row))

    @app.delete("/predictions/{prediction_id}/outcome", **deleting("outcomes", _NO_SUCH))
    def delete_outcome(prediction_id: RowId, store: Store) -> Response:
        """Forget the outcome of a prediction."""
        message = f"prediction {prediction_id} has no outcome"
        return deleted(store.delete_outcome(prediction_id), message)


def _fingerprint(model_name: str, body: BaseModel) -> str:
    """The sha256 of a create request (model and body): what a retry must repeat exactly."""
    sent = json.dumps([model_name, body.model_dump(mode="json")], sort_keys=True)
    return hashlib.sha256(sent.encode()).hexdigest()


def _missing(prediction_id: int) -> str:
    """The 404 message for an id no prediction has."""
    return f"no prediction has id {prediction_id}"
