"""Week 13: the `--fast` run end to end."""

from __future__ import annotations


def test_fast_run_writes_every_project(fast_run, tmp_path) -> None:
    metrics = fast_run("week13_cv_advanced")
    projects = metrics["projects"]
    assert set(projects) == {"face_detection", "face_mask", "tracking"}
    assert all(p["status"] == "ok" for p in projects.values())
    detection = projects["face_detection"]["metrics"]
    assert detection["ssd640_recall"] > detection["haar_recall"] - 0.5
    assert 0 <= detection["best_precision"] <= 1
    mask = projects["face_mask"]["metrics"]
    assert mask["keras_heldout_accuracy"] > 0.75 and 0 <= mask["heldout_accuracy"] <= 1
    assert (tmp_path / "face_mask_demo.mp4").stat().st_size > 1000
    assert (tmp_path / "models" / "mask_classifier.pt").is_file()
    assert projects["tracking"]["metrics"]["centroid_mota"] >= 0.9
    assert (tmp_path / "tracking_vtest.mp4").is_file()
