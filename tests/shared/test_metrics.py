"""shared.metrics' epoch metrics give torchmetrics' numbers (torchmetrics imported per test: slow)."""

from __future__ import annotations

import pytest
import torch

from shared.metrics import Accuracy, EpochMetric, MacroF1, MeanIoU

CLASSES = 5


def _pairs() -> list[tuple[EpochMetric, object]]:
    """Each of our metrics beside its torchmetrics counterpart."""
    from torchmetrics.classification import (
        MulticlassAccuracy,
        MulticlassF1Score,
        MulticlassJaccardIndex,
    )

    return [
        (Accuracy(), MulticlassAccuracy(CLASSES, average="micro")),
        (MacroF1(CLASSES), MulticlassF1Score(CLASSES, average="macro")),
        (MeanIoU(CLASSES), MulticlassJaccardIndex(CLASSES, average="macro")),
    ]


@pytest.mark.parametrize("never_predicted", [False, True])
def test_epoch_metrics_equal_torchmetrics_over_several_batches(never_predicted: bool) -> None:
    generator = torch.Generator().manual_seed(0)
    outputs = torch.randn(60, CLASSES, generator=generator)
    targets = torch.randint(0, CLASSES - 1, (60,), generator=generator)  # the last class unseen
    if never_predicted:
        outputs[:, CLASSES - 1] = -100.0  # absent from targets and predictions: not averaged
    for ours, theirs in _pairs():
        for batch in (slice(0, 25), slice(25, 60)):
            ours.update(outputs[batch], targets[batch])
            theirs.update(outputs[batch], targets[batch])
        assert ours.compute() == pytest.approx(theirs.compute().item(), abs=1e-6)


def test_segmentation_maps_equal_torchmetrics_mean_iou() -> None:
    from torchmetrics.classification import MulticlassJaccardIndex

    generator = torch.Generator().manual_seed(1)
    outputs = torch.randn(2, 3, 8, 8, generator=generator)
    targets = torch.randint(0, 3, (2, 8, 8), generator=generator)
    ours, theirs = MeanIoU(3), MulticlassJaccardIndex(3, average="macro")
    ours.update(outputs, targets)
    theirs.update(outputs, targets)
    assert ours.compute() == pytest.approx(theirs.compute().item(), abs=1e-6)
