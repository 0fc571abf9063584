"""The week front door: flags, bars, report.md and the metrics.json contract."""

from __future__ import annotations

import json
import sys
import types

import pytest

from shared.bars import Bar
from shared.cli import run_week
from shared.plotting import subplots
from shared.registry import DatasetError

MODULE = "toy_week.toy_project"


@pytest.fixture
def toy_project(monkeypatch):
    """A throwaway project module whose metric and bar the test controls."""
    module = types.ModuleType(MODULE)
    module.__doc__ = "Toy project.\n\nSquares the seed, to test the plumbing."
    module.BARS = [
        Bar("score", ">=", 0.5, "a made-up target"),
        Bar("absent", "<=", 1, "never measured"),
    ]
    module.SCORE = 0.9

    def run(ctx):
        fig, ax = subplots()
        ax.plot([0, 1], [0, ctx.seed])
        ctx.save_figure(fig, "Line Plot", "a rising line")
        ctx.note("A paragraph.")
        return {"score": module.SCORE, "seed_squared": ctx.seed**2, "fast": ctx.fast}

    module.run = run
    monkeypatch.setitem(sys.modules, MODULE, module)
    return module


def test_full_run_writes_the_contract(toy_project, tmp_path):
    assert run_week(99, "Toy week", {"toy": MODULE}, ["--out", str(tmp_path), "--seed", "3"]) == 0
    doc = json.loads((tmp_path / "metrics.json").read_text())
    assert (doc["week"], doc["fast"], doc["seed"]) == (99, False, 3)
    project = doc["projects"]["toy"]
    assert project["metrics"] == {"score": 0.9, "seed_squared": 9.0, "fast": 0.0}
    assert project["bars"] == [
        {
            "metric": "score",
            "op": ">=",
            "target": 0.5,
            "value": 0.9,
            "passed": True,
            "reference": "a made-up target",
        }
    ]
    assert project["wall_seconds"] >= 0 and doc["wall_seconds"] >= project["wall_seconds"]
    report = (tmp_path / "report.md").read_text()
    assert "# Week 99: Toy week" in report and "## Toy project (`toy`)" in report
    assert "![a rising line](figures/toy_line_plot.png)" in report and "A paragraph." in report
    assert (tmp_path / "figures" / "toy_line_plot.png").stat().st_size > 1000


def test_a_missed_bar_fails_a_full_run_but_not_a_fast_one(toy_project, tmp_path, capsys):
    toy_project.SCORE = 0.1
    assert run_week(99, "Toy week", {"toy": MODULE}, ["--out", str(tmp_path)]) == 1
    assert "FAIL" in capsys.readouterr().out
    assert run_week(99, "Toy week", {"toy": MODULE}, ["--out", str(tmp_path), "--fast"]) == 0
    assert "not enforced" in capsys.readouterr().out
    assert json.loads((tmp_path / "metrics.json").read_text())["fast"] is True


def test_unknown_project_is_a_usage_error(toy_project, tmp_path):
    with pytest.raises(SystemExit) as info:
        run_week(99, "Toy week", {"toy": MODULE}, ["--project", "nope"])
    assert info.value.code == 2


def test_bar_rejects_unknown_operator():
    with pytest.raises(ValueError, match="op must be one of"):
        Bar("x", "==", 1, "ref")


@pytest.mark.parametrize(
    ("op", "value", "passed"), [(">=", 0.8, True), (">=", 0.7, False), ("<=", 0.7, True)]
)
def test_bar_check(op, value, passed):
    assert Bar("acc", op, 0.75, "ref").check({"acc": value})["passed"] is passed


def test_unavailable_data_is_a_clear_error_not_a_traceback(toy_project, tmp_path, capsys):
    def run(ctx):
        raise DatasetError("could not fetch dataset 'toy'")

    toy_project.run = run
    assert run_week(99, "Toy week", {"toy": MODULE}, ["--out", str(tmp_path)]) == 2
    assert "error: could not fetch dataset 'toy'" in capsys.readouterr().err
    assert not (tmp_path / "metrics.json").exists()
