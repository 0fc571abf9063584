"""The Loan Approval API: week 7's pipeline on ONNX Runtime, behind week 18's service pattern.

POST /decisions takes one application, checked field by field against the model's input schema
(week 18's `input_model`: a bad field is a 422 that names it), decides with the pipeline's
ONNX graph and week 6's cost-based threshold, writes the decision to the audit trail and answers
with the decision and its explanation. Fields are strict: `true` or `"100"` is not a number, and
an unknown field is refused. A POST with an `Idempotency-Key` already on record answers the
decision stored under it (a 422 if it came with other inputs) instead of recording another.
Every route but /health needs the API key: decisions and their inputs are personal data.
Errors, the key check and the body limit are `shared.api`'s.
"""

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

from fastapi import Depends, FastAPI, Request, Response
from pydantic import BaseModel

from shared.api import (
    IdempotencyKey,
    Limit,
    Offset,
    Page,
    RowId,
    creating,
    found,
    guarded,
    same_request,
)
from shared.api import service_app as build_service_app
from shared.db import make_engine
from shared.paths import REPORTS_DIR
from shared.settings import Settings
from week18_databases.inputs import input_model
from week22_capstone.loan.audit import AuditTrail
from week22_capstone.loan.model import LoanModel

MAX_BODY_BYTES = 1 << 14
DEFAULT_DATABASE_PATH = REPORTS_DIR / "week22" / "loan_audit.sqlite3"


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """DATABASE_URL (default: a SQLite file in reports/week22) and ML_ROADMAP_API_KEY."""
    return Settings.from_env(environ, DEFAULT_DATABASE_PATH, "the loan API")


class DecisionOut(BaseModel):
    """A decision as stored in the audit trail."""

    id: int
    created_at: datetime
    model_version: str
    inputs: dict
    approve: bool
    probability: float
    threshold: float
    explanation: str


class DecisionPage(Page[DecisionOut]):
    """One page of the audit trail."""


class ModelInfo(BaseModel):
    """The served model: version, decision policy and input schema."""

    version: str
    policy: dict
    feature_schema: dict


def create_app(settings: Settings, model: LoanModel) -> FastAPI:
    """Return the Loan Approval API deciding with `model` and auditing into the settings' DB."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        app.state.audit = AuditTrail(engine)
        yield
        engine.dispose()

    app = build_service_app(
        title="Loan Approval API",
        summary="Week 7's loan pipeline on ONNX Runtime, with week 6's cost-based threshold and an "
        "audit trail of every decision.",
        lifespan=lifespan,
        settings=settings,
        max_body_bytes=MAX_BODY_BYTES,
    )
    _add_routes(app, model)
    return app


async def get_audit(request: Request) -> AuditTrail:
    """The app's audit trail (async: no I/O, so no thread-pool hop per request)."""
    return request.app.state.audit


Audit = Annotated[AuditTrail, Depends(get_audit)]


def _add_routes(app: FastAPI, model: LoanModel) -> None:
    """Health, the model, decide, and read the audit trail."""
    Application = input_model("loan", model.sidecar["feature_schema"])

    @app.get("/health", tags=["service"])
    def health(audit: Audit) -> dict:
        """Liveness: the database answers, and which one it is."""
        return {"status": "ok", "database": audit.engine.dialect.name, "model": model.version}

    @app.get("/model", response_model=ModelInfo, **guarded("model"))
    def model_info() -> ModelInfo:
        """The served model's version, decision policy and input schema."""
        return ModelInfo(
            version=model.version,
            policy=model.policy,
            feature_schema=model.sidecar["feature_schema"],
        )

    @app.post("/decisions", response_model=DecisionOut, **creating("decisions"))
    def decide(
        application: Application,
        audit: Audit,
        response: Response,
        idempotency_key: IdempotencyKey = None,
    ):
        """Decide one application, record the decision, and answer with it and its reasons."""
        inputs = application.model_dump()
        row = audit.record(model.version, inputs, model.decide(inputs), idempotency_key)
        same_request(row["inputs"], inputs)
        response.headers["Location"] = f"/decisions/{row['id']}"
        return DecisionOut.model_validate(dict(row))

    @app.get("/decisions", response_model=DecisionPage, **guarded("decisions"))
    def list_decisions(audit: Audit, limit: Limit = 20, offset: Offset = 0) -> DecisionPage:
        """The audit trail, oldest first, paginated."""
        rows, total = audit.list(limit, offset)
        items = [DecisionOut.model_validate(dict(r)) for r in rows]
        return DecisionPage(items=items, total=total, limit=limit, offset=offset)

    @app.get(
        "/decisions/{decision_id}",
        response_model=DecisionOut,
        **guarded("decisions", "no such decision"),
    )
    def read_decision(decision_id: RowId, audit: Audit) -> DecisionOut:
        """One recorded decision."""
        row = found(audit.get(decision_id), f"no decision has id {decision_id}")
        return DecisionOut.model_validate(dict(row))
