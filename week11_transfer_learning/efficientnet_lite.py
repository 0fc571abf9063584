"""EfficientNet-Lite0 (Tan & Le 2019; the TensorFlow "lite" variant), written for its weights file.

torchvision has no EfficientNet-Lite builder. The registry's `efficientnet_lite0_imagenet` file is
a state dict converted from TensorFlow with the layer names of lukemelas' `efficientnet_pytorch`
(`_conv_stem`, `_blocks.N._expand_conv`, ...), so this module uses those names and that layout:
MobileNetV2-style inverted residual blocks with ReLU6, no squeeze-and-excitation, TensorFlow's
"SAME" padding (asymmetric at stride 2) and batch norm with eps 1e-3, as in TensorFlow's
efficientnet/lite/efficientnet_lite_builder.py. Inputs are scaled to [-1, 1] (mean 127, std 128
on 0-255 pixels), the builder's MEAN_RGB / STDDEV_RGB.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

MEAN = (127 / 255,) * 3
STD = (128 / 255,) * 3
BN_EPS = 1e-3
# (repeats, kernel, stride, expansion, in channels, out channels) of Lite0's seven stages
STAGES = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)


class SamePadConv2d(nn.Conv2d):
    """A bias-free convolution with TensorFlow's 'SAME' padding, which the weights were trained with."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1, groups: int = 1):
        super().__init__(c_in, c_out, kernel, stride, padding=0, groups=groups, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Pad so the output is ceil(input / stride), the extra pixel on the bottom/right."""
        pads = []
        for size, k, s in zip(
            reversed(x.shape[-2:]), reversed(self.kernel_size), reversed(self.stride), strict=True
        ):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return super().forward(F.pad(x, pads))


class MBConvBlock(nn.Module):
    """Inverted residual block: 1x1 expand, depthwise k x k, 1x1 project, identity skip."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, expand: int):
        super().__init__()
        mid = c_in * expand
        if expand != 1:
            self._expand_conv = SamePadConv2d(c_in, mid, 1)
            self._bn0 = nn.BatchNorm2d(mid, eps=BN_EPS)
        self._depthwise_conv = SamePadConv2d(mid, mid, kernel, stride, groups=mid)
        self._bn1 = nn.BatchNorm2d(mid, eps=BN_EPS)
        self._project_conv = SamePadConv2d(mid, c_out, 1)
        self._bn2 = nn.BatchNorm2d(c_out, eps=BN_EPS)
        self.skip = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block, adding the input back when the shapes allow."""
        h = x
        if hasattr(self, "_expand_conv"):
            h = F.relu6(self._bn0(self._expand_conv(h)))
        h = F.relu6(self._bn1(self._depthwise_conv(h)))
        h = self._bn2(self._project_conv(h))
        return h + x if self.skip else h


class EfficientNetLite0(nn.Module):
    """EfficientNet-Lite0: 4.65M parameters, 1,280 pooled features, a 1000-way ImageNet head."""

    def __init__(self, num_classes: int = 1000, dropout: float = 0.2):
        super().__init__()
        self._conv_stem = SamePadConv2d(3, 32, 3, stride=2)
        self._bn0 = nn.BatchNorm2d(32, eps=BN_EPS)
        blocks = []
        for repeats, kernel, stride, expand, c_in, c_out in STAGES:
            for i in range(repeats):
                first = i == 0
                blocks.append(
                    MBConvBlock(
                        c_in if first else c_out, c_out, kernel, stride if first else 1, expand
                    )
                )
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SamePadConv2d(320, 1280, 1)
        self._bn1 = nn.BatchNorm2d(1280, eps=BN_EPS)
        self._dropout = nn.Dropout(dropout)
        self._fc = nn.Linear(1280, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return class logits for a batch of (3, H, W) images normalised with MEAN and STD."""
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        x = F.relu6(self._bn1(self._conv_head(x)))
        return self._fc(self._dropout(x.mean(dim=(2, 3))))
