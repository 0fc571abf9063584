"""The reader: the one sentence, table row or command line of the retrieved passages that answers.

A 135M chat model handed a whole passage often answers from the wrong part of it (week 15's
README, "Chatbot"), so the assistant does not leave the choice to it. The top READ_PASSAGES
retrieved chunks (more than the three retrieval is scored on: the fact is often in the fourth
or fifth) are cut into units (a prose sentence or list item, a table row, a command line), each
unit is described by the FEATURES below, and its score is their weighted sum; the best unit is
the evidence: quoted with its README path and heading, and the text the chat model is prompted
with.

The features are the classic signals of answer-sentence selection:
- meaning: MiniLM cosine of the question with the unit, its passage and its README title;
- the exact rare words a question hinges on (a route, a library, a week): the share of the
  question's idf mass (BM25's idf, over Porter stems, so "serve" meets "serves") whose stems
  occur in the unit, and in the unit with its README title ("Week 8 — ...");
- answer type, as in classic question answering: a command line answers a question asking for
  a command, a port or an option, and rarely anything else; a question asking how many (or a
  size, a share, a status code) wants a number the question does not already hold, and any
  other "which/what" question a name it does not hold (a `code span`, a CamelCase or dotted,
  hyphenated or pinned identifier), so a unit that only restates the question can lose to one
  that adds the answer;
- form and place: the passage's rank, the unit's length, a table row, the share of its words
  the question already holds.

The weights are learned, not set by hand: `fit_weights` is logistic regression (does this unit
hold the expected fact?) over the units of the **train** questions of course_questions.toml,
which no dev or test question shares a fact with; its regularisation was chosen on dev
(`python -m week15_transformers chat-fit` prints both). Dividing each coefficient by its
feature's scale gives weights on the raw features; the intercept and the centring add the same
to every unit of a question, so they cannot change which unit wins and are dropped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from week15_transformers.retrieval import Hit, tokens

READ_PASSAGES = 5
FEATURES = (
    "cosine",  # MiniLM cosine of question and unit
    "overlap_titled",  # share of the question's stem idf mass in README title + unit
    "overlap",  # the same share in the unit alone
    "command_asked",  # a command line, and the question asks for a command, port or option
    "command_unasked",  # a command line, and it does not
    "answer_type",  # holds a number or name of the asked kind that the question lacks
    "passage_rank",  # 0 for the best retrieved passage, 1 for the next, ...
    "passage_cosine",  # MiniLM cosine of question and the whole passage
    "log_words",  # log(1 + the unit's words)
    "restates",  # share of the unit's words that the question holds
    "title_cosine",  # MiniLM cosine of question and the passage's README title and heading
    "table_row",  # a row of a table
)
# Learned by `python -m week15_transformers chat-fit` on the 63 train questions (2026-12-07):
# logistic regression with C = FIT_C on standardised features, per raw feature here.
WEIGHTS = {
    "cosine": 4.3803,
    "overlap_titled": 3.6809,
    "overlap": 3.3739,
    "command_asked": 0.5432,
    "command_unasked": -0.9273,
    "answer_type": 0.9701,
    "passage_rank": -0.5193,
    "passage_cosine": 0.6974,
    "log_words": 0.3009,
    "restates": 1.7201,
    "title_cosine": -0.4770,
    "table_row": 0.5068,
}
FIT_C = 0.1  # chosen on dev: C = 0.03 / 0.1 / 0.3 / 1 quote the fact for 51 / 51 / 51 / 50 of 56
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


def unit_features(
    question: str, hits: Sequence[Hit], encoder, idf: Mapping[str, float]
) -> tuple[list[tuple[Hit, str]], np.ndarray]:
    """Return every unit of `hits` with its (hit, text) and a row of FEATURES per unit.

    `idf` is per stem (`stem_idf` of the index's BM25 idf).
    """
    ranked = [(rank, hit, unit) for rank, hit in enumerate(hits) for unit in units(hit.chunk.text)]
    if not ranked:
        raise ValueError("no passage to read: retrieval returned nothing with text")
    query = encoder.encode([question])[0]
    cosine = encoder.encode([unit for _, _, unit in ranked]) @ query
    titles = sorted({hit.chunk.title for _, hit, _ in ranked})
    title_cosine = dict(zip(titles, encoder.encode(titles) @ query, strict=True))
    kind = answer_type(question)
    asked = set(tokens(question))
    rows = []
    for (rank, hit, unit), similarity in zip(ranked, cosine, strict=True):
        words = tokens(unit)
        command = hit.chunk.kind == "code"
        rows.append(
            [
                similarity,
                overlap(question, f"{hit.chunk.title} {unit}", idf),
                overlap(question, unit, idf),
                command and kind == "command",
                command and kind != "command",
                holds_answer(question, unit, kind),
                rank,
                hit.dense,
                np.log1p(len(words)),
                sum(word in asked for word in words) / max(len(words), 1),
                title_cosine[hit.chunk.title],
                hit.chunk.kind == "table",
            ]
        )
    return [(hit, unit) for _, hit, unit in ranked], np.array(rows, dtype=float)


def unit_scores(features: np.ndarray, weights: Mapping[str, float] = WEIGHTS) -> np.ndarray:
    """Return each unit's score: its row of FEATURES weighted by `weights` and summed."""
    return features @ np.array([weights[name] for name in FEATURES])


def read(
    question: str,
    hits: Sequence[Hit],
    encoder,
    idf: Mapping[str, float],
    *,
    passages: int = READ_PASSAGES,
) -> Evidence:
    """Return the best-scoring unit of the top `passages` hits as the evidence for `question`."""
    candidates, features = unit_features(question, hits[:passages], encoder, idf)
    scores = unit_scores(features)
    best = int(np.argmax(scores))
    hit, unit = candidates[best]
    return Evidence(unit, hit.chunk.source, hit.chunk.heading, float(scores[best]))


def fit_weights(
    features: Sequence[np.ndarray], labels: Sequence[np.ndarray], c: float = FIT_C
) -> dict[str, float]:
    """Learn a weight per feature: logistic regression of "the unit holds the fact".

    `features[i]` is question i's `unit_features` matrix and `labels[i]` its 0/1 per unit. The
    features are standardised for the fit (so C treats them alike); the weights returned
    apply to the raw features.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    x, y = np.concatenate(features), np.concatenate(labels)
    if len(set(y.tolist())) < 2:
        raise ValueError("fitting the reader needs units that hold the fact and units that do not")
    scaler = StandardScaler().fit(x)  # a constant feature keeps scale 1
    model = LogisticRegression(C=c, max_iter=5000).fit(scaler.transform(x), y)
    return dict(zip(FEATURES, (model.coef_[0] / scaler.scale_).tolist(), strict=True))
