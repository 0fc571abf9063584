"""shared.api on a small app of its own: the error contract, the key check, uvicorn in a thread."""

from __future__ import annotations

import ast
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from shared.api import (
    API_KEY_HEADER,
    Limit,
    Offset,
    Page,
    RowId,
    creating,
    deleted,
    deleting,
    found,
    serve_in_thread,
    service_app,
)
from shared.paths import REPO_ROOT
from shared.settings import KeyedSettings, check_api_key

KEY = "shared-api-key-123"
ROWS = {1: "one", 2: "two", 3: "three"}


@dataclass(frozen=True)
class Settings(KeyedSettings):
    api_key: str


class Note(BaseModel):
    text: str = Field(min_length=1, max_length=20)


class NotePage(Page[str]):
    """A page of notes."""


@asynccontextmanager
async def no_lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield


def small_app() -> FastAPI:
    """A paged read, a read by id, a guarded write that may fail on purpose, a guarded delete."""
    app = service_app(
        title="notes",
        summary="a test app",
        lifespan=no_lifespan,
        settings=Settings(KEY),
        max_body_bytes=64,
    )

    @app.get("/notes", response_model=NotePage)
    def list_notes(limit: Limit = 2, offset: Offset = 0) -> NotePage:
        items = list(ROWS.values())
        return NotePage(items=items[offset : offset + limit], total=3, limit=limit, offset=offset)

    @app.get("/notes/{note_id}")
    def read_note(note_id: RowId) -> str:
        return found(ROWS.get(note_id), f"no note has id {note_id}")

    @app.post("/notes", **creating("notes"))
    def add_note(note: Note) -> str:
        if note.text == "crash":
            raise RuntimeError("a bug")
        return note.text

    @app.delete("/notes/{note_id}", **deleting("notes", "no such note"))
    def forget_note(note_id: RowId) -> Response:
        return deleted(note_id in ROWS, f"no note has id {note_id}")

    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    with TestClient(small_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def test_pages_and_a_missing_row_follow_the_contract(client: TestClient) -> None:
    page = client.get("/notes", params={"offset": 1}).json()
    assert page == {"items": ["two", "three"], "total": 3, "limit": 2, "offset": 1}
    missing = client.get("/notes/9")
    assert missing.status_code == 404
    assert missing.json() == {"message": "no note has id 9", "detail": "no note has id 9"}
    too_big = client.get(f"/notes/{2**63}")
    assert too_big.status_code == 422 and too_big.json()["detail"][0]["loc"] == ["path", "note_id"]


def test_writes_need_the_key(client: TestClient) -> None:
    for headers in ({}, {API_KEY_HEADER: "wrong-key-123"}):
        refused = client.post("/notes", json={"text": "hi"}, headers=headers)
        assert refused.status_code == 401 and API_KEY_HEADER in refused.json()["message"]
        assert refused.headers["WWW-Authenticate"] == API_KEY_HEADER
    accepted = client.post("/notes", json={"text": "hi"}, headers={API_KEY_HEADER: KEY})
    assert accepted.status_code == 201 and accepted.json() == "hi"


def test_bad_bodies_are_4xx_and_a_bug_is_a_json_500(client: TestClient) -> None:
    auth = {API_KEY_HEADER: KEY}
    empty = client.post("/notes", json={"text": ""}, headers=auth)
    assert empty.status_code == 422 and empty.json()["message"].startswith("body.text:")
    broken = client.post(
        "/notes", content=b"{", headers={**auth, "content-type": "application/json"}
    )
    assert broken.status_code == 422 and broken.json()["detail"][0]["type"] == "json_invalid"
    large = client.post("/notes", json={"text": "x" * 100}, headers=auth)
    assert large.status_code == 413 and "64 bytes" in large.json()["message"]
    bug = client.post("/notes", json={"text": "crash"}, headers=auth)
    assert bug.status_code == 500 and bug.json()["message"] == "internal error; see the server log"
    assert "a bug" not in bug.text


def test_route_options_guard_the_route_and_document_its_answers(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    add, forget = paths["/notes"]["post"], paths["/notes/{note_id}"]["delete"]
    assert add["tags"] == forget["tags"] == ["notes"]
    assert {"201", "401"} <= add["responses"].keys() and "404" not in add["responses"]
    assert {"204", "401", "404"} <= forget["responses"].keys()
    assert forget["responses"]["404"]["description"] == "no such note"
    assert client.delete("/notes/1").status_code == 401
    auth = {API_KEY_HEADER: KEY}
    assert client.delete("/notes/1", headers=auth).status_code == 204
    assert client.delete("/notes/9", headers=auth).json()["message"] == "no note has id 9"


@pytest.mark.parametrize(
    ("key", "message"),
    [("short", "at least 8"), ("   ", "blank"), (" padded-key ", "spaces"), ("clé-1234", "ASCII")],
)
def test_a_key_no_client_could_send_is_refused(key: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_api_key(key)
    with pytest.raises(ValueError, match=message):
        Settings(key)


def test_serve_in_thread_answers_over_loopback_and_stops() -> None:
    with serve_in_thread(small_app()) as base:
        assert httpx.get(f"{base}/notes/1").json() == "one"
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base}/notes/1", timeout=2)


def imported(node: ast.AST) -> list[str]:
    """The modules an import statement names (`from shared import api` names shared.api)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0:
        return [node.module or "", *(f"{node.module}.{alias.name}" for alias in node.names)]
    return []


def test_no_other_shared_module_imports_fastapi_or_shared_api() -> None:
    """`import shared` stays free of fastapi: only service weeks import shared.api."""
    web = {"fastapi", "starlette", "uvicorn"}
    offenders = []
    for path in sorted((REPO_ROOT / "shared").glob("*.py")):
        if path.name == "api.py":
            continue
        tree = ast.parse(path.read_text())
        top_level = {n.split(".")[0] for node in tree.body for n in imported(node)}
        everywhere = {n for node in ast.walk(tree) for n in imported(node)}
        if top_level & web or "shared.api" in everywhere:
            offenders.append(path.name)
    assert offenders == []
