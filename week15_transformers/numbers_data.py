"""A small real translation task: numbers written in English words -> the same in French words.

num2words (a rule-based library) writes both sides, so every pair is correct, and the task has
what makes translation hard in miniature: words change order ("twenty-one" -> "vingt et un"),
one word becomes several ("ninety" -> "quatre-vingt-dix"), agreement depends on context
("deux cents" but "deux cent un"). Numbers are drawn so that every size from 1 to 999,999 is
common; the test numbers are never in the training set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

_TOKEN = re.compile(r"\w+|[^\w\s]")
MAX_NUMBER = 999_999


def words(text: str) -> list[str]:
    """Split written-out text into word and punctuation tokens ("vingt-deux" -> vingt - deux)."""
    return _TOKEN.findall(text.lower())


def english(number: int) -> str:
    """Return `number` in English words ("one thousand, two hundred and thirty-four")."""
    from num2words import num2words

    return num2words(number, lang="en")


def french(number: int) -> str:
    """Return `number` in French words ("mille deux cent trente-quatre")."""
    from num2words import num2words

    return num2words(number, lang="fr")


def draw_numbers(
    count: int, rng: np.random.Generator, exclude: frozenset[int] = frozenset()
) -> list[int]:
    """Draw `count` distinct numbers in 1..MAX_NUMBER, log-uniform in size, none in `exclude`."""
    if count > MAX_NUMBER - len(exclude):
        raise ValueError(
            f"cannot draw {count} distinct numbers outside the {len(exclude)} excluded"
        )
    chosen: set[int] = set()
    while len(chosen) < count:
        digits = rng.integers(1, 7, size=count)  # how many digits: 1..6, equally often
        low, high = 10 ** (digits - 1), 10**digits
        for n in rng.integers(low, high).tolist():
            if n not in exclude and n not in chosen and len(chosen) < count:
                chosen.add(n)
    return sorted(chosen)


@dataclass(frozen=True)
class NumberSplits:
    """Disjoint train and test numbers with their English and French token lists."""

    train: list[int]
    test: list[int]

    @classmethod
    def make(cls, train_size: int, test_size: int, seed: int) -> NumberSplits:
        """Draw the test numbers first, then training numbers that avoid them."""
        rng = np.random.default_rng(seed)
        test = draw_numbers(test_size, rng)
        train = draw_numbers(train_size, rng, exclude=frozenset(test))
        return cls(train, test)


def pairs(numbers: list[int]) -> list[tuple[list[str], list[str]]]:
    """Return (English tokens, French tokens) for each number."""
    return [(words(english(n)), words(french(n))) for n in numbers]
