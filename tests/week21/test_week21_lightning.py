"""Lightning and the shared Trainer, same seed and tiny data: the same model comes out."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from shared.context import RunContext
from week21_dl_advanced.projects.lightning_unet import fit_lightning, read_csv_log
from week21_dl_advanced.scenes import SceneSet, build_scenes
from week21_dl_advanced.unet_training import FAST, held_out_iou, loaders, train_unet


def test_lightning_and_shared_trainer_agree_on_tiny_data(tmp_path: Path) -> None:
    recipe = dataclasses.replace(FAST, n_train=16, n_val=8, n_test=8, epochs=2)
    scenes = build_scenes(32, recipe.size, seed=0)
    splits = (
        SceneSet(scenes.scenes[:16]),
        SceneSet(scenes.scenes[16:24]),
        SceneSet(scenes.scenes[24:]),
    )
    ctx = RunContext(week=21, project="lightning", out=tmp_path, seed=0, fast=True, device="cpu")
    trainer, shared_iou, _ = train_unet(ctx, recipe, splits)
    lit, lightning_trainer, _ = fit_lightning(ctx, recipe, splits)
    test_loader = loaders(recipe, 0, splits)[2]
    assert held_out_iou(lit.model, test_loader, "cpu") == pytest.approx(shared_iou, abs=1e-4)
    log = read_csv_log(Path(lightning_trainer.logger.log_dir) / "metrics.csv")
    lightning_val = [row["val_iou"] for row in log if "val_iou" in row]
    assert lightning_val == pytest.approx([row["val_iou"] for row in trainer.history], abs=1e-4)
    assert "test_iou" in log[-1]
    assert list((tmp_path / "lightning" / "checkpoints").glob("*.ckpt"))
