"""The chatbot service under hostile use (issue 26): clients that leave, shutdowns, other keys.

A client that closes a stream or stops waiting must free the model at once and leave nothing
stored; SIGTERM with questions queued stores no half or empty answer; each key sees only its
own conversations; retries with an Idempotency-Key store nothing twice; bodies are strict;
`serve` refuses bad options before anything loads. Most run on the tiny random Llama of
week23_support; the disconnect test runs SmolLM2 in a real uvicorn process, slow enough that an
answer cannot finish before the client is gone.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from week23_support import KEY, course_notes, served

from shared.api import API_KEY_HEADER, serve_in_thread
from shared.servers import LOOPBACK, ServerProcess, free_port
from week23_genai_capstone import serve
from week23_genai_capstone.chat.service import (
    NOTES_ENV,
    SHUTTING_DOWN,
    Chatbot,
    ChatSettings,
    create_app,
)
from week23_genai_capstone.chat.sse import read_events
from week23_genai_capstone.language_model import Generation, load_chat

OTHER_KEY = "week23-other-key-4567"
AUTH = {API_KEY_HEADER: KEY}
OTHER = {API_KEY_HEADER: OTHER_KEY}
STREAM = "/conversations/{}/messages/stream"
ASK = "/conversations/{}/messages"
SETTLE_S = 30  # at most this long for the server to notice what a test did
# a question week23_support's course notes answer, so a served app generates (never abstains)
GROUNDED = {"content": "Which digits does week 99 train on?"}


def _until(condition, what: str, timeout_s: float = SETTLE_S) -> None:
    """Wait until `condition()` holds; fail naming `what` if it does not within the timeout."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout_s} s")
        time.sleep(0.05)


@pytest.fixture
def api(database_url: str, tiny_llama: Path) -> Iterator[TestClient]:
    """The chatbot API on the tiny model with two user keys, in-process."""
    settings = ChatSettings(database_url, KEY, (OTHER_KEY,))
    with TestClient(create_app(settings, load_chat(tiny_llama), max_new_tokens=8)) as client:
        yield client


@pytest.fixture
def threaded(tmp_path: Path, tiny_llama: Path) -> Iterator[tuple[str, Chatbot]]:
    """The chatbot API on the tiny model in a uvicorn thread: its URL and its Chatbot."""
    settings = ChatSettings(f"sqlite:///{tmp_path / 'chat.sqlite3'}", KEY)
    app = create_app(settings, load_chat(tiny_llama), max_new_tokens=128)
    with serve_in_thread(app) as url:
        yield url, app.state.bot


def test_a_cancelled_generation_stops_within_a_token_and_frees_the_model(
    tiny_llama: Path,
) -> None:
    chat = load_chat(tiny_llama)
    messages = [{"role": "user", "content": "Tell me a long story."}]
    lock = threading.Lock()
    generation = Generation(chat, messages, 200, lock)
    pieces = generation.pieces()
    next(pieces)
    generation.cancel()
    rest = list(pieces)
    assert not generation.completed and not lock.locked()
    assert generation.tokens < 200 and len(rest) < 200
    with lock:  # queued behind another answer, then cancelled: it never starts
        queued = Generation(chat, messages, 200, lock)
        queued.cancel()
        queued.thread.join(SETTLE_S)
    assert list(queued.pieces()) == [] and queued.tokens == 0 and not queued.completed


def test_a_client_that_closes_the_stream_frees_the_model(tmp_path: Path, tiny_llama: Path) -> None:
    """Issue 26, defect 1: the next question waited 240 s after a stream was closed."""
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'chat.sqlite3'}",
        "ML_ROADMAP_API_KEY": KEY,
        "WEEK23_CHAT_MODEL": str(tiny_llama),
        NOTES_ENV: str(course_notes(tmp_path / "notes")),
    }
    with (
        served("chat", env) as url,
        httpx.Client(base_url=url, headers=AUTH, timeout=SETTLE_S) as client,
    ):
        left, second = (client.post("/conversations", json={}).json()["id"] for _ in "ab")
        for _ in range(3):
            with client.stream("POST", STREAM.format(left), json=GROUNDED) as response:
                assert response.status_code == 200
                next(line for line in response.iter_lines() if line == "event: delta")
            answer = client.post(ASK.format(second), json={"content": "Hi", "max_new_tokens": 4})
            assert answer.status_code == 201, answer.text


def test_a_closed_stream_stops_its_answer_within_a_token(
    threaded: tuple[str, Chatbot], tiny_llama: Path
) -> None:
    url, bot = threaded
    forwards = []

    def slow_step(module, args) -> None:  # a model slow enough to be caught mid-answer
        forwards.append(time.monotonic())
        time.sleep(0.05)

    hook = bot.chat.model.register_forward_pre_hook(slow_step)
    try:
        with httpx.Client(base_url=url, headers=AUTH, timeout=SETTLE_S) as client:
            chat = client.post("/conversations", json={}).json()["id"]
            story = {"content": "Tell me a long story.", "max_new_tokens": 128}
            with client.stream("POST", STREAM.format(chat), json=story) as response:
                next(line for line in response.iter_lines() if line == "event: delta")
            _until(lambda: not bot.running and not bot.lock.locked(), "freeing the model")
            written = len(forwards)
            time.sleep(0.5)
            assert len(forwards) == written < 128  # stopped, long before the budget
            assert client.get(f"/conversations/{chat}").json()["messages"] == []
    finally:
        hook.remove()


def test_a_queued_question_whose_client_left_is_neither_answered_nor_stored(
    threaded: tuple[str, Chatbot],
) -> None:
    url, bot = threaded
    with httpx.Client(base_url=url, headers=AUTH, timeout=1.0) as client:
        chat = client.post("/conversations", json={}).json()["id"]
        with bot.lock:  # another answer holds the model
            with pytest.raises(httpx.ReadTimeout):
                client.post(ASK.format(chat), json={"content": "Still there?"})
            stream = client.stream("POST", STREAM.format(chat), json={"content": "Hm?"})
            with pytest.raises(httpx.ReadTimeout), stream as response:
                list(response.iter_lines())
            _until(lambda: not bot.running, "cancelling both queued answers")
        time.sleep(0.5)  # the model is free: a wrongly kept answer would be written now
        assert client.get(f"/conversations/{chat}").json()["messages"] == []
        hello = {"content": "Hello", "max_new_tokens": 4}
        assert client.post(ASK.format(chat), json=hello, timeout=SETTLE_S).status_code == 201


def test_shutting_down_cancels_queued_answers_and_stores_none(
    threaded: tuple[str, Chatbot],
) -> None:
    url, bot = threaded
    results: dict[str, object] = {}
    with httpx.Client(base_url=url, headers=AUTH, timeout=SETTLE_S) as client:
        chat = client.post("/conversations", json={}).json()["id"]

        def ask() -> None:
            results["whole"] = client.post(ASK.format(chat), json={"content": "One"})

        def stream() -> None:
            with client.stream("POST", STREAM.format(chat), json={"content": "Two"}) as r:
                results["stream"] = list(read_events(r.iter_lines()))

        with bot.lock:
            workers = [threading.Thread(target=ask), threading.Thread(target=stream)]
            for worker in workers:
                worker.start()
            _until(lambda: len(bot.running) == 2, "queueing both questions")
            bot.close()  # what SIGTERM does
        for worker in workers:
            worker.join(SETTLE_S)
        whole = results["whole"]
        assert whole.status_code == 503 and whole.json()["message"] == SHUTTING_DOWN
        assert results["stream"] == [
            ("evidence", {"abstained": False, "evidence": None}),  # no course notes here
            ("error", {"message": SHUTTING_DOWN}),
        ]
        assert client.get(f"/conversations/{chat}").json()["messages"] == []
        refused = client.post(ASK.format(chat), json={"content": "Three"})
        assert refused.status_code == 503


def test_sigterm_with_questions_queued_stores_only_whole_answers(
    tmp_path: Path, tiny_llama: Path
) -> None:
    database = tmp_path / "chat.sqlite3"
    port = free_port()
    env = {
        "DATABASE_URL": f"sqlite:///{database}",
        "ML_ROADMAP_API_KEY": KEY,
        "WEEK23_CHAT_MODEL": str(tiny_llama),
        NOTES_ENV: str(course_notes(tmp_path / "notes")),
    }
    command = [sys.executable, "-m", "week23_genai_capstone", "serve", "chat", "--port", str(port)]
    server = ServerProcess(command, f"http://{LOOPBACK}:{port}", env=env, timeout=180)
    try:
        server.start()
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=SETTLE_S) as client:
            chats = [client.post("/conversations", json={}).json()["id"] for _ in range(12)]
            answered: list[int] = []

            def ask(chat: int) -> None:
                """Ask whole (odd ids) or streamed (even); note the chat if an answer came."""
                body = {"content": f"{GROUNDED['content']} ({chat})", "max_new_tokens": 128}
                try:
                    if chat % 2:
                        if client.post(ASK.format(chat), json=body).status_code == 201:
                            answered.append(chat)
                        return
                    with client.stream("POST", STREAM.format(chat), json=body) as response:
                        if any(name == "done" for name, _ in read_events(response.iter_lines())):
                            answered.append(chat)
                except httpx.HTTPError:
                    pass

            workers = [threading.Thread(target=ask, args=(c,)) for c in chats]
            for worker in workers:
                worker.start()
            time.sleep(0.3)
            assert server.stop(SETTLE_S) in (0, -signal.SIGTERM)  # uvicorn re-raises it
            for worker in workers:
                worker.join(SETTLE_S)
    finally:
        server.kill()
        server.close()
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT conversation_id, role, content FROM chat_messages ORDER BY id")
        ).all()
    engine.dispose()
    stored = [r.conversation_id for r in rows if r.role == "assistant"]
    assert sorted(stored) == sorted(answered), "a turn was stored that its client never got"
    assert all(r.content for r in rows), "an empty message was stored"
    assert len(rows) == 2 * len(stored)
    assert len(stored) < len(chats), "every queued question was still answered after SIGTERM"


def test_each_key_sees_only_its_own_conversations(api: TestClient) -> None:
    mine = api.post("/conversations", json={"title": "mine"}, headers=AUTH).json()["id"]
    theirs = api.post("/conversations", json={"title": "theirs"}, headers=OTHER).json()["id"]
    assert [c["id"] for c in api.get("/conversations", headers=AUTH).json()["items"]] == [mine]
    listed = api.get("/conversations", headers=OTHER).json()
    assert [c["id"] for c in listed["items"]] == [theirs] and listed["total"] == 1
    for method, path in [
        ("GET", f"/conversations/{mine}"),
        ("POST", ASK.format(mine)),
        ("POST", STREAM.format(mine)),
    ]:
        response = api.request(method, path, json={"content": "hi"}, headers=OTHER)
        assert response.status_code == 404, path
        assert str(mine) in response.json()["message"]
    assert api.get(f"/conversations/{mine}", headers=AUTH).json()["messages"] == []
    wrong = api.get("/conversations", headers={API_KEY_HEADER: "not-a-known-key"})
    assert wrong.status_code == 401


def test_a_retry_with_the_same_idempotency_key_stores_nothing_twice(api: TestClient) -> None:
    once = {**AUTH, "Idempotency-Key": "start-1"}
    first = api.post("/conversations", json={"title": "a"}, headers=once)
    again = api.post("/conversations", json={"title": "a"}, headers=once)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    others = api.post(
        "/conversations", json={"title": "a"}, headers={**OTHER, "Idempotency-Key": "start-1"}
    )
    assert others.json()["id"] != first.json()["id"]  # keys are per user
    assert api.get("/conversations", headers=AUTH).json()["total"] == 1
    chat = first.json()["id"]
    asked = {**AUTH, "Idempotency-Key": "question-1"}
    answer = api.post(ASK.format(chat), json={"content": "Hello"}, headers=asked).json()
    retried = api.post(ASK.format(chat), json={"content": "Hello"}, headers=asked).json()
    assert retried == answer
    path = STREAM.format(chat)
    with api.stream("POST", path, json={"content": "Hello"}, headers=asked) as response:
        events = list(read_events(response.iter_lines()))
    assert events == [
        ("evidence", {"abstained": False, "evidence": None}),  # no course notes in this app
        ("delta", {"text": answer["content"]}),
        ("done", answer),
    ]
    assert len(api.get(f"/conversations/{chat}", headers=AUTH).json()["messages"]) == 2
    reused = api.post(ASK.format(chat), json={"content": "Bye"}, headers=asked)
    assert reused.status_code == 422 and "Idempotency-Key" in reused.json()["message"]
    for bad in ("has space", "x" * 201, ""):
        response = api.post("/conversations", json={}, headers={**AUTH, "Idempotency-Key": bad})
        assert response.status_code == 422, bad


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/conversations", {"title": 5}, "title"),
        ("/conversations", {"title": "a", "owner": "x"}, "owner"),
        (ASK, {"content": "hi", "max_new_tokens": True}, "max_new_tokens"),
        (ASK, {"content": "hi", "max_new_tokens": "100"}, "max_new_tokens"),
        (ASK, {"content": "hi", "max_new_tokens": 4.0}, "max_new_tokens"),
        (STREAM, {"content": "hi", "temperature": 0.5}, "temperature"),
    ],
)
def test_bodies_are_strict(api: TestClient, path: str, body: dict, field: str) -> None:
    chat = api.post("/conversations", json={}, headers=AUTH).json()["id"]
    response = api.post(path.format(chat), json=body, headers=AUTH)
    assert response.status_code == 422 and field in response.json()["message"]


def test_an_older_database_gains_owners_and_keeps_its_chats(tmp_path: Path, tiny_llama) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE chat_conversations (id INTEGER PRIMARY KEY, created_at DATETIME, "
                "title VARCHAR(200), system TEXT)"
            )
        )
        conn.execute(
            text("INSERT INTO chat_conversations VALUES (1, '2026-01-01 00:00:00', 'old', 'Hi')")
        )
    engine.dispose()
    settings = ChatSettings(url, KEY, (OTHER_KEY,))
    with TestClient(create_app(settings, load_chat(tiny_llama), max_new_tokens=4)) as client:
        assert client.get("/conversations/1", headers=AUTH).json()["title"] == "old"
        assert client.get("/conversations/1", headers=OTHER).status_code == 404
        assert client.post(ASK.format(1), json={"content": "Hi"}, headers=AUTH).status_code == 201


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["chat", "--max-new-tokens", "-5"], "--max-new-tokens must be between 1 and 512"),
        (["chat", "--max-new-tokens", "513"], "--max-new-tokens must be between 1 and 512"),
        (["gallery", "--max-new-tokens", "5"], "applies to `serve chat` only"),
        (["story", "--device", "cpu"], "applies to `serve chat` only"),
        (["chat-ui", "--model", "."], "--model applies to"),
        (["chat", "--model", "no/such/folder"], "is no chat model folder"),
    ],
)
def test_serve_refuses_bad_options_in_one_line(argv: list[str], says: str, capsys) -> None:
    """Issue 26, defect 3: `serve chat --max-new-tokens -5` started, then answered 500s."""
    assert serve.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and says in err


def test_serve_refuses_course_notes_without_readmes(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv(NOTES_ENV, str(tmp_path))
    assert serve.main(["chat"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds no week*/README.md" in err


def test_serve_refuses_a_bad_user_key(monkeypatch, capsys) -> None:
    monkeypatch.setenv("ML_ROADMAP_API_KEY", KEY)
    monkeypatch.setenv("WEEK23_CHAT_KEYS", f"{OTHER_KEY} short")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    assert serve.main(["chat", "--port", str(free_port())]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "at least 8 characters" in err
