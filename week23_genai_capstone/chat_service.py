"""The chatbot service: SmolLM2 behind FastAPI, answers streamed as server-sent events.

A conversation lives in SQL (chat_store.py), so a client can come back to it after the service
restarts: each question is answered from the stored history (the system message and every
earlier turn, trimmed oldest-first to fit the context window by shared/llm.py). An answer comes
whole (POST .../messages) or token by token (POST .../messages/stream, text/event-stream);
both decode greedily, so the two give the same text for the same history. One model answers
one question at a time (a lock), and every route but /health needs the API key: conversations
are personal data. Errors, the key check and the body limit are `shared.api`'s.
"""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, field_validator

from shared.api import (
    Limit,
    Offset,
    Page,
    RowId,
    api_key_from_env,
    creating,
    found,
    guarded,
)
from shared.api import service_app as build_service_app
from shared.db import database_url, make_engine
from shared.llm import (
    DEFAULT_SYSTEM,
    ContextOverflow,
    Message,
    context_window,
    stream_reply,
    trim_history,
)
from shared.paths import REPORTS_DIR
from week18_databases.service import Settings
from week23_genai_capstone.chat_store import ChatStore
from week23_genai_capstone.language_model import ChatModel
from week23_genai_capstone.sse import MEDIA_TYPE, event

MAX_BODY_BYTES = 1 << 15
MAX_NEW_TOKENS = 128
DEFAULT_DATABASE_PATH = REPORTS_DIR / "week23" / "chat.sqlite3"
MISSING = "no such conversation"
_STREAM = {200: {"content": {MEDIA_TYPE: {}}, "description": "delta events, then done"}}


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """DATABASE_URL (default: a SQLite file in reports/week23) and ML_ROADMAP_API_KEY."""
    env = os.environ if environ is None else environ
    return Settings(database_url(DEFAULT_DATABASE_PATH, env), api_key_from_env(env, "the chatbot"))


class ConversationIn(BaseModel):
    """A new conversation: a title, and the system message that sets the bot's manner."""

    title: str = Field("New chat", min_length=1, max_length=200)
    system: str = Field(DEFAULT_SYSTEM, min_length=1, max_length=2000)


class MessageOut(BaseModel):
    """A stored message; `model` names the model that wrote an answer."""

    id: int
    created_at: datetime
    role: str
    content: str
    model: str | None


class ConversationOut(BaseModel):
    """A conversation, with its messages when read one by one."""

    id: int
    created_at: datetime
    title: str
    system: str
    messages: list[MessageOut] = []


class ConversationPage(Page[ConversationOut]):
    """One page of conversations (without their messages)."""


class QuestionIn(BaseModel):
    """The user's next message, and at most how many tokens the answer may have."""

    content: str = Field(min_length=1, max_length=4000)
    max_new_tokens: int = Field(MAX_NEW_TOKENS, ge=1, le=512)

    @field_validator("content")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the message is blank: type a question or an instruction")
        return value


class Chatbot:
    """The model, one question at a time, and the store it answers from and into."""

    def __init__(self, chat: ChatModel, store: ChatStore, max_new_tokens: int) -> None:
        self.chat = chat
        self.store = store
        self.max_new_tokens = max_new_tokens
        self.lock = threading.Lock()

    def prompt(self, conversation_id: int, question: QuestionIn) -> tuple[list[Message], int]:
        """The history plus the question, checked to fit; and the answer's token budget.

        Raises 404 for an unknown conversation, 422 when the question cannot fit the window.
        """
        found(self.store.get(conversation_id), f"no conversation has id {conversation_id}")
        budget = min(question.max_new_tokens, self.max_new_tokens)
        messages = [
            *self.store.history(conversation_id),
            {"role": "user", "content": question.content},
        ]
        try:
            trim_history(messages, self.chat.tokenizer, context_window(self.chat.model) - budget)
        except ContextOverflow as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
        return messages, budget

    def pieces(self, messages: list[Message], budget: int) -> Iterator[str]:
        """The answer's text pieces as the model writes them, holding the model meanwhile."""
        with self.lock:
            yield from stream_reply(
                self.chat.model, self.chat.tokenizer, messages, max_new_tokens=budget
            )

    def answer(self, conversation_id: int, question: QuestionIn) -> MessageOut:
        """Answer whole, store the turn, return the stored answer."""
        messages, budget = self.prompt(conversation_id, question)
        text = "".join(self.pieces(messages, budget))
        row = self.store.add_turn(conversation_id, question.content, text, self.chat.name)
        return MessageOut.model_validate(dict(row))

    def stream(self, conversation_id: int, question: QuestionIn) -> Iterator[str]:
        """SSE events: a `delta` per piece, then `done` with the stored answer (or `error`)."""
        messages, budget = self.prompt(conversation_id, question)

        def events() -> Iterator[str]:
            pieces = []
            try:
                for piece in self.pieces(messages, budget):
                    pieces.append(piece)
                    yield event("delta", {"text": piece})
                text = "".join(pieces)
                row = self.store.add_turn(conversation_id, question.content, text, self.chat.name)
            except Exception as exc:  # the status line is sent: report it as an event
                yield event("error", {"message": f"the answer failed: {type(exc).__name__}"})
                raise
            yield event("done", MessageOut.model_validate(dict(row)).model_dump(mode="json"))

        return events()


def create_app(
    settings: Settings, chat: ChatModel, max_new_tokens: int = MAX_NEW_TOKENS
) -> FastAPI:
    """Return the chatbot API answering with `chat` and storing into the settings' database."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        app.state.bot = Chatbot(chat, ChatStore(engine), max_new_tokens)
        yield
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


Bot = Annotated[Chatbot, Depends(get_bot)]


def _add_routes(app: FastAPI) -> None:
    """Health, conversations, and questions answered whole or streamed."""

    @app.get("/health", tags=["service"])
    def health(bot: Bot) -> dict:
        """Liveness: the database answers, and which one it is; the model's name."""
        bot.store.list(1, 0)
        return {"status": "ok", "database": bot.store.engine.dialect.name, "model": bot.chat.name}

    @app.post(
        "/conversations",
        response_model=ConversationOut,
        **creating("conversations"),
    )
    def start(conversation: ConversationIn, bot: Bot, response: Response) -> ConversationOut:
        """Start a conversation."""
        row = bot.store.create(conversation.title, conversation.system)
        response.headers["Location"] = f"/conversations/{row['id']}"
        return ConversationOut.model_validate(dict(row))

    @app.get(
        "/conversations",
        response_model=ConversationPage,
        **guarded("conversations"),
    )
    def conversations(bot: Bot, limit: Limit = 20, offset: Offset = 0) -> ConversationPage:
        """The conversations, oldest first, paginated."""
        rows, total = bot.store.list(limit, offset)
        items = [ConversationOut.model_validate(dict(r)) for r in rows]
        return ConversationPage(items=items, total=total, limit=limit, offset=offset)

    @app.get(
        "/conversations/{conversation_id}",
        response_model=ConversationOut,
        **guarded("conversations", MISSING),
    )
    def conversation(conversation_id: RowId, bot: Bot) -> ConversationOut:
        """One conversation with every message, in order: what a client resumes from."""
        row = found(bot.store.get(conversation_id), f"no conversation has id {conversation_id}")
        messages = [MessageOut.model_validate(dict(m)) for m in bot.store.messages(conversation_id)]
        return ConversationOut.model_validate({**row, "messages": messages})

    @app.post(
        "/conversations/{conversation_id}/messages",
        response_model=MessageOut,
        **creating("messages", MISSING),
    )
    def ask(conversation_id: RowId, question: QuestionIn, bot: Bot) -> MessageOut:
        """Ask the next question; the answer comes back whole, and the turn is stored."""
        return bot.answer(conversation_id, question)

    @app.post(
        "/conversations/{conversation_id}/messages/stream",
        response_class=StreamingResponse,
        **guarded("messages", MISSING, more=_STREAM),
    )
    def ask_streamed(conversation_id: RowId, question: QuestionIn, bot: Bot) -> StreamingResponse:
        """Ask the next question; the answer streams as server-sent events, then is stored."""
        return StreamingResponse(
            bot.stream(conversation_id, question),
            media_type=MEDIA_TYPE,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
