"""Word vectors and how they are judged: neighbours, analogies, and human similarity ratings.

`WordVectors` holds unit-length rows, so a dot product is a cosine. A similarity set (WordSim-353,
SimLex-999) lists word pairs with a mean human rating; a model's score is the Spearman
correlation between its cosines and those ratings over the pairs whose words it knows, and the
coverage says how many that was. An analogy a : b :: c : ? is answered by the word nearest to
b - a + c, the three question words excluded (Mikolov et al., 2013).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class WordPair:
    """One rated pair of a similarity set."""

    first: str
    second: str
    rating: float


class WordVectors:
    """A vocabulary and its vectors, normalised to unit length."""

    def __init__(self, words: Sequence[str], vectors: np.ndarray) -> None:
        if len(words) != len(vectors):
            raise ValueError(f"{len(words)} words but {len(vectors)} vectors")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.words = list(words)
        self.vectors = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
        self.index = {w: i for i, w in enumerate(self.words)}

    @classmethod
    def from_glove(cls, folder: Path, limit: int | None = None) -> WordVectors:
        """Load the registry's GloVe 6B 50d folder (an .npy matrix and a parquet word list).

        `limit` keeps the most frequent words only (GloVe's rows are in frequency order).
        """
        import pandas as pd

        vectors = np.load(folder / "glove_6B_50d_emb.npy", mmap_mode="r")
        words = pd.read_parquet(folder / "glove_6B_index.parquet").iloc[:, 0].tolist()
        stop = limit or len(words)
        return cls(words[:stop], np.asarray(vectors[:stop]))

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def vector(self, word: str) -> np.ndarray:
        """Return a word's unit vector; KeyError names the word when it is unknown."""
        if word not in self.index:
            raise KeyError(f"{word!r} is not in the vocabulary ({len(self.words):,} words)")
        return self.vectors[self.index[word]]

    def nearest(
        self, query: np.ndarray, k: int = 5, exclude: Sequence[str] = ()
    ) -> list[tuple[str, float]]:
        """Return the k words whose vectors have the highest cosine with `query`."""
        q = query / max(float(np.linalg.norm(query)), 1e-12)
        scores = self.vectors @ q
        for word in exclude:
            if word in self.index:
                scores[self.index[word]] = -np.inf
        top = np.argpartition(-scores, k)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.words[i], float(scores[i])) for i in top]

    def neighbours(self, word: str, k: int = 5) -> list[tuple[str, float]]:
        """Return a word's k nearest other words."""
        return self.nearest(self.vector(word), k, exclude=[word])

    def analogy(self, a: str, b: str, c: str, k: int = 1) -> list[tuple[str, float]]:
        """Answer a : b :: c : ? with the words nearest to b - a + c (a, b, c excluded)."""
        query = self.vector(b) - self.vector(a) + self.vector(c)
        return self.nearest(query, k, exclude=[a, b, c])


def read_similarity_set(path: Path) -> list[WordPair]:
    """Read a tab-separated similarity set (word, word, rating; `#` starts a comment line)."""
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        first, second, rating = line.split("\t")[:3]
        pairs.append(WordPair(first.lower(), second.lower(), float(rating)))
    return pairs


def read_analogies(path: Path) -> dict[str, list[tuple[str, str, str, str]]]:
    """Read Mikolov's questions-words.txt: {section: [(a, b, c, expected), ...]}, lowercased."""
    sections: dict[str, list[tuple[str, str, str, str]]] = {}
    current = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(":"):
            current = line[1:].strip()
            sections[current] = []
        elif line.strip():
            a, b, c, d = line.lower().split()
            sections[current].append((a, b, c, d))
    return sections


def similarity_score(model: WordVectors, pairs: Sequence[WordPair]) -> tuple[float, int]:
    """Return (Spearman correlation of cosine vs rating, pairs covered) over the known pairs."""
    from scipy.stats import spearmanr

    known = [p for p in pairs if p.first in model and p.second in model]
    if len(known) < 3:
        return float("nan"), len(known)
    cosines = [float(model.vector(p.first) @ model.vector(p.second)) for p in known]
    return float(spearmanr(cosines, [p.rating for p in known]).statistic), len(known)


def analogy_accuracy(
    model: WordVectors, questions: Sequence[tuple[str, str, str, str]], batch: int = 512
) -> tuple[float, int]:
    """Return (accuracy, questions covered) over the questions whose four words are known."""
    known = [q for q in questions if all(w in model for w in q)]
    if not known:
        return float("nan"), 0
    ids = np.array([[model.index[w] for w in q] for q in known])
    correct = 0
    for start in range(0, len(ids), batch):
        a, b, c, d = ids[start : start + batch].T
        query = model.vectors[b] - model.vectors[a] + model.vectors[c]
        scores = query @ model.vectors.T
        rows = np.arange(len(a))
        for excluded in (a, b, c):
            scores[rows, excluded] = -np.inf
        correct += int((scores.argmax(axis=1) == d).sum())
    return correct / len(known), len(known)
