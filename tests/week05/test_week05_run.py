"""Week 5 end to end in fast mode: both projects run, report, and beat their trivial baselines."""

from __future__ import annotations


def test_fast_run_beats_baselines(fast_run) -> None:
    projects = fast_run("week05_ml_basics")["projects"]
    houses = projects["house_prices"]["metrics"]
    assert houses["cv_rmsle"] < 0.6 * houses["baseline_cv_rmsle"]
    assert 0.5 < houses["cv_r2"] <= 1.0
    titanic = projects["titanic_classifiers"]["metrics"]
    assert titanic["cv_accuracy"] > titanic["baseline_cv_accuracy"] + 0.1
    assert 0 < titanic["cv_recall"] <= 1
    assert {d["name"] for p in projects.values() for d in p["datasets"]} == {
        "ames_house_prices",
        "titanic",
    }
