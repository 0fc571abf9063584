"""Bag of words and TF-IDF from scratch, with scikit-learn's defaults and results.

`BagOfWords` counts the words (or word n-grams) of each document over a vocabulary sorted
alphabetically, dropping terms in fewer than `min_df` documents, as CountVectorizer does.
`TfIdf` weighs those counts by the inverse document frequency
idf(t) = ln((1 + n) / (1 + df(t))) + 1 (the +1s: "smoothing", as if one extra document held
every term once), optionally with sublinear tf = 1 + ln(count), and scales every row to unit
length, as TfidfVectorizer does. Both return SciPy CSR matrices (only the storage is SciPy's;
counting and weighing are written out here) and match scikit-learn to 1e-12 (tests/week14).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse

from shared.text import tokenize


def ngrams(tokens: Sequence[str], ngram_range: tuple[int, int]) -> list[str]:
    """Return the word n-grams of `tokens` for every n in the range, each joined by a space."""
    low, high = ngram_range
    grams = []
    for n in range(low, high + 1):
        grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return grams


class BagOfWords:
    """Word (n-gram) counts per document over a vocabulary learned by `fit`."""

    def __init__(self, ngram_range: tuple[int, int] = (1, 1), min_df: int = 1) -> None:
        if not 1 <= ngram_range[0] <= ngram_range[1]:
            raise ValueError(
                f"ngram_range must be (low, high) with 1 <= low <= high: {ngram_range}"
            )
        if min_df < 1:
            raise ValueError(f"min_df must be a document count >= 1, not {min_df}")
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.vocabulary_: dict[str, int] = {}

    def analyze(self, text: str) -> list[str]:
        """Return the terms of one document: lowercased words, then their n-grams."""
        return ngrams(tokenize(text), self.ngram_range)

    def fit(self, texts: Iterable[str]) -> BagOfWords:
        """Learn the vocabulary: every term in at least `min_df` documents, sorted."""
        df: Counter[str] = Counter()
        for text in texts:
            df.update(set(self.analyze(text)))
        kept = sorted(term for term, count in df.items() if count >= self.min_df)
        if not kept:
            raise ValueError(
                "empty vocabulary: the documents hold no words (or all are rarer than min_df)"
            )
        self.vocabulary_ = {term: i for i, term in enumerate(kept)}
        return self

    def transform(self, texts: Iterable[str]) -> sparse.csr_matrix:
        """Return the (documents x vocabulary) count matrix; unknown terms are ignored."""
        if not self.vocabulary_:
            raise ValueError("call fit before transform: there is no vocabulary yet")
        indptr, indices, counts = [0], [], []
        for text in texts:
            row = Counter(t for t in self.analyze(text) if t in self.vocabulary_)
            for column, count in sorted((self.vocabulary_[t], c) for t, c in row.items()):
                indices.append(column)
                counts.append(count)
            indptr.append(len(indices))
        shape = (len(indptr) - 1, len(self.vocabulary_))
        return sparse.csr_matrix(
            (np.array(counts, dtype=np.int64), np.array(indices, dtype=np.int64), indptr),
            shape=shape,
        )

    def fit_transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Learn the vocabulary of `texts` and return their counts."""
        return self.fit(texts).transform(texts)


class TfIdf:
    """TF-IDF weights with smoothed idf and unit-length rows, over a BagOfWords vocabulary."""

    def __init__(
        self, ngram_range: tuple[int, int] = (1, 1), min_df: int = 1, sublinear_tf: bool = False
    ) -> None:
        self.bag = BagOfWords(ngram_range, min_df)
        self.sublinear_tf = sublinear_tf
        self.idf_ = np.empty(0)

    @property
    def vocabulary_(self) -> dict[str, int]:
        """The learned vocabulary, term -> column."""
        return self.bag.vocabulary_

    def fit(self, texts: Sequence[str]) -> TfIdf:
        """Learn the vocabulary and each term's idf = ln((1 + n) / (1 + df)) + 1."""
        counts = self.bag.fit_transform(texts)
        n = counts.shape[0]
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf_ = np.array([math.log((1 + n) / (1 + d)) + 1 for d in df])
        return self

    def transform(self, texts: Iterable[str]) -> sparse.csr_matrix:
        """Return the (documents x vocabulary) TF-IDF matrix, each non-empty row of length 1."""
        if not self.idf_.size:
            raise ValueError("call fit before transform: there are no idf weights yet")
        counts = self.bag.transform(texts)
        tf = counts.data.astype(np.float64)
        if self.sublinear_tf:
            tf = 1.0 + np.log(tf)
        weights = tf * self.idf_[counts.indices]
        for row in range(counts.shape[0]):
            start, end = counts.indptr[row], counts.indptr[row + 1]
            length = math.sqrt(float(np.dot(weights[start:end], weights[start:end])))
            if length > 0:
                weights[start:end] /= length
        return sparse.csr_matrix((weights, counts.indices, counts.indptr), shape=counts.shape)

    def fit_transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Learn the vocabulary and idf of `texts` and return their TF-IDF matrix."""
        return self.fit(texts).transform(texts)
