"""The chatbot service: SmolLM2 behind FastAPI, answers streamed as server-sent events.

A conversation lives in SQL (chat_store.py), so a client can come back to it after the service
restarts: each question is answered from the stored history (the system message and every
earlier turn, trimmed oldest-first to fit the context window by shared/llm.py). An answer comes
whole (POST .../messages) or token by token (POST .../messages/stream, text/event-stream);
both decode greedily, so the two give the same text for the same history.

Answers come from the course notes (week 15's `CourseAssistant`): each question is grounded in
the week READMEs first. When the notes cover it, the model is prompted with the evidence (the
README sentence, table row or command line that answers) and the answer carries it: quoted
text, README path and heading, stored with the answer and sent as an `evidence` event before
the stream's tokens. When they do not, the answer is "The course notes do not cover this.",
flagged `abstained`, and nothing is generated. The notes are this repository's READMEs, or the
week*/README.md files under $WEEK23_COURSE_NOTES.

One model answers one question at a time (a lock), in a thread of its own (language_model's
`Generation`): a client that goes away, whether it waits for the whole answer, reads the
stream or is still queued, cancels its answer within a token, frees the model, and nothing is
stored. On SIGTERM or Ctrl-C every answer being written or queued is cancelled the same way
(its client gets a 503 or an `error` event) and the service stops.

Every route but /health needs an API key: the service's key ($ML_ROADMAP_API_KEY) or one of
$WEEK23_CHAT_KEYS. Each key is a user, who sees only the conversations it started; another
key gets 404. The create routes take an `Idempotency-Key`: a retry returns what the first
request stored. Errors, the key check and the body limit are `shared.api`'s.
"""

from __future__ import annotations

import hmac
import os
import signal
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

import anyio
from fastapi import Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.engine import RowMapping

from shared.api import (
    IdempotencyKey,
    Limit,
    Offset,
    Page,
    Problem,
    RowId,
    SentKey,
    found,
    guarded,
    require_key,
    same_request,
)
from shared.api import service_app as build_service_app
from shared.db import database_url, make_engine
from shared.llm import (
    DEFAULT_SYSTEM,
    ContextOverflow,
    Message,
    context_window,
    trim_history,
    with_context,
)
from shared.paths import REPO_ROOT, REPORTS_DIR
from shared.settings import Settings, api_key_from_env, check_api_key
from week15_transformers.assistant import NOT_COVERED, CourseAssistant, Grounded, notes
from week23_genai_capstone.chat.sse import MEDIA_TYPE, event
from week23_genai_capstone.chat.store import ChatStore, owner_of
from week23_genai_capstone.language_model import ChatModel, Generation

MAX_BODY_BYTES = 1 << 15
MAX_NEW_TOKENS = 128
MAX_NEW_TOKENS_LIMIT = 512  # the most a question may ask for, and `serve --max-new-tokens`
KEYS_ENV = "WEEK23_CHAT_KEYS"
NOTES_ENV = "WEEK23_COURSE_NOTES"
DEFAULT_DATABASE_PATH = REPORTS_DIR / "week23" / "chat.sqlite3"
DISCONNECT_POLL_S = 0.1  # how often a whole answer checks that its client still waits
MISSING = "no such conversation (or it is another key's)"
SHUTTING_DOWN = "the service is shutting down: ask again once it is back"
CLIENT_GONE = "the client closed the connection before the answer was complete"
_STREAM = {
    200: {"content": {MEDIA_TYPE: {}}, "description": "evidence, delta events, then done"},
    503: {"model": Problem, "description": SHUTTING_DOWN},
}
_BUSY = {503: {"model": Problem, "description": SHUTTING_DOWN}}
_REUSED = {422: {"model": Problem, "description": "the Idempotency-Key asked another question"}}


@dataclass(frozen=True)
class ChatSettings(Settings):
    """Week 18's settings, plus the keys of further users (each sees only its own chats)."""

    user_keys: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        for key in self.user_keys:
            check_api_key(key)


def settings_from_env(environ: Mapping[str, str] | None = None) -> ChatSettings:
    """DATABASE_URL (default: a SQLite file in reports/week23), the API key and user keys."""
    env = os.environ if environ is None else environ
    return ChatSettings(
        database_url(DEFAULT_DATABASE_PATH, env),
        api_key_from_env(env, "the chatbot"),
        tuple(env.get(KEYS_ENV, "").split()),
    )


def notes_root(environ: Mapping[str, str] | None = None) -> Path:
    """The folder whose week*/README.md files are the course notes: $WEEK23_COURSE_NOTES or here."""
    env = os.environ if environ is None else environ
    named = env.get(NOTES_ENV, "").strip()
    return Path(named) if named else REPO_ROOT


def load_assistant(device: str = "cpu", root: Path | None = None) -> CourseAssistant:
    """Week 15's course assistant over the notes (MiniLM from the registry, BM25)."""
    from shared.devices import resolve_device
    from shared.registry import fetch

    return CourseAssistant.load(fetch, resolve_device(device), root or notes_root())


class Strict(BaseModel):
    """A request body: unknown fields refused, no coercion (`true` or "100" is not a number)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ConversationIn(Strict):
    """A new conversation: a title, and the system message that sets the bot's manner."""

    title: str = Field("New chat", min_length=1, max_length=200)
    system: str = Field(DEFAULT_SYSTEM, min_length=1, max_length=2000)


class EvidenceOut(BaseModel):
    """What an answer rests on: the quoted README text, the README's path and the heading."""

    text: str
    source: str
    heading: str


class MessageOut(BaseModel):
    """A stored message; an answer names its model, its evidence, and whether it abstained."""

    id: int
    created_at: datetime
    role: str
    content: str
    model: str | None
    evidence: EvidenceOut | None = None
    abstained: bool = False


def message_out(row: Mapping) -> MessageOut:
    """A stored row as the API returns it: the evidence columns become one `evidence` object."""
    fields = {k: row[k] for k in ("id", "created_at", "role", "content", "model")}
    evidence = None
    if row.get("evidence_text") is not None:
        evidence = EvidenceOut(
            text=row["evidence_text"],
            source=row["evidence_source"],
            heading=row["evidence_heading"],
        )
    return MessageOut(**fields, evidence=evidence, abstained=bool(row.get("abstained")))


def sources(grounded: Grounded | None) -> dict:
    """The evidence columns stored with an answer (all None when there was no assistant)."""
    evidence = grounded.evidence if grounded else None
    return {
        "evidence_text": evidence.text if evidence else None,
        "evidence_source": evidence.source if evidence else None,
        "evidence_heading": evidence.heading if evidence else None,
        "abstained": grounded.abstained if grounded else None,
    }


def evidence_out(grounded: Grounded | None) -> EvidenceOut | None:
    """The evidence a grounded question rests on, as the API shows it (None if there is none)."""
    evidence = grounded.evidence if grounded else None
    if evidence is None:
        return None
    return EvidenceOut(text=evidence.text, source=evidence.source, heading=evidence.heading)


def evidence_event(abstained: bool, evidence: EvidenceOut | None) -> str:
    """The SSE `evidence` event sent before an answer's tokens."""
    found = evidence.model_dump() if evidence else None
    return event("evidence", {"abstained": abstained, "evidence": found})


@dataclass(frozen=True)
class Prompt:
    """What a question becomes: the model's messages and token budget, and its grounding."""

    messages: list[Message]
    budget: int
    grounded: Grounded | None  # None when the service runs without the course notes

    @property
    def abstained(self) -> bool:
        """True when the notes do not cover the question: answer NOT_COVERED, generate nothing."""
        return self.grounded is not None and self.grounded.abstained


class ConversationOut(BaseModel):
    """A conversation, with its messages when read one by one."""

    id: int
    created_at: datetime
    title: str
    system: str
    messages: list[MessageOut] = []


class ConversationPage(Page[ConversationOut]):
    """One page of conversations (without their messages)."""


class QuestionIn(Strict):
    """The user's next message, and at most how many tokens the answer may have."""

    content: str = Field(min_length=1, max_length=4000)
    max_new_tokens: int = Field(MAX_NEW_TOKENS, ge=1, le=MAX_NEW_TOKENS_LIMIT)

    @field_validator("content")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the message is blank: type a question or an instruction")
        return value


class Chatbot:
    """The model, one question at a time, and the store it answers from and into."""

    def __init__(
        self,
        chat: ChatModel,
        store: ChatStore,
        max_new_tokens: int,
        assistant: CourseAssistant | None = None,
    ) -> None:
        self.chat = chat
        self.store = store
        self.max_new_tokens = max_new_tokens
        self.assistant = assistant
        self.lock = threading.Lock()
        self.grounding_lock = threading.Lock()  # one MiniLM tokenizer: one question at a time
        self.closing = threading.Event()
        self.running: set[Generation] = set()

    def conversation(self, owner: str, conversation_id: int) -> RowMapping:
        """The owner's conversation, or 404 (also when it is another key's)."""
        row = self.store.get(owner, conversation_id)
        return found(row, f"you have no conversation with id {conversation_id}")

    def replay(
        self, owner: str, conversation_id: int, question: QuestionIn, key: str | None
    ) -> MessageOut | None:
        """The answer stored for idempotency key `key`, if it asked this question already.

        404 for another key's conversation; 422 (shared.api.same_request) when the key asked a
        different question, as weeks 18 and 22 answer.
        """
        self.conversation(owner, conversation_id)
        turn = self.store.turn(conversation_id, key) if key else None
        if turn is None:
            return None
        asked, answer = turn
        same_request(asked, question.content)
        return message_out(answer)

    def ground(self, question: str) -> Grounded | None:
        """The question grounded in the course notes (None without an assistant)."""
        if self.assistant is None:
            return None
        with self.grounding_lock:
            return self.assistant.ground(question)

    def prompt(self, owner: str, conversation_id: int, question: QuestionIn) -> Prompt:
        """The history plus the question (with its evidence), trimmed to fit, and its grounding.

        The stored history holds bare questions: only this turn's question carries notes.
        Raises 404 for an unknown conversation, 422 when the question cannot fit the window.
        """
        conversation = self.conversation(owner, conversation_id)
        budget = min(question.max_new_tokens, self.max_new_tokens)
        grounded = self.ground(question.content)
        turn = question.content
        if grounded is not None and grounded.evidence is not None:
            turn = with_context(question.content, notes(grounded.evidence))
        messages = [*self.store.history(conversation), {"role": "user", "content": turn}]
        window = context_window(self.chat.model) - budget
        try:
            return Prompt(trim_history(messages, self.chat.tokenizer, window), budget, grounded)
        except ContextOverflow as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None

    def begin(self, messages: list[Message], budget: int) -> Generation:
        """Queue an answer for the model; 503 once the service is shutting down."""
        if self.closing.is_set():
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, SHUTTING_DOWN)
        generation = Generation(self.chat, messages, budget, self.lock)
        self.running.add(generation)
        return generation

    def end(self, generation: Generation) -> None:
        """Cancel an answer nobody waits for any more (a no-op for a finished one)."""
        generation.cancel()
        self.running.discard(generation)

    def close(self) -> None:
        """Refuse new questions and cancel every answer being written or queued."""
        self.closing.set()
        for generation in list(self.running):
            generation.cancel()

    def store_turn(
        self,
        conversation_id: int,
        question: QuestionIn,
        text: str,
        key: str | None,
        grounded: Grounded | None = None,
    ) -> MessageOut:
        """Store a completed turn and its evidence; a racing retry gets the first's answer."""
        row = self.store.add_turn(
            conversation_id, question.content, text, self.chat.name, key, sources(grounded)
        )
        if row is None:
            _, row = self.store.turn(conversation_id, key)
        return message_out(row)

    def finished(self, generation: Generation) -> str:
        """The text of a generation that ended; 503 if it was cancelled by a shutdown."""
        text = "".join(generation.pieces())
        if not generation.completed:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, SHUTTING_DOWN)
        return text


@contextmanager
def closing_on_signals(close: Callable[[], None]) -> Iterator[None]:
    """Call `close` on SIGTERM or SIGINT, then the handler that was there (uvicorn's).

    Uvicorn waits for running requests before it shuts the app down, so without this a queued
    question would still be answered after the signal. Only the main thread may set handlers:
    elsewhere (a test's server in a thread) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def handler(sig: int, frame: object) -> None:
        close()
        prior = previous[sig]
        if callable(prior):
            prior(sig, frame)
        elif prior == signal.SIG_DFL:
            signal.signal(sig, prior)
            signal.raise_signal(sig)

    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, prior in previous.items():
            signal.signal(sig, prior)


def create_app(
    settings: Settings,
    chat: ChatModel,
    max_new_tokens: int = MAX_NEW_TOKENS,
    assistant: CourseAssistant | None = None,
) -> FastAPI:
    """Return the chatbot API answering with `chat` and storing into the settings' database.

    With `assistant` (what `serve chat` passes) every answer is grounded in the course notes;
    without it the model answers from the conversation alone (no evidence, never abstains).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        store = ChatStore(engine, owner_of(settings.api_key))
        bot = Chatbot(chat, store, max_new_tokens, assistant)
        app.state.bot = bot
        with closing_on_signals(bot.close):
            yield
        bot.close()
        engine.dispose()

    app = build_service_app(
        title="Week 23 chatbot",
        summary="SmolLM2-135M-Instruct with conversations stored in SQL and answers streamed "
        "as server-sent events.",
        lifespan=lifespan,
        settings=settings,
        max_body_bytes=MAX_BODY_BYTES,
    )
    _add_routes(app)
    return app


async def get_bot(request: Request) -> Chatbot:
    """The app's chatbot (async: no I/O, so no thread-pool hop per request)."""
    return request.app.state.bot


async def user_id(request: Request, key: SentKey) -> str:
    """The user the request's key names: one of the user keys, or the service's key (401)."""
    user_keys = getattr(request.app.state.settings, "user_keys", ())
    if key is None or not any(hmac.compare_digest(key.encode(), k.encode()) for k in user_keys):
        await require_key(request, key)
    return owner_of(key)


Bot = Annotated[Chatbot, Depends(get_bot)]
Owner = Annotated[str, Depends(user_id)]


def _creating(tag: str, missing: str | None = None, more: dict | None = None) -> dict:
    """Route options of a create route behind a user's key: 201 Created, 401, and any 404."""
    return {"status_code": status.HTTP_201_CREATED, **guarded(tag, missing, user_id, more)}


async def wait_for(generation: Generation, request: Request, bot: Chatbot) -> str:
    """The whole answer, once written; cancelled (and 503) as soon as the client has gone."""
    try:
        while generation.thread.is_alive():
            if await request.is_disconnected():
                raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, CLIENT_GONE)
            await anyio.to_thread.run_sync(generation.thread.join, DISCONNECT_POLL_S)
        return bot.finished(generation)
    finally:
        bot.end(generation)


async def stream_events(
    bot: Chatbot,
    conversation_id: int,
    question: QuestionIn,
    prompt: Prompt,
    key: str | None,
) -> AsyncIterator[str]:
    """SSE events: `evidence`, a `delta` per piece, then `done` with the stored answer.

    An abstention is one delta (NOT_COVERED), nothing generated; a failure is an `error`
    event. Starlette cancels this generator when the client disconnects; `finally` then
    cancels the answer, so the model is free again within a token and nothing is stored.
    """
    generation = None
    try:
        yield evidence_event(prompt.abstained, evidence_out(prompt.grounded))
        texts = []
        if prompt.abstained:
            texts.append(NOT_COVERED)
            yield event("delta", {"text": NOT_COVERED})
        else:
            generation = bot.begin(prompt.messages, prompt.budget)
            pieces = generation.pieces()
            while (piece := await _next_piece(pieces)) is not None:
                texts.append(piece)
                yield event("delta", {"text": piece})
            if not generation.completed:
                raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, SHUTTING_DOWN)
        answer = await run_in_threadpool(
            bot.store_turn, conversation_id, question, "".join(texts), key, prompt.grounded
        )
    except HTTPException as exc:  # the status line is sent: report it as an event
        yield event("error", {"message": exc.detail})
        return
    except Exception as exc:
        yield event("error", {"message": f"the answer failed: {type(exc).__name__}"})
        raise
    finally:
        if generation is not None:
            bot.end(generation)
    yield event("done", answer.model_dump(mode="json"))


async def _next_piece(pieces: Iterator[str]) -> str | None:
    """The next text piece, read in a worker thread that a cancelled request abandons."""
    return await anyio.to_thread.run_sync(next, pieces, None, abandon_on_cancel=True)


async def _replayed(answer: MessageOut) -> AsyncIterator[str]:
    """The events of an answer stored before: its evidence, all its text in one delta, done."""
    yield evidence_event(answer.abstained, answer.evidence)
    yield event("delta", {"text": answer.content})
    yield event("done", answer.model_dump(mode="json"))


def _add_routes(app: FastAPI) -> None:
    """Health, conversations, and questions answered whole or streamed."""

    @app.get("/health", tags=["service"])
    def health(bot: Bot) -> dict:
        """Liveness: the database answers, and which one it is; the model; the notes' size."""
        bot.store.ping()
        passages = len(bot.assistant.index.chunks) if bot.assistant else 0
        return {
            "status": "ok",
            "database": bot.store.engine.dialect.name,
            "model": bot.chat.name,
            "notes_passages": passages,
        }

    @app.post(
        "/conversations",
        response_model=ConversationOut,
        **_creating("conversations"),
    )
    def start(
        conversation: ConversationIn,
        bot: Bot,
        owner: Owner,
        response: Response,
        idempotency_key: IdempotencyKey = None,
    ) -> ConversationOut:
        """Start a conversation (a retry with the same Idempotency-Key gets the first one)."""
        row, _ = bot.store.create(owner, conversation.title, conversation.system, idempotency_key)
        response.headers["Location"] = f"/conversations/{row['id']}"
        return ConversationOut.model_validate(dict(row))

    @app.get(
        "/conversations",
        response_model=ConversationPage,
        **guarded("conversations", check=user_id),
    )
    def conversations(
        bot: Bot, owner: Owner, limit: Limit = 20, offset: Offset = 0
    ) -> ConversationPage:
        """Your conversations, oldest first, paginated."""
        rows, total = bot.store.list(owner, limit, offset)
        items = [ConversationOut.model_validate(dict(r)) for r in rows]
        return ConversationPage(items=items, total=total, limit=limit, offset=offset)

    @app.get(
        "/conversations/{conversation_id}",
        response_model=ConversationOut,
        **guarded("conversations", MISSING, check=user_id),
    )
    def conversation(conversation_id: RowId, bot: Bot, owner: Owner) -> ConversationOut:
        """One of your conversations with every message, in order: what a client resumes from."""
        row = bot.conversation(owner, conversation_id)
        messages = [message_out(m) for m in bot.store.messages(conversation_id)]
        return ConversationOut.model_validate({**row, "messages": messages})

    @app.post(
        "/conversations/{conversation_id}/messages",
        response_model=MessageOut,
        **_creating("messages", MISSING, _BUSY | _REUSED),
    )
    async def ask(
        conversation_id: RowId,
        question: QuestionIn,
        bot: Bot,
        owner: Owner,
        request: Request,
        idempotency_key: IdempotencyKey = None,
    ) -> MessageOut:
        """Ask the next question; the answer comes back whole, and the turn is stored."""
        stored = await run_in_threadpool(
            bot.replay, owner, conversation_id, question, idempotency_key
        )
        if stored is not None:
            return stored
        prompt = await run_in_threadpool(bot.prompt, owner, conversation_id, question)
        if prompt.abstained:
            text = NOT_COVERED
        else:
            text = await wait_for(bot.begin(prompt.messages, prompt.budget), request, bot)
        return await run_in_threadpool(
            bot.store_turn, conversation_id, question, text, idempotency_key, prompt.grounded
        )

    @app.post(
        "/conversations/{conversation_id}/messages/stream",
        response_class=StreamingResponse,
        **guarded("messages", MISSING, check=user_id, more=_STREAM | _REUSED),
    )
    def ask_streamed(
        conversation_id: RowId,
        question: QuestionIn,
        bot: Bot,
        owner: Owner,
        idempotency_key: IdempotencyKey = None,
    ) -> StreamingResponse:
        """Ask the next question; the answer streams as server-sent events, then is stored."""
        stored = bot.replay(owner, conversation_id, question, idempotency_key)
        if stored is not None:
            events = _replayed(stored)
        else:
            if bot.closing.is_set():
                raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, SHUTTING_DOWN)
            prompt = bot.prompt(owner, conversation_id, question)
            events = stream_events(bot, conversation_id, question, prompt, idempotency_key)
        return StreamingResponse(
            events,
            media_type=MEDIA_TYPE,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
