"""The learned tweet-sentiment model: TF-IDF of words and word pairs into logistic regression.

Its C is chosen by cross-validated macro-F1 on the training texts only. Week 14's tweet project
scores it against VADER, week 15 against a fine-tuned transformer, and week 22's sentiment app
serves it.
"""

from __future__ import annotations

import numpy as np

C_GRID = (0.3, 1.0, 3.0, 10.0)


def build_model(C: float = 1.0):
    """Return the TF-IDF (1-2-grams, sublinear tf, min_df 2) + logistic regression pipeline."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)),
            ("logreg", LogisticRegression(C=C, max_iter=3000)),
        ]
    )


def tune(texts: list[str], labels: np.ndarray, folds: int, seed: int):
    """Return the model refitted on all of `texts` with the C of best cross-validated macro-F1."""
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    search = GridSearchCV(
        build_model(),
        {"logreg__C": list(C_GRID)},
        scoring="f1_macro",
        cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
    )
    return search.fit(texts, labels)
