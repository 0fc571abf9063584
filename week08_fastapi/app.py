"""The FastAPI application: prediction routes, stored-prediction CRUD, health and model info.

`create_app(settings, model)` builds the app; with no model it loads (and verifies) the one at
`settings.model_path` on start-up. The database schema is created on start-up too. Handlers are
plain `def`s: scikit-learn and the database driver block, so FastAPI runs them in its thread pool.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response, status

from shared.api import (
    API_KEY_ENV,
    Limit,
    Offset,
    Problem,
    RowId,
    SentKey,
    creating,
    deleted,
    deleting,
    found,
    guarded,
    require_key,
    service_app,
)
from shared.db import make_engine
from shared.serving import ServedModel
from week08_fastapi.schemas import (
    BatchRequest,
    BatchResponse,
    Feedback,
    Health,
    ModelInfo,
    Passenger,
    Prediction,
    PredictionPage,
    StoredPrediction,
    to_frame,
)
from week08_fastapi.served_model import load_served_model
from week08_fastapi.settings import Settings
from week08_fastapi.storage import PredictionFilter, PredictionStore

MAX_BODY_BYTES = 1 << 20  # a larger request body gets 413 before it is parsed
log = logging.getLogger("week08_fastapi")


def create_app(settings: Settings, model: ServedModel | None = None) -> FastAPI:
    """Return the API for `settings`, serving `model` (or the verified one at settings.model_path)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.model = model or load_served_model(
            settings.model_path, build=settings.build_model
        )
        store = PredictionStore(make_engine(settings.database_url))
        store.create_schema()
        app.state.store = store
        if settings.generated_key:
            log.warning("%s is not set; this run's key is %s", API_KEY_ENV, settings.api_key)
        yield
        store.engine.dispose()

    app = service_app(
        title="Titanic survival API",
        summary="Serves the week 7 Titanic pipeline and keeps every stored prediction.",
        lifespan=lifespan,
        settings=settings,
        max_body_bytes=MAX_BODY_BYTES,
    )
    _add_routes(app)
    return app


def create_app_from_env() -> FastAPI:
    """The app configured from environment variables (for `uvicorn --factory`)."""
    return create_app(Settings.from_env())


def get_model(request: Request) -> ServedModel:
    """The model the app serves (a dependency, so tests may swap it)."""
    return request.app.state.model


def get_store(request: Request) -> PredictionStore:
    """The app's prediction store."""
    return request.app.state.store


async def require_read_key(request: Request, key: SentKey) -> None:
    """Like require_key, unless the service was configured with public reads."""
    if not request.app.state.settings.public_reads:
        await require_key(request, key)


Model = Annotated[ServedModel, Depends(get_model)]
Store = Annotated[PredictionStore, Depends(get_store)]
_NO_SUCH = "no stored prediction has this id"


def _add_routes(app: FastAPI) -> None:
    """Attach every route to `app`."""
    settings: Settings = app.state.settings

    @app.get(
        "/health", response_model=Health, responses={503: {"model": Problem}}, tags=["service"]
    )
    def health(model: Model, store: Store) -> Health:
        """Liveness: the model is loaded and the predictions table answers (503 otherwise)."""
        try:
            store.check()
        except Exception as exc:
            log.error("health: predictions table unreachable: %s", exc)
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, "database or predictions table unreachable"
            ) from None
        return Health(status="ok", model_version=model.version, database=store.engine.dialect.name)

    @app.get("/model", response_model=ModelInfo, tags=["service"])
    def model_info(model: Model) -> ModelInfo:
        """The served model: version, sha256, training metrics and input schema."""
        meta = model.sidecar
        return ModelInfo(
            version=model.version,
            sha256=meta["sha256"],
            created=meta.get("created"),
            metrics={k: float(v) for k, v in meta.get("metrics", {}).items()},
            feature_schema=meta["feature_schema"],
            library_versions=meta["versions"],
            max_batch=settings.max_batch,
        )

    @app.post("/predict", response_model=Prediction, tags=["predict"])
    def predict(passenger: Passenger, model: Model) -> Prediction:
        """Predict one passenger's survival (nothing is stored)."""
        [(survived, probability)] = model.predict(to_frame([passenger]))
        return Prediction(survived=survived, probability=probability, model_version=model.version)

    @app.post(
        "/predict/batch",
        response_model=BatchResponse,
        responses={
            413: {
                "model": Problem,
                "description": f"more than max_batch ({settings.max_batch}) passengers",
            }
        },
        tags=["predict"],
    )
    def predict_batch(batch: BatchRequest, model: Model) -> BatchResponse:
        """Predict several passengers at once, up to max_batch (413 beyond it)."""
        if len(batch.passengers) > settings.max_batch:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE,
                f"{len(batch.passengers)} passengers in one batch; the limit is {settings.max_batch}",
            )
        answers = model.predict(to_frame(batch.passengers))
        return BatchResponse(
            predictions=[
                Prediction(survived=s, probability=p, model_version=model.version)
                for s, p in answers
            ]
        )

    @app.post("/predictions", response_model=StoredPrediction, **creating("predictions"))
    def create_prediction(
        passenger: Passenger, model: Model, store: Store, response: Response
    ) -> StoredPrediction:
        """Predict one passenger and store the input, output, model version and time."""
        [(survived, probability)] = model.predict(to_frame([passenger]))
        record = store.add(passenger.model_dump(mode="json"), survived, probability, model.version)
        response.headers["Location"] = f"/predictions/{record.id}"
        return StoredPrediction.model_validate(record)

    @app.get(
        "/predictions",
        response_model=PredictionPage,
        **guarded("predictions", check=require_read_key),
    )
    def list_predictions(
        store: Store,
        limit: Limit = 20,
        offset: Offset = 0,
        model_version: Annotated[str | None, Query(max_length=64)] = None,
        survived: Annotated[int | None, Query(ge=0, le=1, description="predicted class")] = None,
        has_feedback: Annotated[
            bool | None, Query(description="only rows with (or without) feedback")
        ] = None,
    ) -> PredictionPage:
        """List stored predictions, oldest first, filtered and paginated."""
        filters = PredictionFilter(model_version, survived, has_feedback)
        records, total = store.list(filters, limit, offset)
        items = [StoredPrediction.model_validate(r) for r in records]
        return PredictionPage(items=items, total=total, limit=limit, offset=offset)

    @app.get(
        "/predictions/{prediction_id}",
        response_model=StoredPrediction,
        **guarded("predictions", _NO_SUCH, check=require_read_key),
    )
    def read_prediction(prediction_id: RowId, store: Store) -> StoredPrediction:
        """One stored prediction."""
        return StoredPrediction.model_validate(
            found(store.get(prediction_id), _missing(prediction_id))
        )

    @app.patch(
        "/predictions/{prediction_id}",
        response_model=StoredPrediction,
        **guarded("predictions", _NO_SUCH),
    )
    def record_feedback(prediction_id: RowId, feedback: Feedback, store: Store) -> StoredPrediction:
        """Record the true outcome of a stored prediction."""
        record = store.set_feedback(prediction_id, feedback.actual)
        return StoredPrediction.model_validate(found(record, _missing(prediction_id)))

    @app.delete("/predictions/{prediction_id}", **deleting("predictions", _NO_SUCH))
    def delete_prediction(prediction_id: RowId, store: Store) -> Response:
        """Delete a stored prediction."""
        return deleted(store.delete(prediction_id), _missing(prediction_id))


def _missing(prediction_id: int) -> str:
    """The 404 message for an id no stored prediction has."""
    return f"no stored prediction has id {prediction_id}"
