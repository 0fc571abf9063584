"""Week 14: bag of words and TF-IDF from scratch against scikit-learn's vectorizers."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from week14_nlp.vectorizers import BagOfWords, TfIdf, ngrams

DOCS = [
    "The flight was delayed. Delayed AGAIN!!",
    "the crew was great, the food was not",
    "Naïve travellers: café crème at 5am? 10/10 would fly again",
    "a b c",  # one-letter words are not tokens: an empty row
    "delayed delayed delayed flight flight crew",
]
UNSEEN = ["great crew, delayed flight", "nothing known here", ""]


@pytest.mark.parametrize(
    ("ngram_range", "min_df", "sublinear_tf"),
    [((1, 1), 1, False), ((1, 2), 1, True), ((2, 3), 1, False), ((1, 2), 2, True)],
)
def test_matches_scikit_learn(ngram_range, min_df, sublinear_tf):
    ours = TfIdf(ngram_range, min_df, sublinear_tf).fit(DOCS)
    theirs = TfidfVectorizer(ngram_range=ngram_range, min_df=min_df, sublinear_tf=sublinear_tf)
    theirs.fit(DOCS)
    counts = CountVectorizer(ngram_range=ngram_range, min_df=min_df).fit(DOCS)
    assert ours.vocabulary_ == theirs.vocabulary_ == counts.vocabulary_
    np.testing.assert_allclose(ours.idf_, theirs.idf_, rtol=0, atol=1e-12)
    for docs in (DOCS, UNSEEN):
        assert (ours.bag.transform(docs) != counts.transform(docs)).nnz == 0
        diff = ours.transform(docs) - theirs.transform(docs)
        assert diff.nnz == 0 or abs(diff).max() <= 1e-12


def test_rows_have_unit_length_and_empty_rows_stay_zero():
    matrix = TfIdf().fit_transform(DOCS)
    lengths = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    np.testing.assert_allclose(lengths, [1, 1, 1, 0, 1], atol=1e-12)


def test_counts_and_ngrams_by_hand():
    bag = BagOfWords().fit(["bb aa aa", "cc aa"])
    assert bag.vocabulary_ == {"aa": 0, "bb": 1, "cc": 2}
    assert bag.transform(["aa aa cc dd"]).toarray().tolist() == [[2, 0, 1]]
    assert ngrams(["x", "y", "z"], (1, 2)) == ["x", "y", "z", "x y", "y z"]


def test_bad_use_is_a_clear_error():
    with pytest.raises(ValueError, match="call fit"):
        BagOfWords().transform(["text"])
    with pytest.raises(ValueError, match="call fit"):
        TfIdf().transform(["text"])
    with pytest.raises(ValueError, match="empty vocabulary"):
        BagOfWords().fit(["", "a b"])
    with pytest.raises(ValueError, match="min_df"):
        BagOfWords(min_df=0)
    with pytest.raises(ValueError, match="ngram_range"):
        BagOfWords(ngram_range=(2, 1))
