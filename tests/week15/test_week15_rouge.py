"""Week 15: ROUGE-1/2/L from scratch against Google's rouge-score package."""

from __future__ import annotations

import pytest

from week15_transformers.rouge import lcs_length, rouge, tokens

rouge_scorer = pytest.importorskip("rouge_score.rouge_scorer")

CASES = [
    ("the cat sat on the mat", "the cat lay on the mat"),
    ("a b c d e", "e d c b a"),
    ("Police killed the gunman.", "The gunman was killed by police, officials said."),
    ("We propose a new model ; it works .", "They propose a model that works well."),
    ("the the the", "the cat the"),
    ("", "nothing matches an empty summary"),
    ("numbers 2024 and 3.5%", "in 2024, 3.5% more"),
]


@pytest.mark.parametrize(("candidate", "reference"), CASES)
def test_matches_rouge_score(candidate, reference):
    theirs = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"]).score(reference, candidate)
    ours = rouge(candidate, reference)
    for key in ("rouge1", "rouge2", "rougeL"):
        assert ours[key].precision == pytest.approx(theirs[key].precision)
        assert ours[key].recall == pytest.approx(theirs[key].recall)
        assert ours[key].f1 == pytest.approx(theirs[key].fmeasure)


def test_lcs_allows_gaps_but_keeps_order():
    assert lcs_length(list("abcd"), list("axcyd")) == 3
    assert lcs_length(list("abc"), list("cba")) == 1
    assert lcs_length([], ["a"]) == 0


def test_tokens_lowercase_and_drop_punctuation():
    assert tokens("Hello, World! It's 2024.") == ["hello", "world", "it", "s", "2024"]
