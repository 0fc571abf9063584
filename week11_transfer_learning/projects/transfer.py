"""Transfer learning with little data: pretrained MobileNetV2 against the same network from scratch.

A low-data task, 50 labelled training images per class, learned three ways: feature extraction
(frozen ImageNet backbone, a new linear head), full fine-tuning with data augmentation
(torchvision.transforms.v2), and the same MobileNetV2 trained from random weights with the same
recipe. The gap between the last two is what ImageNet pretraining buys. The task is the
TensorFlow flower photos when they can be fetched; offline it is Fashion-MNIST (real photos of
clothing), a named stand-in the report points out. The new head and the training transforms live
in pretrained.py (week 13 fine-tunes the same way).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from shared.bars import Bar
from shared.classifier import one_cycle_trainer
from shared.context import RunContext
from shared.devices import resolve_device
from shared.plotting import label, subplots
from shared.training import EarlyStopping, Trainer
from week11_transfer_learning.low_data import load_task
from week11_transfer_learning.pretrained import load_mobilenet_v2, with_new_head


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    per_class: tuple[int, int, int] = (50, 20, 200)  # train, validation, test images per class
    image_size: int = 128  # the flower photos' side in pixels (Fashion-MNIST stays at 64)
    epochs: int = 15  # fine-tuning, and training from scratch
    head_epochs: int = 100  # the linear head on frozen features (early stopping ends it sooner)


FULL = Config()
FAST = Config(per_class=(10, 5, 20), image_size=96, epochs=1, head_epochs=3)

# Yosinski et al. (2014), "How transferable are features in deep neural networks?", and Kornblith
# et al. (2019), "Do Better ImageNet Models Transfer Better?": with little data, ImageNet
# initialisation beats random initialisation by a wide margin. Our bar: >= 10 accuracy points.
BARS = [
    Bar(
        "pretraining_gain",
        ">=",
        0.10,
        "Kornblith et al. 2019: ImageNet init beats random init by a wide margin on small data",
    )
]


@torch.inference_mode()
def backbone_features(model: nn.Module, data: Dataset, device: str) -> TensorDataset:
    """Run the frozen backbone once over `data` and return (pooled 1280-d features, labels)."""
    model = model.eval().to(device)
    feats, labels = [], []
    for x, y in DataLoader(data, batch_size=64):
        feats.append(model.features(x.to(device)).mean(dim=(2, 3)).cpu())
        labels.append(y)
    return TensorDataset(torch.cat(feats), torch.cat(labels))


def run(ctx: RunContext) -> dict[str, float]:
    """Train the three ways on the same split and compare their test accuracy."""
    config = FAST if ctx.fast else FULL
    device = resolve_device(ctx.device)
    counts = config.per_class
    (train_aug, train, val, test), classes, task, size = load_task(ctx, counts, config.image_size)
    weights = ctx.dataset("mobilenet_v2_imagenet")
    epochs = config.epochs
    g = torch.Generator().manual_seed(ctx.seed)
    results, histories = {}, {}

    ctx.log("feature extraction: frozen ImageNet backbone + new linear head")
    backbone = load_mobilenet_v2(weights)
    features = [backbone_features(backbone, d, device) for d in (train, val, test)]
    head = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, len(classes)))
    trainer = Trainer(
        head,
        torch.optim.AdamW(head.parameters(), lr=1e-3, weight_decay=1e-2),
        device=device,
        early_stopping=EarlyStopping("val_accuracy", patience=15, mode="max"),
        desc="feature extraction",
    )
    trainer.fit(
        DataLoader(features[0], batch_size=32, shuffle=True, generator=g),
        DataLoader(features[1], batch_size=256),
        epochs=config.head_epochs,
    )
    results["feature_extraction"] = trainer.evaluate(DataLoader(features[2], batch_size=256))[
        "accuracy"
    ]
    histories["feature extraction"] = trainer.history

    for name, init, lr in [("fine_tuned", weights, 3e-4), ("from_scratch", None, 1e-3)]:
        ctx.log(
            f"{name.replace('_', ' ')}: MobileNetV2, "
            f"{'ImageNet' if init else 'random'} init, augmentation"
        )
        torch.manual_seed(ctx.seed)
        model = with_new_head(load_mobilenet_v2(init), len(classes))
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-2)
        train_loader = DataLoader(train_aug, batch_size=32, shuffle=True, generator=g)
        trainer = one_cycle_trainer(
            ctx,
            model,
            opt,
            max_lr=lr,
            epochs=epochs,
            steps_per_epoch=len(train_loader),
            name=f"mobilenet_v2_{task}_{name}",
            patience=6,
        )
        trainer.fit(train_loader, DataLoader(val, batch_size=64), epochs=epochs)
        results[name] = trainer.evaluate(DataLoader(test, batch_size=64))["accuracy"]
        histories[name.replace("_", " ")] = trainer.history
    for name, acc in results.items():
        ctx.log(f"{name}: test accuracy {acc:.4f}")

    gain = results["fine_tuned"] - results["from_scratch"]
    fig, axes = subplots(1, 2, width=5.0, height=3.6)
    bars = axes[0].bar(
        [n.replace("_", "\n") for n in results],
        list(results.values()),
        color=["#0173b2", "#029e73", "#d55e00"],
    )
    axes[0].bar_label(bars, fmt="%.2f")
    label(axes[0], f"{task}: {counts[0]} images/class", "", "test accuracy")
    for name, history in histories.items():
        axes[1].plot(
            [r["epoch"] for r in history], [r["val_accuracy"] for r in history], label=name
        )
    label(axes[1], "validation accuracy", "epoch", "accuracy")
    axes[1].set_xscale("log")
    axes[1].legend()
    ctx.save_figure(
        fig,
        "pretrained_vs_scratch",
        f"With {counts[0]} images per class, "
        f"ImageNet pretraining is worth {gain * 100:+.0f} accuracy points",
    )
    ctx.note(
        f"Task: {task}, {len(classes)} classes, {counts[0]}/{counts[1]}/{counts[2]} train/val/test "
        f"images per class at {size} px. Test accuracy: feature extraction "
        f"{results['feature_extraction']:.1%}, fine-tuning {results['fine_tuned']:.1%}, "
        f"from scratch {results['from_scratch']:.1%}."
    )
    return {**{f"{k}_accuracy": v for k, v in results.items()}, "pretraining_gain": gain}
