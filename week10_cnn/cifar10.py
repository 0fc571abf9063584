"""The real CIFAR-10 loader: the python-pickle archive `cifar-10-python.tar.gz` from Toronto.

The archive holds `cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta}`; each batch
is a pickled dict with `data` (10000 x 3072 uint8, channel-major rows) and `labels`. The registry
verifies the archive's sha256 before anything in it is unpickled.
"""

from __future__ import annotations

import pickle
import tarfile
from pathlib import Path

import numpy as np

from shared.vision import ImageSplits

TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))


def _get(batch: dict, key: str):
    """Read a key written by Python 2 (bytes) or Python 3 (str)."""
    for k in (key, key.encode()):
        if k in batch:
            return batch[k]
    raise ValueError(f"CIFAR-10 batch has no {key!r} entry (keys: {list(batch)[:5]})")


def _load(tf: tarfile.TarFile, members: dict[str, tarfile.TarInfo], name: str) -> dict:
    if name not in members:
        raise ValueError(f"not a CIFAR-10 python archive: no member named {name}")
    with tf.extractfile(members[name]) as f:
        return pickle.load(f, encoding="bytes")


def _images(batch: dict) -> tuple[np.ndarray, np.ndarray]:
    data = np.asarray(_get(batch, "data"), dtype=np.uint8)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise ValueError(f"CIFAR-10 batch data must be N x 3072, got {data.shape}")
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), np.asarray(_get(batch, "labels"), dtype=np.int64)


def read_cifar10(archive: Path) -> ImageSplits:
    """Return CIFAR-10 as NHWC uint8 images: 50,000 train and 10,000 test, with class names."""
    with tarfile.open(archive, "r:*") as tf:
        members = {Path(m.name).name: m for m in tf.getmembers() if m.isfile()}
        train = [_images(_load(tf, members, name)) for name in TRAIN_BATCHES]
        x_test, y_test = _images(_load(tf, members, "test_batch"))
        names = _get(_load(tf, members, "batches.meta"), "label_names")
    classes = tuple(n.decode() if isinstance(n, bytes) else str(n) for n in names)
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train])
    return ImageSplits(x_train, y_train, x_test, y_test, classes)
