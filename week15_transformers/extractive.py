"""Extractive summarizers: pick k sentences of a document from their embeddings, or by position.

Every selector takes the document's sentence embeddings (unit rows, so dot = cosine) and returns
the indices it picks, in document order, so the summary reads in the author's order.

- centroid: the sentences closest to the mean of all sentences, the document's "topic".
- MMR (maximal marginal relevance, Carbonell & Goldstein, 1998): greedily the sentence that is
  close to the centroid and far from those already picked, trading relevance for novelty.
- TextRank (Mihalcea & Tarau, 2004): PageRank on the graph whose edge weights are the
  sentences' cosine similarities; a sentence is central when central sentences resemble it.
- query: the sentences closest to a query's embedding (query-focused summarization; here the
  query is the paper's title, the authors' own shortest summary).
- lead-k and random-k: the baselines (news puts its gist first; chance).
"""

from __future__ import annotations

import numpy as np


def _check(embeddings: np.ndarray, k: int) -> None:
    """Refuse an empty document or a non-positive k with a message saying what is wrong."""
    if len(embeddings) == 0:
        raise ValueError("the document has no sentences to pick from")
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")


def centroid(embeddings: np.ndarray, k: int) -> list[int]:
    """Return the k sentences most similar to the document's mean embedding."""
    _check(embeddings, k)
    scores = embeddings @ embeddings.mean(axis=0)
    return sorted(np.argsort(-scores, kind="stable")[:k].tolist())


def mmr(embeddings: np.ndarray, k: int, relevance: float = 0.7) -> list[int]:
    """Return k sentences by maximal marginal relevance (relevance weight `relevance`)."""
    _check(embeddings, k)
    centre = embeddings.mean(axis=0)
    to_centre = embeddings @ centre
    similarity = embeddings @ embeddings.T
    chosen: list[int] = []
    for _ in range(min(k, len(embeddings))):
        redundancy = similarity[:, chosen].max(axis=1) if chosen else np.zeros(len(embeddings))
        score = relevance * to_centre - (1 - relevance) * redundancy
        score[chosen] = -np.inf
        chosen.append(int(score.argmax()))
    return sorted(chosen)


def pagerank(weights: np.ndarray, damping: float = 0.85, tol: float = 1e-8) -> np.ndarray:
    """Return the PageRank of a weighted graph by power iteration (rows: outgoing weights)."""
    n = len(weights)
    out = weights.sum(axis=1, keepdims=True)
    # a node with no edges links to every node evenly, so no rank leaks away
    transition = np.where(out > 0, weights / np.where(out > 0, out, 1), 1.0 / n)
    rank = np.full(n, 1.0 / n)
    for _ in range(1000):
        updated = (1 - damping) / n + damping * rank @ transition
        if np.abs(updated - rank).sum() < tol:
            return updated
        rank = updated
    return rank


def textrank(embeddings: np.ndarray, k: int, damping: float = 0.85) -> list[int]:
    """Return the k sentences with the highest PageRank on the cosine-similarity graph."""
    _check(embeddings, k)
    weights = np.clip(embeddings @ embeddings.T, 0.0, None)
    np.fill_diagonal(weights, 0.0)
    scores = pagerank(weights, damping)
    return sorted(np.argsort(-scores, kind="stable")[:k].tolist())


def query(embeddings: np.ndarray, query_vector: np.ndarray, k: int) -> list[int]:
    """Return the k sentences most similar to `query_vector` (a unit embedding)."""
    _check(embeddings, k)
    scores = embeddings @ query_vector
    return sorted(np.argsort(-scores, kind="stable")[:k].tolist())


def lead(n_sentences: int, k: int) -> list[int]:
    """Return the first k sentences."""
    return list(range(min(k, n_sentences)))


def random_pick(n_sentences: int, k: int, rng: np.random.Generator) -> list[int]:
    """Return k sentences drawn at random without replacement."""
    return sorted(rng.choice(n_sentences, size=min(k, n_sentences), replace=False).tolist())
