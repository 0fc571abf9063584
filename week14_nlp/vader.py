"""VADER, the rule-based sentiment baseline: the vaderSentiment rules, the registry's lexicon.

VADER (Hutto & Gilbert, ICWSM 2014) sums the valence of each word found in a hand-rated
lexicon (-4 .. +4), adjusted by rules for negation ("not good"), boosters ("very"), "but",
capitals and exclamation marks, and squashes the sum into a compound score in [-1, 1]. The
package's README classifies a text as positive at compound >= 0.05, negative at <= -0.05 and
neutral in between; those are the thresholds used here. The lexicon files are read from the
`vader_lexicon` registry folder, not from the installed package.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

THRESHOLD = 0.05  # vaderSentiment README: |compound| below this is neutral


def load_vader(folder: Path):
    """Return a SentimentIntensityAnalyzer reading both lexicons from the registry folder."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    folder = Path(folder)
    return SentimentIntensityAnalyzer(
        lexicon_file=str(folder / "vader_lexicon.txt"),
        emoji_lexicon=str(folder / "emoji_utf8_lexicon.txt"),
    )


def compound_scores(analyzer, texts: list[str]) -> np.ndarray:
    """Return VADER's compound score of every text."""
    return np.array([analyzer.polarity_scores(text)["compound"] for text in texts])


def classify(compound: np.ndarray) -> np.ndarray:
    """Map compound scores to 0 negative, 1 neutral, 2 positive with the README's thresholds."""
    return np.where(compound >= THRESHOLD, 2, np.where(compound <= -THRESHOLD, 0, 1))


def lexicon_hits(analyzer, text: str) -> list[tuple[str, float]]:
    """Return the words of `text` that VADER's lexicon rates, with their valence."""
    hits = []
    for word in text.split():
        key = word.strip(".,!?;:\"'()[]").lower()
        if key in analyzer.lexicon:
            hits.append((key, float(analyzer.lexicon[key])))
    return hits
