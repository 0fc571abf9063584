"""ROUGE-1, ROUGE-2 and ROUGE-L (Lin, 2004), written out, matching Google's `rouge-score`.

ROUGE-N counts the n-grams a candidate summary shares with the reference (each shared n-gram
at most as often as it occurs in both); recall divides by the reference's n-grams, precision by
the candidate's, F1 is their harmonic mean. ROUGE-L replaces shared n-grams with the longest
common subsequence: words in the same order, gaps allowed. Text is lowercased and split on
anything that is not a letter or digit, as rouge-score does without stemming.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Score:
    """Precision, recall and F1 of one ROUGE variant."""

    precision: float
    recall: float
    f1: float


def tokens(text: str) -> list[str]:
    """Lowercase `text` and split it on every run of characters that are not [a-z0-9]."""
    return [t for t in _NON_WORD.split(text.lower()) if t]


def _score(overlap: int, candidate_total: int, reference_total: int) -> Score:
    """Return precision, recall and F1 from an overlap count and the two totals."""
    precision = overlap / candidate_total if candidate_total else 0.0
    recall = overlap / reference_total if reference_total else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(precision, recall, f1)


def ngrams(words: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    """Return the multiset of n-grams of `words`."""
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def rouge_n(candidate: Sequence[str], reference: Sequence[str], n: int) -> Score:
    """Return ROUGE-N of two token lists: clipped n-gram overlap."""
    cand, ref = ngrams(candidate, n), ngrams(reference, n)
    overlap = sum((cand & ref).values())
    return _score(overlap, sum(cand.values()), sum(ref.values()))


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Return the length of the longest common subsequence (dynamic programming, O(len a·len b))."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def rouge_l(candidate: Sequence[str], reference: Sequence[str]) -> Score:
    """Return ROUGE-L of two token lists: longest common subsequence over their lengths."""
    return _score(lcs_length(candidate, reference), len(candidate), len(reference))


def rouge(candidate: str, reference: str) -> dict[str, Score]:
    """Return {"rouge1", "rouge2", "rougeL"} scores of a candidate summary against a reference."""
    cand, ref = tokens(candidate), tokens(reference)
    return {
        "rouge1": rouge_n(cand, ref, 1),
        "rouge2": rouge_n(cand, ref, 2),
        "rougeL": rouge_l(cand, ref),
    }
