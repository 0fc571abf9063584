"""Week 14: scoring sentiment models across domains (tweets and film reviews) by polarity."""

from __future__ import annotations

import numpy as np
import pytest

from week14_nlp.domains import (
    Model,
    PolarityTest,
    check_held_out,
    domain_accuracy,
    domain_metrics,
    polarity_accuracy,
    proba_scorer,
)


def test_a_zero_score_is_no_answer_and_counts_half():
    positive = np.array([True, False, True, False])
    assert polarity_accuracy(np.array([0.3, -0.2, -0.1, 0.0]), positive) == pytest.approx(2.5 / 4)


def test_proba_scorer_reads_positive_and_negative_columns_by_name():
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    tweets = proba_scorer(lambda texts: probs, ("negative", "neutral", "positive"))
    np.testing.assert_allclose(tweets(["a", "b"]), [-0.6, 0.5])
    reviews = proba_scorer(lambda texts: probs[:, :2], ("Rotten", "Fresh"))
    np.testing.assert_allclose(reviews(["a", "b"]), [-0.5, 0.2])


def test_domain_accuracy_and_metric_names():
    tests = {
        "tweets": PolarityTest(["good", "bad"], np.array([True, False])),
        "film reviews": PolarityTest(["fine", "dull"], np.array([True, False])),
    }
    always_positive = Model("TF-IDF + LR (tweets)", "tweets", lambda t: np.ones(len(t)))
    accuracy = domain_accuracy([always_positive], tests)
    assert accuracy == {"TF-IDF + LR (tweets)": {"tweets": 0.5, "film reviews": 0.5}}
    assert set(domain_metrics(accuracy)) == {
        "tf_idf_lr_tweets_tweets_accuracy",
        "tf_idf_lr_tweets_film_reviews_accuracy",
    }


def test_a_training_text_in_a_test_set_is_refused():
    tests = {"film reviews": PolarityTest(["a fine film", "dull"], np.array([True, False]))}
    check_held_out(["a great film"], tests)
    with pytest.raises(ValueError, match="1 film reviews test texts are also training texts"):
        check_held_out(["dull", "other"], tests)
