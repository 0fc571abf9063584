"""A small convolutional network: conv-BN-ReLU blocks with max pooling, then a linear classifier."""

from __future__ import annotations

from torch import nn


def conv_block(c_in: int, c_out: int, convs: int = 1) -> nn.Sequential:
    """`convs` 3x3 conv + batch-norm + ReLU layers, then 2x2 max pooling (halves H and W)."""
    layers: list[nn.Module] = []
    for i in range(convs):
        layers += [nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1, bias=False),
                   nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]  # fmt: skip
    return nn.Sequential(*layers, nn.MaxPool2d(2))


class SmallCNN(nn.Module):
    """Conv blocks of the given widths, pooling to a `grid` x `grid` map, dropout, a linear head."""

    def __init__(self, in_channels: int, n_classes: int, widths: tuple[int, ...] = (32, 64, 128),
                 convs_per_block: int = 1, dropout: float = 0.3, grid: int = 3) -> None:  # fmt: skip
        super().__init__()
        blocks, c = [], in_channels
        for w in widths:
            blocks.append(conv_block(c, w, convs_per_block))
            c = w
        self.features = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(grid), nn.Flatten(), nn.Dropout(dropout),
                                  nn.Linear(c * grid * grid, n_classes))  # fmt: skip

    def forward(self, x):
        """Return class logits for a batch of images (N, C, H, W)."""
        return self.head(self.features(x))
