"""MNIST digit classification with a PyTorch MLP.

The full 70,000-digit MNIST (50,000 train / 10,000 validation / 10,000 test) through a custom
Dataset and DataLoader, a 784-800-800-10 ReLU MLP with dropout, Adam with a one-cycle learning
rate schedule, early stopping on validation accuracy and checkpoints: the shared training loop.
A warm-up shows the pieces underneath: tensors, autograd and an optimizer step.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from shared.bars import Bar
from shared.context import RunContext
from shared.devices import resolve_device
from shared.evaluation import accuracy, most_confused, plot_confusion_matrix
from shared.plotting import subplots
from shared.training import EarlyStopping, Trainer, plot_history
from shared.vision import load_mnist, plot_image_grid

# LeCun, Cortes & Burges, "The MNIST database" results table: 2-layer NN, 800 HU, cross-entropy
# loss (Simard et al. 2003): 1.6% error. Our bar: 98.0% test accuracy.
BARS = [
    Bar("test_accuracy", ">=", 0.98, "LeCun MNIST table: 2-layer NN, 800 HU, 98.4% (Simard 2003)")
]
MEAN, STD = 0.1307, 0.3081


class DigitsDataset(Dataset):
    """MNIST digits as flat, standardised float vectors with integer labels."""

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        flat = torch.from_numpy(images.reshape(len(images), -1)).float().div_(255)
        self.x = (flat - MEAN) / STD
        self.y = torch.from_numpy(labels).long()

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.x[i], self.y[i]


def mlp(hidden: int = 800, dropout: float = 0.2) -> nn.Sequential:
    """784 -> hidden -> hidden -> 10, ReLU and dropout after each hidden layer."""
    return nn.Sequential(
        nn.Linear(784, hidden), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(hidden, 10),
    )  # fmt: skip


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
    warmup_error = autograd_warmup()
    splits, (x_val, y_val) = load_mnist(ctx.dataset("mnist"))
    n = 2000 if ctx.fast else len(splits.x_train)
    g = torch.Generator().manual_seed(ctx.seed)
    train = DataLoader(DigitsDataset(splits.x_train[:n], splits.y_train[:n]), batch_size=128,
                       shuffle=True, generator=g)  # fmt: skip
    val = DataLoader(DigitsDataset(x_val[: n // 2], y_val[: n // 2]), batch_size=1000)
    test = DataLoader(DigitsDataset(splits.x_test, splits.y_test), batch_size=1000)

    epochs = 1 if ctx.fast else 12
    model = mlp()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=epochs * len(train))
    trainer = Trainer(model, opt, device=resolve_device(ctx.device), scheduler=sched,
                      scheduler_step="batch", checkpoint=ctx.models_dir / "mnist_mlp.pt",
                      early_stopping=EarlyStopping("val_accuracy", patience=3, mode="max"),
                      desc="mnist_mlp")  # fmt: skip
    trainer.fit(train, val, epochs=epochs)
    logits, targets = trainer.predict(test)
    pred = logits.argmax(1).numpy()
    test_acc = accuracy(targets.numpy(), pred)
    ctx.log(f"test accuracy {test_acc:.4f}")

    ctx.save_figure(plot_history(trainer.history, "MNIST MLP"), "history",
                    f"Validation accuracy levels off near {trainer.history[-1]['val_accuracy']:.1%}; "
                    "while training loss keeps falling: the widening gap is overfitting")  # fmt: skip
    fig, ax = subplots(width=6.5, height=5.5)
    plot_confusion_matrix(ax, targets.numpy(), pred, list(splits.classes))
    worst = most_confused(targets.numpy(), pred, splits.classes)
    ctx.save_figure(fig, "confusion_matrix", f"Mistakes are rare; the most frequent is {worst}")
    wrong = np.flatnonzero(pred != targets.numpy())[:24]
    fig = plot_image_grid([splits.x_test[i] for i in wrong],
                          [f"{targets[i]} → {pred[i]}" for i in wrong], ncols=8)  # fmt: skip
    ctx.save_figure(
        fig,
        "misclassified",
        "Misclassified test digits (true → predicted): many are ambiguous to a person too",
    )
    ctx.note(f"Trained on {n:,} digits for {len(trainer.history)} epochs "
             f"({sum(r['seconds'] for r in trainer.history):.0f} s on {trainer.device}); "
             f"{(pred != targets.numpy()).sum()} of 10,000 test digits are misclassified. "
             f"Autograd warm-up: SGD on (w - 3)² ends {warmup_error:.1e} from the minimum.")  # fmt: skip
    return {"test_accuracy": test_acc, "best_val_accuracy": max(r["val_accuracy"] for r in trainer.history),
            "epochs": len(trainer.history), "autograd_warmup_error": warmup_error}  # fmt: skip
