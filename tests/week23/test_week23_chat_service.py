"""The chatbot service: auth, validation, whole and streamed answers, and a restart.

Routes run on the tiny random Llama of week23_support (its answers are arbitrary, only their
path through the service is checked); the last test asks the real SmolLM2 for a few tokens.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from week23_support import KEY, course_notes, notes_assistant, served

from shared.api import API_KEY_HEADER
from shared.servers import free_port
from shared.settings import Settings
from week15_transformers.assistant import NOT_COVERED
from week23_genai_capstone.chat.client import ChatClient, deltas
from week23_genai_capstone.chat.service import NOTES_ENV, QuestionIn, create_app
from week23_genai_capstone.chat.sse import event, read_events
from week23_genai_capstone.chat.store import owner_of
from week23_genai_capstone.language_model import load_chat

AUTH = {API_KEY_HEADER: KEY}


@pytest.fixture
def api(database_url: str, tiny_llama: Path):
    """The chatbot API on the tiny model, in-process, on each test database."""
    app = create_app(Settings(database_url, KEY), load_chat(tiny_llama), max_new_tokens=12)
    with TestClient(app) as client:
        yield client


def _stream(api: TestClient, conversation_id: int, text: str) -> list[tuple[str, dict]]:
    """POST a streamed question and read back its events."""
    path = f"/conversations/{conversation_id}/messages/stream"
    with api.stream("POST", path, json={"content": text}, headers=AUTH) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        return list(read_events(response.iter_lines()))


def test_events_round_trip() -> None:
    text = event("delta", {"text": "a\nb"}) + event("done", {"id": 3})
    assert list(read_events(text.split("\n"))) == [("delta", {"text": "a\nb"}), ("done", {"id": 3})]


def test_every_route_but_health_needs_the_key(api: TestClient) -> None:
    assert api.get("/health").json()["status"] == "ok"
    for method, path in [
        ("POST", "/conversations"),
        ("GET", "/conversations"),
        ("GET", "/conversations/1"),
        ("POST", "/conversations/1/messages"),
        ("POST", "/conversations/1/messages/stream"),
    ]:
        response = api.request(method, path, json={}, headers={API_KEY_HEADER: "wrong-key-123"})
        assert response.status_code == 401, path
        assert "API key" in response.json()["message"]


def test_bad_questions_are_refused_with_the_field_named(api: TestClient) -> None:
    chat = api.post("/conversations", json={}, headers=AUTH).json()
    ask = f"/conversations/{chat['id']}/messages"
    blank = api.post(ask, json={"content": "   "}, headers=AUTH)
    assert blank.status_code == 422 and "blank" in blank.json()["message"]
    zero = api.post(ask, json={"content": "hi", "max_new_tokens": 0}, headers=AUTH)
    assert zero.status_code == 422 and "max_new_tokens" in zero.json()["message"]
    unknown = api.post("/conversations/999/messages", json={"content": "hi"}, headers=AUTH)
    assert unknown.status_code == 404 and "999" in unknown.json()["message"]
    too_long = api.post(ask, json={"content": "word " * 300}, headers=AUTH)
    assert too_long.status_code == 422 and "context window" in too_long.json()["message"]
    assert api.get(f"/conversations/{chat['id']}", headers=AUTH).json()["messages"] == []


def test_streamed_answer_is_the_whole_answer_and_both_are_stored(
    api: TestClient, tiny_llama: Path
) -> None:
    whole_chat, streamed_chat = (
        api.post("/conversations", json={"title": t}, headers=AUTH).json() for t in "ab"
    )
    whole = api.post(
        f"/conversations/{whole_chat['id']}/messages", json={"content": "Hello!"}, headers=AUTH
    )
    assert whole.status_code == 201
    events = _stream(api, streamed_chat["id"], "Hello!")
    names = [name for name, _ in events]
    assert names[0] == "evidence" and events[0][1] == {"abstained": False, "evidence": None}
    assert names[-1] == "done" and set(names[1:-1]) == {"delta"} and len(names) > 3
    text = "".join(data["text"] for name, data in events if name == "delta")
    assert text == whole.json()["content"] == events[-1][1]["content"]
    stored = api.get(f"/conversations/{streamed_chat['id']}", headers=AUTH).json()["messages"]
    assert [(m["role"], m["content"]) for m in stored] == [("user", "Hello!"), ("assistant", text)]
    assert stored[1]["model"] == tiny_llama.name  # the folder's name, however pytest numbered it


def test_the_next_answer_reads_the_stored_history(api: TestClient, tiny_llama: Path) -> None:
    from shared.llm import reply

    chat = api.post("/conversations", json={"system": "Be brief."}, headers=AUTH).json()
    ask = f"/conversations/{chat['id']}/messages"
    first = api.post(ask, json={"content": "One"}, headers=AUTH).json()["content"]
    second = api.post(ask, json={"content": "Two"}, headers=AUTH).json()["content"]
    bot = load_chat(tiny_llama)
    history = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "One"},
        {"role": "assistant", "content": first},
        {"role": "user", "content": "Two"},
    ]
    assert second == reply(bot.model, bot.tokenizer, history, max_new_tokens=12)
    listed = api.get("/conversations", headers=AUTH).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == chat["id"]


def test_a_conversation_survives_a_restart(
    database_url: str, tiny_llama: Path, tmp_path: Path
) -> None:
    env = {
        "DATABASE_URL": database_url,
        "ML_ROADMAP_API_KEY": KEY,
        "WEEK23_CHAT_MODEL": str(tiny_llama),
        NOTES_ENV: str(course_notes(tmp_path)),
    }
    port = free_port()
    with served("chat", env, port) as url:
        client = ChatClient(url, KEY)
        chat = client.start("restart")
        done: dict = {}
        evidence: dict = {}
        question = "Which digits does week 99 train on?"
        streamed = "".join(deltas(client.stream(chat["id"], question, 8), done, evidence))
        before = client.conversation(chat["id"])
        client.close()
    assert before["messages"][-1]["content"] == streamed == done["content"]
    # served with real MiniLM over the notes: the evidence is the sentence that answers
    assert evidence["evidence"]["source"] == "week99_notes/README.md"
    assert "MNIST" in evidence["evidence"]["text"]
    assert before["messages"][-1]["evidence"] == evidence["evidence"] == done["evidence"]
    with served("chat", env, port) as url:
        client = ChatClient(url, KEY)
        assert client.conversation(chat["id"]) == before
        client.ask(chat["id"], "Still there?", 4)
        assert len(client.conversation(chat["id"])["messages"]) == 4
        client.close()


def test_smollm2_answers_the_same_streamed_and_whole(tmp_path: Path) -> None:
    app = create_app(Settings(f"sqlite:///{tmp_path / 'chat.sqlite3'}", KEY), load_chat())
    with TestClient(app) as api:
        ids = [api.post("/conversations", json={}, headers=AUTH).json()["id"] for _ in range(2)]
        question = {"content": "What is the capital of France?", "max_new_tokens": 6}
        whole = api.post(f"/conversations/{ids[0]}/messages", json=question, headers=AUTH).json()
        path = f"/conversations/{ids[1]}/messages/stream"
        with api.stream("POST", path, json=question, headers=AUTH) as response:
            events = list(read_events(response.iter_lines()))
    streamed = "".join(data["text"] for name, data in events if name == "delta")
    assert streamed == whole["content"] and "Paris" in streamed
    assert whole["model"].startswith("SmolLM2-135M-Instruct")


@pytest.fixture
def grounded(tmp_path: Path, tiny_llama: Path):
    """The API answering from a one-week course (letter-count retrieval, never abstaining)."""
    settings = Settings(f"sqlite:///{tmp_path / 'chat.sqlite3'}", KEY)
    assistant = notes_assistant(tmp_path / "notes", threshold=-1.0)
    app = create_app(settings, load_chat(tiny_llama), max_new_tokens=8, assistant=assistant)
    with TestClient(app) as client:
        yield client, assistant


def test_answers_carry_their_evidence_whole_streamed_and_stored(grounded) -> None:
    api, assistant = grounded
    question = "Which digits does week 99 train on?"
    expected = assistant.ground(question).evidence
    evidence = {"text": expected.text, "source": expected.source, "heading": expected.heading}
    ids = [api.post("/conversations", json={}, headers=AUTH).json()["id"] for _ in range(2)]
    whole = api.post(f"/conversations/{ids[0]}/messages", json={"content": question}, headers=AUTH)
    assert whole.status_code == 201
    assert whole.json()["evidence"] == evidence and whole.json()["abstained"] is False
    events = _stream(api, ids[1], question)
    assert events[0] == ("evidence", {"abstained": False, "evidence": evidence})
    assert {name for name, _ in events[1:-1]} == {"delta"} and events[-1][0] == "done"
    assert events[-1][1]["evidence"] == evidence
    stored = api.get(f"/conversations/{ids[1]}", headers=AUTH).json()["messages"]
    assert [m["evidence"] for m in stored] == [None, evidence]
    assert api.get("/health").json()["notes_passages"] == len(assistant.index.chunks)


def test_only_this_turn_carries_the_notes_the_history_keeps_bare_questions(grounded) -> None:
    api, _ = grounded
    chat = api.post("/conversations", json={}, headers=AUTH).json()
    ask = f"/conversations/{chat['id']}/messages"
    api.post(ask, json={"content": "Which digits does week 99 train on?"}, headers=AUTH)
    bot = api.app.state.bot
    prompt = bot.prompt(owner_of(KEY), chat["id"], QuestionIn(content="Where are the digits kept?"))
    assert prompt.messages[1]["content"] == "Which digits does week 99 train on?"
    assert "Notes:" in prompt.messages[-1]["content"]
    assert prompt.grounded.evidence.text in prompt.messages[-1]["content"]


def test_a_question_the_notes_do_not_cover_is_not_answered(
    tmp_path: Path, tiny_llama: Path
) -> None:
    settings = Settings(f"sqlite:///{tmp_path / 'chat.sqlite3'}", KEY)
    assistant = notes_assistant(tmp_path / "notes", threshold=1.01)  # nothing is close enough
    app = create_app(settings, load_chat(tiny_llama), max_new_tokens=8, assistant=assistant)
    with TestClient(app) as api:
        ids = [api.post("/conversations", json={}, headers=AUTH).json()["id"] for _ in range(2)]
        question = {"content": "Who painted the Mona Lisa?"}
        whole = api.post(f"/conversations/{ids[0]}/messages", json=question, headers=AUTH).json()
        events = _stream(api, ids[1], question["content"])
        stored = api.get(f"/conversations/{ids[1]}", headers=AUTH).json()["messages"]
    assert (whole["content"], whole["abstained"], whole["evidence"]) == (NOT_COVERED, True, None)
    assert events[:2] == [
        ("evidence", {"abstained": True, "evidence": None}),
        ("delta", {"text": NOT_COVERED}),
    ]
    assert events[2][0] == "done" and events[2][1]["abstained"] is True
    assert stored[-1]["content"] == NOT_COVERED and stored[-1]["abstained"] is True
