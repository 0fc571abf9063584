"""The baseline a language model must beat: a bigram model, P(next token | this token), counted.

Counts of each (token, next token) pair in the training stream, plus k added to every cell
(add-k smoothing, so an unseen pair is unlikely but possible), normalised per row. Its
perplexity, exp(mean negative log-likelihood), is the yardstick for the GPT on the same tokens.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class BigramLM:
    """A count-based bigram language model over token ids 0..vocab_size-1."""

    def __init__(self, vocab_size: int, k: float = 1.0) -> None:
        if k <= 0:
            raise ValueError(f"the smoothing k must be > 0, not {k}")
        self.vocab_size = vocab_size
        self.k = k
        self.counts = np.zeros((vocab_size, vocab_size), dtype=np.float64)

    def fit(self, ids: np.ndarray) -> BigramLM:
        """Count every adjacent pair of `ids` (a 1-D token stream)."""
        ids = np.asarray(ids, dtype=np.int64)
        np.add.at(self.counts, (ids[:-1], ids[1:]), 1.0)
        return self

    def log_probs(self) -> np.ndarray:
        """Return log P(next | this) as a (vocab, vocab) matrix, add-k smoothed."""
        smoothed = self.counts + self.k
        return np.log(smoothed / smoothed.sum(axis=1, keepdims=True))

    def nll(self, ids: np.ndarray) -> float:
        """Return the mean negative log-likelihood (nats) of each token of `ids` after the first."""
        ids = np.asarray(ids, dtype=np.int64)
        return float(-self.log_probs()[ids[:-1], ids[1:]].mean())


def best_bigram(
    train: np.ndarray,
    val: np.ndarray,
    vocab_size: int,
    ks: Sequence[float] = (0.01, 0.03, 0.1, 0.3, 1.0),
) -> BigramLM:
    """Return the bigram model whose smoothing k gives the lowest validation NLL.

    Choosing k on the validation tokens flatters the baseline, which makes beating it harder.
    """
    counts = BigramLM(vocab_size).fit(train).counts
    models = [BigramLM(vocab_size, k) for k in ks]
    for model in models:
        model.counts = counts
    return min(models, key=lambda m: m.nll(val))
