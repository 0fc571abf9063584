"""A small real translation task: numbers written in English words -> the same in French words.

num2words (a rule-based library) writes both sides, so every pair is correct, and the task has
what makes translation hard in miniature: words change order ("twenty-one" -> "vingt et un"),
one word becomes several ("ninety" -> "quatre-vingt-dix"), agreement depends on context
("deux cents" but "deux cent un"). Numbers are drawn so that every size from 1 to 999,999 is
common; the test numbers are never in the training set, and they never take more than a fifth of
the numbers of one size (of the nine one-digit numbers, one): a test set that held every small
number would ask the model for output lengths it was never taught.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

_TOKEN = re.compile(r"\w+|[^\w\s]")
MAX_NUMBER = 999_999
TEST_SHARE = 0.2  # the most of one size's numbers (1-digit, 2-digit, ...) the test set may take


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
    count: int,
    rng: np.random.Generator,
    exclude: frozenset[int] = frozenset(),
    max_share: float = 1.0,
) -> list[int]:
    """Draw `count` distinct numbers in 1..MAX_NUMBER, log-uniform in size, none in `exclude`.

    At most `max_share` of the numbers with a given count of digits are drawn; the sizes that
    fill up leave their turn to the larger ones.
    """
    room = {d: int(max_share * 9 * 10 ** (d - 1)) for d in range(1, 7)}
    if count > sum(room.values()) - len(exclude):
        raise ValueError(
            f"cannot draw {count} distinct numbers outside the {len(exclude)} excluded"
        )
    chosen: set[int] = set()
    taken = dict.fromkeys(room, 0)
    while len(chosen) < count:
        digits = rng.integers(1, 7, size=count)  # how many digits: 1..6, equally often
        low, high = 10 ** (digits - 1), 10**digits
        for n in rng.integers(low, high).tolist():
            size = len(str(n))
            if n in exclude or n in chosen or taken[size] >= room[size] or len(chosen) == count:
                continue
            chosen.add(n)
            taken[size] += 1
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
        test = draw_numbers(test_size, rng, max_share=TEST_SHARE)
        train = draw_numbers(train_size, rng, exclude=frozenset(test))
        return cls(train, test)


def pairs(numbers: list[int]) -> list[tuple[list[str], list[str]]]:
    """Return (English tokens, French tokens) for each number."""
    return [(words(english(n)), words(french(n))) for n in numbers]
