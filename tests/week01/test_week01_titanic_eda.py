"""Week 1: the plain-Python statistics, the survival breakdowns, the data, and the run."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from shared.data import TITANIC_COLUMNS, read_titanic
from shared.registry import fetch
from week01_eda import stats
from week01_eda.survival import SurvivalBreakdown


@pytest.fixture(scope="module")
def titanic() -> pd.DataFrame:
    return read_titanic(fetch("titanic"))


@pytest.mark.parametrize("n", [1, 2, 7, 100])
def test_plain_python_statistics_match_numpy(n):
    values = np.random.default_rng(n).normal(3, 2, size=n).tolist()
    assert stats.mean(values) == pytest.approx(np.mean(values), rel=1e-12)
    assert stats.median(values) == pytest.approx(np.median(values), rel=1e-12)
    if n > 1:
        assert stats.variance(values) == pytest.approx(np.var(values, ddof=1), rel=1e-12)
        other = [v * 0.5 + math.sin(v) for v in values]
        if n > 2:
            assert stats.correlation(values, other) == pytest.approx(
                scipy_stats.pearsonr(values, other)[0], rel=1e-10
            )


def test_statistics_reject_what_they_cannot_compute():
    with pytest.raises(ValueError, match="empty"):
        stats.mean([])
    with pytest.raises(ValueError, match="at least two"):
        stats.variance([1.0])
    with pytest.raises(ValueError, match="paired"):
        stats.correlation([1.0, 2.0], [1.0])


def test_present_drops_nan_and_none():
    assert stats.present([1.0, float("nan"), None, 2.0]) == [1.0, 2.0]


def test_titanic_schema(titanic):
    assert titanic.shape == (891, 12)
    assert tuple(titanic.columns) == TITANIC_COLUMNS
    assert set(titanic["Survived"].unique()) == {0, 1}
    assert set(titanic["Sex"].cat.categories) == {"female", "male"}
    assert titanic["PassengerId"].is_unique
    assert titanic["Age"].isna().sum() == 177 and titanic["Embarked"].isna().sum() == 2


def test_survival_breakdown_by_sex(titanic):
    breakdown = SurvivalBreakdown(titanic, "Sex", "Sex")
    table = breakdown.table()
    assert table.loc["female", "passengers"] == 314 and table.loc["female", "survived"] == 233
    assert table["passengers"].sum() == 891
    assert breakdown.finding().startswith("Sex: female 74%, male 19%")


def test_fast_run_writes_report_and_passes_bars(fast_run, tmp_path):
    metrics = fast_run("week01_eda")
    project = metrics["projects"]["titanic_eda"]
    assert project["datasets"][0]["name"] == "titanic"
    assert all(bar["passed"] for bar in project["bars"])
    assert project["metrics"]["female_survival_rate"] > project["metrics"]["male_survival_rate"]
    figures = sorted(p.name for p in (tmp_path / "figures").iterdir())
    assert len(figures) == 7 and all(name.endswith(".png") for name in figures)
    report = (tmp_path / "report.md").read_text()
    assert all(f"figures/{name}" in report for name in figures)
