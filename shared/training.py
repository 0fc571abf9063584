"""The PyTorch training loop every deep-learning week shares: fit, evaluate, resume, plot.

`Trainer` wraps one model, optimizer and loss. `fit` runs epochs with tqdm progress bars (live
loss and metric), keeps a per-epoch `history`, steps a learning-rate scheduler, clips gradients,
uses mixed precision on a GPU when asked, stops early when the monitored value stops improving,
and writes a checkpoint after every epoch. A checkpoint holds state dicts and plain values only
(it loads with `torch.load(..., weights_only=True)`), and resuming from one continues exactly
where the run stopped: model, optimizer, scheduler, epoch, history and every RNG state.
"""

from __future__ import annotations

import contextlib
import copy
import math
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn
from tqdm.auto import tqdm

from shared.atomic import atomic_path
from shared.devices import resolve_device
from shared.plotting import label, subplots
from shared.seeding import seed_everything

Metric = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Batch = tuple[torch.Tensor, torch.Tensor]


def accuracy(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Return the fraction of rows whose arg-max class equals the target (a 0-d tensor)."""
    return (outputs.argmax(dim=1) == targets).float().mean()


def seed_all(seed: int, deterministic: bool = True) -> torch.Generator:
    """Seed Python, NumPy and PyTorch, prefer deterministic kernels, return a seeded Generator.

    Pass the generator to a DataLoader (`generator=`) so its shuffling is repeatable too.
    """
    seed_everything(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
    return torch.Generator().manual_seed(seed)


@dataclass
class EarlyStopping:
    """Stop when `monitor` has not improved by `min_delta` for `patience` epochs."""

    monitor: str = "val_loss"
    patience: int = 5
    mode: str = "min"
    min_delta: float = 0.0
    restore_best: bool = True
    best: float = math.nan
    best_epoch: int = 0
    bad_epochs: int = 0

    def __post_init__(self) -> None:
        if self.mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping mode must be 'min' or 'max', not {self.mode!r}")
        if self.patience < 1:
            raise ValueError(f"EarlyStopping patience must be >= 1, not {self.patience}")

    def improved(self, value: float) -> bool:
        """Return True when `value` beats the best so far by more than min_delta."""
        if math.isnan(self.best):
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def update(self, value: float, epoch: int) -> bool:
        """Record one epoch's value; return True when training should stop."""
        if self.improved(value):
            self.best, self.best_epoch, self.bad_epochs = value, epoch, 0
        else:
            self.bad_epochs += 1
        return self.bad_epochs >= self.patience

    def state_dict(self) -> dict:
        """Return the counters a resumed run needs."""
        return {"best": self.best, "best_epoch": self.best_epoch, "bad_epochs": self.bad_epochs}

    def load_state_dict(self, state: Mapping) -> None:
        """Restore the counters saved by `state_dict`."""
        self.best, self.best_epoch = float(state["best"]), int(state["best_epoch"])
        self.bad_epochs = int(state["bad_epochs"])


class Trainer:
    """Fit and evaluate one PyTorch model; see the module docstring for what it takes care of.

    Batches are `(inputs, targets)` pairs. `metrics` maps a name to `fn(outputs, targets)`
    returning a batch mean; `scheduler_step` is "epoch" (StepLR, cosine, ReduceLROnPlateau)
    or "batch" (OneCycleLR). `checkpoint` is a file rewritten atomically after every epoch; it
    also holds the state of the training DataLoader's own `generator`, when it has one, so a
    resumed run shuffles exactly as the uninterrupted one would have.
    """

    def __init__(
        self,
        model: nn.Module,
        optimizer: torch.optim.Optimizer,
        loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
        *,
        device: str = "auto",
        metrics: Mapping[str, Metric] | None = None,
        scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
        scheduler_step: str = "epoch",
        grad_clip: float | None = None,
        amp: bool = False,
        early_stopping: EarlyStopping | None = None,
        checkpoint: Path | None = None,
        progress: bool = True,
        desc: str = "train",
    ) -> None:
        if scheduler_step not in ("epoch", "batch"):
            raise ValueError(f"scheduler_step must be 'epoch' or 'batch', not {scheduler_step!r}")
        self.device = torch.device(resolve_device(device))
        self.model = model.to(self.device)
        self.optimizer = optimizer
        self.loss_fn = loss_fn or nn.CrossEntropyLoss()
        self.metrics = dict({"accuracy": accuracy} if metrics is None else metrics)
        self.scheduler = scheduler
        self.scheduler_step = scheduler_step
        self.grad_clip = grad_clip
        self.amp = amp and self.device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp)
        self.early_stopping = early_stopping
        self.checkpoint = Path(checkpoint) if checkpoint else None
        self.progress = progress
        self.desc = desc
        self.epoch = 0
        self.history: list[dict[str, float]] = []
        self.stopped_early = False
        self._best_weights: dict[str, torch.Tensor] | None = None
        self._shuffle_rng: torch.Generator | None = None
        self._pending_shuffle_state: torch.Tensor | None = None

    def fit(
        self, train: Iterable[Batch], val: Iterable[Batch] | None = None, epochs: int = 10
    ) -> list[dict[str, float]]:
        """Train until `epochs` epochs are done in total (a resumed run continues the count)."""
        if epochs < 1:
            raise ValueError(f"epochs must be >= 1, not {epochs}")
        self._shuffle_rng = getattr(train, "generator", None)
        if self._shuffle_rng is not None and self._pending_shuffle_state is not None:
            self._shuffle_rng.set_state(self._pending_shuffle_state)
        self._pending_shuffle_state = None
        bar = tqdm(range(self.epoch, epochs), desc=self.desc, unit="epoch", disable=not self.progress,
                   initial=self.epoch, total=epochs)  # fmt: skip
        for _ in bar:
            start = time.perf_counter()
            row = {"epoch": self.epoch + 1, "lr": self.optimizer.param_groups[0]["lr"]}
            row.update(self._train_one_epoch(train))
            if val is not None:
                row.update({f"val_{k}": v for k, v in self.evaluate(val).items()})
            self.epoch += 1
            self._step_epoch_scheduler(row)
            row["seconds"] = time.perf_counter() - start
            self.history.append(row)
            bar.set_postfix(
                {k: f"{v:.4f}" for k, v in row.items() if k.startswith(("loss", "val_"))}
            )
            stop = self._check_early_stopping(row)
            if self.checkpoint:
                self.save_checkpoint(self.checkpoint)
            if stop:
                self.stopped_early = True
                break
        if self.early_stopping and self.early_stopping.restore_best and self._best_weights:
            self.model.load_state_dict(self._best_weights)
        return self.history

    def evaluate(self, loader: Iterable[Batch]) -> dict[str, float]:
        """Return the mean loss and metrics of the model over `loader`, without training."""
        self.model.eval()
        totals = torch.zeros(1 + len(self.metrics), device=self.device)
        count = 0
        with torch.inference_mode(), self._autocast():
            for inputs, targets in loader:
                inputs, targets = self._to_device(inputs), self._to_device(targets)
                outputs = self.model(inputs)
                totals += len(targets) * self._batch_values(outputs, targets)
                count += len(targets)
        if count == 0:
            raise ValueError("evaluate() got an empty loader")
        return self._named(totals / count)

    def predict(self, loader: Iterable[Batch]) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (outputs, targets) over `loader`, concatenated on the CPU."""
        self.model.eval()
        outputs, targets = [], []
        with torch.inference_mode(), self._autocast():
            for x, y in loader:
                outputs.append(self.model(self._to_device(x)).float().cpu())
                targets.append(y)
        return torch.cat(outputs), torch.cat(targets)

    def save_checkpoint(self, path: Path) -> Path:
        """Write everything a resumed run needs (state dicts and plain values), atomically."""
        state = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler else None,
            "scaler": self.scaler.state_dict(),
            "early_stopping": self.early_stopping.state_dict() if self.early_stopping else None,
            "best_weights": self._best_weights,
            "epoch": self.epoch,
            "history": self.history,
            "rng": _rng_state(),
            "shuffle_rng": self._shuffle_rng.get_state() if self._shuffle_rng else None,
        }
        with atomic_path(Path(path)) as tmp:
            torch.save(state, tmp)
        return Path(path)

    def load_checkpoint(self, path: Path) -> None:
        """Restore a checkpoint written by `save_checkpoint`; `fit` then continues from it."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no checkpoint at {path}")
        state = torch.load(path, map_location=self.device, weights_only=True)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler and state["scheduler"] is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        self.scaler.load_state_dict(state["scaler"])
        if self.early_stopping and state["early_stopping"] is not None:
            self.early_stopping.load_state_dict(state["early_stopping"])
        self._best_weights = state["best_weights"]
        self.epoch = int(state["epoch"])
        self.history = list(state["history"])
        _set_rng_state(state["rng"])
        self._pending_shuffle_state = state["shuffle_rng"]

    def _train_one_epoch(self, loader: Iterable[Batch]) -> dict[str, float]:
        """Run one pass over `loader`, updating the weights; return the epoch's mean values."""
        self.model.train()
        totals = torch.zeros(1 + len(self.metrics), device=self.device)
        count = 0
        bar = tqdm(loader, desc=f"epoch {self.epoch + 1}", unit="batch", leave=False,
                   disable=not self.progress, mininterval=0.5)  # fmt: skip
        for step, (inputs, targets) in enumerate(bar, 1):
            inputs, targets = self._to_device(inputs), self._to_device(targets)
            self.optimizer.zero_grad(set_to_none=True)
            with self._autocast():
                outputs = self.model(inputs)
                loss = self.loss_fn(outputs, targets)
            self._backward_and_step(loss)
            if self.scheduler and self.scheduler_step == "batch":
                self.scheduler.step()
            with torch.no_grad():
                totals += len(targets) * self._batch_values(outputs.detach(), targets, loss)
            count += len(targets)
            if self.progress and step % 20 == 0:
                bar.set_postfix(self._named(totals / count), refresh=False)
        if count == 0:
            raise ValueError("fit() got an empty training loader")
        return self._named(totals / count)

    def _backward_and_step(self, loss: torch.Tensor) -> None:
        """Back-propagate, clip if asked, and step; through the gradient scaler under AMP."""
        if not self.amp:
            loss.backward()
            if self.grad_clip is not None:
                nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
            self.optimizer.step()
            return
        self.scaler.scale(loss).backward()
        if self.grad_clip is not None:
            self.scaler.unscale_(self.optimizer)
            nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
        self.scaler.step(self.optimizer)
        self.scaler.update()

    def _batch_values(
        self, outputs: torch.Tensor, targets: torch.Tensor, loss: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Return [loss, metric...] for one batch as one tensor (no host sync)."""
        outputs = outputs.float()
        loss = self.loss_fn(outputs, targets) if loss is None else loss.detach().float()
        return torch.stack([loss, *(fn(outputs, targets).float() for fn in self.metrics.values())])

    def _named(self, values: torch.Tensor) -> dict[str, float]:
        return dict(zip(["loss", *self.metrics], values.tolist(), strict=True))

    def _step_epoch_scheduler(self, row: dict[str, float]) -> None:
        if not self.scheduler or self.scheduler_step != "epoch":
            return
        if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            self.scheduler.step(row.get("val_loss", row["loss"]))
        else:
            self.scheduler.step()

    def _check_early_stopping(self, row: dict[str, float]) -> bool:
        stopper = self.early_stopping
        if stopper is None:
            return False
        if stopper.monitor not in row:
            raise KeyError(
                f"early stopping monitors {stopper.monitor!r}; this epoch has {sorted(row)}"
            )
        if stopper.improved(row[stopper.monitor]) and stopper.restore_best:
            self._best_weights = copy.deepcopy(self.model.state_dict())
        return stopper.update(row[stopper.monitor], self.epoch)

    def _autocast(self) -> contextlib.AbstractContextManager:
        if not self.amp:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=torch.float16)

    def _to_device(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(self.device, non_blocking=True)


def _rng_state() -> dict:
    """Capture Python, NumPy and PyTorch RNG states as tensors and plain values."""
    np_state = np.random.get_state()
    return {
        "python": random.getstate(),
        "numpy": (np_state[0], torch.from_numpy(np_state[1].copy()), *np_state[2:]),
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def _set_rng_state(state: Mapping) -> None:
    """Restore the RNG states captured by `_rng_state`."""
    version, ints, gauss = state["python"]
    random.setstate((version, tuple(ints), gauss))
    name, keys, *rest = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), *rest))
    torch.set_rng_state(state["torch"].cpu())
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


def plot_history(history: list[dict[str, float]], title: str = "Training history") -> Figure:
    """Plot loss and every metric per epoch, train against validation, one panel each."""
    if not history:
        raise ValueError("plot_history needs at least one epoch of history")
    names = [
        k for k in history[0] if k not in ("epoch", "lr", "seconds") and not k.startswith("val_")
    ]
    fig, axes = subplots(1, len(names), width=4.5, height=3.2, squeeze=False)
    epochs = [row["epoch"] for row in history]
    for ax, name in zip(axes[0], names, strict=True):
        ax.plot(epochs, [row[name] for row in history], marker="o", label="train")
        if f"val_{name}" in history[0]:
            ax.plot(epochs, [row[f"val_{name}"] for row in history], marker="o", label="validation")
        label(ax, f"{title}: {name}", "epoch", name)
        ax.legend()
    return fig
