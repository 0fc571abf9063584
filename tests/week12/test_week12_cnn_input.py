"""Week 12: the OpenCV CNN preprocessing against torchvision's, on the labelled sample photos."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from shared.registry import default_registry
from week11_transfer_learning.pretrained import imagenet_transform, read_sample_photos
from week12_opencv.cnn_input import (
    opencv_input,
    pixel_levels_apart,
    torchvision_bilinear_transform,
)
from week12_opencv.projects.cnn_preprocess import read_photos_bgr


@pytest.fixture(scope="module")
def samples() -> tuple[list, list[np.ndarray]]:
    wheel = default_registry().fetch("foolbox_samples")
    photos = [
        p for p in read_sample_photos(wheel) if p.name in {"imagenet_00_243", "imagenet_10_541"}
    ]
    return photos, read_photos_bgr(wheel, photos)


def test_opencv_decodes_the_jpegs_like_pil(samples) -> None:
    photos, images = samples
    for photo, bgr in zip(photos, images, strict=True):
        assert np.array_equal(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), np.asarray(photo.image))


def test_same_interpolation_gives_the_same_tensor_within_one_level(samples) -> None:
    photos, images = samples
    for photo, bgr in zip(photos, images, strict=True):  # one square photo, one 1024x683
        mine = opencv_input(bgr, cv2.INTER_LINEAR, antialias=False)
        theirs = torchvision_bilinear_transform()(photo.image)
        assert mine.shape == theirs.shape == (3, 224, 224) and mine.dtype == torch.float32
        assert pixel_levels_apart(mine, theirs).max() <= 1 + 1e-3


def test_antialiased_pipeline_is_close_to_torchvision_default(samples) -> None:
    photos, images = samples
    for photo, bgr in zip(photos, images, strict=True):
        reference = imagenet_transform()(photo.image)
        blurred = pixel_levels_apart(opencv_input(bgr), reference).mean()
        aliased = pixel_levels_apart(opencv_input(bgr, antialias=False), reference).mean()
        assert blurred < 0.6 and blurred < aliased / 2


def test_the_bgr_trap_is_exactly_a_channel_swap(samples) -> None:
    _, images = samples
    bgr = images[0]
    assert torch.equal(opencv_input(bgr[..., ::-1].copy(), swap_to_rgb=False), opencv_input(bgr))
    assert not torch.equal(opencv_input(bgr, swap_to_rgb=False), opencv_input(bgr))
