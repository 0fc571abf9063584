"""Skip-gram with negative sampling (Mikolov et al., 2013), written out in PyTorch.

Each word w has two vectors: v_w when it is the centre of a window and u_w when it is a context.
For a (centre c, context o) pair seen in the text and k "noise" words drawn from the unigram
distribution raised to the power 3/4, the loss is

    -log σ(u_o · v_c) - Σ_k log σ(-u_k · v_c)

so a real context scores high and a random word low. Frequent words are subsampled first (a
word of frequency f is kept with probability sqrt(t / f) + t / f, word2vec.c's rule), which
both speeds training up and stops "the" from dominating every window. The window is dynamic:
each centre looks 1..window words either side, so near words count more often than far ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


@dataclass(frozen=True)
class Vocabulary:
    """Words kept for training (count >= min_count), most frequent first, with their counts."""

    words: list[str]
    counts: np.ndarray

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]], min_count: int) -> Vocabulary:
        """Count every token and keep the words seen at least `min_count` times."""
        counter = Counter(token for doc in documents for token in doc)
        kept = [(w, c) for w, c in counter.most_common() if c >= min_count]
        if not kept:
            raise ValueError(f"no word occurs {min_count} times: lower min_count or add text")
        return cls([w for w, _ in kept], np.array([c for _, c in kept], dtype=np.int64))

    def encode(self, documents: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """Return each document as an array of word ids, words outside the vocabulary dropped."""
        index = {w: i for i, w in enumerate(self.words)}
        return [
            np.array([index[t] for t in doc if t in index], dtype=np.int64) for doc in documents
        ]


def keep_probabilities(counts: np.ndarray, threshold: float = 1e-4) -> np.ndarray:
    """Return each word's chance of being kept by subsampling: sqrt(t/f) + t/f, at most 1."""
    frequency = counts / counts.sum()
    ratio = threshold / frequency
    return np.minimum(1.0, np.sqrt(ratio) + ratio)


def noise_distribution(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    """Return the negative-sampling distribution: unigram counts raised to `power`, normalised.

    The 3/4 power flattens the distribution, so rare words are drawn more often than their
    frequency alone would give them.
    """
    weights = counts.astype(np.float64) ** power
    return weights / weights.sum()


def skipgram_pairs(
    documents: Sequence[np.ndarray], window: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Return (centres, contexts): every pair within each centre's random window of 1..window.

    Pairs never cross a document boundary.
    """
    centres, contexts = [], []
    for ids in documents:
        n = len(ids)
        reach = rng.integers(1, window + 1, size=n)  # each centre's own window
        for offset in range(1, window + 1):
            if offset >= n:
                break
            left = np.arange(n - offset)  # centre left, context `offset` to its right
            right = left + offset
            ok = reach[left] >= offset
            centres.append(ids[left[ok]])
            contexts.append(ids[right[ok]])
            ok = reach[right] >= offset  # centre right, context to its left
            centres.append(ids[right[ok]])
            contexts.append(ids[left[ok]])
    if not centres:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(centres), np.concatenate(contexts)


def subsample(
    documents: Sequence[np.ndarray], keep: np.ndarray, rng: np.random.Generator
) -> list[np.ndarray]:
    """Drop each token with probability 1 - keep[token] (a fresh draw every epoch)."""
    return [ids[rng.random(len(ids)) < keep[ids]] for ids in documents]


class SkipGram(nn.Module):
    """Centre vectors v (the embeddings we keep) and context vectors u, trained by SGNS."""

    def __init__(self, vocab_size: int, dim: int) -> None:
        super().__init__()
        self.centre = nn.Embedding(vocab_size, dim, sparse=True)
        self.context = nn.Embedding(vocab_size, dim, sparse=True)
        # word2vec.c's start: small random centre vectors, zero context vectors
        nn.init.uniform_(self.centre.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.context.weight)

    def forward(
        self, centres: torch.Tensor, contexts: torch.Tensor, negatives: torch.Tensor
    ) -> torch.Tensor:
        """Return the mean SGNS loss of a batch: (B,) centres, (B,) contexts, (B, k) negatives."""
        v = self.centre(centres)  # (B, d)
        positive = (self.context(contexts) * v).sum(-1)  # (B,)
        negative = torch.bmm(self.context(negatives), v.unsqueeze(-1)).squeeze(-1)  # (B, k)
        loss = -nn.functional.logsigmoid(positive) - nn.functional.logsigmoid(-negative).sum(-1)
        return loss.mean()


@dataclass(frozen=True)
class SkipGramConfig:
    """Hyper-parameters of one run: GloVe's 50 dimensions, large batches for a 2-core CPU."""

    dim: int = 50
    window: int = 4
    negatives: int = 5
    epochs: int = 2
    batch_size: int = 8192
    lr: float = 0.01
    subsample_threshold: float = 1e-4


def train_skipgram(
    documents: Sequence[np.ndarray],
    vocab: Vocabulary,
    config: SkipGramConfig,
    seed: int = 0,
    device: str = "cpu",
    log: Callable[[str], None] = print,
) -> tuple[np.ndarray, list[float]]:
    """Train SGNS on encoded documents; return the centre vectors and each epoch's mean loss."""
    rng = np.random.default_rng(seed)
    generator = torch.Generator(device="cpu").manual_seed(seed)
    model = SkipGram(len(vocab.words), config.dim).to(device)
    optimizer = torch.optim.SparseAdam(model.parameters(), lr=config.lr)
    keep = keep_probabilities(vocab.counts, config.subsample_threshold)
    noise = torch.as_tensor(noise_distribution(vocab.counts), dtype=torch.float)
    losses = []
    for epoch in range(config.epochs):
        centres, contexts = skipgram_pairs(subsample(documents, keep, rng), config.window, rng)
        order = rng.permutation(len(centres))
        centres = torch.as_tensor(centres[order])
        contexts = torch.as_tensor(contexts[order])
        total, batches = 0.0, 0
        for start in range(0, len(centres), config.batch_size):
            c = centres[start : start + config.batch_size]
            o = contexts[start : start + config.batch_size]
            negatives = torch.multinomial(
                noise, len(c) * config.negatives, replacement=True, generator=generator
            ).view(len(c), config.negatives)
            loss = model(c.to(device), o.to(device), negatives.to(device))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
            batches += 1
        losses.append(total / max(batches, 1))
        log(f"epoch {epoch + 1}/{config.epochs}: {len(centres):,} pairs, loss {losses[-1]:.3f}")
    return model.centre.weight.detach().cpu().numpy(), losses
