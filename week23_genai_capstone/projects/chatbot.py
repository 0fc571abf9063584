"""Project: the chatbot service end to end: answers with evidence, a restart, the history intact.

The run starts the real service (`python -m week23_genai_capstone serve chat`, uvicorn in its
own process, answering from the course notes through week 15's assistant) on a fresh SQLite
file, holds a conversation with SmolLM2 through the chat client (answers streamed as
server-sent events, the `evidence` event first), asks the first question again in a second
conversation without streaming, stops the process and starts a new one, and reads the
conversation back: it must be there message for message, evidence included, and the bot must
go on from it. One question is outside the course: it must be answered "not covered". The
Streamlit chat page is then driven with AppTest against the same service.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from shared.api import API_KEY_ENV
from shared.bars import Bar
from shared.context import RunContext
from shared.paths import REPO_ROOT
from shared.servers import LOOPBACK, ServerProcess, free_port
from week23_genai_capstone import chat
from week23_genai_capstone.chat.client import URL_ENV, ChatClient, deltas
from week23_genai_capstone.chat.service import NOTES_ENV
from week23_genai_capstone.language_model import MODEL_ENV

# Functional bars from issue 16 ("sessions resumable after a restart", "streamed answers");
# the stream is the WHATWG HTML standard's server-sent events (text/event-stream).
BARS = [
    Bar("history_intact_after_restart", ">=", 1.0, "issue 16: sessions resumable after a restart"),
    Bar("stream_matches_whole", ">=", 1.0, "SSE (WHATWG HTML §9.2) delivers the whole answer"),
    Bar("chat_page_answered", ">=", 1.0, "issue 16: a Streamlit chat page on top (AppTest)"),
    Bar(
        "answers_carry_evidence",
        ">=",
        1.0,
        "issue 22: every course answer quotes its README evidence, sent before the tokens",
    ),
    Bar("out_of_scope_refused", ">=", 1.0, "issue 22: the notes do not cover it: say so"),
]
APP = chat.PAGE
QUESTIONS = (
    "On which port does week 23's chatbot API listen?",
    "Which tool runs week 18's schema migrations?",
    "Which optimizer does week 4 write from scratch besides gradient descent and momentum?",
)
OUT_OF_SCOPE = "Who painted the Mona Lisa?"
FOLLOW_UP = "Which library runs week 17's hyper-parameter study?"
PAGE_QUESTION = "Which dataset of handwritten digits does week 9 train its MLP on?"


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    max_new_tokens: int = 64  # each answer's token budget
    questions: int | None = None  # QUESTIONS asked (None: all)
    notes: tuple[str, ...] = ()  # the weeks whose READMEs are indexed (empty: every week's)


FULL = Config()
# A smoke run indexes only the READMEs its questions are about: the service starts in seconds
FAST = Config(
    max_new_tokens=8,
    questions=2,
    notes=("week09_dl_foundations", "week17_ts_deep", "week18_databases", "week23_genai_capstone"),
)


def fast_notes(folder: Path, weeks: tuple[str, ...]) -> Path:
    """Copy the READMEs of `weeks` into `folder` (a smoke run's small course notes)."""
    for week in weeks:
        (folder / week).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO_ROOT / week / "README.md", folder / week / "README.md")
    return folder


def chat_service(env: dict[str, str], device: str, max_new_tokens: int) -> ServerProcess:
    """The chatbot service in its own process with exactly `env`, started and stopped like a
    deployment would."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "week23_genai_capstone",
        "serve",
        "chat",
        *("--port", str(port), "--device", device),
        *("--max-new-tokens", str(max_new_tokens)),
    ]
    url = f"http://{LOOPBACK}:{port}"
    return ServerProcess(command, url, env=env, timeout=300.0, inherit=False)


def streamed_turn(client: ChatClient, conversation_id: int, text: str, budget: int) -> dict:
    """Ask with streaming; return the stored answer, the evidence event, time to first piece."""
    start, first, done, evidence = time.perf_counter(), None, {}, {}
    pieces = []
    for piece in deltas(client.stream(conversation_id, text, budget), done, evidence):
        first = first or time.perf_counter() - start
        pieces.append(piece)
    seconds = time.perf_counter() - start
    return {
        **done,
        "streamed": "".join(pieces),
        "evidence_event": evidence,
        "ttft": first or seconds,
        "seconds": seconds,
    }


def carries_evidence(turn: dict) -> bool:
    """True when a streamed answer's evidence event and stored answer quote the same README."""
    sent, stored = turn["evidence_event"].get("evidence"), turn.get("evidence")
    return bool(sent) and sent == stored and sent["source"].endswith("README.md")


def drive_chat_page(url: str, key: str, question: str) -> int:
    """Ask `question` on the chat page (AppTest); return how many chat messages it shows."""
    from streamlit.testing.v1 import AppTest

    from shared.apptest import environment

    with environment(**{URL_ENV: url, API_KEY_ENV: key}):
        app = AppTest.from_file(str(APP), default_timeout=300).run()
        app.chat_input[0].set_value(question).run()
    if app.exception:
        raise RuntimeError(f"the chat page raised: {app.exception[0].message}")
    return len(app.chat_message)


def run(ctx: RunContext) -> dict[str, float]:
    """Serve, chat, restart, read back, go on; then drive the chat page."""
    config = FAST if ctx.fast else FULL
    budget = config.max_new_tokens
    database = ctx.out / "chatbot_run.sqlite3"
    for leftover in database.parent.glob(database.name + "*"):
        leftover.unlink()
    key = secrets.token_urlsafe(24)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", API_KEY_ENV: key}
    env.pop(MODEL_ENV, None)  # the run talks to SmolLM2 from the registry
    env.pop(NOTES_ENV, None)  # and answers from this repository's READMEs
    if config.notes:
        env[NOTES_ENV] = str(fast_notes(ctx.out / "course_notes", config.notes))
    ctx.dataset("smollm2_135m_instruct")
    service = chat_service(env, ctx.device, budget)
    questions = QUESTIONS[: config.questions]
    try:
        first_start = service.start()
        client = ChatClient(service.url, key)
        chat = client.start("Ada learns")
        turns = [streamed_turn(client, chat["id"], q, budget) for q in questions]
        whole = client.ask(client.start("same question, not streamed")["id"], questions[0], budget)
        outside = streamed_turn(client, client.start("outside")["id"], OUT_OF_SCOPE, budget)
        before = client.conversation(chat["id"])
        client.close()
        service.stop()
        restart = service.start()
        client = ChatClient(service.url, key)
        after = client.conversation(chat["id"])
        follow_up = streamed_turn(client, chat["id"], FOLLOW_UP, budget)
        bubbles = drive_chat_page(service.url, key, PAGE_QUESTION)
        page_chat = client.conversation(client.conversations()[-1]["id"])["messages"]
        client.close()
    finally:
        service.close()
    ttfts = sorted(t["ttft"] for t in [*turns, follow_up])
    transcript = "\n".join(
        f"- **{m['role']}**: {m['content'].strip()}"
        + (
            f" — evidence: {m['evidence']['text']!r} ({m['evidence']['source']})"
            if m.get("evidence")
            else ""
        )
        for m in after["messages"]
    )
    page_answer = page_chat[-1]["content"] if page_chat else ""
    ctx.note(
        f"Service: `{' '.join(service.command[1:])}` with SQLite `{database.name}`; started in "
        f"{first_start:.1f} s, restarted in {restart:.1f} s. Model: {whole['model']}, greedy, "
        f"at most {budget} new tokens per answer. The conversation, as read back after the "
        f"restart, then the follow-up (answered from the stored history):\n\n{transcript}\n"
        f"- **user** (after the restart): {FOLLOW_UP}\n"
        f"- **assistant**: {follow_up['content'].strip()}\n\n"
        f"Outside the course, {OUT_OF_SCOPE!r} was answered {outside['content']!r} "
        f"(abstained: {outside['abstained']}).\n\n"
        f"The chat page (AppTest) asked {PAGE_QUESTION!r} and showed {bubbles} chat messages; "
        f"the answer it stored: {page_answer.strip()!r}."
    )
    ctx.info["model"] = whole["model"]
    return {
        "history_intact_after_restart": float(
            after == before and len(after["messages"]) == 2 * len(questions)
        ),
        "stream_matches_whole": float(
            all(t["streamed"] == t["content"] for t in turns)
            and turns[0]["content"] == whole["content"]
        ),
        "answers_carry_evidence": float(
            all(carries_evidence(t) for t in [*turns, follow_up])
            and whole["evidence"] == turns[0]["evidence"]
        ),
        "out_of_scope_refused": float(
            outside["abstained"] and outside["evidence_event"].get("abstained") is True
        ),
        "chat_page_answered": float(
            bubbles == len(page_chat) >= 2
            and page_chat[-2]["content"] == PAGE_QUESTION
            and page_chat[-1]["role"] == "assistant"
        ),
        "median_ttft_seconds": ttfts[len(ttfts) // 2],
        "service_start_seconds": first_start,
        "restart_seconds": restart,
    }
