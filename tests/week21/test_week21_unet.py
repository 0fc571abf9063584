"""The UNet, its Dice + BCE loss, and IoU on hand-made masks (shared metric and torchmetrics)."""

from __future__ import annotations

import pytest
import torch

from shared.metrics import MeanIoU
from week21_dl_advanced.projects.segmentation import mean_iou
from week21_dl_advanced.unet import UNet, dice_bce_loss, dice_loss, two_class_scores


def test_unet_keeps_the_image_size_and_refuses_odd_sizes() -> None:
    model = UNet(width=4, depth=2)
    assert model(torch.rand(2, 3, 24, 24)).shape == (2, 1, 24, 24)
    with pytest.raises(ValueError, match="divisible by 4"):
        model(torch.rand(1, 3, 22, 24))


def test_skip_connections_carry_full_resolution_detail() -> None:
    """Each decoder level sees the encoder's features of the same size: twice the channels."""
    model = UNet(width=4, depth=2)
    first_up = model.up[0].conv.block[0]
    assert first_up.in_channels == 2 * first_up.out_channels


def test_dice_loss_on_hand_made_masks() -> None:
    truth = torch.zeros(1, 1, 4, 4)
    truth[..., :2, :] = 1  # 8 object pixels
    perfect = (truth * 2 - 1) * 50  # logits: sure and right
    assert dice_loss(perfect, truth).item() == pytest.approx(0, abs=1e-6)
    half = torch.full((1, 1, 4, 4), -50.0)
    half[..., 0, :] = 50  # finds 4 of the 8 object pixels: Dice = 2*4 / (4 + 8)
    assert dice_loss(half, truth, eps=0).item() == pytest.approx(1 - 8 / 12, abs=1e-6)
    assert dice_bce_loss(perfect, truth[:, 0].long()).item() == pytest.approx(0, abs=1e-6)


def test_two_class_scores_pick_the_object_where_the_logit_is_positive() -> None:
    logits = torch.tensor([[[[-1.0, 2.0], [0.5, -3.0]]]])
    assert two_class_scores(logits).argmax(dim=1).tolist() == [[[0, 1], [1, 0]]]


def test_mean_iou_on_a_hand_made_example_matches_torchmetrics() -> None:
    from torchmetrics.classification import MulticlassJaccardIndex

    truth = torch.tensor([[0, 0, 1, 1], [0, 0, 1, 1]])
    pred = torch.tensor([[0, 1, 1, 1], [0, 0, 0, 1]])
    # object: TP 3, FP 1, FN 1 -> 3/5; background: TP 3, FP 1, FN 1 -> 3/5
    assert mean_iou(pred.numpy(), truth.numpy()) == pytest.approx(0.6)
    metric = MeanIoU(2)
    metric.update(torch.stack([1 - pred, pred]).unsqueeze(0).float(), truth.unsqueeze(0))
    assert metric.compute() == pytest.approx(0.6)
    jaccard = MulticlassJaccardIndex(num_classes=2, average="macro")
    assert jaccard(pred, truth).item() == pytest.approx(0.6)
