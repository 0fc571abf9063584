"""The gallery's store: one SQL row per artwork, its PNG in a folder beside the database.

A row records everything needed to draw the picture again (prompt, seed, guidance, DDIM
steps, model version), the caption SmolLM2 wrote, the image file's name and sha256, and the
MiniLM embedding of prompt and caption for search by meaning. The PNG is written first,
atomically, under its own sha256 (so two rows with the same picture share one file), and the
row after it: a row never names a missing or half-written file.

Search by words is SQL: every word must occur (case-insensitive LIKE) in the prompt or the
caption, on SQLite and PostgreSQL alike. Search by meaning ranks rows by the cosine of their
embeddings with the query's. A query is bounded (`check_query`: at most MAX_QUERY_WORDS words
and MAX_QUERY_CHARS characters) before it reaches the database: unbounded, 999 words built an
expression tree SQLite refuses, and one 100,000-character word a LIKE pattern it refuses.

Why LIKE and not the database's full-text search (SQLite FTS5, PostgreSQL `tsvector`): a
visitor's word matches inside words ("sneaker" in "sneakers", "100%"), which the gallery's bar
checks; FTS5's word tokenizer and `tsvector` match whole (stemmed) words, FTS5's trigram
tokenizer skips words under three characters, and the two databases would answer the same
query differently. A gallery holds tens to thousands of rows, which a scan reads in
milliseconds.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, Float, Integer, String, Text, and_, func, insert, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.atomic import write_bytes_atomic
from shared.db import BigId, Document, UTCDateTime
from shared.paths import week_report_dir

GALLERY_ENV = "WEEK23_GALLERY"
DATABASE = "gallery.sqlite3"
MAX_QUERY_WORDS = 20
MAX_QUERY_CHARS = 200  # as long as the longest prompt


class QueryError(ValueError):
    """A search the gallery refuses to run; the message says what to shorten."""


def check_query(text: str) -> list[str]:
    """The words of a search, or QueryError when it has too many words or characters."""
    words = text.split()
    if len(words) > MAX_QUERY_WORDS:
        raise QueryError(f"the search has {len(words):,} words: use at most {MAX_QUERY_WORDS}")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the search is {len(text):,} characters long: use at most {MAX_QUERY_CHARS}"
        )
    return words


def gallery_folder() -> Path:
    """Where the gallery page looks: $WEEK23_GALLERY, else the full run's gallery folder."""
    named = os.environ.get(GALLERY_ENV, "").strip()
    return Path(named) if named else week_report_dir(23) / "gallery"


class Base(DeclarativeBase):
    """The declarative base of the gallery table."""


class Artwork(Base):
    """One generated picture: how to draw it again, its caption, its file."""

    __tablename__ = "gallery_artworks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    prompt: Mapped[str] = mapped_column(String(200))
    seed: Mapped[int] = mapped_column(BigId)
    guidance: Mapped[float] = mapped_column(Float)
    steps: Mapped[int] = mapped_column(Integer)
    model_version: Mapped[str] = mapped_column(String(12))
    caption: Mapped[str] = mapped_column(Text)
    image_file: Mapped[str] = mapped_column(String(80))
    image_sha256: Mapped[str] = mapped_column(String(64))
    embedding: Mapped[list | None] = mapped_column(Document, nullable=True)


COLUMNS = Artwork.__table__.columns


def like_pattern(word: str) -> str:
    """A LIKE pattern matching `word` anywhere, with LIKE's own wildcards escaped."""
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Gallery:
    """Add artworks and find them again: by id, by words, by meaning."""

    def __init__(self, engine: Engine, images: Path) -> None:
        self.engine = engine
        self.images = Path(images)
        Base.metadata.create_all(engine)

    def add(
        self,
        *,
        prompt: str,
        seed: int,
        guidance: float,
        steps: int,
        model_version: str,
        caption: str,
        png: bytes,
        embedding: list[float] | None = None,
    ) -> RowMapping:
        """Write the PNG, then the row; return the row."""
        if not png.startswith(b"\x89PNG\r\n\x1a\n"):
            raise ValueError("the image is not PNG data: draw it with art.draw")
        if not caption.strip():
            raise ValueError(f"the caption of {prompt!r} is empty: write one before storing")
        digest = hashlib.sha256(png).hexdigest()
        name = f"{digest[:20]}.png"
        write_bytes_atomic(self.images / name, png)
        row = {
            "created_at": datetime.now(UTC),
            "prompt": prompt,
            "seed": seed,
            "guidance": guidance,
            "steps": steps,
            "model_version": model_version,
            "caption": caption.strip(),
            "image_file": name,
            "image_sha256": digest,
            "embedding": embedding,
        }
        with self.engine.begin() as conn:
            return conn.execute(insert(Artwork).values(row).returning(*COLUMNS)).mappings().one()

    def get(self, artwork_id: int) -> RowMapping | None:
        """One artwork, or None."""
        with self.engine.connect() as conn:
            query = select(*COLUMNS).where(Artwork.id == artwork_id)
            return conn.execute(query).mappings().first()

    def all(self) -> list[RowMapping]:
        """Every artwork, oldest first."""
        with self.engine.connect() as conn:
            return list(conn.execute(select(*COLUMNS).order_by(Artwork.id)).mappings())

    def search(self, text: str, limit: int = 100) -> list[RowMapping]:
        """Artworks whose prompt or caption holds every word of `text`, oldest first.

        Raises QueryError for a search over the bounds (see `check_query`).
        """
        words = check_query(text)
        if not words:
            return self.all()[:limit]
        prompt, caption = func.lower(Artwork.prompt), func.lower(Artwork.caption)
        match = and_(
            *(
                or_(
                    prompt.like(like_pattern(w), escape="\\"),
                    caption.like(like_pattern(w), escape="\\"),
                )
                for w in words
            )
        )
        query = select(*COLUMNS).where(match).order_by(Artwork.id).limit(limit)
        with self.engine.connect() as conn:
            return list(conn.execute(query).mappings())

    def similar(self, query: np.ndarray, limit: int = 5) -> list[tuple[RowMapping, float]]:
        """The artworks closest in meaning to a unit query vector, with their cosine, best first."""
        rows = [r for r in self.all() if r["embedding"] is not None]
        if not rows:
            return []
        vectors = np.array([r["embedding"] for r in rows], dtype=np.float32)
        scores = vectors @ np.asarray(query, dtype=np.float32)
        order = np.argsort(-scores, kind="stable")[:limit]
        return [(rows[i], float(scores[i])) for i in order]

    def image_path(self, row: RowMapping) -> Path:
        """Where an artwork's PNG is."""
        return self.images / row["image_file"]
