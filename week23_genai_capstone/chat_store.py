"""Conversations and their messages in SQL, so a chat survives a restart of the service.

Two tables: `chat_conversations` (a title and the system message) and `chat_messages` (role,
text, which model wrote an answer). A turn, the user's message and the model's answer, is
written in one transaction once the answer is complete: a reader never sees a question without
its answer, and an answer cut off by a crash or a closed connection leaves nothing behind.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, ForeignKey, String, Text, insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import BigId, UTCDateTime, paged
from shared.llm import Message


class Base(DeclarativeBase):
    """The declarative base of the chat tables."""


class Conversation(Base):
    """One conversation: its title and the system message that sets the bot's manner."""

    __tablename__ = "chat_conversations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(String(200))
    system: Mapped[str] = mapped_column(Text)


class ChatMessage(Base):
    """One message of a conversation, in the order written (by id)."""

    __tablename__ = "chat_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("chat_conversations.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(String(200))


CONVERSATION = Conversation.__table__.columns
MESSAGE = ChatMessage.__table__.columns


class ChatStore:
    """Create conversations, append whole turns, and read a conversation back."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        Base.metadata.create_all(engine)

    def create(self, title: str, system: str) -> RowMapping:
        """Start a conversation; return its row."""
        row = {"created_at": datetime.now(UTC), "title": title, "system": system}
        with self.engine.begin() as conn:
            statement = insert(Conversation).values(row).returning(*CONVERSATION)
            return conn.execute(statement).mappings().one()

    def get(self, conversation_id: int) -> RowMapping | None:
        """One conversation, or None."""
        query = select(*CONVERSATION).where(Conversation.id == conversation_id)
        with self.engine.connect() as conn:
            return conn.execute(query).mappings().first()

    def list(self, limit: int, offset: int) -> tuple[list[RowMapping], int]:
        """One page of conversations, oldest first, and how many there are."""
        count, page = paged(select(*CONVERSATION), Conversation.id, limit, offset)
        with self.engine.connect() as conn:
            return list(conn.execute(page).mappings()), conn.execute(count).scalar_one()

    def messages(self, conversation_id: int) -> list[RowMapping]:
        """Every message of a conversation, in order."""
        query = (
            select(*MESSAGE)
            .where(ChatMessage.conversation_id == conversation_id)
            .order_by(ChatMessage.id)
        )
        with self.engine.connect() as conn:
            return list(conn.execute(query).mappings())

    def history(self, conversation_id: int) -> list[Message]:
        """The conversation as the model reads it: the system message, then every message."""
        conversation = self.get(conversation_id)
        if conversation is None:
            raise KeyError(conversation_id)
        system: Message = {"role": "system", "content": conversation["system"]}
        rows = self.messages(conversation_id)
        return [system, *({"role": r["role"], "content": r["content"]} for r in rows)]

    def add_turn(self, conversation_id: int, question: str, answer: str, model: str) -> RowMapping:
        """Store the question and its answer in one transaction; return the answer's row."""
        now = datetime.now(UTC)
        rows = [
            {"role": "user", "content": question, "model": None},
            {"role": "assistant", "content": answer, "model": model},
        ]
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
        return stored[-1]
