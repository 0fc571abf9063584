"""Week 6 end to end in fast mode: credit models beat chance and the cost of trivial policies."""

from __future__ import annotations


def test_fast_run(fast_run) -> None:
    projects = fast_run("week06_advanced_ml")["projects"]
    credit = projects["credit_approval"]["metrics"]
    assert credit["cv_roc_auc"] > 0.7
    assert credit["cost_per_applicant"] < min(credit["cost_reject_all"], 1.5)
    segments = projects["customer_segments"]["metrics"]
    assert segments["customers"] == 23_570
    assert 3 <= segments["chosen_k"] <= 10
    assert segments["silhouette"] > 0.25
