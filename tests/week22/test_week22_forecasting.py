"""Week 22's forecasting capstone quotes weeks 16-17's backtests, never its own few origins."""

from __future__ import annotations

import json

import week22_capstone.projects.forecasting as forecasting
from shared import upstream


def test_backtest_ratios_come_from_full_runs_and_name_the_missing_one(tmp_path, monkeypatch):
    monkeypatch.setattr(upstream, "REPORTS_DIR", tmp_path)
    (tmp_path / "week17").mkdir()
    metrics = {
        "network_h1_rmse_ratio_best_baseline": 0.87,
        "network_h1_rmse_ratio_best_baseline_worst_window": 0.91,
    }
    doc = {"fast": False, "projects": {"melbourne": {"metrics": metrics}}}
    (tmp_path / "week17" / "metrics.json").write_text(json.dumps(doc))
    found, rows = forecasting.backtest_ratios()
    assert {row[0]: row[-1] for row in rows}["melbourne_min_temp"] == (
        "reports/week17/metrics.json"
    )
    assert found == {
        "backtest_melbourne_min_temp_ratio_mean": 0.87,
        "backtest_melbourne_min_temp_ratio_worst_window": 0.91,
    }
    msft = next(row for row in rows if row[0] == "msft_close")
    assert "python -m week16_ts_classical --project stock_forecast" in msft[-1]
    (tmp_path / "week17" / "metrics.json").write_text(json.dumps({**doc, "fast": True}))
    assert forecasting.backtest_ratios()[0] == {}  # a smoke run's numbers are not quoted
