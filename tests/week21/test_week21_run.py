"""The week's UNet projects end to end in --fast mode: report, figures, scenes on disk, parity."""

from __future__ import annotations

import json

import pytest


def test_fast_run_of_segmentation_and_lightning(fast_run, tmp_path) -> None:
    result = fast_run("week21_dl_advanced", "--project", "segmentation", "--project", "lightning")
    seg = result["projects"]["segmentation"]["metrics"]
    lit = result["projects"]["lightning"]["metrics"]
    assert 0 <= seg["test_iou"] <= 1
    assert seg["otsu_iou_plain"] > seg["otsu_iou"] + 0.2  # texture is what defeats a threshold
    assert lit["iou_gap"] < 1e-3
    assert lit["lightning_test_loop_iou"] == pytest.approx(lit["test_iou"], abs=1e-4)
    names = {d["name"] for d in result["projects"]["segmentation"]["datasets"]}
    assert {"dcgan_face_generator", "fashion_mnist_test_images", "skimage_coffee"} <= names
    scenes = sorted((tmp_path / "scenes").iterdir())
    assert [p.name.split("-")[0] for p in scenes] == ["test", "train"]
    for folder in scenes:
        coco = json.loads((folder / "annotations.json").read_text())
        assert len(list((folder / "masks").glob("*.png"))) == len(coco["images"])
    assert (tmp_path / "models" / "unet.pt").is_file()
    assert (tmp_path / "lightning" / "unet" / "version_0" / "metrics.csv").is_file()
    figures = {p.name for p in (tmp_path / "figures").iterdir()}
    assert {"segmentation_predictions.png", "lightning_parity.png"} <= figures
