"""MNIST digit classification with a PyTorch MLP.

The full 70,000-digit MNIST (50,000 train / 10,000 validation / 10,000 test) through a Dataset
and DataLoader, a 784-800-800-10 ReLU MLP with dropout, Adam with a one-cycle learning rate
schedule, early stopping on validation accuracy and checkpoints: the shared training loop.
A warm-up shows the pieces underneath: tensors, autograd and an optimizer step.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.data import DataLoader

from shared.bars import Bar
from shared.classifier import one_cycle_trainer, report_classifier
from shared.context import RunContext
from shared.vision import ImageTensorDataset, load_mnist


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    train_images: int | None = None  # the first this many training images; None: all
    epochs: int = 12


FULL = Config()
FAST = Config(train_images=2000, epochs=1)

# LeCun, Cortes & Burges, "The MNIST database" results table: 2-layer NN, 800 HU, cross-entropy
# loss (Simard et al. 2003): 1.6% error. Our bar: 98.0% test accuracy.
BARS = [
    Bar("test_accuracy", ">=", 0.98, "LeCun MNIST table: 2-layer NN, 800 HU, 98.4% (Simard 2003)")
]
MEAN, STD = 0.1307, 0.3081


def mlp(hidden: int = 800, dropout: float = 0.2) -> nn.Sequential:
    """Flatten a 28x28 image, then 784 -> hidden -> hidden -> 10, ReLU and dropout in between."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, hidden),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(hidden, 10),
    )


def autograd_warmup() -> float:
    """Minimise (w - 3)^2 with autograd and SGD; return |w - 3| after 100 steps."""
    w = torch.zeros((), requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)
    for _ in range(100):
        opt.zero_grad()
        loss = (w - 3.0) ** 2
        loss.backward()
        opt.step()
    return abs(w.item() - 3.0)


def run(ctx: RunContext) -> dict[str, float]:
    """Train the MLP with the shared loop and report test accuracy and its mistakes."""
    config = FAST if ctx.fast else FULL
    warmup_error = autograd_warmup()
    splits, (x_val, y_val) = load_mnist(ctx.dataset("mnist"))
    n = config.train_images or len(splits.x_train)
    train = DataLoader(
        ImageTensorDataset(splits.x_train[:n], splits.y_train[:n], MEAN, STD),
        batch_size=128,
        shuffle=True,
        generator=torch.Generator().manual_seed(ctx.seed),
    )
    val = DataLoader(ImageTensorDataset(x_val[: n // 2], y_val[: n // 2], MEAN, STD), 1000)
    test = DataLoader(ImageTensorDataset(splits.x_test, splits.y_test, MEAN, STD), 1000)

    epochs = config.epochs
    model = mlp()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    trainer = one_cycle_trainer(
        ctx, model, opt, max_lr=2e-3, epochs=epochs, steps_per_epoch=len(train), name="mnist_mlp"
    )
    trainer.fit(train, val, epochs=epochs)
    report = report_classifier(
        ctx,
        trainer,
        test,
        splits.x_test,
        splits.classes,
        title="MNIST MLP",
        noun="digits",
        captions={
            "history": "Validation accuracy levels off near {val_accuracy:.1%} while training "
            "loss keeps falling: the widening gap is overfitting",
            "confusion_matrix": "Mistakes are rare; the most frequent is {most_confused}",
            "misclassified": "Misclassified test digits (true → predicted): many are ambiguous "
            "to a person too",
        },
    )
    ctx.log(f"test accuracy {report.test_accuracy:.4f}")
    ctx.note(
        f"Trained on {n:,} digits. {report.summary} Autograd warm-up: SGD on (w - 3)² ends "
        f"{warmup_error:.1e} from the minimum."
    )
    return {
        "test_accuracy": report.test_accuracy,
        "best_val_accuracy": report.best_val_accuracy,
        "epochs": report.epochs,
        "autograd_warmup_error": warmup_error,
    }
