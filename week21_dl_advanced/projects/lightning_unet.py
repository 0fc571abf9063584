"""PyTorch Lightning: the same UNet, data and schedule, trained by Lightning's Trainer.

The UNet becomes a LightningModule (what one batch of training and validation does, which
optimizer and schedule), the scenes a LightningDataModule (which loaders), and Lightning's Trainer
runs the loop with its callbacks: ModelCheckpoint keeps the best validation epoch, EarlyStopping
watches validation IoU, CSVLogger writes every logged value to metrics.csv. With the same seed,
the same initial weights, the same scenes in the same order and the same optimizer, its held-out
IoU must land within 0.02 of the shared Trainer's run (segmentation.py): the two loops do the
same arithmetic, so they should agree up to floating-point order.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import lightning as L
import torch
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger
from torch.utils.data import DataLoader
from torchmetrics.classification import MulticlassJaccardIndex

from shared.bars import Bar
from shared.context import RunContext
from shared.devices import precision_for, resolve_device, use_precision
from week21_dl_advanced.scenes import SceneSet
from week21_dl_advanced.unet import dice_bce_loss, two_class_scores
from week21_dl_advanced.unet_training import (
    Recipe,
    held_out_iou,
    loaders,
    new_unet,
    optimizer_and_schedule,
    recipe_for,
    saved_result,
    scene_splits,
    train_unet,
)

# Same seed, data and arithmetic should give the same model; 0.02 allows for floating-point
# order (issue 15). Lightning's own claim: "Lightning is just organized PyTorch" (its docs'
# introduction), i.e. no change to the maths.
BARS = [
    Bar("iou_gap", "<=", 0.02, "issue 15: Lightning is organised PyTorch, same maths"),
    Bar("test_iou", ">=", 0.85, "U-Net, Ronneberger et al. 2015: IoU 0.78-0.92 (ISBI 2015)"),
]


class LitUNet(L.LightningModule):
    """A UNet as a LightningModule: Dice + BCE training, IoU on validation and test."""

    def __init__(self, model: torch.nn.Module, recipe: Recipe) -> None:
        super().__init__()
        self.save_hyperparameters({"recipe": recipe.__dict__})
        self.model = model
        self.recipe = recipe
        self.val_iou = MulticlassJaccardIndex(num_classes=2, average="macro")
        self.test_iou = MulticlassJaccardIndex(num_classes=2, average="macro")

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Return (N, 1, H, W) object logits."""
        return self.model(images)

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], _: int) -> torch.Tensor:
        """Return the batch's Dice + BCE loss; Lightning does backward and the optimizer step."""
        images, masks = batch
        loss = dice_bce_loss(self(images).float(), masks)
        self.log("loss", loss, on_step=False, on_epoch=True, batch_size=len(images))
        return loss

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], _: int) -> None:
        """Log validation loss and IoU (torchmetrics accumulates IoU over the whole epoch)."""
        self._score(batch, self.val_iou, "val")

    def test_step(self, batch: tuple[torch.Tensor, torch.Tensor], _: int) -> None:
        """Log test loss and IoU."""
        self._score(batch, self.test_iou, "test")

    def _score(self, batch: tuple, metric: MulticlassJaccardIndex, prefix: str) -> None:
        """Count one evaluation batch into `metric` and log it with the loss."""
        images, masks = batch
        logits = self(images).float()
        metric.update(two_class_scores(logits).argmax(dim=1), masks)
        size = len(images)
        self.log(f"{prefix}_loss", dice_bce_loss(logits, masks), batch_size=size)
        self.log(f"{prefix}_iou", metric, on_step=False, on_epoch=True, batch_size=size)

    def configure_optimizers(self) -> dict:
        """AdamW and the cosine schedule, stepped once per epoch: as in the shared run."""
        optimizer, schedule = optimizer_and_schedule(self.model, self.recipe)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": schedule, "interval": "epoch"},
        }


class SceneDataModule(L.LightningDataModule):
    """The scene splits as Lightning's data module: the loaders the shared run uses."""

    def __init__(self, recipe: Recipe, seed: int, splits: tuple[SceneSet, SceneSet, SceneSet]):
        super().__init__()
        self.train, self.val, self.test = loaders(recipe, seed, splits)

    def train_dataloader(self) -> DataLoader:
        """Training scenes, shuffled by a generator seeded like the shared run's."""
        return self.train

    def val_dataloader(self) -> DataLoader:
        """Validation scenes (the best epoch is chosen on them)."""
        return self.val

    def test_dataloader(self) -> DataLoader:
        """Held-out scenes."""
        return self.test


def lightning_precision(device: str) -> str:
    """Return the precision the shared Trainer uses on `device`, in Lightning's words."""
    words = {"bf16": "bf16-mixed", "fp16": "16-mixed", "fp32": "32-true"}
    return words[use_precision(precision_for(torch.device(device)))]


def fit_lightning(
    ctx: RunContext, recipe: Recipe, splits: tuple[SceneSet, SceneSet, SceneSet]
) -> tuple[LitUNet, L.Trainer, float]:
    """Train with Lightning's Trainer and reload the best checkpoint; return module, trainer, s."""
    device = resolve_device(ctx.device)
    folder = ctx.out / "lightning"
    lit = LitUNet(new_unet(recipe, ctx.seed), recipe)
    data = SceneDataModule(recipe, ctx.seed, splits)
    trainer = L.Trainer(
        max_epochs=recipe.epochs,
        accelerator="gpu" if device == "cuda" else device,
        devices=1,
        precision=lightning_precision(device),
        callbacks=[
            ModelCheckpoint(folder / "checkpoints", monitor="val_iou", mode="max"),
            EarlyStopping(monitor="val_iou", mode="max", patience=recipe.epochs),
        ],
        logger=CSVLogger(folder, name="unet", version=0),
        num_sanity_val_steps=0,
        enable_model_summary=False,
        log_every_n_steps=1,
        enable_progress_bar=not ctx.fast,
    )
    start = time.perf_counter()
    trainer.fit(lit, datamodule=data)
    seconds = time.perf_counter() - start
    trainer.test(lit, datamodule=data, ckpt_path="best", verbose=False)
    return lit, trainer, seconds


def read_csv_log(path: Path) -> list[dict[str, float]]:
    """Read Lightning's metrics.csv into one row per epoch (train and validation merged)."""
    rows: dict[int, dict[str, float]] = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            epoch = int(row["epoch"])
            values = {k: float(v) for k, v in row.items() if v not in ("", None) and k != "step"}
            rows.setdefault(epoch, {}).update(values)
    return [rows[e] for e in sorted(rows)]


def plot_curves(shared: list[float], lightning: list[float]):
    """Draw validation IoU per epoch of the two trainers on one panel."""
    from shared.plotting import label, subplots

    fig, ax = subplots(width=5.5, height=3.5)
    ax.plot(range(1, len(shared) + 1), shared, marker="o", label="shared Trainer")
    ax.plot(range(1, len(lightning) + 1), lightning, marker="x", ls="--", label="Lightning")
    label(ax, "Same UNet, two training loops", "epoch", "validation mean IoU")
    ax.legend()
    return fig


def run(ctx: RunContext) -> dict[str, float]:
    """Train the UNet with Lightning and compare it with the shared Trainer's run."""
    recipe = recipe_for(ctx)
    splits = scene_splits(ctx, recipe)
    shared = saved_result(ctx, recipe)
    if shared is None:
        ctx.log("no saved shared-Trainer run for this recipe and seed: training one first")
        trainer, iou, seconds = train_unet(ctx, recipe, splits)
        shared = {"test_iou": iou, "train_seconds": seconds, "history": trainer.history}
    lit, trainer, seconds = fit_lightning(ctx, recipe, splits)
    iou = held_out_iou(lit.model, loaders(recipe, ctx.seed, splits)[2], ctx.device)
    log = read_csv_log(Path(trainer.logger.log_dir) / "metrics.csv")
    curves = [r["val_iou"] for r in log if "val_iou" in r]
    ctx.save_figure(
        plot_curves([r["val_iou"] for r in shared["history"]], curves),
        "parity",
        "Validation IoU per epoch: the shared Trainer and Lightning on the same seed and data",
    )
    ctx.info["lightning_log"] = str(Path(trainer.logger.log_dir) / "metrics.csv")
    ctx.note(
        f"Held-out mean IoU: Lightning {iou:.4f}, shared Trainer {shared['test_iou']:.4f} "
        f"(gap {abs(iou - shared['test_iou']):.4f}); training took {seconds:.0f} s with "
        f"Lightning and {shared['train_seconds']:.0f} s with the shared loop. "
        f"Lightning's own test loop measured {trainer.callback_metrics['test_iou']:.4f}."
    )
    return {
        "test_iou": iou,
        "shared_trainer_test_iou": float(shared["test_iou"]),
        "iou_gap": abs(iou - float(shared["test_iou"])),
        "lightning_test_loop_iou": float(trainer.callback_metrics["test_iou"]),
        "train_seconds": seconds,
        "shared_trainer_seconds": float(shared["train_seconds"]),
        "epochs": float(len(curves)),
    }
