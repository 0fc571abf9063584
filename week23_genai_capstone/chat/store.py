"""Conversations and their messages in SQL, so a chat survives a restart of the service.

Two tables: `chat_conversations` (whose it is, a title and the system message) and
`chat_messages` (role, text, which model wrote an answer, and what the answer rests on: the
quoted README text, its path and heading, or that the notes did not cover the question). A conversation belongs to the user
whose API key started it (`owner`, a hash of the key, never the key): every read and write
names the owner, so another key finds nothing. A turn, the user's message and the model's
answer, is written in one transaction once the answer is complete: a reader never sees a
question without its answer, and an answer cut off by a crash, a closed connection or a
shutdown leaves nothing behind. A create may carry the client's idempotency key, stored with
the row (unique per owner, or per conversation for a turn), so a retry finds the first row.

A database made before owners and idempotency keys existed gains their columns on start
(`upgrade`); its conversations go to the owner the service names for them (its main key).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Engine,
    ForeignKey,
    Index,
    String,
    Text,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import BigId, UTCDateTime, paged
from shared.llm import Message

OWNER_CHARS = 32
KEY_CHARS = 200


def owner_of(api_key: str) -> str:
    """The user id of an API key: 128 bits of its SHA-256, so the key itself is never stored."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:OWNER_CHARS]


class Base(DeclarativeBase):
    """The declarative base of the chat tables."""


class Conversation(Base):
    """One conversation: whose it is, its title and the system message that sets the manner."""

    __tablename__ = "chat_conversations"
    __table_args__ = (
        Index("ix_chat_conversations_owner_key", "owner", "idempotency_key", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(OWNER_CHARS), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(String(200))
    system: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(KEY_CHARS))


class ChatMessage(Base):
    """One message of a conversation, in the order written (by id)."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        Index(
            "ix_chat_messages_conversation_key", "conversation_id", "idempotency_key", unique=True
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("chat_conversations.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(String(KEY_CHARS))
    evidence_text: Mapped[str | None] = mapped_column(Text)
    evidence_source: Mapped[str | None] = mapped_column(String(300))
    evidence_heading: Mapped[str | None] = mapped_column(String(300))
    abstained: Mapped[bool | None] = mapped_column(Boolean)


EVIDENCE = ("evidence_text", "evidence_source", "evidence_heading", "abstained")
CONVERSATION = [c for c in Conversation.__table__.columns if c.name != "idempotency_key"]
MESSAGE = [c for c in ChatMessage.__table__.columns if c.name != "idempotency_key"]


def upgrade(engine: Engine, legacy_owner: str) -> None:
    """Create the tables, add the columns and indexes an older database lacks, own its chats."""
    Base.metadata.create_all(engine)
    tables = inspect(engine)
    with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            present = {c["name"] for c in tables.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present:
                    kind = column.type.compile(dialect=engine.dialect)
                    conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"))
            for index in table.indexes:
                index.create(conn, checkfirst=True)
        conn.execute(
            update(Conversation).where(Conversation.owner.is_(None)).values(owner=legacy_owner)
        )


class ChatStore:
    """Create conversations, append whole turns, and read a conversation back, per owner."""

    def __init__(self, engine: Engine, legacy_owner: str) -> None:
        self.engine = engine
        upgrade(engine, legacy_owner)

    def create(
        self, owner: str, title: str, system: str, key: str | None = None
    ) -> tuple[RowMapping, bool]:
        """Start a conversation; return its row and True, or the one `key` made and False."""
        row = {
            "owner": owner,
            "created_at": datetime.now(UTC),
            "title": title,
            "system": system,
            "idempotency_key": key,
        }
        try:
            with self.engine.begin() as conn:
                statement = insert(Conversation).values(row).returning(*CONVERSATION)
                return conn.execute(statement).mappings().one(), True
        except IntegrityError:
            first = self.created_with(owner, key) if key is not None else None
            if first is None:
                raise
            return first, False

    def created_with(self, owner: str, key: str) -> RowMapping | None:
        """The owner's conversation that idempotency key `key` started, or None."""
        query = select(*CONVERSATION).where(
            Conversation.owner == owner, Conversation.idempotency_key == key
        )
        with self.engine.connect() as conn:
            return conn.execute(query).mappings().first()

    def get(self, owner: str, conversation_id: int) -> RowMapping | None:
        """One of the owner's conversations, or None (also when it is someone else's)."""
        query = select(*CONVERSATION).where(
            Conversation.id == conversation_id, Conversation.owner == owner
        )
        with self.engine.connect() as conn:
            return conn.execute(query).mappings().first()

    def list(self, owner: str, limit: int, offset: int) -> tuple[list[RowMapping], int]:
        """One page of the owner's conversations, oldest first, and how many they have."""
        mine = select(*CONVERSATION).where(Conversation.owner == owner)
        count, page = paged(mine, Conversation.id, limit, offset)
        with self.engine.connect() as conn:
            return list(conn.execute(page).mappings()), conn.execute(count).scalar_one()

    def ping(self) -> None:
        """Ask the database something, so /health fails when it does not answer."""
        with self.engine.connect() as conn:
            conn.execute(select(1))

    def messages(self, conversation_id: int) -> list[RowMapping]:
        """Every message of a conversation, in order (the caller checked whose it is)."""
        query = (
            select(*MESSAGE)
            .where(ChatMessage.conversation_id == conversation_id)
            .order_by(ChatMessage.id)
        )
        with self.engine.connect() as conn:
            return list(conn.execute(query).mappings())

    def history(self, conversation: RowMapping) -> list[Message]:
        """The conversation as the model reads it: the system message, then every message."""
        system: Message = {"role": "system", "content": conversation["system"]}
        rows = self.messages(conversation["id"])
        return [system, *({"role": r["role"], "content": r["content"]} for r in rows)]

    def turn(self, conversation_id: int, key: str) -> tuple[str, RowMapping] | None:
        """The question idempotency key `key` asked in a conversation and its answer, or None."""
        asked = select(ChatMessage.id, ChatMessage.content).where(
            ChatMessage.conversation_id == conversation_id, ChatMessage.idempotency_key == key
        )
        with self.engine.connect() as conn:
            question = conn.execute(asked).first()
            if question is None:
                return None
            answer = select(*MESSAGE).where(
                ChatMessage.conversation_id == conversation_id, ChatMessage.id > question.id
            )
            row = conn.execute(answer.order_by(ChatMessage.id).limit(1)).mappings().one()
        return question.content, row

    def add_turn(
        self,
        conversation_id: int,
        question: str,
        answer: str,
        model: str,
        key: str | None = None,
        sources: Mapping[str, object] | None = None,
    ) -> RowMapping | None:
        """Store the question and its answer in one transaction; return the answer's row.

        `sources` holds the answer's EVIDENCE columns (its quoted text, README path, heading,
        and whether it abstained). None when `key` already stored a turn here (a retry that
        raced the first request).
        """
        unknown = set(sources or {}) - set(EVIDENCE)
        if unknown:
            raise ValueError(f"not evidence columns: {sorted(unknown)}; use {EVIDENCE}")
        now = datetime.now(UTC)
        rows = [
            {"role": "user", "content": question, "model": None, "idempotency_key": key},
            {
                "role": "assistant",
                "content": answer,
                "model": model,
                "idempotency_key": None,
                **(sources or {}),
            },
        ]
        try:
            with self.engine.begin() as conn:
                stored = [
                    conn.execute(
                        insert(ChatMessage)
                        .values(conversation_id=conversation_id, created_at=now, **row)
                        .returning(*MESSAGE)
                    )
                    .mappings()
                    .one()
                    for row in rows
                ]
        except IntegrityError:
            if key is None:
                raise
            return None
        return stored[-1]
