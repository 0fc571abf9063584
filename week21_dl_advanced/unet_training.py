"""The UNet recipe, scene splits and training that both UNet projects share, so their runs compare.

The segmentation project trains with the shared Trainer and saves the weights with what made
them; the Lightning project trains the same UNet on the same scenes with the same schedule, and
reads the saved result to measure the gap between the two loops.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from shared.atomic import atomic_path, write_text_atomic
from shared.context import RunContext
from shared.metrics import MeanIoU
from shared.training import EarlyStopping, Trainer
from week21_dl_advanced.scenes import SceneSet, SegmentationScenes, cached_scenes
from week21_dl_advanced.unet import UNet, segmentation_step


@dataclass(frozen=True)
class Recipe:
    """The scene set, network and schedule both UNet projects share (so their runs compare)."""

    size: int  # scene side in pixels
    n_train: int
    n_val: int  # train-split scenes kept for choosing the best epoch
    n_test: int  # held-out scenes: test-split objects, other photo crops
    width: int  # UNet channels at full resolution
    depth: int
    epochs: int
    batch_size: int
    lr: float


# Sized for the CPU time box: at about 16 ms of CPU per 64 px scene (forward and backward, one
# thread, measured), 10 epochs of 800 scenes should take one to two minutes on two idle cores.
FULL = Recipe(64, 800, 100, 200, width=16, depth=3, epochs=10, batch_size=16, lr=3e-3)
FAST = Recipe(32, 32, 8, 8, width=8, depth=3, epochs=1, batch_size=16, lr=3e-3)


def recipe_for(ctx: RunContext) -> Recipe:
    """Return the fast or the full recipe."""
    return FAST if ctx.fast else FULL


def scene_splits(ctx: RunContext, recipe: Recipe) -> tuple[SceneSet, SceneSet, SceneSet]:
    """Return train, validation and test scenes (built once per run folder, then read back)."""
    train = cached_scenes(ctx, "train", recipe.n_train + recipe.n_val, recipe.size)
    test = cached_scenes(ctx, "test", recipe.n_test, recipe.size)
    cut = recipe.n_train
    return SceneSet(train.scenes[:cut], train.classes), SceneSet(train.scenes[cut:]), test


def loaders(
    recipe: Recipe, seed: int, splits: tuple[SceneSet, SceneSet, SceneSet]
) -> tuple[DataLoader, DataLoader, DataLoader]:
    """Return the train (shuffled by its own seeded generator), validation and test loaders."""
    train, val, test = (SegmentationScenes(s) for s in splits)
    shuffle = torch.Generator().manual_seed(seed)
    return (
        DataLoader(train, recipe.batch_size, shuffle=True, generator=shuffle),
        DataLoader(val, 64),
        DataLoader(test, 64),
    )


def new_unet(recipe: Recipe, seed: int) -> UNet:
    """Return a freshly initialised UNet, the same weights for the same seed."""
    torch.manual_seed(seed)
    return UNet(width=recipe.width, depth=recipe.depth).to(memory_format=torch.channels_last)


def optimizer_and_schedule(
    model: torch.nn.Module, recipe: Recipe
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LRScheduler]:
    """AdamW with a cosine decay of the learning rate over the epochs (one step per epoch)."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.lr)
    return optimizer, torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, recipe.epochs)


def held_out_iou(model: torch.nn.Module, loader: DataLoader, device: str) -> float:
    """Return mean IoU (background and object) of `model` over `loader`, the shared way."""
    metrics = {"iou": MeanIoU(2)}
    trainer = Trainer(model, None, step=segmentation_step, device=device, metrics=metrics)
    return trainer.evaluate(loader)["iou"]


def train_unet(
    ctx: RunContext, recipe: Recipe, splits: tuple[SceneSet, SceneSet, SceneSet]
) -> tuple[Trainer, float, float]:
    """Train a UNet with the shared Trainer; return it, its test IoU and the training seconds."""
    train, val, test = loaders(recipe, ctx.seed, splits)
    model = new_unet(recipe, ctx.seed)
    optimizer, schedule = optimizer_and_schedule(model, recipe)
    trainer = Trainer(
        model,
        optimizer,
        step=segmentation_step,
        device=ctx.device,
        metrics={"iou": MeanIoU(2)},
        scheduler=schedule,
        # patience = all epochs: never stops early, but keeps the best validation epoch's weights
        early_stopping=EarlyStopping("val_iou", patience=recipe.epochs, mode="max"),
        desc="unet",
    )
    start = time.perf_counter()
    trainer.fit(train, val, epochs=recipe.epochs)
    seconds = time.perf_counter() - start
    return trainer, held_out_iou(trainer.model, test, ctx.device), seconds


def save_unet(ctx: RunContext, model: torch.nn.Module, recipe: Recipe, result: dict) -> Path:
    """Save the weights (models/unet.pt) and what made them (models/unet.json), atomically."""
    path = ctx.models_dir / "unet.pt"
    with atomic_path(path) as tmp:
        torch.save(model.state_dict(), tmp)
    record = {"recipe": asdict(recipe), "seed": ctx.seed, **result}
    write_text_atomic(path.with_suffix(".json"), json.dumps(record, indent=2))
    return path


def saved_result(ctx: RunContext, recipe: Recipe) -> dict | None:
    """Return the shared-Trainer run's saved result when it used this recipe and seed, else None."""
    path = ctx.out / "models" / "unet.json"
    if not path.is_file():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    same = record.get("recipe") == asdict(recipe) and record.get("seed") == ctx.seed
    return record if same else None
