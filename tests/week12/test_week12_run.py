"""Week 12: the whole week's --fast run, end to end."""

from __future__ import annotations


def test_fast_run_writes_a_report_with_sane_metrics(fast_run) -> None:
    report = fast_run("week12_opencv")
    projects = report["projects"]
    assert set(projects) == {
        "image_basics",
        "cnn_preprocess",
        "filters_edges",
        "coin_count",
        "homography",
    }
    for name, project in projects.items():
        assert all(bar["passed"] for bar in project["bars"]), name
    m = {name: p["metrics"] for name, p in projects.items()}
    assert m["cnn_preprocess"]["photos"] == 6 and m["cnn_preprocess"]["top1_agreement"] == 1
    assert (
        m["cnn_preprocess"]["bgr_trap_top1_accuracy"] < m["cnn_preprocess"]["opencv_top1_accuracy"]
    )
    assert m["coin_count"]["coins_counted"] == 24
    assert (
        m["homography"]["sift_corner_error_px"] < 2 and m["homography"]["orb_corner_error_px"] < 2
    )
    assert m["image_basics"]["shrink_area_psnr_db"] > m["image_basics"]["shrink_nearest_psnr_db"]
