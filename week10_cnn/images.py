"""The standardised image sets the CNN trains on, and its augmentation (flips and small shifts)."""

from __future__ import annotations

import torch

from shared.vision import ImageSplits, ImageTensorDataset, channel_stats

VALIDATION = 5000  # training images held out for early stopping


class ShiftFlip:
    """Randomly flip one (C, H, W) image left-right and shift it by up to `pad` pixels.

    The random numbers come from the transform's own `generator`; hand it to the Trainer
    (`generators=`) so a resumed run augments exactly as the uninterrupted one would have.
    """

    def __init__(self, pad: int = 2, seed: int = 0) -> None:
        self.pad = pad
        self.generator = torch.Generator().manual_seed(seed)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if torch.rand((), generator=self.generator) < 0.5:
            x = x.flip(-1)
        dy, dx = torch.randint(-self.pad, self.pad + 1, (2,), generator=self.generator).tolist()
        return torch.roll(x, (dy, dx), dims=(-2, -1))


def image_datasets(
    data: ImageSplits, n_train: int, n_val: int, augment: ShiftFlip | None
) -> tuple[ImageTensorDataset, ImageTensorDataset, ImageTensorDataset]:
    """Standardised train (the first n_train), validation (the last n_val) and test sets."""
    if n_train + n_val > len(data.x_train):
        raise ValueError(f"{n_train} train + {n_val} validation > {len(data.x_train)} images")
    mean, std = channel_stats(data.x_train[:n_train])
    train = ImageTensorDataset(
        data.x_train[:n_train], data.y_train[:n_train], mean, std, transform=augment
    )
    val = ImageTensorDataset(data.x_train[-n_val:], data.y_train[-n_val:], mean, std)
    return train, val, ImageTensorDataset(data.x_test, data.y_test, mean, std)
