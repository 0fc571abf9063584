"""Week 14: near-duplicate emails are found, and none crosses the spam filter's splits."""

from __future__ import annotations

import numpy as np
import pytest

from shared.registry import fetch
from week14_nlp.emails import RELEASES, load_spam_assassin
from week14_nlp.near_duplicates import find_duplicates, normalise, shingles
from week14_nlp.projects.spam_classifier import (
    TRAIN_RELEASE,
    deduplicate,
    random_split,
    release_split,
)

OFFER = (
    "Dear friend, we guarantee {n} signups before you ever pay a penny! We will show you "
    "green before you see red. Click below to learn how thousands of people make money from "
    "home every single week with our proven system, free of charge for the first month. {tag}"
)


def test_normalise_drops_case_digits_spacing_and_quoted_headers():
    reply = (
        "Re: Build 42 FAILED\n> On Mon, Bob wrote:\nFrom: bob@x.org\nSent: 3 May\n\n"
        "  Fixed   in r1234.\n"
    )
    assert normalise(reply) == "re: build failed fixed in r."
    assert normalise("Ann wrote:\nHELLO\tWorld 2002") == "hello world"


def test_shingles_are_five_word_runs_or_the_whole_short_text():
    assert shingles("a b c d e f") == {b"a b c d e", b"b c d e f"}
    assert shingles("too short") == {b"too short"}


def test_find_duplicates_groups_copies_and_campaign_variants_only():
    texts = [
        OFFER.format(n=100, tag="[abc]"),
        "A different email about the build server and its nightly tests.",
        OFFER.format(n=250, tag="[abc]").upper(),  # normalised copy of 0
        OFFER.format(n=100, tag="[xyzzy] reply now"),  # near-duplicate of 0
        "An unrelated note: lunch at noon on Friday, bring the slides please.",
        "A different email about the build server and its nightly tests.",  # exact copy of 1
    ]
    duplicates = find_duplicates(texts)
    assert duplicates.group.tolist() == [0, 1, 0, 0, 4, 1]
    assert duplicates.first.tolist() == [0, 1, 4]
    assert (duplicates.normalised, duplicates.near) == (2, 1)


@pytest.fixture(scope="module")
def spam_data():
    return deduplicate(load_spam_assassin(fetch("spam_assassin")))


def _shingle_matrix(forms: list[str]):
    """A binary sparse matrix, one row per text, one column per distinct 5-word shingle."""
    from scipy.sparse import csr_matrix

    vocabulary: dict[bytes, int] = {}
    columns, starts = [], [0]
    for form in forms:
        columns.extend(vocabulary.setdefault(s, len(vocabulary)) for s in shingles(form))
        starts.append(len(columns))
    ones = np.ones(len(columns), dtype=np.int32)
    return csr_matrix((ones, columns, starts), shape=(len(forms), len(vocabulary)))


def _near_pairs_across(matrix, train: np.ndarray, test: np.ndarray) -> int:
    """Count test emails with a training email at shingle Jaccard >= 0.8, over all pairs."""
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    common = (matrix[test] @ matrix[train].T).tocoo()
    union = sizes[test][common.row] + sizes[train][common.col] - common.data
    return len(set(common.row[common.data / union >= 0.8]))


def test_no_normalised_or_near_duplicate_crosses_either_split(spam_data):
    removed = spam_data.removed
    assert removed["exact_duplicates"] == 125  # copies of a raw text (the corpus has some)
    assert removed["normalised_duplicates"] > 0 and removed["near_duplicates"] > 100
    assert len(spam_data.texts) + sum(removed.values()) == 6046
    forms = [normalise(t) for t in spam_data.texts]
    matrix = _shingle_matrix(forms)
    splits = {
        "random": random_split(spam_data, seed=0),
        "release": release_split(spam_data, TRAIN_RELEASE),
    }
    for name, (train, test) in splits.items():
        assert not set(train) & set(test), name
        assert not {forms[i] for i in train} & {forms[i] for i in test}, name
        assert _near_pairs_across(matrix, train, test) == 0, name
    train, test = splits["release"]
    assert set(spam_data.folders[train]) == set(RELEASES[TRAIN_RELEASE])
    assert not set(spam_data.folders[test]) & set(RELEASES[TRAIN_RELEASE])
