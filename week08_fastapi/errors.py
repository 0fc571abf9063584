"""One error contract for every refusal: JSON with a one-line `message`, and a `detail`.

`detail` is the same text, except for a 422, where it lists each broken rule (`loc`, `msg`,
`type`); the offending input is never echoed back. A body that is not JSON (bad syntax, invalid
UTF-8, nesting too deep, an integer too long to convert) is a 422 like any other broken rule, and
a body over the size limit is a 413 whether its length was declared or it arrived in chunks.
`install(app, max_body_bytes)` wires the handlers and the size limit into an app.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("week08_fastapi")


def install(app: FastAPI, max_body_bytes: int) -> None:
    """Make every error of `app` follow the contract, and refuse bodies over `max_body_bytes`."""
    app.add_middleware(BodyLimit, limit=max_body_bytes)
    app.add_exception_handler(RequestValidationError, validation_problem)
    app.add_exception_handler(HTTPException, http_problem)
    app.add_exception_handler(Exception, internal_problem)


def problem(status_code: int, message: str, headers: dict | None = None) -> JSONResponse:
    """An error response in the contract's shape."""
    return JSONResponse(
        {"message": message, "detail": message}, status_code=status_code, headers=headers
    )


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
                    raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, self._message())
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


async def http_problem(request: Request, exc: HTTPException) -> JSONResponse:
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
