"""A small convolutional network: conv-BN-ReLU blocks with max pooling, then a classifier head."""

from __future__ import annotations

from torch import nn


def conv_block(c_in: int, c_out: int, convs: int = 1) -> nn.Sequential:
    """`convs` 3x3 conv + batch-norm + ReLU layers, then 2x2 max pooling (halves H and W)."""
    layers: list[nn.Module] = []
    for i in range(convs):
        layers += [
            nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
        ]
    return nn.Sequential(*layers, nn.MaxPool2d(2))


class SmallCNN(nn.Module):
    """Conv blocks of the given widths, pooling to a `grid` x `grid` map, then the head.

    `convs_per_block` is one count for every block or one per block (extra convolutions are
    cheapest in the last, smallest maps). The head is dropout and a linear layer, with a
    `hidden`-unit ReLU layer (and dropout) before it when `hidden` > 0.
    """

    def __init__(
        self,
        in_channels: int,
        n_classes: int,
        widths: tuple[int, ...] = (32, 64, 128),
        convs_per_block: int | tuple[int, ...] = 1,
        dropout: float = 0.3,
        grid: int = 3,
        hidden: int = 0,
    ) -> None:
        super().__init__()
        convs = (
            (convs_per_block,) * len(widths)
            if isinstance(convs_per_block, int)
            else convs_per_block
        )
        if len(convs) != len(widths):
            raise ValueError(f"{len(convs)} conv counts for {len(widths)} blocks")
        blocks, c = [], in_channels
        for w, n in zip(widths, convs, strict=True):
            blocks.append(conv_block(c, w, n))
            c = w
        self.features = nn.Sequential(*blocks)
        head: list[nn.Module] = [nn.AdaptiveAvgPool2d(grid), nn.Flatten(), nn.Dropout(dropout)]
        features = c * grid * grid
        if hidden:
            head += [nn.Linear(features, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout)]
            features = hidden
        self.head = nn.Sequential(*head, nn.Linear(features, n_classes))

    def forward(self, x):
        """Return class logits for a batch of images (N, C, H, W)."""
        return self.head(self.features(x))
