"""Epoch metrics for the training loop: update on every batch, compute once per epoch.

A metric that is not a mean of per-sample values (macro-F1, IoU) cannot be averaged over
batches: its epoch value needs the whole epoch's counts. Each metric here keeps its counts in
one tensor on the model's device (`state`), so updating it never waits for the GPU, and summing
that tensor across processes (`torch.distributed.all_reduce`) gives the metric of a
distributed run. `compute` is the only call that reads a value back to the host.

Why not torchmetrics (week 21 uses it for detection mAP), which gives the same numbers
(tests/shared/test_metrics.py checks it): importing it costs seconds on top of torch, for every
week that trains anything, and its metrics sync themselves one state at a time, where the
training loop here sums each metric's single tensor with one `all_reduce` of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any  # a batch's outputs and targets: whatever shape the step gives

import torch


class EpochMetric:
    """Base class: `state` holds sums that add across batches and across processes.

    Counts are int64 (exact however many pixels a segmentation epoch has); sums of real values
    are float64, or float32 on Apple's MPS, which has no float64.
    """

    counts_only = True

    def __init__(self, size: int | tuple[int, ...] = 2) -> None:
        self._size = size
        self.reset()

    def reset(self, device: torch.device | str = "cpu") -> None:
        """Zero the counts on `device`, at the start of an epoch."""
        device = torch.device(device)
        real = torch.float32 if device.type == "mps" else torch.float64
        dtype = torch.int64 if self.counts_only else real
        self.state = torch.zeros(self._size, dtype=dtype, device=device)

    def update(self, outputs: Any, targets: Any) -> None:
        """Add one batch's counts (no host synchronisation)."""
        raise NotImplementedError

    def compute(self) -> float:
        """Return the epoch's value from the counts."""
        raise NotImplementedError


class Mean(EpochMetric):
    """The per-sample mean of `fn(outputs, targets)`, a function returning a batch mean.

    Batch means are weighted by batch size, so the result is the exact epoch mean of any metric
    that is a mean over samples (accuracy, a loss); it is wrong for F1 or IoU: use their classes.
    """

    counts_only = False

    def __init__(self, fn: Callable[[Any, Any], torch.Tensor]) -> None:
        super().__init__(2)
        self.fn = fn

    def update(self, outputs: Any, targets: Any) -> None:
        """Add the batch mean times the batch size, and the batch size."""
        n = batch_size(targets)
        self.add(self.fn(outputs, targets), n)

    def add(self, batch_mean: torch.Tensor, n: int) -> None:
        """Add a batch mean (a 0-d tensor) computed over `n` samples."""
        self.state[0] += batch_mean.detach().to(self.state.dtype) * n
        self.state[1] += n

    def compute(self) -> float:
        """Return the weighted mean so far."""
        total, count = self.state.tolist()
        if count == 0:
            raise ValueError("no batch was seen: the loader is empty")
        return total / count


class Accuracy(EpochMetric):
    """The fraction of samples whose arg-max class equals the target."""

    def update(self, outputs: torch.Tensor, targets: torch.Tensor) -> None:
        """Count correct predictions and samples."""
        self.state[0] += (outputs.argmax(dim=1) == targets).sum()
        self.state[1] += targets.numel()

    def compute(self) -> float:
        """Return correct / seen."""
        correct, seen = self.state.tolist()
        return correct / seen if seen else float("nan")


class ConfusionMatrix(EpochMetric):
    """Counts of (true class, predicted class) over the epoch; the base of F1 and IoU.

    `outputs` are class scores with the classes on dim 1 (N, C) or (N, C, H, W); `targets`
    hold class indices of the matching shape; targets equal to `ignore_index` are skipped.
    """

    def __init__(self, num_classes: int, ignore_index: int | None = None) -> None:
        super().__init__((num_classes, num_classes))
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    def update(self, outputs: torch.Tensor, targets: torch.Tensor) -> None:
        """Add the batch's confusion counts (one bincount, no host synchronisation)."""
        pred = outputs.argmax(dim=1).reshape(-1)
        true = targets.reshape(-1).long()
        if self.ignore_index is not None:
            keep = true != self.ignore_index
            pred, true = pred[keep], true[keep]
        k = self.num_classes
        self.state += torch.bincount(true * k + pred, minlength=k * k).reshape(k, k)

    def per_class(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return true positives, false positives, false negatives and a mask of seen classes."""
        cm = self.state.cpu().double()
        tp = cm.diagonal()
        fp, fn = cm.sum(0) - tp, cm.sum(1) - tp
        return tp, fp, fn, (tp + fp + fn) > 0

    def compute(self) -> float:
        """Return overall accuracy (the trace over the total)."""
        total = int(self.state.sum())
        return int(self.state.trace()) / total if total else float("nan")


class MacroF1(ConfusionMatrix):
    """F1 per class, averaged over the classes present in the targets or the predictions.

    Equal to scikit-learn's `f1_score(y_true, y_pred, average="macro")`.
    """

    def compute(self) -> float:
        """Return the mean of 2TP / (2TP + FP + FN) over the classes seen."""
        tp, fp, fn, seen = self.per_class()
        f1 = 2 * tp[seen] / (2 * tp[seen] + fp[seen] + fn[seen])
        return f1.mean().item() if seen.any() else float("nan")


class MeanIoU(ConfusionMatrix):
    """Intersection over union per class (segmentation), averaged over the classes seen."""

    def compute(self) -> float:
        """Return the mean of TP / (TP + FP + FN) over the classes seen."""
        tp, fp, fn, seen = self.per_class()
        iou = tp[seen] / (tp[seen] + fp[seen] + fn[seen])
        return iou.mean().item() if seen.any() else float("nan")


def batch_size(targets: Any) -> int:
    """Return how many samples a batch holds: rows of a tensor, items of a list, a dict's rows."""
    if isinstance(targets, torch.Tensor):
        return int(targets.shape[0]) if targets.ndim else 1
    if isinstance(targets, dict):
        return batch_size(next(iter(targets.values())))
    if isinstance(targets, list | tuple):
        return len(targets)
    raise TypeError(f"cannot tell the batch size of a {type(targets).__name__}")
