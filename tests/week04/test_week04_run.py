"""Week 4 run layer: `python -m week04_calculus --fast` end to end."""

from __future__ import annotations

from pathlib import Path


def test_fast_run_matches_autograd_and_beats_the_mean(fast_run, tmp_path: Path) -> None:
    doc = fast_run("week04_calculus")
    projects = doc["projects"]
    assert set(projects) == {"derivatives", "loss_functions", "gradient_descent"}
    for name in ("derivatives", "loss_functions"):
        assert all(b["passed"] for b in projects[name]["bars"]), name
    gd = projects["gradient_descent"]["metrics"]
    assert gd["best_mse_ratio_to_closed_form"] <= 1.01
    # Predicting the mean log price has MSE ≈ 0.16; the fit must do far better.
    assert gd["closed_form_test_mse"] < 0.08
    assert gd["batch_gd_mse_ratio"] < 1.5
    figures = {p.name for p in (tmp_path / "figures").iterdir()}
    assert {"gradient_descent_optimizer_paths.png", "gradient_descent_loss_curves.png"} <= figures
