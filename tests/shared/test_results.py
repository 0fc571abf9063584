"""The README results table generated from metrics.json files."""

from __future__ import annotations

import json

import pytest

from shared.results import END, START, results_table, rewrite_readme


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
