"""Week 6 data: German credit and CDNOW schemas, RFM features, and the cost metric."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RandomizedSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline

from shared.data import GERMAN_CREDIT_CODES, read_cdnow, read_german_credit
from shared.registry import fetch
from shared.tabular import FitRecorder
from week06_advanced_ml.credit_costs import misclassification_cost
from week06_advanced_ml.projects import credit_approval, customer_segments


@pytest.fixture(scope="module")
def credit() -> pd.DataFrame:
    return read_german_credit(fetch("german_credit"))


def test_german_credit_is_decoded(credit: pd.DataFrame) -> None:
    assert credit.shape == (1000, 21)
    assert credit["bad"].sum() == 300
    for column, codes in GERMAN_CREDIT_CODES.items():
        assert list(credit[column].cat.categories) == list(codes.values())
        assert credit[column].notna().all(), column
    assert credit["checking_account"].value_counts()["no account"] == 394
    assert credit["age"].between(18, 80).all() and credit["credit_amount"].gt(0).all()


def test_german_credit_refuses_unknown_codes(tmp_path) -> None:
    bad = tmp_path / "german.data"
    bad.write_text(
        "A19 6 A34 A43 1169 A65 A75 4 A93 A101 4 A121 67 A143 A152 2 A173 1 A192 A201 1\n" * 1000
    )
    with pytest.raises(ValueError, match="checking_account has unknown codes"):
        read_german_credit(bad)


def test_cdnow_schema_and_rfm() -> None:
    purchases = read_cdnow(fetch("cdnow"))
    assert len(purchases) == 69_659 and purchases["customer_id"].nunique() == 23_570
    assert purchases["date"].min() == pd.Timestamp("1997-01-01")
    assert purchases["date"].max() == pd.Timestamp("1998-06-30")
    rfm = customer_segments.rfm_table(purchases)
    assert len(rfm) == 23_570 and rfm["frequency"].sum() == 69_659
    assert rfm["monetary"].sum() == pytest.approx(purchases["dollar_value"].sum())
    assert rfm["recency_days"].between(1, 546).all()


def test_rfm_on_a_tiny_history() -> None:
    purchases = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "date": pd.to_datetime(["2020-01-01", "2020-01-10", "2020-01-05"]),
            "dollar_value": [10.0, 5.0, 7.0],
        }
    )
    rfm = customer_segments.rfm_table(purchases)
    assert rfm.loc["a"].tolist() == [1, 2, 15.0]
    assert rfm.loc["b"].tolist() == [6, 1, 7.0]


def test_segment_names_and_elbow() -> None:
    profile = pd.DataFrame(
        {
            "recency_days": [30, 300, 500, 480],
            "frequency": [8, 3, 1, 1],
            "monetary": [300, 90, 20, 60],
        }
    )
    names = customer_segments.name_segments(profile)
    assert names[0] == "active frequent buyers" and names[1] == "lapsing repeat buyers"
    assert {names[2], names[3]} == {
        "lost one-time buyers (lower spend)",
        "lost one-time buyers (higher spend)",
    }
    inertia = pd.Series([100, 40, 20, 17, 15, 14], index=range(2, 8))
    assert customer_segments.elbow_k(inertia) == 4


def test_cost_is_five_per_approved_bad_and_one_per_rejected_good() -> None:
    y_true = np.array([1, 1, 0, 0, 0])
    assert misclassification_cost(y_true, np.array([0, 1, 1, 0, 0])) == pytest.approx(6 / 5)
    assert misclassification_cost(y_true, np.ones(5)) == pytest.approx(3 / 5)


def test_nested_search_never_fits_on_the_outer_test_fold(credit: pd.DataFrame) -> None:
    X, y = credit.drop(columns="bad"), credit["bad"]
    model = Pipeline(
        [
            ("record", FitRecorder()),
            ("prep", credit_approval.preprocessor()),
            ("model", LogisticRegression(max_iter=500)),
        ]
    )
    search = RandomizedSearchCV(model, {"model__C": [0.1, 1.0]}, n_iter=2, cv=2, random_state=0)
    outer = StratifiedKFold(3, shuffle=True, random_state=0)
    result = cross_validate(search, X, y, cv=outer, return_estimator=True)
    for fitted, (train, test) in zip(result["estimator"], outer.split(X, y), strict=True):
        seen = fitted.best_estimator_.named_steps["record"].fitted_index_
        assert seen.equals(X.index[train]) and seen.intersection(X.index[test]).empty
