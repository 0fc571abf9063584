"""Retrieval over this course's week READMEs: chunks, BM25 and MiniLM, fused by reciprocal rank.

Each README is cut at its Markdown headings, then a section into pieces a question can land on:
a prose piece of at most MAX_WORDS words (MiniLM reads 256 word pieces), one piece per table
row (under its header row: a row is one record, a project or a route) and one per command line
of a code block (with its comment: `... serve chat  # chatbot API, port 8030`), so ports,
commands and package names are retrievable on their own. Every chunk starts with its README's
title and its heading ("Week 14 — NLP fundamentals > Projects"), so a question naming a week
finds that week's text.

Two rankings are fused. Dense: MiniLM embeddings are unit vectors, so the dot product with the
question's embedding is the cosine similarity; it matches meaning but blurs exact tokens (a
week number, a port, a library name). Lexical: Okapi BM25 (Robertson & Zaragoza 2009) scores
exactly those tokens. Reciprocal rank fusion (Cormack et al. 2009) adds 1 / (RRF_K + rank) over
the two rankings, so neither score's scale matters. Chosen on the dev questions (2026-12-07,
README "Chatbot"): hit@3 on the 44 dev questions was 0.750 dense, 0.909 BM25, 0.955 fused.

A question that names one week ("what does week 6's customer_segments cluster?") is searched in
that week's README only: metadata filtering, as a self-querying retriever does with a filter it
reads from the question. Without it, a passage of a later week that mentions the same project
("Week 9's MLP shows it", in week 10's README) outranks the week's own. Chosen on the 56 dev
questions (2026-12-07, third round): hit@3 0.911 -> 0.964, evidence 0.804 -> 0.857.
The dense cosine of the best chunk is also how sure retrieval is that the notes cover the
question at all: the assistant (assistant.py) abstains below a threshold on it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
MAX_WORDS = 80
RRF_K = 60  # Cormack et al. 2009's constant
BM25_K1, BM25_B = 1.2, 0.75  # Robertson & Zaragoza 2009's usual values
_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
_TOKEN_RE = re.compile(r"\w+")
_WEEK_RE = re.compile(r"\bweeks? (\d{1,2})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage: where it comes from, its heading, text and kind.

    `kind` is "prose", "table" (one row under its header) or "code" (one command line).
    """

    source: str
    heading: str
    text: str
    kind: str = "prose"

    @property
    def title(self) -> str:
        """Return the chunk's first line: its README title and heading."""
        return self.text.partition("\n")[0]


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk, its fused score and its dense (MiniLM cosine) score."""

    chunk: Chunk
    score: float
    dense: float


def tokens(text: str) -> list[str]:
    """Return the lower-cased word tokens BM25 and the reader count (digits are words too)."""
    return _TOKEN_RE.findall(text.lower())


def named_week(question: str) -> int | None:
    """Return the week a question names when it names exactly one ("week 6's ..."), else None."""
    weeks = {int(number) for number in _WEEK_RE.findall(question)}
    return weeks.pop() if len(weeks) == 1 else None


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


def blocks(body: str) -> list[tuple[str, list[str]]]:
    """Split a section body into ("code" | "table" | "prose", lines) blocks, in order."""
    found: list[tuple[str, list[str]]] = []
    kind = None
    for line in body.splitlines():
        if line.lstrip().startswith("```"):
            if kind == "code":
                kind = None
            else:
                kind = "code"
                found.append(("code", []))
            continue
        if kind == "code":
            found[-1][1].append(line)
            continue
        if not line.strip():
            kind = None
            continue
        line_kind = "table" if line.lstrip().startswith("|") else "prose"
        if line_kind != kind:
            found.append((line_kind, []))
            kind = line_kind
        found[-1][1].append(line)
    return [(k, lines) for k, lines in found if any(line.strip() for line in lines)]


def continues(previous: str, line: str) -> bool:
    """Return True when a code line belongs to the command before it.

    It does when it is indented, when the line before ends in a backslash, or when the line
    before is a comment on its own (it describes the command that follows).
    """
    return (
        line.startswith((" ", "\t"))
        or previous.rstrip().endswith("\\")
        or (previous.lstrip().startswith("#"))
    )


def split_long(body: str, max_words: int = MAX_WORDS) -> list[tuple[str, str]]:
    """Cut a section into pieces: prose of at most ~max_words words, table rows, command lines.

    A table row comes under the table's header row; a command line keeps its comment; a code
    block line that only continues the command before it stays with it (`continues`).
    Returns (kind, piece) pairs: kind is "prose", "table" or "code".
    """
    pieces: list[tuple[str, str]] = []
    current: list[str] = []

    def flush(kind: str = "prose") -> None:
        if current:
            pieces.append((kind, "\n".join(current).strip("\n")))
            current.clear()

    for kind, lines in blocks(body):
        if kind == "table" and len(lines) > 2:
            flush()
            pieces += [("table", f"{lines[0]}\n{row}") for row in lines[2:]]
        elif kind == "code":
            flush()
            for line in (line for line in lines if line.strip()):
                if not (current and continues(current[-1], line)):
                    flush("code")
                current.append(line)
            flush("code")
        else:
            units = lines if len(" ".join(lines).split()) > max_words else ["\n".join(lines)]
            if current and current[-1] != "":
                current.append("")  # keep the paragraph break inside a merged piece
            for unit in units:
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
        prefix = title if heading in ("", title) else f"{title} > {heading}"
        for kind, piece in split_long(body, max_words):
            chunks.append(Chunk(source, heading or title, f"{prefix}\n{piece}", kind))
    return chunks


class BM25:
    """Okapi BM25 over tokenized documents: exact-token relevance with length normalisation."""

    def __init__(self, documents: Sequence[str], k1: float = BM25_K1, b: float = BM25_B):
        self.k1, self.b = k1, b
        self.counts = [Counter(tokens(doc)) for doc in documents]
        self.lengths = np.array([sum(c.values()) for c in self.counts], dtype=float)
        self.mean_length = float(self.lengths.mean()) if len(self.counts) else 0.0
        frequency = Counter(word for c in self.counts for word in c)
        n = len(self.counts)
        self.idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in frequency.items()}

    def scores(self, query: str) -> np.ndarray:
        """Return one BM25 score per document for `query` (0 where no query word occurs)."""
        result = np.zeros(len(self.counts))
        norm = self.k1 * (1 - self.b + self.b * self.lengths / max(self.mean_length, 1e-9))
        for word in set(tokens(query)):
            if word not in self.idf:
                continue
            tf = np.array([c.get(word, 0) for c in self.counts], dtype=float)
            result += self.idf[word] * tf * (self.k1 + 1) / (tf + norm)
        return result


def reciprocal_rank_fusion(rankings: Sequence[np.ndarray], k: int = RRF_K) -> np.ndarray:
    """Return the fused score of every item: the sum over rankings of 1 / (k + its rank)."""
    fused = np.zeros(len(rankings[0]))
    for order in rankings:
        fused[order] += 1.0 / (k + np.arange(1, len(order) + 1))
    return fused


class ReadmeIndex:
    """Embedded and BM25-indexed chunks of the week READMEs; `search` fuses the two rankings."""

    def __init__(self, chunks: Sequence[Chunk], encoder):
        if not chunks:
            raise ValueError("nothing to index: no chunks")
        self.chunks, self.encoder = list(chunks), encoder
        texts = [c.text for c in self.chunks]
        self.vectors = encoder.encode_corpus(texts)
        self.bm25 = BM25(texts)

    @classmethod
    def from_repository(cls, encoder, root: Path = REPO_ROOT) -> ReadmeIndex:
        """Index every week README under `root`."""
        return cls([c for path in week_readmes(root) for c in chunk_readme(path, root)], encoder)

    def rankings(self, query: str) -> dict[str, np.ndarray]:
        """Return the dense and BM25 scores of every chunk for `query` (for search and study)."""
        if not query.strip():
            raise ValueError("the query is empty: give a question to search for")
        return {
            "dense": self.vectors @ self.encoder.encode([query])[0],
            "bm25": self.bm25.scores(query),
        }

    def scope(self, query: str) -> np.ndarray:
        """Return the indices of the chunks to search: the named week's README's, else all."""
        week = named_week(query)
        if week is not None:
            prefix = f"week{week:02d}_"
            inside = [i for i, c in enumerate(self.chunks) if c.source.startswith(prefix)]
            if inside:
                return np.array(inside)
        return np.arange(len(self.chunks))

    def search(self, query: str, k: int = 3, method: str = "fused") -> list[Hit]:
        """Return the k best chunks for `query`, best first: "fused" (RRF), "dense" or "bm25".

        Only the chunks in `scope(query)` are ranked.
        """
        pool = self.scope(query)
        scores = {name: values[pool] for name, values in self.rankings(query).items()}
        if method == "fused":
            orders = [np.argsort(-s, kind="stable") for s in scores.values()]
            ranked = reciprocal_rank_fusion(orders)
        elif method in scores:
            ranked = scores[method]
        else:
            raise ValueError(f"unknown method {method!r}: use 'fused', 'dense' or 'bm25'")
        best = np.argsort(-ranked, kind="stable")[:k]
        return [
            Hit(self.chunks[pool[i]], float(ranked[i]), float(scores["dense"][i])) for i in best
        ]
