"""`python -m week08_fastapi --fast` end to end: train, serve, drive every route, report."""

from __future__ import annotations

import pytest


def test_fast_run_drives_every_route_as_http_prescribes(fast_run, tmp_path) -> None:
    metrics = fast_run("week08_fastapi")["projects"]["api_session"]
    values = metrics["metrics"]
    assert values["requests"] >= 50
    assert values["status_as_expected"] == 1.0
    assert 0 < values["latency_p50_ms"] <= values["latency_max_ms"]
    # The fast model sees its own training passengers among these 20: it must beat a coin.
    assert values["feedback_accuracy"] > 0.5
    report = (tmp_path / "report.md").read_text()
    for route in (
        "/predict/batch",
        "PATCH /predictions/{id}",
        "DELETE /predictions/{id}",
        "GET /model",
    ):
        assert route in report
    assert (tmp_path / "figures" / "api_session_latency.png").is_file()
    assert metrics["datasets"][0]["name"] == "titanic"
    bar = next(b for b in metrics["bars"] if b["metric"] == "status_as_expected")
    assert bar["passed"] and bar["value"] == pytest.approx(1.0)
