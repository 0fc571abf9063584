"""The Streamlit chat page on top of the chatbot service: AppTest and a real headless Chromium.

The service runs in a thread on the tiny random Llama of week23_support.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import open_page
from streamlit.testing.v1 import AppTest
from week23_support import KEY, notes_assistant, served

from shared.api import serve_in_thread
from shared.paths import week_report_dir
from shared.servers import LOOPBACK, free_port
from shared.settings import Settings
from week23_genai_capstone import chat
from week23_genai_capstone.chat.client import START_API, URL_ENV, ChatClient
from week23_genai_capstone.chat.service import create_app
from week23_genai_capstone.language_model import load_chat

APP = str(chat.PAGE)


@pytest.fixture
def chat_api(tmp_path: Path, tiny_llama: Path):
    """The chatbot API on the tiny model, served on a loopback port."""
    settings = Settings(f"sqlite:///{tmp_path / 'chat.sqlite3'}", KEY)
    with serve_in_thread(create_app(settings, load_chat(tiny_llama), max_new_tokens=6)) as url:
        yield url


def test_the_page_asks_streams_stores_and_resumes(chat_api: str, monkeypatch) -> None:
    monkeypatch.setenv(URL_ENV, chat_api)
    monkeypatch.setenv("ML_ROADMAP_API_KEY", KEY)
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception and not app.chat_message
    app.chat_input[0].set_value("Hello there").run()
    assert not app.exception
    assert [m.name for m in app.chat_message] == ["user", "assistant"]
    client = ChatClient(chat_api, KEY)
    (conversation,) = client.conversations()
    stored = client.conversation(conversation["id"])["messages"]
    assert [m["role"] for m in stored] == ["user", "assistant"]
    assert stored[0]["content"] == "Hello there"
    reloaded = AppTest.from_file(APP, default_timeout=60).run()  # a new session: a reload
    assert [m.name for m in reloaded.chat_message] == ["user", "assistant"]
    assert reloaded.chat_message[0].markdown[0].value == "Hello there"
    reloaded.sidebar.button[0].click().run()  # "New conversation"
    assert len(client.conversations()) == 2 and not reloaded.chat_message
    client.close()


def test_the_page_shows_the_source_under_each_answer(
    tmp_path: Path, tiny_llama: Path, monkeypatch
) -> None:
    settings = Settings(f"sqlite:///{tmp_path / 'chat.sqlite3'}", KEY)
    assistant = notes_assistant(tmp_path / "notes", threshold=-1.0)
    app = create_app(settings, load_chat(tiny_llama), max_new_tokens=4, assistant=assistant)
    with serve_in_thread(app) as url:
        monkeypatch.setenv(URL_ENV, url)
        monkeypatch.setenv("ML_ROADMAP_API_KEY", KEY)
        page = AppTest.from_file(APP, default_timeout=60).run()
        page.chat_input[0].set_value("Which digits does week 99 train on?").run()
        reloaded = AppTest.from_file(APP, default_timeout=60).run()
    for shown in (page, reloaded):  # as streamed, and as read back from the database
        assert not shown.exception
        answer = shown.chat_message[1]
        assert "Source: `week99_notes/README.md`" in answer.caption[0].value
        assert answer.markdown[-1].value.startswith("> ")


def test_without_the_service_the_page_says_how_to_start_it(monkeypatch) -> None:
    monkeypatch.setenv(URL_ENV, f"http://{LOOPBACK}:{free_port()}")
    monkeypatch.setenv("ML_ROADMAP_API_KEY", KEY)
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert START_API in app.error[0].value


def test_chat_page_in_chromium(chat_api: str) -> None:
    shot = week_report_dir(23) / "browser" / "chat.png"
    env = {URL_ENV: chat_api, "ML_ROADMAP_API_KEY": KEY}
    with (
        served("chat-ui", env) as url,
        open_page(url, text="Week 23 chatbot", timeout_s=120) as visit,
    ):
        page = visit.page
        box = page.get_by_placeholder("Ask about the course")
        box.fill("Hello from Chromium")
        box.press("Enter")
        page.locator('[data-testid="stChatMessage"]').nth(1).wait_for(state="visible")
        page.get_by_text("Hello from Chromium").first.wait_for(state="visible")
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
        assert not visit.failures
    assert shot.stat().st_size > 1000
