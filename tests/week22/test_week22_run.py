"""Week 22's --fast run end to end: every capstone runs and reports sane numbers."""

from __future__ import annotations


def test_fast_run(fast_run) -> None:
    metrics = fast_run("week22_capstone")
    projects = metrics["projects"]
    assert set(projects) == {"loan_api", "face_mask", "sentiment", "forecasting"}
    loan = projects["loan_api"]["metrics"]
    assert loan["parity_max_prob_diff"] <= 1e-5 and loan["audit_rows_missing"] == 0
    assert loan["oof_cost_per_applicant"] < loan["oof_cost_approve_all"]
    mask = projects["face_mask"]
    assert mask["metrics"]["api_cli_mismatches"] == 0
    assert mask["metrics"]["onnx_torch_mismatches"] == 0
    assert mask["metrics"]["onnx_probability_max_abs_diff"] <= 1e-4
    bars = {bar["metric"]: bar["passed"] for bar in mask["bars"]}
    assert bars["onnx_torch_mismatches"] and bars["onnx_probability_max_abs_diff"]
    assert projects["sentiment"]["metrics"]["app_labels_shown"] >= 2
    assert projects["forecasting"]["metrics"]["stored_forecasts_missing"] == 0
