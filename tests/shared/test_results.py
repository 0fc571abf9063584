"""The README results table generated from metrics.json files."""

from __future__ import annotations

import json

import pytest

from shared.results import (
    END,
    START,
    measured_seconds,
    merge_seconds,
    results_table,
    rewrite_readme,
    seconds_table,
)


def test_table_lists_each_project_with_its_bars(tmp_path):
    week = tmp_path / "week05"
    week.mkdir()
    bar = {
        "metric": "cv_rmsle",
        "op": "<=",
        "target": 0.14,
        "value": 0.131,
        "passed": True,
        "reference": "r",
    }
    project = {
        "metrics": {"cv_rmsle": 0.131},
        "bars": [bar],
        "datasets": [{"name": "ames_house_prices"}],
        "wall_seconds": 38.5,
    }
    (week / "metrics.json").write_text(
        json.dumps({"week": 5, "fast": False, "seed": 0, "projects": {"house_prices": project}})
    )
    table = results_table(tmp_path)
    assert "| 05 | house_prices | cv_rmsle 0.131 | PASS | ames_house_prices | full | 38 |" in table


def test_rewrite_only_touches_the_marked_block(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{START}\nold\n{END}\noutro\n")
    rewrite_readme(readme, "| new |")
    assert readme.read_text() == f"intro\n{START}\n| new |\n{END}\noutro\n"
    readme.write_text("no markers")
    with pytest.raises(SystemExit, match="no <!-- results:start -->"):
        rewrite_readme(readme, "x")


def test_long_lists_are_cut_to_two(tmp_path):
    week = tmp_path / "week02"
    week.mkdir()
    bars = [{"metric": f"err_{i}", "value": 0.0, "passed": True} for i in range(5)]
    project = {"metrics": {}, "bars": bars, "datasets": [], "wall_seconds": 1.0}
    (week / "metrics.json").write_text(
        json.dumps({"week": 2, "fast": False, "projects": {"p": project}})
    )
    assert "| err_0 0, err_1 0 +3 more bars | PASS | – |" in results_table(tmp_path)


def test_a_bar_whose_metric_was_missing_shows_as_missing(tmp_path):
    week = tmp_path / "week03"
    week.mkdir()
    bars = [{"metric": "auc", "value": None, "passed": False, "problem": "not produced"}]
    project = {"status": "FAILED", "metrics": {}, "bars": bars, "datasets": [], "wall_seconds": 1}
    (week / "metrics.json").write_text(
        json.dumps({"week": 3, "fast": False, "projects": {"p": project}})
    )
    assert "| auc missing | FAILED | – |" in results_table(tmp_path)


def _week_run(reports, week: int, seconds: float, machine: dict | None, fast: bool = False) -> None:
    """Write a metrics.json of a week's run measured on `machine`."""
    folder = reports / f"week{week:02d}"
    folder.mkdir(parents=True)
    doc = {"week": week, "fast": fast, "wall_seconds": seconds, "projects": {}}
    if machine:
        doc["machine"] = machine
    (folder / "metrics.json").write_text(json.dumps(doc))


def test_a_run_updates_only_its_own_machine_kind_and_weeks(tmp_path):
    amd = {"cpu": "AMD EPYC", "device": "cpu", "precision": "fp32"}
    _week_run(tmp_path, 10, 280.0, amd)
    _week_run(tmp_path, 11, 90.0, None)  # an old report: where it ran is unknown, so skipped
    measured = measured_seconds(tmp_path)
    assert list(measured) == ["cpu-fp32"]
    assert measured["cpu-fp32"]["10"]["seconds"] == 280.0
    known = {
        "cpu-bf16": {"10": {"seconds": 120.0, "cpu": "Xeon", "date": "2026-12-06"}},
        "cpu-fp32": {"9": {"seconds": 60.0, "cpu": "AMD EPYC", "date": "2026-12-06"}},
    }
    merged = merge_seconds(known, measured)
    assert merged["cpu-bf16"] == known["cpu-bf16"]
    assert sorted(merged["cpu-fp32"]) == ["10", "9"]


def test_the_seconds_table_flags_a_week_over_its_limit(tmp_path):
    seconds = {
        "cpu-fp32": {
            "9": {"seconds": 61.0, "cpu": "AMD EPYC", "date": "2026-12-07"},
            "16": {"seconds": 200.0, "cpu": "AMD EPYC", "date": "2026-12-07"},
        }
    }
    table = seconds_table(seconds)
    assert "| 09 | 10 | 61 | yes |" in table
    assert "| 16 | 3 | 200 | **no** |" in table  # week 16's limit is 3 minutes
    assert "| all | 60 | 4 min (2 weeks) | – |" in table
    assert "CPU fp32: AMD EPYC, 2026-12-07 to 2026-12-07" in table


def test_fast_runs_are_not_timed(tmp_path):
    _week_run(tmp_path, 10, 5.0, {"cpu": "x", "device": "cpu", "precision": "fp32"}, fast=True)
    assert measured_seconds(tmp_path) == {}


def test_the_machine_factor_comes_from_the_weeks_without_training():
    def weeks(factor: float) -> dict:
        return {str(w): {"seconds": 10.0 * factor, "cpu": "c", "date": "d"} for w in (5, 6, 7, 8)}

    table = seconds_table({"cpu-fp32": weeks(2.0), "cpu-bf16": weeks(1.0)})
    assert "ran them 2.0 times as long as the bf16 one" in table
    assert "times as long" not in seconds_table({"cpu-fp32": weeks(2.0)})
