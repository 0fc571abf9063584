"""Week 5 data: the Ames and Titanic schemas the models rely on, and leak-free cross-validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold, cross_validate
from sklearn.pipeline import Pipeline

from shared.data import read_ames, read_titanic
from shared.evaluation import classification_scores, cv_summary, regression_scores
from shared.registry import fetch
from shared.tabular import FitRecorder
from week05_ml_basics.projects import house_prices, titanic_classifiers


@pytest.fixture(scope="module")
def ames() -> pd.DataFrame:
    return read_ames(fetch("ames_house_prices"))


def test_ames_schema(ames: pd.DataFrame) -> None:
    assert ames.shape == (1460, 80)
    assert ames.index.is_unique
    assert ames["SalePrice"].between(30_000, 800_000).all()
    X, y = house_prices.load_xy(ames)
    assert "SalePrice" not in X and len(y) == 1460
    assert X["MSSubClass"].map(type).eq(str).all()


def test_every_observed_ordinal_value_is_in_its_order(ames: pd.DataFrame) -> None:
    for column, order in house_prices.ORDINAL.items():
        unknown = set(ames[column].dropna()) - set(order)
        assert not unknown, f"{column}: {unknown} missing from {order}"


def test_titanic_inputs_exist(ames: pd.DataFrame) -> None:
    df = read_titanic(fetch("titanic"))
    assert set(titanic_classifiers.INPUTS) <= set(df.columns)
    assert df["Survived"].isin([0, 1]).all()


def test_preprocessing_is_fitted_inside_each_fold_only(ames: pd.DataFrame) -> None:
    X, y = house_prices.load_xy(ames.iloc[:300])
    model = Pipeline(
        [("record", FitRecorder()), ("prep", house_prices.preprocessor(X)), ("model", Ridge())]
    )
    cv = KFold(3, shuffle=True, random_state=0)
    result = cross_validate(model, X, np.log(y), cv=cv, return_estimator=True)
    for fitted, (train, test) in zip(result["estimator"], cv.split(X), strict=True):
        seen = fitted.named_steps["record"].fitted_index_
        assert seen.intersection(X.index[test]).empty
        assert seen.equals(X.index[train])


def test_regression_scores_match_their_definitions() -> None:
    y, p = np.array([100.0, 200.0, 400.0]), np.array([110.0, 190.0, 300.0])
    scores = regression_scores(y, p)
    assert scores["rmse"] == pytest.approx(np.sqrt(np.mean((y - p) ** 2)))
    assert scores["rmsle"] == pytest.approx(np.sqrt(np.mean((np.log1p(y) - np.log1p(p)) ** 2)))
    assert scores["r2"] == pytest.approx(1 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2))


def test_classification_scores_match_their_definitions() -> None:
    y, p = [1, 1, 1, 0, 0], [1, 0, 1, 1, 0]
    scores = classification_scores(y, p)
    assert scores == pytest.approx(
        {"accuracy": 0.6, "precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3}
    )


def test_cv_summary_turns_negated_losses_positive() -> None:
    summary = cv_summary({"fit_time": [1, 2], "test_neg_rmse": [-1.0, -3.0], "test_r2": [0.5, 0.7]})
    assert summary == {"rmse": (2.0, 1.0), "r2": (pytest.approx(0.6), pytest.approx(0.1))}
