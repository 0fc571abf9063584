"""Train an image classifier and report on it: the set-up and the report the vision weeks share.

`one_cycle_trainer` builds the shared loop the way weeks 9-11 train a classifier: a one-cycle
learning rate stepped every batch, early stopping on validation accuracy (best weights restored)
and a checkpoint after every epoch. `report_classifier` predicts the test set and adds the usual
figures to the report: the training history, the confusion matrix and a grid of misclassified
images, with captions the week words itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from shared.context import RunContext
from shared.evaluation import accuracy, most_confused, plot_confusion_matrix
from shared.plotting import subplots
from shared.training import EarlyStopping, Trainer, plot_history
from shared.vision import plot_image_grid

CAPTIONS = {
    "history": "Validation accuracy reaches {val_accuracy:.1%} in {epochs} epochs",
    "confusion_matrix": "Most confused pair: {most_confused}",
    "misclassified": "Misclassified test images (true → predicted)",
}


@dataclass(frozen=True)
class ClassifierReport:
    """What the test set says about a trained classifier, and a sentence for the report."""

    test_accuracy: float
    best_val_accuracy: float
    epochs: int
    errors: int
    test_size: int
    most_confused: str
    summary: str


def one_cycle_trainer(
    ctx: RunContext,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    *,
    max_lr: float,
    epochs: int,
    steps_per_epoch: int,
    name: str,
    patience: int = 3,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    generators: Mapping[str, torch.Generator] | None = None,
) -> Trainer:
    """Return a Trainer: one-cycle schedule, early stopping, checkpoints in `models/<name>.pt`.

    One-cycle (Smith & Topin 2018) warms the learning rate up to `max_lr` and anneals it to
    almost zero, which trains small networks well in few epochs. The precision the Trainer
    picked (bf16/fp16 on a GPU, bf16 on a CPU with AMX, else fp32) goes into the report's `info`.
    """
    if steps_per_epoch < 1:
        raise ValueError(f"steps_per_epoch must be >= 1, not {steps_per_epoch}: empty loader?")
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=max_lr, total_steps=epochs * steps_per_epoch
    )
    trainer = Trainer(
        model,
        optimizer,
        loss_fn,
        device=ctx.device,
        scheduler=schedule,
        scheduler_step="batch",
        early_stopping=EarlyStopping("val_accuracy", patience=patience, mode="max"),
        checkpoint=ctx.models_dir / f"{name}.pt",
        generators=generators,
        desc=name,
    )
    ctx.info["precision"] = trainer.precision
    return trainer


def report_classifier(
    ctx: RunContext,
    trainer: Trainer,
    test: Iterable,
    images: np.ndarray,
    classes: Sequence[str],
    *,
    title: str,
    noun: str = "images",
    captions: Mapping[str, str] | None = None,
) -> ClassifierReport:
    """Predict `test` (whose images, in order, are `images`), draw the figures, sum it up.

    `captions` overrides the defaults in CAPTIONS; each is a format string that may use
    {val_accuracy}, {test_accuracy}, {epochs} and {most_confused}.
    """
    logits, targets = trainer.predict(test)
    pred, true = logits.argmax(1).numpy(), targets.numpy()
    if len(true) != len(images):
        raise ValueError(f"the test loader gave {len(true)} labels for {len(images)} images")
    history = trainer.history
    worst = most_confused(true, pred, classes)
    test_accuracy = accuracy(true, pred)
    values = {
        "val_accuracy": history[-1]["val_accuracy"],
        "test_accuracy": test_accuracy,
        "epochs": len(history),
        "most_confused": worst,
    }
    text = {k: v.format(**values) for k, v in {**CAPTIONS, **(captions or {})}.items()}

    ctx.save_figure(plot_history(history, title), "history", text["history"])
    fig, ax = subplots(width=7, height=6)
    plot_confusion_matrix(ax, true, pred, list(classes))
    ctx.save_figure(fig, "confusion_matrix", text["confusion_matrix"])
    wrong = np.flatnonzero(pred != true)
    if len(wrong):
        shown = wrong[:24]
        labels = [f"{classes[true[i]]}\n→ {classes[pred[i]]}" for i in shown]
        fig = plot_image_grid([images[i] for i in shown], labels)
        ctx.save_figure(fig, "misclassified", text["misclassified"])

    seconds = sum(row["seconds"] for row in history)
    epochs = f"{len(history)} epoch{'s' if len(history) > 1 else ''}"
    summary = (
        f"{epochs} took {seconds:.0f} s on {trainer.device} ({trainer.precision}); "
        f"{len(wrong):,} of {len(true):,} test {noun} are misclassified "
        f"(test accuracy {values['test_accuracy']:.2%}); the most frequent mistake is {worst}."
    )
    return ClassifierReport(
        test_accuracy=test_accuracy,
        best_val_accuracy=max(row["val_accuracy"] for row in history),
        epochs=len(history),
        errors=len(wrong),
        test_size=len(true),
        most_confused=worst,
        summary=summary,
    )
