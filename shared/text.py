"""Text helpers the NLP weeks share: cleaning, a regex tokenizer, and a leak-free split of texts.

`tokenize` is scikit-learn's default word pattern, so a from-scratch bag of words and
CountVectorizer see the same tokens. `html_to_text` keeps what a reader sees of an HTML page
(no tags, scripts or styles; entities decoded). `mask_social` replaces user mentions and links
with `@user` and `http`, the convention of TweetEval (Barbieri et al., 2020), so a model learns
from words rather than from which account was addressed. `split_texts` refuses duplicate texts,
since a text in both the training and the test set inflates every score.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from html.parser import HTMLParser

import numpy as np

# scikit-learn's CountVectorizer default: words of two or more word characters.
TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_TOKEN_RE = re.compile(TOKEN_PATTERN)
_MENTION_RE = re.compile(r"(?<![\w@])@\w+")
_LINK_RE = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_SPACE_RE = re.compile(r"\s+")
# HTML elements whose text a reader never sees, and those that end a line or a block.
_HIDDEN_TAGS = {"script", "style", "head", "title", "noscript", "template"}
_BREAK_TAGS = {"br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6"}


def tokenize(text: str, lowercase: bool = True) -> list[str]:
    """Return the words of `text` as scikit-learn's default token pattern finds them."""
    return _TOKEN_RE.findall(text.lower() if lowercase else text)


def normalize_whitespace(text: str) -> str:
    """Collapse every run of whitespace (newlines, tabs) into one space and trim the ends."""
    return _SPACE_RE.sub(" ", text).strip()


def mask_social(text: str) -> str:
    """Replace @mentions with `@user` and links with `http` (TweetEval's preprocessing)."""
    return _MENTION_RE.sub("@user", _LINK_RE.sub("http", text))


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML document, a line break per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden += 1
        elif tag in _BREAK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BREAK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Return the text a reader sees in an HTML document: no tags, scripts, styles or entities.

    Broken markup (unclosed tags, stray `<`) never raises: the parser keeps what it can read.
    Lines are kept (one per block element), spaces within a line collapsed.
    """
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts))
    lines = (_SPACE_RE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def split_texts(
    texts: Sequence[str],
    strata: Sequence,
    *,
    test_size: float,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (train, test) index arrays, stratified by `strata`, for a list of distinct texts.

    Raises ValueError when a text occurs twice: deduplicate first (see `first_occurrences`), or
    the copies could land on both sides of the split.
    """
    from sklearn.model_selection import train_test_split

    if len(texts) != len(strata):
        raise ValueError(f"{len(texts)} texts but {len(strata)} strata: give one per text")
    if len(set(texts)) != len(texts):
        raise ValueError(
            f"{len(texts) - len(set(texts))} texts occur more than once; deduplicate them "
            "(shared.text.first_occurrences) so no text is in both train and test"
        )
    index = np.arange(len(texts))
    train, test = train_test_split(index, test_size=test_size, random_state=seed, stratify=strata)
    return np.sort(train), np.sort(test)


def first_occurrences(texts: Sequence[str]) -> np.ndarray:
    """Return the sorted indices of the first occurrence of each distinct text."""
    seen: dict[str, int] = {}
    for i, text in enumerate(texts):
        seen.setdefault(text, i)
    return np.array(sorted(seen.values()), dtype=int)
