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
        Bar("cifar_error", "<=", 1, "measured only on CIFAR-10", data="cifar10"),
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
    assert project["bars_not_applicable"] == [
        {
            "metric": "cifar_error",
            "op": "<=",
            "target": 1,
            "reference": "measured only on CIFAR-10",
            "reason": "applies only to runs on cifar10; this run used no registry data",
        }
    ]
    assert project["wall_seconds"] >= 0 and doc["wall_seconds"] >= project["wall_seconds"]
    report = (tmp_path / "report.md").read_text()
    assert "not applicable: applies only to runs on cifar10" in report
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


@pytest.mark.parametrize("fast", [False, True])
def test_a_bar_whose_metric_is_missing_fails_the_project(toy_project, tmp_path, capsys, fast):
    toy_project.BARS = [*toy_project.BARS, Bar("renamed", "<=", 1, "a bar on a renamed metric")]
    argv = ["--out", str(tmp_path)] + (["--fast"] if fast else [])
    assert run_week(99, "Toy week", {"toy": MODULE}, argv) == 3
    assert "FAILED: bar on 'renamed': the run did not produce" in capsys.readouterr().out
    project = json.loads((tmp_path / "metrics.json").read_text())["projects"]["toy"]
    assert project["status"] == "FAILED" and "'renamed'" in project["error"]
    row = next(b for b in project["bars"] if b["metric"] == "renamed")
    assert row["value"] is None and row["passed"] is False and "score" in row["problem"]
    assert "| renamed | <= 1 | missing | FAIL |" in (tmp_path / "report.md").read_text()


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_bar_on_a_metric_that_is_not_a_number_fails(toy_project, tmp_path, value):
    toy_project.SCORE = value
    argv = ["--out", str(tmp_path), "--fast"]
    assert run_week(99, "Toy week", {"toy": MODULE}, argv) == 3
    project = json.loads((tmp_path / "metrics.json").read_text())["projects"]["toy"]
    assert f"the metric is {value}" in project["error"]


def test_a_bar_for_other_data_is_checked_when_its_metric_was_measured(toy_project, tmp_path):
    run = toy_project.run
    toy_project.run = lambda ctx: {**run(ctx), "cifar_error": 2.0}
    assert run_week(99, "Toy week", {"toy": MODULE}, ["--out", str(tmp_path)]) == 1
    project = json.loads((tmp_path / "metrics.json").read_text())["projects"]["toy"]
    assert [b["passed"] for b in project["bars"]] == [True, False]
    assert "bars_not_applicable" not in project


def test_a_bar_for_data_the_run_used_must_have_its_metric() -> None:
    bar = Bar("cifar_error", "<=", 1, "ref", data="cifar10")
    assert bar.not_applicable({}, ["cifar10"]) is None
    assert "did not produce" in bar.check({})["problem"]
    assert bar.not_applicable({}, ["fashion_mnist_test_images"]) == (
        "applies only to runs on cifar10; this run used fashion_mnist_test_images"
    )


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


def test_unavailable_data_marks_the_project_failed_with_a_clear_reason(
    toy_project, tmp_path, capsys
):
    def run(ctx):
        raise DatasetError("could not fetch dataset 'toy'")

    toy_project.run = run
    assert run_week(99, "Toy week", {"toy": MODULE}, ["--out", str(tmp_path)]) == 4
    assert "FAILED: DatasetError: could not fetch dataset 'toy'" in capsys.readouterr().out
    project = json.loads((tmp_path / "metrics.json").read_text())["projects"]["toy"]
    assert project["status"] == "FAILED" and "could not fetch" in project["error"]


def test_a_failing_project_does_not_stop_the_others(toy_project, monkeypatch, tmp_path):
    broken = types.ModuleType("toy_week.broken")
    broken.__doc__ = "Broken project."

    def run(ctx):
        return {"ratio": 1 / 0}

    broken.run = run
    monkeypatch.setitem(sys.modules, "toy_week.broken", broken)
    projects = {"broken": "toy_week.broken", "toy": MODULE}
    assert run_week(99, "Toy week", projects, ["--out", str(tmp_path)]) == 3
    doc = json.loads((tmp_path / "metrics.json").read_text())
    assert doc["projects"]["toy"]["status"] == "ok"
    assert doc["projects"]["toy"]["metrics"]["score"] == 0.9
    failed = doc["projects"]["broken"]
    assert failed["status"] == "FAILED"
    assert failed["error"].startswith("ZeroDivisionError: division by zero (at ")
    report = (tmp_path / "report.md").read_text()
    assert "**FAILED.** ZeroDivisionError" in report and "Traceback" not in report


def test_ctrl_c_leaves_no_report_and_no_partial_file(toy_project, tmp_path, capsys):
    def run(ctx):
        fig, _ = subplots()
        ctx.save_figure(fig, "done", "a finished figure")
        raise KeyboardInterrupt

    toy_project.run = run
    assert run_week(99, "Toy week", {"toy": MODULE}, ["--out", str(tmp_path)]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_an_interrupted_rerun_leaves_the_old_report_with_its_own_figures(toy_project, tmp_path):
    assert run_week(99, "Toy week", {"toy": MODULE}, ["--out", str(tmp_path)]) == 0
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}

    def run(ctx):
        fig, _ = subplots()
        ctx.save_figure(fig, "line plot", "a new figure of the interrupted rerun")
        raise KeyboardInterrupt

    toy_project.run = run
    assert run_week(99, "Toy week", {"toy": MODULE}, ["--out", str(tmp_path)]) == 130
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_info_is_written_beside_the_metrics(toy_project, tmp_path):
    run = toy_project.run

    def run_with_info(ctx):
        ctx.info["precision"] = "fp32"
        return run(ctx)

    toy_project.run = run_with_info
    assert run_week(99, "Toy week", {"toy": MODULE}, ["--out", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "metrics.json").read_text())
    assert doc["projects"]["toy"]["info"] == {"precision": "fp32"}


@pytest.mark.parametrize("seed", ["-1", "4294967296", "x"])
def test_a_seed_numpy_cannot_take_is_a_usage_error(toy_project, seed, capsys):
    with pytest.raises(SystemExit) as info:
        run_week(99, "Toy week", {"toy": MODULE}, ["--seed", seed])
    assert info.value.code == 2
    assert "--seed" in capsys.readouterr().err


def test_an_unusable_out_folder_is_refused_before_any_work(toy_project, tmp_path, capsys):
    calls = []
    toy_project.run = lambda ctx: calls.append(ctx) or {}
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    assert run_week(99, "Toy week", {"toy": MODULE}, ["--out", str(not_a_folder)]) == 5
    assert "report folder (--out)" in capsys.readouterr().err and calls == []


def test_a_cache_that_is_a_file_is_refused_before_any_work(
    toy_project, tmp_path, monkeypatch, capsys
):
    cache = tmp_path / "cache"
    cache.write_text("x")
    monkeypatch.setenv("ML_ROADMAP_CACHE", str(cache))
    assert run_week(99, "Toy week", {"toy": MODULE}, ["--out", str(tmp_path / "out")]) == 5
    assert "ML_ROADMAP_CACHE" in capsys.readouterr().err


def test_a_device_that_is_not_there_is_refused_before_any_work(
    toy_project, tmp_path, monkeypatch, capsys
):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    argv = ["--out", str(tmp_path), "--device", "cuda"]
    assert run_week(99, "Toy week", {"toy": MODULE}, argv) == 5
    assert "no CUDA GPU" in capsys.readouterr().err
    assert not (tmp_path / "report.md").exists()


def test_sub_commands_are_declared_once_and_get_their_arguments(toy_project, monkeypatch, capsys):
    tools = types.ModuleType("toy_week.tools")
    tools.main = lambda argv: len(argv)
    monkeypatch.setitem(sys.modules, "toy_week.tools", tools)
    commands = {"count": "toy_week.tools:main"}
    assert run_week(99, "Toy week", {"toy": MODULE}, ["count", "a", "b"], commands=commands) == 2
    with pytest.raises(SystemExit):
        run_week(99, "Toy week", {"toy": MODULE}, ["--help"], commands=commands)
    assert "sub-commands: count" in capsys.readouterr().out
