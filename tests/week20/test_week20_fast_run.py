"""Week 20's --fast run end to end: every project and the saved model."""

from __future__ import annotations

import csv
from pathlib import Path

from week20_genai_multimodal.diffusion import load_pipeline


def test_fast_run_writes_every_project_and_the_model(fast_run, tmp_path: Path) -> None:
    metrics = fast_run("week20_genai_multimodal")
    projects = metrics["projects"]
    assert all(p["status"] == "ok" for p in projects.values()), projects
    assert projects["caption_dataset"]["metrics"]["caption_agreement"] == 1.0
    assert projects["caption_dataset"]["metrics"]["leaked_images"] == 0.0
    with (tmp_path / "caption_dataset" / "manifest.csv").open() as f:
        header = next(csv.reader(f))
    assert {"sha256", "caption", "split", "label"} <= set(header)
    t2i = projects["text_to_image"]["metrics"]
    assert t2i["reproducible"] == 1.0 and t2i["fid"] > 0
    pipe = load_pipeline(tmp_path / "models" / "text_to_image")
    assert pipe.generate("a sneaker", seed=0, steps=2).shape == (1, 3, 28, 28)
    assert 0.0 <= projects["prompting"]["metrics"]["json_valid_zero_shot"] <= 1.0
    story = projects["storybook"]["metrics"]
    assert story["images_loaded"] == 1.0 and story["scenes"] == 2.0
