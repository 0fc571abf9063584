"""Week 2 run layer: `python -m week02_linalg --fast` end to end."""

from __future__ import annotations

from pathlib import Path


def test_fast_run_writes_report_and_passes_bars(fast_run, tmp_path: Path) -> None:
    doc = fast_run("week02_linalg")
    assert set(doc["projects"]) == {"linalg_check", "tensors", "transforms_2d"}
    for name, project in doc["projects"].items():
        failed = [b["metric"] for b in project["bars"] if not b["passed"]]
        assert not failed, f"{name} missed {failed}"
        assert project["bars"], f"{name} checked no bar"
    check = doc["projects"]["linalg_check"]["metrics"]
    assert check["singular_rejected_rate"] == 1.0
    assert 0 < check["max_rel_err_inverse"] < 1e-6
    tensors = doc["projects"]["tensors"]
    assert tensors["metrics"]["libraries_compared"] >= 2
    assert tensors["metrics"]["library_agreement_rate"] == 1.0
    assert "torch" in tensors["info"]["libraries"]
    figures = {p.name for p in (tmp_path / "figures").iterdir()}
    assert {"transforms_2d_ellipse.png", "transforms_2d_projection.png"} <= figures
    assert "linalg_check_inverse_vs_condition.png" in figures
