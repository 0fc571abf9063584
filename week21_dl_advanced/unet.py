"""UNet (Ronneberger et al. 2015): an encoder-decoder whose skip connections carry the detail back.

The encoder halves the resolution and doubles the channels at each level, so deep features see a
wide context but lose where exactly things are; the decoder doubles the resolution back and, at
each level, concatenates the encoder's features of the same size (the skip connection), so the
output can place edges to the pixel. One output channel per pixel is the logit of "object".

Dice + BCE is the usual segmentation loss: binary cross-entropy is a per-pixel average, so on
scenes that are mostly background it is happy to under-segment; the soft Dice term measures the
overlap of the whole mask and does not care how much background there is.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F


class DoubleConv(nn.Module):
    """Two 3x3 convolutions, each followed by batch norm and ReLU: the UNet's basic block."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.block = nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map (N, cin, H, W) to (N, cout, H, W)."""
        return self.block(x)


class Up(nn.Module):
    """Double the resolution (transposed conv), concatenate the skip features, DoubleConv them."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.up = nn.ConvTranspose2d(cin, cout, 2, stride=2)
        self.conv = DoubleConv(2 * cout, cout)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        """Upsample `x` to `skip`'s size and fuse the two."""
        return self.conv(torch.cat([skip, self.up(x)], dim=1))


class UNet(nn.Module):
    """A UNet with `depth` down/up levels starting at `width` channels; one logit per pixel.

    Input sides must be divisible by 2**depth (96 px scenes and depth 3 give 12 px at the bottom).
    """

    def __init__(
        self, in_channels: int = 3, width: int = 16, depth: int = 3, out_channels: int = 1
    ) -> None:
        super().__init__()
        sizes = [width * 2**i for i in range(depth + 1)]
        self.depth = depth
        self.stem = DoubleConv(in_channels, sizes[0])
        self.down = nn.ModuleList(DoubleConv(sizes[i], sizes[i + 1]) for i in range(depth))
        self.up = nn.ModuleList(Up(sizes[i + 1], sizes[i]) for i in reversed(range(depth)))
        self.head = nn.Conv2d(sizes[0], out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map (N, in_channels, H, W) images to (N, out_channels, H, W) logits."""
        side = 2**self.depth
        if x.shape[-1] % side or x.shape[-2] % side:
            raise ValueError(f"image sides {tuple(x.shape[-2:])} must be divisible by {side}")
        skips = [self.stem(x)]
        for block in self.down:
            skips.append(block(F.max_pool2d(skips[-1], 2)))
        x = skips.pop()
        for block in self.up:
            x = block(x, skips.pop())
        return self.head(x)


def dice_loss(logits: torch.Tensor, target: torch.Tensor, eps: float = 1.0) -> torch.Tensor:
    """Soft Dice loss 1 - 2|P∩T| / (|P| + |T|) per image, averaged; P = sigmoid(logits)."""
    prob = torch.sigmoid(logits).flatten(1)
    truth = target.flatten(1)
    overlap = (prob * truth).sum(1)
    return (1 - (2 * overlap + eps) / (prob.sum(1) + truth.sum(1) + eps)).mean()


def dice_bce_loss(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy plus soft Dice between (N, 1, H, W) logits and an (N, H, W) 0/1 mask."""
    target = mask.unsqueeze(1).to(logits.dtype)
    return F.binary_cross_entropy_with_logits(logits, target) + dice_loss(logits, target)


def two_class_scores(logits: torch.Tensor) -> torch.Tensor:
    """Turn (N, 1, H, W) object logits into (N, 2, H, W) scores whose arg-max is the mask.

    Class 1 wins where the logit is positive (probability above one half), so the shared
    MeanIoU metric, which takes class scores, counts background and object IoU alike.
    """
    return torch.cat([torch.zeros_like(logits), logits], dim=1)


def segmentation_step(model: nn.Module, batch: tuple) -> tuple[torch.Tensor, torch.Tensor, Any]:
    """The shared Trainer's step: Dice + BCE loss, and two-class scores for the IoU metric."""
    images, masks = batch
    logits = model(images)
    return dice_bce_loss(logits.float(), masks), two_class_scores(logits), masks
