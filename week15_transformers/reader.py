"""The reader: the one sentence, table row or command line of the retrieved passages that answers.

A 135M chat model handed a whole passage often answers from the wrong part of it (week 15's
README, "Chatbot"), so the assistant does not leave the choice to it. The top READ_PASSAGES
retrieved chunks (more than the three retrieval is scored on: the fact is often in the fourth
or fifth) are cut into units (a prose sentence or list item, a table row, a command line) and
each is scored by

    MiniLM cosine(question, unit) + LEXICAL_WEIGHT × rare-word overlap
      ± COMMAND_WEIGHT [command line] + ANSWER_WEIGHT [holds an answer of the asked type]
      − RANK_WEIGHT × rank of its passage

The overlap is the share of the question's idf mass (BM25's idf, over Porter stems, so "serve"
meets "serves") whose stems occur in the unit or its README's title ("Week 8 — ..."): meaning,
plus the exact rare words (a route, a library, a week) a question hinges on. The next two terms
are answer-type detection, as in classic question answering: a command line answers a question
asking for a command, a port or an option, and rarely anything else; a question asking how
many (or a size, a share, a status code) wants a number the question does not already hold, and
any other "which/what" question a name it does not hold (a `code span`, a CamelCase or dotted,
hyphenated or pinned identifier), so a unit that only restates the question loses to one that
adds the answer. The last term lets retrieval's ranking break near ties. The best unit is the
evidence: quoted with its README path and heading, and the text the chat model is prompted
with. Every weight was chosen on the dev questions (README "Chatbot").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from week15_transformers.retrieval import Hit, tokens

READ_PASSAGES = 5
LEXICAL_WEIGHT = 1.0
COMMAND_WEIGHT = 0.2
ANSWER_WEIGHT = 0.1
RANK_WEIGHT = 0.01
COMMAND_QUESTION = frozenset({"command", "port", "address", "flag", "option"})
NUMBER_QUESTION = frozenset(
    {"many", "much", "status", "uid", "size", "sizes", "share", "deep", "long", "code", "year"}
)
_NAME = re.compile(r"`[^`]+`|\b[A-Za-z]+[A-Z][A-Za-z0-9]*\b|\b\w+[-_.=/]\w[\w.=/-]*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`*\[(\"])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+")
_TABLE_RULE = re.compile(r"^\s*\|[\s:|-]+\|\s*$")


@dataclass(frozen=True)
class Evidence:
    """The unit that answers: its text, the README it is quoted from, its heading, its score."""

    text: str
    source: str
    heading: str
    score: float


def units(text: str) -> list[str]:
    """Split a chunk's text (title line first) into sentences, list items, table rows, commands."""
    body = text.split("\n", 1)[1] if "\n" in text else ""
    found: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            joined = " ".join(" ".join(paragraph).split())
            found.extend(s for s in _SENTENCE_END.split(joined) if s.strip())
            paragraph.clear()

    lines = body.splitlines()
    is_row = [line.lstrip().startswith("|") for line in lines]
    for i, line in enumerate(lines):
        if not line.strip():
            flush()
        elif is_row[i]:
            flush()
            header = i + 1 < len(lines) and is_row[i + 1] and not _TABLE_RULE.match(line)
            if not header and not _TABLE_RULE.match(line):
                found.append(line.strip())
        elif _LIST_ITEM.match(line):
            flush()
            paragraph.append(line.strip())
        else:
            paragraph.append(line.strip())
    flush()
    return found


@functools.cache
def _stemmer():
    """Return NLTK's Porter stemmer (rule-based: no data download), built once."""
    from nltk.stem import PorterStemmer

    return PorterStemmer()


def stems(text: str) -> set[str]:
    """Return the Porter stems of the word tokens of `text`."""
    return {_stemmer().stem(word) for word in tokens(text)}


def stem_idf(idf: Mapping[str, float]) -> dict[str, float]:
    """Return an idf per stem: the highest idf among the words that share it."""
    found: dict[str, float] = {}
    for word, value in idf.items():
        stem = _stemmer().stem(word)
        found[stem] = max(found.get(stem, 0.0), value)
    return found


def overlap(question: str, unit: str, idf: Mapping[str, float]) -> float:
    """Return the share of the question's stem idf mass whose stems occur in `unit` (0 to 1)."""
    asked = {stem for stem in stems(question) if stem in idf}
    total = sum(idf[stem] for stem in asked)
    if not total:
        return 0.0
    present = stems(unit)
    return sum(idf[stem] for stem in asked if stem in present) / total


def answer_type(question: str) -> str:
    """Return what kind of answer `question` asks for: "command", "number" or "name"."""
    words = set(tokens(question))
    if words & COMMAND_QUESTION:
        return "command"
    return "number" if words & NUMBER_QUESTION else "name"


def holds_answer(question: str, unit: str, kind: str) -> bool:
    """Return True when `unit` holds a number or name of the asked kind the question lacks."""
    asked = set(tokens(question))
    if kind == "number":
        return any(any(c.isdigit() for c in word) and word not in asked for word in tokens(unit))
    return any(set(tokens(name.group(0))) - asked for name in _NAME.finditer(unit))


def read(
    question: str,
    hits: Sequence[Hit],
    encoder,
    idf: Mapping[str, float],
    *,
    passages: int = READ_PASSAGES,
    weight: float = LEXICAL_WEIGHT,
) -> Evidence:
    """Return the best-scoring unit of the top `passages` hits as the evidence for `question`.

    `idf` is per stem (`stem_idf` of the index's BM25 idf).
    """
    ranked = [
        (rank, hit, unit)
        for rank, hit in enumerate(hits[:passages])
        for unit in units(hit.chunk.text)
    ]
    candidates = [(hit, unit) for _, hit, unit in ranked]
    if not candidates:
        raise ValueError("no passage to read: retrieval returned nothing with text")
    vectors = encoder.encode([unit for _, unit in candidates])
    similarity = vectors @ encoder.encode([question])[0]
    titled = [f"{hit.chunk.title} {unit}" for hit, unit in candidates]
    lexical = np.array([overlap(question, text, idf) for text in titled])
    sign = 1.0 if answer_type(question) == "command" else -1.0
    command = np.array([hit.chunk.kind == "code" for hit, _ in candidates], dtype=float)
    kind = answer_type(question)
    answer = np.array([holds_answer(question, unit, kind) for _, unit in candidates], dtype=float)
    rank = np.array([rank for rank, _, _ in ranked], dtype=float)
    scores = (
        similarity
        + weight * lexical
        + sign * COMMAND_WEIGHT * command
        + ANSWER_WEIGHT * answer
        - RANK_WEIGHT * rank
    )
    best = int(np.argmax(scores))
    hit, unit = candidates[best]
    return Evidence(unit, hit.chunk.source, hit.chunk.heading, float(scores[best]))
