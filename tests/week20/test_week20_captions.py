"""The image-caption dataset: captions read back as their class; de-duplication stops leakage."""

from __future__ import annotations

import numpy as np

from shared.vision import FASHION_MNIST_CLASSES, ImageSplits
from week20_genai_multimodal import captions
from week20_genai_multimodal.captions import build_manifest, caption_agreement, split_images


def small_splits(monkeypatch) -> ImageSplits:
    """20 train images (the last 4 validation) and 6 test ones, with planted duplicates."""
    monkeypatch.setattr(captions, "VALIDATION", 4)
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, (20, 28, 28), dtype=np.uint8)
    x_test = rng.integers(0, 256, (6, 28, 28), dtype=np.uint8)
    x_train[5] = x_train[3]  # a duplicate inside train
    x_train[17] = x_train[2]  # a validation image that repeats a training image
    x_test[0] = x_train[7]  # a test image that repeats a training image
    y_train, y_test = np.arange(20) % 10, np.arange(6) % 10
    return ImageSplits(x_train, y_train, x_test, y_test, FASHION_MNIST_CLASSES)


def test_duplicates_are_dropped_and_no_image_is_in_two_splits(monkeypatch) -> None:
    data = small_splits(monkeypatch)
    manifest, counts = build_manifest(data, seed=0)
    assert counts == {"duplicates_within_split": 1, "duplicates_across_splits": 2}
    assert len(manifest) == 26 - 3
    assert manifest["sha256"].is_unique
    assert (manifest["split"].value_counts().to_dict()) == {"train": 15, "test": 5, "val": 3}
    x, y = split_images(manifest, data, "test")
    assert len(x) == 5 and not any((x == data.x_test[0]).all(axis=(1, 2)))
    assert list(y) == [1, 2, 3, 4, 5]


def test_every_caption_reads_back_as_its_class(monkeypatch) -> None:
    manifest, _ = build_manifest(small_splits(monkeypatch), seed=1)
    assert caption_agreement(manifest) == 1.0
    assert manifest["caption"].str.len().min() > 2


def test_captions_repeat_for_a_seed(monkeypatch) -> None:
    data = small_splits(monkeypatch)
    first, _ = build_manifest(data, seed=3)
    again, _ = build_manifest(data, seed=3)
    assert first["caption"].tolist() == again["caption"].tolist()
