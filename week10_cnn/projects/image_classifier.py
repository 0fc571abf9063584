"""Image classification with a CNN: CIFAR-10, or Fashion-MNIST where CIFAR-10 cannot be fetched.

A small CNN (conv-BN-ReLU-pool blocks in channels-last layout, then dropout and a 256-unit
hidden layer on the last 3x3 map) trained by the shared loop with AdamW, a one-cycle schedule
(batch 256, peak learning rate 8e-3), early stopping and checkpoints; on CIFAR-10 a wider, deeper one with light augmentation (flips, 2-pixel shifts)
whose random numbers are checkpointed with the run. CIFAR-10 lives in no package registry, so on
a machine without the open internet the run uses Fashion-MNIST (70,000 real photos of
clothing) and says so. The recipes and the model live in recipes.py, the image sets in
images.py (later weeks rebuild the Fashion-MNIST CNN from them).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import nn
from torch.utils.data import DataLoader

from shared.bars import Bar
from shared.classifier import one_cycle_trainer, report_classifier
from shared.context import RunContext
from shared.registry import DatasetError
from shared.training import Trainer
from shared.vision import ImageSplits, load_fashion_mnist, plot_filters
from week10_cnn.cifar10 import read_cifar10
from week10_cnn.images import VALIDATION, ShiftFlip, image_datasets
from week10_cnn.recipes import RECIPES, Recipe, build_model


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    train_images: int | None = None  # at most this many training images; None: all
    epochs: int | None = None  # None: the recipe's
    val_images: int | None = None  # at most this many validation images; None: VALIDATION
    test_images: int | None = None  # the first this many test images; None: all


FULL = Config()
FAST = Config(train_images=3000, epochs=1, val_images=1000, test_images=2000)

# Zalando's Fashion-MNIST benchmark (README, "Benchmark" table): small 2-3 layer CNNs reach
# 91-93% test accuracy. CIFAR-10: simple VGG-style CNNs without tricks reach ~80% (Keras example).
# Each bar applies to the run on its dataset; the other is reported as not applicable.
BARS = [
    Bar(
        "test_accuracy_fashion_mnist",
        ">=",
        0.91,
        "Zalando Fashion-MNIST benchmark: small CNNs 91-93%",
        data="fashion_mnist_test_images",
    ),
    Bar(
        "test_accuracy_cifar10",
        ">=",
        0.80,
        "small VGG-style CNNs on CIFAR-10 (Keras cifar10_cnn example)",
        data="cifar10",
    ),
]


def load_images(ctx: RunContext) -> tuple[ImageSplits, str]:
    """Return CIFAR-10 when the registry can fetch it, else Fashion-MNIST; plus the dataset's name."""
    try:
        return read_cifar10(ctx.dataset("cifar10")), "cifar10"
    except DatasetError as exc:
        ctx.log(f"CIFAR-10 unavailable ({str(exc).splitlines()[0]}); using Fashion-MNIST")
        ctx.note(
            "**Dataset: Fashion-MNIST (stand-in).** CIFAR-10 is in no package registry and "
            "its upstream address could not be reached from this machine, so this run "
            "trains on Fashion-MNIST: 70,000 real 28x28 photos of 10 kinds of clothing. "
            "With the open internet the same command trains on CIFAR-10."
        )
        return load_fashion_mnist(ctx.dataset), "fashion_mnist"


def setup(
    ctx: RunContext, data: ImageSplits, name: str
) -> tuple[Trainer, DataLoader, DataLoader, DataLoader]:
    """Build the datasets, loaders, model and trainer `name`'s recipe asks for.

    Returns (trainer, train, validation, test loaders); a resumed run calls it again and then
    `trainer.load_checkpoint`.
    """
    config = FAST if ctx.fast else FULL
    recipe = RECIPES[name]
    n_val = min(VALIDATION, len(data.x_train) // 10, config.val_images or VALIDATION)
    n_train = len(data.x_train) - n_val
    if config.train_images is not None:
        n_train = min(n_train, config.train_images)
    augment = ShiftFlip(seed=ctx.seed) if recipe.augment else None
    train, val, test = image_datasets(data, n_train, n_val, augment)
    loader = DataLoader(
        train,
        batch_size=recipe.batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(ctx.seed),
    )
    model = build_model(recipe, train.channels, len(data.classes))
    opt = torch.optim.AdamW(model.parameters(), lr=recipe.max_lr, weight_decay=5e-4)
    trainer = one_cycle_trainer(
        ctx,
        model,
        opt,
        max_lr=recipe.max_lr,
        epochs=epochs_for(config, recipe),
        steps_per_epoch=len(loader),
        name=f"cnn_{name}",
        loss_fn=nn.CrossEntropyLoss(label_smoothing=recipe.label_smoothing),
        generators={"augment": augment.generator} if augment else None,
    )
    return trainer, loader, DataLoader(val, batch_size=1000), DataLoader(test, batch_size=1000)


def epochs_for(config: Config, recipe: Recipe) -> int:
    """Return the config's epochs if it sets them (a smoke run), else the recipe's."""
    return recipe.epochs if config.epochs is None else config.epochs


def run(ctx: RunContext) -> dict[str, float]:
    """Train the CNN, evaluate it on the test set, and draw its filters and mistakes."""
    config = FAST if ctx.fast else FULL
    data, name = load_images(ctx)
    if config.test_images is not None:
        n = config.test_images
        data = replace(data, x_test=data.x_test[:n], y_test=data.y_test[:n])
    recipe = RECIPES[name]
    trainer, train, val, test = setup(ctx, data, name)
    trainer.fit(train, val, epochs=epochs_for(config, recipe))
    report = report_classifier(
        ctx, trainer, test, data.x_test, data.classes, title=f"CNN on {name}"
    )
    ctx.log(f"{name}: test accuracy {report.test_accuracy:.4f}")
    weight = trainer.model.features[0][0].weight
    ctx.save_figure(
        plot_filters(weight),
        "first_layer_filters",
        f"The {len(weight)} learned 3x3 first-layer filters: "
        "small oriented gradient and contrast patterns",
    )
    smoothing = f", label smoothing {recipe.label_smoothing:g}" if recipe.label_smoothing else ""
    ctx.note(
        f"{name}: {len(train.dataset):,} training images in batches of {recipe.batch_size}, "
        f"one-cycle learning rate up to {recipe.max_lr:g}{smoothing}. {report.summary}"
    )
    return {f"test_accuracy_{name}": report.test_accuracy, "epochs": report.epochs}
