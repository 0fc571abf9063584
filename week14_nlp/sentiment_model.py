"""The learned tweet-sentiment model: TF-IDF of words and word pairs into logistic regression.

Its C is chosen by cross-validated macro-F1 on the training texts only. Week 14's tweet project
scores it against VADER, week 15 against a fine-tuned transformer, and week 22's sentiment app
serves it.
"""

from __future__ import annotations

import tempfile
import warnings

import numpy as np

C_GRID = (0.3, 1.0, 3.0, 10.0)


def build_model(C: float = 1.0, memory: str | None = None):
    """Return the TF-IDF (1-2-grams, sublinear tf, min_df 2) + logistic regression pipeline.

    `memory` (a folder) caches the fitted TF-IDF, so a search over C fits it once per fold.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)),
            ("logreg", LogisticRegression(C=C, max_iter=3000)),
        ],
        memory=memory,
    )


def tune(texts: list[str], labels: np.ndarray, folds: int, seed: int):
    """Return the search, refitted on all of `texts` with the C of best cross-validated macro-F1.

    The TF-IDF of each fold is fitted once and reused for every C (a pipeline cache in a
    temporary folder; the refitted model keeps no reference to it).
    """
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    with tempfile.TemporaryDirectory() as cache, warnings.catch_warnings():
        # joblib warns when hashing thousands of texts for the cache key takes over 0.5 s
        warnings.filterwarnings("ignore", "Persisting input arguments", UserWarning)
        search = GridSearchCV(
            build_model(memory=cache),
            {"logreg__C": list(C_GRID)},
            scoring="f1_macro",
            cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
        ).fit(texts, labels)
    search.best_estimator_.set_params(memory=None)
    return search
