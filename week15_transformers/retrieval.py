"""Retrieval over this course's week READMEs: chunk by heading, embed with MiniLM, cosine top-k.

Each README is cut at its Markdown headings; a long section is cut again between paragraphs
(or table rows) so no chunk is much over MAX_WORDS words, the part of a text MiniLM reads in
full (it stops at 256 word pieces). Every chunk starts with its README's title and its heading
("Week 14 — NLP fundamentals > Projects"), so a question naming a week finds that week's text.
Embeddings are unit vectors, so the dot product with the question's embedding is the cosine
similarity. Dense embeddings blur exact tokens, a week number or a library name, that a
question about this course often hinges on; so the score is hybrid: MiniLM's cosine plus
LEXICAL_WEIGHT times the TF-IDF cosine of the same texts (unigrams, sublinear tf), as in
hybrid dense + sparse retrieval. On the 24 course questions MiniLM alone puts the right passage
in the top 3 for 19, the hybrid for 23 (any weight from 0.25 to 2 gives 23). The k highest
scores are the passages handed to the chat model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
MAX_WORDS = 80
LEXICAL_WEIGHT = 0.5
_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage: where it comes from, under which heading, and its text."""

    source: str
    heading: str
    text: str


def week_readmes(root: Path = REPO_ROOT) -> list[Path]:
    """Return the course's week README files, in week order."""
    paths = sorted(root.glob("week*/README.md"))
    if not paths:
        raise FileNotFoundError(f"no week*/README.md under {root}: run from the repository")
    return paths


def sections(markdown: str) -> list[tuple[str, str]]:
    """Return (heading, body) pairs; the top-level title is a heading too. Code is not a heading."""
    found: list[tuple[str, list[str]]] = [("", [])]
    in_code = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        match = None if in_code else _HEADING_RE.match(line)
        if match:
            found.append((match.group(2), []))
        else:
            found[-1][1].append(line)
    return [(heading, "\n".join(body).strip()) for heading, body in found]


def split_long(body: str, max_words: int = MAX_WORDS) -> list[str]:
    """Cut a section into pieces of at most ~max_words words, between paragraphs or lines.

    A Markdown table becomes one piece per row, each under the table's header row, since a
    row is one record (a project, a route) that a question asks about.
    """
    pieces, current = [], []

    def flush() -> None:
        if current:
            pieces.append("\n".join(current))
            current.clear()

    for block in (b for b in re.split(r"\n\s*\n", body) if b.strip()):
        lines = block.splitlines()
        if len(lines) > 2 and all(line.lstrip().startswith("|") for line in lines):
            flush()
            pieces += [f"{lines[0]}\n{row}" for row in lines[2:]]
            continue
        for unit in lines if len(block.split()) > max_words else [block]:
            if current and len(" ".join(current).split()) + len(unit.split()) > max_words:
                flush()
            current.append(unit)
    flush()
    return pieces


def chunk_readme(path: Path, root: Path = REPO_ROOT, max_words: int = MAX_WORDS) -> list[Chunk]:
    """Return a README's chunks, each prefixed with the README title and its heading."""
    text = path.read_text(encoding="utf-8")
    parts = sections(text)
    title = next((h for h, _ in parts if h), path.parent.name)
    source = path.relative_to(root).as_posix()
    chunks = []
    for heading, body in parts:
        for piece in split_long(body, max_words):
            prefix = title if heading in ("", title) else f"{title} > {heading}"
            chunks.append(Chunk(source, heading or title, f"{prefix}\n{piece}"))
    return chunks


class ReadmeIndex:
    """Embedded chunks of the week READMEs; `search` returns the k most similar to a query."""

    def __init__(self, chunks: Sequence[Chunk], encoder, lexical_weight: float = LEXICAL_WEIGHT):
        from sklearn.feature_extraction.text import TfidfVectorizer

        if not chunks:
            raise ValueError("nothing to index: no chunks")
        self.chunks, self.encoder, self.lexical_weight = list(chunks), encoder, lexical_weight
        texts = [c.text for c in self.chunks]
        self.vectors = encoder.encode(texts)
        self.tfidf = TfidfVectorizer(sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")
        self.sparse = self.tfidf.fit_transform(texts)

    @classmethod
    def from_repository(cls, encoder, root: Path = REPO_ROOT) -> ReadmeIndex:
        """Index every week README under `root`."""
        return cls([c for path in week_readmes(root) for c in chunk_readme(path, root)], encoder)

    def search(self, query: str, k: int = 3) -> list[tuple[Chunk, float]]:
        """Return the k chunks with the highest hybrid score for `query`, best first."""
        if not query.strip():
            raise ValueError("the query is empty: give a question to search for")
        dense = self.vectors @ self.encoder.encode([query])[0]
        lexical = (self.sparse @ self.tfidf.transform([query]).T).toarray().ravel()
        scores = dense + self.lexical_weight * lexical
        best = np.argsort(-scores, kind="stable")[:k]
        return [(self.chunks[i], float(scores[i])) for i in best]

    def context(self, query: str, k: int = 3) -> str:
        """Return the top-k passages as one text for the chat model's prompt."""
        return as_context(self.search(query, k))


def as_context(hits: Sequence[tuple[Chunk, float]]) -> str:
    """Return retrieved passages as one text, each headed by the README it comes from."""
    return "\n\n".join(f"[{chunk.source}] {chunk.text}" for chunk, _ in hits)
