"""Counting syllables: the CMU Pronouncing Dictionary first, a spelling rule for the rest.

In cmudict.dict every vowel phone carries a stress digit (AH0, EY1, ...), so a word's
syllables are the phones that end in a digit. The first pronunciation listed is used (the
dictionary lists the common one first; `fire` has F AY1 ER0 and F AY1 R). A word the
dictionary lacks gets `fallback_syllables`: vowel groups in its spelling, less a silent final
`e`, at least one.
"""

from __future__ import annotations

import re
from pathlib import Path

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*|\d+")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def load_cmudict(path: Path) -> dict[str, int]:
    """Return {word: syllables of its first pronunciation} from a cmudict.dict file."""
    counts: dict[str, int] = {}
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        entry = line.split("#", 1)[0].split()
        if len(entry) < 2:
            continue
        word = entry[0].lower()
        if "(" in word:  # an alternative pronunciation, e.g. fire(2)
            continue
        counts[word] = sum(phone[-1].isdigit() for phone in entry[1:])
    if len(counts) < 100_000:
        raise ValueError(f"{path} holds {len(counts)} words; is it the CMU dictionary (135k)?")
    return counts


def fallback_syllables(word: str) -> int:
    """Estimate a word's syllables from its spelling: vowel groups, less a silent final e."""
    word = word.lower().strip("'")
    if not word.isalpha():
        raise ValueError(f"cannot count syllables of {word!r}: spell it out in letters")
    groups = len(_VOWEL_GROUPS.findall(word))
    silent_e = word.endswith("e") and not word.endswith(("le", "ee", "ye")) and groups > 1
    return max(1, groups - silent_e)


def line_words(line: str) -> list[str]:
    """Return the words of a line: letters with inner apostrophes, or a run of digits."""
    return _WORD.findall(line)


class SyllableCounter:
    """Counts syllables of words and lines; remembers how many words needed the fallback."""

    def __init__(self, dictionary: dict[str, int]) -> None:
        self.dictionary = dictionary
        self.looked_up = 0
        self.guessed = 0

    def word(self, word: str) -> int:
        """Return the syllables of one word (dictionary, else the spelling rule)."""
        key = word.lower()
        if key in self.dictionary:
            self.looked_up += 1
            return self.dictionary[key]
        self.guessed += 1
        return fallback_syllables(key)

    def line(self, line: str) -> int:
        """Return the syllables of a line of text (digits are refused: say them in words)."""
        return sum(self.word(w) for w in line_words(line))
