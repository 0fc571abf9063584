"""The PyTorch training loop every deep-learning week shares: fit, evaluate, resume, plot.

`Trainer` wraps one model and optimizer. Each batch goes through one `step(model, batch)` that
returns `(loss, outputs, targets)`: the default is the classic `(inputs, targets)` pair and a
loss function; `model_loss_step` fits models that compute their own loss from a dict batch
(Hugging Face transformers), `detection_step` fits torchvision detectors (a list of images and a
list of target dicts). Batches move to the device recursively (tensors inside dicts, lists and
tuples). Metrics are epoch metrics (shared.metrics): counted on every batch, computed once per
epoch, so macro-F1 and IoU are right; a plain `fn(outputs, targets)` returning a batch mean
still works.

`fit` runs epochs with tqdm progress, keeps a per-epoch `history`, steps a learning-rate
scheduler, clips gradients, uses mixed precision where the hardware computes it natively (bf16
or fp16 with a gradient scaler on CUDA, bf16 on a CPU with AMX matrix units; `--precision`
forces fp32 or bf16, see shared.devices; `precision` says which), stops early when the
monitored value stops improving, and writes a checkpoint after every epoch. A checkpoint holds
state dicts and plain values only (it loads with `torch.load(..., weights_only=True)`), and
resuming from one continues exactly where the run stopped: model, optimizer, scheduler, epoch,
history, every global RNG, the training DataLoader's own generator and any `generators` given
(e.g. augmentation's).

Under `torchrun` the same Trainer trains with DistributedDataParallel (shared.distributed).

Generative training (GANs, diffusion) alternates several optimizers or samples noise schedules
per step; those weeks keep an explicit loop of their own (nanoGPT style) rather than bend this
one.
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
from typing import Any, cast  # Any: a batch, whatever the DataLoader yields

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

from shared import distributed
from shared.atomic import atomic_path
from shared.devices import precision_for, resolve_device, use_precision
from shared.metrics import Accuracy, EpochMetric, Mean, batch_size
from shared.plotting import label, subplots

Step = Callable[[nn.Module, Any], tuple[torch.Tensor | None, Any, Any]]
MetricLike = EpochMetric | Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def supervised_step(loss_fn: Callable[[Any, Any], torch.Tensor]) -> Step:
    """Return the classic step: `inputs, targets = batch`, loss = loss_fn(model(inputs), targets)."""

    def step(model: nn.Module, batch: Any) -> tuple[torch.Tensor, Any, Any]:
        inputs, targets = batch
        outputs = model(inputs)
        return loss_fn(outputs, targets), outputs, targets

    return step


def model_loss_step(model: nn.Module, batch: Mapping[str, Any]) -> tuple[torch.Tensor, Any, Any]:
    """Step for models that compute their own loss from a dict batch (Hugging Face style).

    `model(**batch)` must return an object with `.loss` and `.logits`; the targets are
    `batch["labels"]`.
    """
    out = model(**batch)
    return out.loss, out.logits, batch.get("labels")


def detection_step(model: nn.Module, batch: tuple[list, list]) -> tuple[Any, Any, Any]:
    """Step for torchvision detectors: a list of images and a list of target dicts.

    In training mode the model returns its losses (summed here); in eval mode its predictions,
    with no loss, for a detection metric such as mAP to count.
    """
    images, targets = batch
    if model.training:
        losses = model(images, targets)
        return sum(losses.values()), None, targets
    return None, model(images), targets


def map_tensors(batch: Any, fn: Callable[[torch.Tensor], torch.Tensor]) -> Any:
    """Apply `fn` to every tensor in `batch` (inside dicts, lists and tuples), keeping the shape."""
    if isinstance(batch, torch.Tensor):
        return fn(batch)
    if isinstance(batch, Mapping):
        return {k: map_tensors(v, fn) for k, v in batch.items()}
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):  # a namedtuple
        return type(batch)(*(map_tensors(v, fn) for v in batch))
    if isinstance(batch, list | tuple):
        return type(batch)(map_tensors(v, fn) for v in batch)
    return batch


def to_device(batch: Any, device: torch.device) -> Any:
    """Move every tensor in `batch` (inside dicts, lists and tuples) to `device`."""
    return map_tensors(batch, lambda t: t.to(device, non_blocking=True))


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

    Give either `loss_fn` (for `(inputs, targets)` batches; default cross-entropy) or a `step`.
    `metrics` maps a name to an EpochMetric or to `fn(outputs, targets)` returning a batch mean
    (default: accuracy). `scheduler_step` is "epoch" (StepLR, cosine, ReduceLROnPlateau) or
    "batch" (OneCycleLR). `checkpoint` is a file rewritten atomically after every epoch; it also
    holds the state of the training DataLoader's own `generator`, when it has one, and of every
    generator in `generators`, so a resumed run draws exactly the numbers the uninterrupted one
    would have. `amp` turns on mixed precision where it helps (CUDA, or a CPU with AMX; see
    shared.devices.precision_for).
    """

    def __init__(
        self,
        model: nn.Module,
        optimizer: torch.optim.Optimizer,
        loss_fn: Callable[[Any, Any], torch.Tensor] | None = None,
        *,
        step: Step | None = None,
        device: str = "auto",
        metrics: Mapping[str, MetricLike] | None = None,
        scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
        scheduler_step: str = "epoch",
        grad_clip: float | None = None,
        amp: bool = True,
        early_stopping: EarlyStopping | None = None,
        checkpoint: Path | None = None,
        generators: Mapping[str, torch.Generator] | None = None,
        progress: bool = True,
        desc: str = "train",
    ) -> None:
        if scheduler_step not in ("epoch", "batch"):
            raise ValueError(f"scheduler_step must be 'epoch' or 'batch', not {scheduler_step!r}")
        if step is not None and loss_fn is not None:
            raise ValueError("give a loss_fn or a step, not both (the step computes the loss)")
        self.device = torch.device(resolve_device(device))
        if distributed.is_distributed():
            self.device = distributed.setup(self.device)
        self.model = model.to(self.device)
        self.net: nn.Module = self.model
        if distributed.is_distributed():
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.net = nn.parallel.DistributedDataParallel(self.model, device_ids=ids)
        self.optimizer = optimizer
        self.step = step or supervised_step(loss_fn or nn.CrossEntropyLoss())
        chosen = {"accuracy": Accuracy()} if metrics is None else metrics
        self.metrics = {k: m if isinstance(m, EpochMetric) else Mean(m) for k, m in chosen.items()}
        self.scheduler = scheduler
        self.scheduler_step = scheduler_step
        self.grad_clip = grad_clip
        self.precision = use_precision(precision_for(self.device) if amp else "fp32")
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.precision == "fp16")
        self.early_stopping = early_stopping
        self.checkpoint = Path(checkpoint) if checkpoint else None
        self.generators = dict(generators or {})
        self.progress = progress and distributed.is_main()
        self.desc = desc
        self.epoch = 0
        self.history: list[dict[str, float]] = []
        self.stopped_early = False
        self._best_weights: dict[str, torch.Tensor] | None = None
        self._shuffle_rng: torch.Generator | None = None
        self._pending_shuffle_state: torch.Tensor | None = None

    def fit(
        self, train: Iterable, val: Iterable | None = None, epochs: int = 10
    ) -> list[dict[str, float]]:
        """Train until `epochs` epochs are done in total (a resumed run continues the count)."""
        if epochs < 1:
            raise ValueError(f"epochs must be >= 1, not {epochs}")
        if distributed.is_distributed():
            if not isinstance(train, DataLoader):
                raise TypeError(f"torchrun needs a DataLoader to shard, not {type(train).__name__}")
            train = distributed.shard(train)
        self._shuffle_rng = getattr(train, "generator", None)
        if self._shuffle_rng is not None and self._pending_shuffle_state is not None:
            self._shuffle_rng.set_state(self._pending_shuffle_state)
        self._pending_shuffle_state = None
        bar = tqdm(
            range(self.epoch, epochs),
            desc=self.desc,
            unit="epoch",
            disable=not self.progress,
            initial=self.epoch,
            total=epochs,
        )
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

    def evaluate(self, loader: Iterable) -> dict[str, float]:
        """Return the loss and metrics of the model over all of `loader`, without training."""
        self.model.eval()
        self._reset_metrics()
        with torch.inference_mode(), self._autocast():
            for batch in loader:
                loss, outputs, targets = self.step(self.model, to_device(batch, self.device))
                self._update_metrics(loss, outputs, targets)
        return self._compute_metrics(sync=False)

    def predict(self, loader: Iterable) -> tuple[Any, Any]:
        """Return (outputs, targets) over `loader` on the CPU: tensors concatenated, else lists."""
        self.model.eval()
        outputs, targets = [], []
        with torch.inference_mode(), self._autocast():
            for batch in loader:
                _, out, tgt = self.step(self.model, to_device(batch, self.device))
                outputs.append(to_device(_as_float(out), torch.device("cpu")))
                targets.append(to_device(tgt, torch.device("cpu")))
        return _concat(outputs), _concat(targets)

    def save_checkpoint(self, path: Path) -> Path | None:
        """Write everything a resumed run needs (state dicts and plain values), atomically.

        Under torchrun only rank 0 writes; the others return None.
        """
        if not distributed.is_main():
            return None
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
            "generators": {k: g.get_state() for k, g in self.generators.items()},
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
        saved = state.get("generators", {})
        missing = set(self.generators) - set(saved)
        if missing:
            raise KeyError(f"{path} holds no state for the generators {sorted(missing)}")
        for name, generator in self.generators.items():
            generator.set_state(saved[name].cpu())

    def _train_one_epoch(self, loader: Iterable) -> dict[str, float]:
        """Run one pass over `loader`, updating the weights; return the epoch's metrics."""
        self.model.train()
        self._reset_metrics()
        set_epoch = getattr(getattr(loader, "sampler", None), "set_epoch", None)
        if set_epoch is not None:
            set_epoch(self.epoch)
        bar = tqdm(
            loader,
            desc=f"epoch {self.epoch + 1}",
            unit="batch",
            leave=False,
            disable=not self.progress,
            mininterval=1.0,
        )
        for batch in bar:
            self.optimizer.zero_grad(set_to_none=True)
            with self._autocast():
                loss, outputs, targets = self.step(self.net, to_device(batch, self.device))
            if loss is None:
                raise ValueError("the step returned no loss, so there is nothing to train on")
            self._backward_and_step(loss)
            if self.scheduler and self.scheduler_step == "batch":
                self.scheduler.step()
            with torch.no_grad():
                self._update_metrics(loss, outputs, targets)
        return self._compute_metrics(sync=True)

    def _backward_and_step(self, loss: torch.Tensor) -> None:
        """Back-propagate, clip if asked, and step; through the gradient scaler for fp16."""
        if not self.scaler.is_enabled():
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

    def _reset_metrics(self) -> None:
        self._loss = Mean(lambda *_: torch.zeros(()))
        self._loss.reset(self.device)
        for metric in self.metrics.values():
            metric.reset(self.device)

    def _update_metrics(self, loss: torch.Tensor | None, outputs: Any, targets: Any) -> None:
        """Count one batch into the loss mean and every metric (no host synchronisation)."""
        if loss is not None:
            self._loss.add(loss.detach(), batch_size(targets if targets is not None else outputs))
        if outputs is None:
            return
        outputs = _as_float(outputs)  # metrics count in float32, whatever autocast computed in
        for metric in self.metrics.values():
            metric.update(outputs, targets)

    def _compute_metrics(self, sync: bool) -> dict[str, float]:
        """Return the epoch's loss and metrics, summed over processes first when `sync`."""
        parts = {"loss": self._loss, **self.metrics}
        if sync:
            for metric in parts.values():
                distributed.all_reduce_sum(metric.state)
        if int(self._loss.state[1]) == 0 and not any(
            int(m.state.sum()) for m in self.metrics.values()
        ):
            raise ValueError("the loader gave no batch: check the dataset and batch size")
        values = {k: m.compute() for k, m in self.metrics.items()}
        if int(self._loss.state[1]):
            values = {"loss": self._loss.compute(), **values}
        return values

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
        if self.precision == "fp32":
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if self.precision == "bf16" else torch.float16
        return torch.autocast(self.device.type, dtype=dtype)


def _as_float(outputs: Any) -> Any:
    """Return every floating tensor as float32 (autocast may give bf16), the rest unchanged."""
    return map_tensors(outputs, lambda t: t.float() if t.is_floating_point() else t)


def _concat(parts: list) -> Any:
    """Concatenate a list of tensors; flatten a list of lists (detections); else return it."""
    if parts and all(isinstance(p, torch.Tensor) for p in parts):
        return torch.cat(parts)
    if parts and all(isinstance(p, list | tuple) for p in parts):
        return [item for part in parts for item in part]
    return parts


def _rng_state() -> dict:
    """Capture Python, NumPy and PyTorch RNG states as tensors and plain values."""
    np_state = cast(tuple, np.random.get_state(legacy=True))
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
