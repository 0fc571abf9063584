"""Week 7: the loan data's schema, leak-free tuning, the old schema import, and the fast run."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline

from shared.registry import fetch
from shared.schema import check_rows
from shared.tabular import FitRecorder
from week07_pipelines import loan


@pytest.fixture(scope="module")
def loans() -> pd.DataFrame:
    return loan.read_loanapp(fetch("loanapp"))


def test_loanapp_schema(loans: pd.DataFrame) -> None:
    assert loans.shape == (1989, 59)
    assert loans["approve"].mean() == pytest.approx(0.877, abs=0.001)
    assert loans["gdlin"].isna().sum() > 0 and loans["gdlin"].dropna().isin([0, 1]).all()
    typed, errors = check_rows(loans[list(loan.LOAN_INPUT_COLUMNS)], loan.LOAN_SCHEMA)
    assert errors == []
    assert typed["mortg"].dtype == "int64" and typed["loanamt"].dtype == "float64"


def test_inputs_exclude_the_answer_and_protected_attributes() -> None:
    inputs = set(loan.LOAN_INPUT_COLUMNS)
    assert not inputs & {"approve", "reject", "action", "black", "hispan", "white", "male"}


def test_tuning_the_whole_pipeline_never_fits_on_a_test_fold(loans: pd.DataFrame) -> None:
    X = loans[list(loan.LOAN_INPUT_COLUMNS)].iloc[:600]
    y = loans["approve"].iloc[:600]
    inner = loan.build_pipeline()
    model = Pipeline([("record", FitRecorder()), *inner.steps])
    search = GridSearchCV(model, {"select__estimator__C": [0.1, 1.0]}, cv=2, scoring="roc_auc")
    outer = StratifiedKFold(3, shuffle=True, random_state=0)
    result = cross_validate(search, X, y, cv=outer, return_estimator=True)
    for fitted, (train, test) in zip(result["estimator"], outer.split(X, y), strict=True):
        seen = fitted.best_estimator_.named_steps["record"].fitted_index_
        assert seen.equals(X.index[train]) and seen.intersection(X.index[test]).empty


def test_old_schema_imports_still_work() -> None:
    """Week 7's schema moved to shared.schema; the old module re-exports the same objects."""
    import shared.schema
    from week07_pipelines import schema

    for name in schema.__all__:
        assert getattr(schema, name) is getattr(shared.schema, name)


def test_fast_run(fast_run, tmp_path) -> None:
    doc = fast_run("week07_pipelines")
    for name in ("titanic_pipeline", "loan_pipeline"):
        metrics = doc["projects"][name]["metrics"]
        assert metrics["reload_max_abs_diff"] == 0.0
        assert metrics["holdout_roc_auc"] > 0.7
    titanic = doc["projects"]["titanic_pipeline"]["metrics"]
    assert titanic["holdout_accuracy"] > titanic["majority_baseline"]
    assert (tmp_path / "models" / "titanic_pipeline.joblib.json").is_file()
    assert (tmp_path / "models" / "loan_pipeline.joblib").is_file()
