"""The low-data transfer task week 11's projects share: 50/20/200 images per class.

The task is the TensorFlow flower photos when they can be fetched; offline it is Fashion-MNIST
(real photos of clothing, upscaled to 64 px RGB), a named stand-in the report points out. The
`transfer` project learns it three ways with MobileNetV2; the `zoo` project compares ImageNet
families on the same split.
"""

from __future__ import annotations

import numpy as np
from torch.utils.data import Dataset, Subset

from shared.context import RunContext
from shared.registry import DatasetError
from shared.vision import ImageTensorDataset, load_fashion_mnist, sample_per_class
from week11_transfer_learning.flowers import flower_photos
from week11_transfer_learning.pretrained import transforms


def low_data_split(
    labels: np.ndarray, per_class: tuple[int, int, int], seed: int
) -> tuple[np.ndarray, ...]:
    """Return disjoint (train, val, test) indices with the given number of examples per class."""
    picked = sample_per_class(labels, sum(per_class), seed)
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[], [], []]
    for c in np.unique(labels):
        idx = rng.permutation(picked[labels[picked] == c])
        bounds = np.cumsum(per_class)
        for part, chunk in zip(parts, np.split(idx, bounds[:-1]), strict=True):
            part.extend(chunk.tolist())
    return tuple(np.sort(np.array(p)) for p in parts)


def load_task(
    ctx: RunContext, counts: tuple[int, int, int], size: int
) -> tuple[list[Dataset], tuple[str, ...], str, int]:
    """Return (train+aug, train, val, test) datasets, class names, task name and image size."""
    try:
        unpacked = ctx.dataset("flower_photos")
    except DatasetError as exc:
        ctx.log(f"flower photos unavailable ({str(exc).splitlines()[0]}); using Fashion-MNIST")
        return _fashion_task(ctx, counts)
    photos = flower_photos(unpacked)
    labels = np.array(photos.targets)
    train, val, test = low_data_split(labels, counts, ctx.seed)
    plain, aug = transforms(size, augment=False), transforms(size, augment=True)
    sets = [Subset(flower_photos(unpacked, aug), train)] + [
        Subset(flower_photos(unpacked, plain), i) for i in (train, val, test)
    ]
    return sets, tuple(photos.classes), "flower_photos", size


def _fashion_task(
    ctx: RunContext, counts: tuple[int, int, int]
) -> tuple[list[Dataset], tuple[str, ...], str, int]:
    ctx.note(
        "**Task: Fashion-MNIST, 50 images per class (stand-in).** The TensorFlow flower "
        "photos are in no package registry and their upstream address could not be reached, "
        "so the low-data task uses real Fashion-MNIST photos (upscaled to 64 px RGB). With the "
        "open internet the same command runs on the flower photos."
    )
    data = load_fashion_mnist(ctx.dataset)
    size = 64
    x = np.concatenate([data.x_train, data.x_test])
    y = np.concatenate([data.y_train, data.y_test])
    train, val, test = low_data_split(y, counts, ctx.seed)
    plain, aug = transforms(size, augment=False), transforms(size, augment=True)
    sets = [ImageTensorDataset(x[train], y[train], transform=aug)] + [
        ImageTensorDataset(x[i], y[i], transform=plain) for i in (train, val, test)
    ]
    return sets, data.classes, "fashion_mnist", size
