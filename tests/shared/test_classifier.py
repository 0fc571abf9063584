"""shared.classifier: the one-cycle trainer set-up and the classifier report weeks 9-11 share."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from shared.classifier import one_cycle_trainer, report_classifier
from shared.context import RunContext
from shared.vision import ImageTensorDataset


def _stripes(n: int, seed: int) -> ImageTensorDataset:
    """Vertical (class 0) or horizontal (class 1) stripes: a task a linear model learns at once."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    images = np.zeros((n, 6, 6), np.uint8)
    images[labels == 0, :, ::2] = 255
    images[labels == 1, ::2, :] = 255
    return ImageTensorDataset(images, labels, 0.5, 0.5)


def test_one_cycle_trainer_trains_checkpoints_and_reports(tmp_path) -> None:
    torch.manual_seed(0)
    ctx = RunContext(0, "demo", tmp_path, device="cpu")
    train = DataLoader(_stripes(64, 0), batch_size=16, shuffle=True)
    val, test = DataLoader(_stripes(32, 1), batch_size=32), _stripes(40, 2)
    model = nn.Sequential(nn.Flatten(), nn.Linear(36, 2))
    opt = torch.optim.AdamW(model.parameters())
    trainer = one_cycle_trainer(
        ctx, model, opt, max_lr=0.1, epochs=3, steps_per_epoch=len(train), name="demo"
    )
    trainer.progress = False
    trainer.fit(train, val, epochs=3)
    assert (
        ctx.info["precision"] == trainer.precision and (tmp_path / "models" / "demo.pt").is_file()
    )
    assert trainer.optimizer.param_groups[0]["lr"] < 0.01  # one-cycle annealed it

    report = report_classifier(
        ctx,
        trainer,
        DataLoader(test, batch_size=40),
        test.images[:, 0].numpy(),
        ["vertical", "horizontal"],
        title="stripes",
        captions={"history": "reaches {val_accuracy:.0%} after {epochs} epochs"},
    )
    assert report.test_accuracy == 1.0 and report.errors == 0 and report.test_size == 40
    assert "0 of 40 test images are misclassified" in report.summary
    assert ctx.figures[0] == ("figures/demo_history.png", "reaches 100% after 3 epochs")
    assert [name for name, _ in ctx.figures] == [
        "figures/demo_history.png",
        "figures/demo_confusion_matrix.png",  # no mistakes: no grid of them
    ]


def test_report_classifier_rejects_images_that_do_not_match_the_loader(tmp_path) -> None:
    ctx = RunContext(0, "demo", tmp_path, device="cpu")
    model = nn.Sequential(nn.Flatten(), nn.Linear(36, 2))
    opt = torch.optim.AdamW(model.parameters())
    trainer = one_cycle_trainer(ctx, model, opt, max_lr=0.1, epochs=1, steps_per_epoch=1, name="x")
    trainer.history = [{"epoch": 1, "loss": 1.0, "val_accuracy": 0.5, "seconds": 0.1}]
    test = _stripes(8, 0)
    with pytest.raises(ValueError, match="8 labels for 5 images"):
        report_classifier(
            ctx, trainer, DataLoader(test), np.zeros((5, 6, 6)), ["a", "b"], title="t"
        )
    with pytest.raises(ValueError, match="steps_per_epoch"):
        one_cycle_trainer(ctx, model, opt, max_lr=0.1, epochs=1, steps_per_epoch=0, name="x")
