"""Faster R-CNN (Ren et al. 2015) on MobileNetV2's stride-16 features, sized to train on a CPU.

torchvision's FasterRCNN takes any backbone that returns a feature map and says how many
channels it has. Here it is MobileNetV2 (ImageNet weights from the registry, or random) cut
after its last stride-16 block: a 160-pixel scene gives a 10x10 map instead of the 5x5 one the
full network's stride 32 leaves, which small objects need. A 1x1 convolution brings the 96
channels to 128, so the region proposal network and RoIAlign (whose backward pass dominates
the cost) work on few channels; the box head is a 256-unit two-layer MLP instead of 1024, and
64 proposals per image (not 512) are sampled to train it.

As torchvision does for detection, a pretrained backbone keeps its batch-norm statistics frozen
(a handful of images per batch cannot estimate them) and its early, high-resolution blocks fixed
(they hold generic edges and textures, and skipping their backward pass saves about a third of
a step's cost); a randomly initialised backbone trains every layer with ordinary batch norm.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from week11_transfer_learning.pretrained import IMAGENET_MEAN, IMAGENET_STD, load_mobilenet_v2

STRIDE16_BLOCKS = 14  # MobileNetV2 features[0:14] end at stride 16 with 96 channels
FROZEN_BLOCKS = 7  # features[0:7] (stride <= 8) stay fixed when the backbone is pretrained
CHANNELS = 128
ANCHOR_SIZES = (24, 40, 64, 96)  # pixels: the scene objects are 35-72 px, some partly hidden
ASPECT_RATIOS = (0.5, 1.0, 2.0)


def frozen_batchnorm(module: nn.Module) -> nn.Module:
    """Replace every BatchNorm2d in `module` by a FrozenBatchNorm2d holding its statistics."""
    from torchvision.ops.misc import FrozenBatchNorm2d

    for name, child in module.named_children():
        if isinstance(child, nn.BatchNorm2d):
            frozen = FrozenBatchNorm2d(child.num_features, eps=child.eps)
            for key in ("weight", "bias", "running_mean", "running_var"):
                getattr(frozen, key).copy_(getattr(child, key).detach())
            setattr(module, name, frozen)
        else:
            frozen_batchnorm(child)
    return module


class MobileNetBackbone(nn.Module):
    """MobileNetV2's blocks up to stride 16, then a 1x1 convolution to CHANNELS channels."""

    def __init__(self, weights: Path | None) -> None:
        super().__init__()
        features = load_mobilenet_v2(weights).features[:STRIDE16_BLOCKS]
        if weights is not None:
            frozen_batchnorm(features)
            for p in features[:FROZEN_BLOCKS].parameters():
                p.requires_grad_(False)
        self.features = features
        self.reduce = nn.Sequential(nn.Conv2d(96, CHANNELS, 1), nn.ReLU(inplace=True))
        self.out_channels = CHANNELS

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the (N, CHANNELS, H/16, W/16) feature map."""
        return self.reduce(self.features(x))


def build_detector(weights: Path | None, num_classes: int, size: int) -> nn.Module:
    """Return a Faster R-CNN for `size`-pixel images and `num_classes` classes (background too).

    `weights` is the registry's ImageNet MobileNetV2 file, or None for a random backbone.
    """
    from torchvision.models.detection import FasterRCNN
    from torchvision.models.detection.anchor_utils import AnchorGenerator
    from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
    from torchvision.ops import MultiScaleRoIAlign

    head = 256
    return FasterRCNN(
        MobileNetBackbone(weights),
        num_classes=None,
        min_size=size,  # the scenes are already the size the model works at: no resizing
        max_size=size,
        image_mean=list(IMAGENET_MEAN),
        image_std=list(IMAGENET_STD),
        rpn_anchor_generator=AnchorGenerator((ANCHOR_SIZES,), (ASPECT_RATIOS,)),
        rpn_pre_nms_top_n_train=600,
        rpn_post_nms_top_n_train=300,
        rpn_pre_nms_top_n_test=300,
        rpn_post_nms_top_n_test=100,
        rpn_batch_size_per_image=128,
        box_roi_pool=MultiScaleRoIAlign(["0"], output_size=7, sampling_ratio=2),
        box_head=TwoMLPHead(CHANNELS * 7 * 7, head),
        box_predictor=FastRCNNPredictor(head, num_classes),
        box_batch_size_per_image=64,
        box_score_thresh=0.01,
        box_detections_per_img=20,
    )
