"""HTTP services on FastAPI: one error contract, API-key auth, and uvicorn in a thread.

Weeks 8 and 18 serve models with FastAPI; both answer every refusal the same way: JSON with a
one-line `message`, and a `detail` that is the same text, except for a 422, where it lists each
broken rule (`loc`, `msg`, `type`); the offending input is never echoed back. A body that is not
JSON (bad syntax, invalid UTF-8, nesting too deep, an integer too long to convert) is a 422 like
any other broken rule, and a body over the size limit is a 413 whether its length was declared or
it arrived in chunks. `service_app` builds an app with the contract installed; `require_key`
guards writes with the key in `app.state.settings.api_key`, and `guarded`, `creating` and
`deleting` are the route options that install it and document its 401 (and a 404);
`IdempotencyKey` is the optional header a create route takes so that a retry finds its row;
`serve_in_thread` runs an app on a loopback port for a scripted session, a test or a bench; a
server in its own process is `shared.servers`'s.

Only service weeks import this module (it imports fastapi and uvicorn), so no other module of
shared/ may import it: `import shared` stays free of fastapi.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Annotated, Generic, TypeVar

import uvicorn
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response, status
from fastapi import Path as PathParam
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.servers import LOOPBACK
from shared.settings import API_KEY_ENV as API_KEY_ENV  # the services' one name for it
from shared.settings import KeyedSettings

API_KEY_HEADER = "X-API-Key"
MAX_ID = 2**63 - 1  # the largest id a BIGINT primary key can hold (see shared.db.BigId)
log = logging.getLogger("shared.api")
T = TypeVar("T")


class Problem(BaseModel):
    """An error: what went wrong, in words (`detail` repeats `message`)."""

    message: str
    detail: str


class FieldError(BaseModel):
    """One broken rule: where (`loc`), what rule (`msg`) and its machine-readable `type`."""

    loc: list[str | int]
    msg: str
    type: str


class ValidationProblem(BaseModel):
    """A 422: every broken rule, and one line naming each field and its rule."""

    message: str
    detail: list[FieldError]


class Page(BaseModel, Generic[T]):
    """One page of stored rows, oldest first, with the total that match the filters."""

    items: list[T]
    total: int
    limit: int
    offset: int


AUTH_RESPONSES = {401: {"model": Problem, "description": "missing or wrong API key"}}
SentKey = Annotated[
    str | None,
    Depends(APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="the API key")),
]
Limit = Annotated[int, Query(ge=1, le=100, description="page size")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="rows to skip")]
RowId = Annotated[int, PathParam(ge=1, le=MAX_ID, description="a stored row's id")]
IDEMPOTENCY_HEADER = "Idempotency-Key"
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=IDEMPOTENCY_HEADER,
        min_length=1,
        max_length=200,
        pattern=r"^[!-~]+$",
        description="the client's unique key for this create (e.g. a UUID): a retry with the "
        "same key gets the row the first request stored instead of storing another",
    ),
]


def service_app(
    *,
    title: str,
    summary: str,
    lifespan: Callable,
    settings: KeyedSettings,
    max_body_bytes: int,
) -> FastAPI:
    """A FastAPI app whose errors follow the contract, holding `settings` for `require_key`."""
    app = FastAPI(
        title=title,
        version="1.0",
        summary=summary,
        lifespan=lifespan,
        responses={
            413: {"model": Problem, "description": f"a body over {max_body_bytes} bytes"},
            422: {"model": ValidationProblem, "description": "a field breaks its rule"},
        },
    )
    app.state.settings = settings
    install(app, max_body_bytes)
    return app


def install(app: FastAPI, max_body_bytes: int) -> None:
    """Make every error of `app` follow the contract, and refuse bodies over `max_body_bytes`."""
    app.add_middleware(BodyLimit, limit=max_body_bytes)
    app.add_exception_handler(RequestValidationError, validation_problem)
    app.add_exception_handler(StarletteHTTPException, http_problem)
    app.add_exception_handler(Exception, internal_problem)


def problem(status_code: int, message: str, headers: dict | None = None) -> JSONResponse:
    """An error response in the contract's shape."""
    return JSONResponse(
        {"message": message, "detail": message}, status_code=status_code, headers=headers
    )


def found(row: T | None, message: str) -> T:
    """Return `row`, or refuse (404) with `message` naming what was not found."""
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, message)
    return row


def same_request(stored: object, sent: object) -> None:
    """Refuse (422) a request that reuses an Idempotency-Key first sent with a different one."""
    if stored != sent:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"this {IDEMPOTENCY_HEADER} was already used for a different request; "
            "send a new key with a new request",
        )


def deleted(existed: bool, message: str) -> Response:
    """204 No Content once a row is deleted; 404 with `message` when there was no such row."""
    if not existed:
        raise HTTPException(status.HTTP_404_NOT_FOUND, message)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def require_key(request: Request, key: SentKey) -> None:
    """Refuse (401) a request without the app's API key; compared in constant time.

    A coroutine because it does no I/O: FastAPI runs a plain `def` dependency in its thread
    pool, a hop that costs more than the check itself on every write.
    """
    expected = request.app.state.settings.api_key
    if key is None or not hmac.compare_digest(key.encode(), expected.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"missing or wrong API key: send it in the {API_KEY_HEADER} header",
            headers={"WWW-Authenticate": API_KEY_HEADER},
        )


def not_found(description: str) -> dict:
    """The OpenAPI entry of a route's 404; `description` says what there is no such of."""
    return {404: {"model": Problem, "description": description}}


def guarded(
    tag: str, missing: str | None = None, check: Callable = require_key, more: dict | None = None
) -> dict:
    """Route options for a route behind the API key: its tag, `check` and its 401, and any 404.

    `missing` describes the 404 of a route that looks a row up; `check` may relax the key check
    (week 8's public reads) and keeps the 401 documented; `more` documents further responses.
    """
    responses = AUTH_RESPONSES | (not_found(missing) if missing else {}) | (more or {})
    return {"tags": [tag], "dependencies": [Depends(check)], "responses": responses}


def creating(tag: str, missing: str | None = None) -> dict:
    """Route options for a keyed route that stores a row: 201 Created, 401, and any 404."""
    return {"status_code": status.HTTP_201_CREATED, **guarded(tag, missing)}


def deleting(tag: str, missing: str) -> dict:
    """Route options for a keyed route that deletes a row: 204 No Content, 401, or 404."""
    return {"status_code": status.HTTP_204_NO_CONTENT, **guarded(tag, missing)}


class BodyLimit:
    """Refuse (413) a request body over `limit` bytes before the app parses it.

    A declared Content-Length over the limit is answered at once; a chunked body is counted as
    it arrives and refused when it crosses the limit, in the same JSON shape.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on with a receive channel that counts the body's bytes."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await problem(413, self._message())(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise StarletteHTTPException(status.HTTP_413_CONTENT_TOO_LARGE, self._message())
            return message

        await self.app(scope, counted, send)

    def _message(self) -> str:
        return f"the request body is over the limit of {self.limit} bytes"


async def validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A 422 naming each field and the rule it broke; the offending input is not echoed back."""
    errors = [
        {
            "loc": [str(p) if not isinstance(p, int) else p for p in e["loc"]],
            "msg": e["msg"],
            "type": e["type"],
        }
        for e in exc.errors()
    ]
    return _validation_response(errors)


async def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """An HTTP error in the contract's shape; a body FastAPI could not parse becomes a 422."""
    if exc.status_code == status.HTTP_400_BAD_REQUEST and exc.__cause__ is not None:
        reason = _unparsable(exc.__cause__)
        return _validation_response([{"loc": ["body"], "msg": reason, "type": "json_invalid"}])
    return problem(exc.status_code, str(exc.detail), getattr(exc, "headers", None))


async def internal_problem(request: Request, exc: Exception) -> JSONResponse:
    """A 500 in the contract's shape; the exception is logged, not shown to the client."""
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(status.HTTP_500_INTERNAL_SERVER_ERROR, "internal error; see the server log")


def _unparsable(cause: BaseException) -> str:
    """Why a body is not JSON the API can read, in words."""
    if isinstance(cause, RecursionError):
        return "JSON decode error: nested too deeply"
    if isinstance(cause, UnicodeDecodeError):
        return "JSON decode error: the body is not valid UTF-8"
    return "JSON decode error: a value cannot be read (e.g. an integer of over 4300 digits)"


def _validation_response(errors: list[dict]) -> JSONResponse:
    message = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
    content = jsonable_encoder({"message": message, "detail": errors})
    return JSONResponse(content=content, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


@contextlib.contextmanager
def serve_in_thread(app: FastAPI, host: str = LOOPBACK, timeout: float = 30.0) -> Iterator[str]:
    """Serve `app` with one uvicorn worker in a background thread; yield its base URL.

    Port 0 lets the kernel pick a free port as uvicorn binds it, so no other process can take
    it in between; the URL is read back from the listening socket.
    """
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=0, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the API did not start; see the log above")
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
