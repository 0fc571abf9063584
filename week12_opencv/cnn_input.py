"""An OpenCV preprocessing pipeline for ImageNet CNNs, and torchvision's for comparison.

ImageNet models expect RGB, the shorter side resized to 256, a 224x224 centre crop, values in
[0, 1] normalised by the ImageNet mean and std, channels first. OpenCV gives BGR, channels last,
uint8: every step has to be done by hand, and forgetting the BGR->RGB swap still "works".
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
from torchvision.transforms import v2

from week11_transfer_learning.pretrained import IMAGENET_MEAN, IMAGENET_STD
from week12_opencv.images import centre_crop, resize_shorter_side

CROP = 224
RESIZE = int(CROP * 256 / 224)


def opencv_input(
    bgr: np.ndarray,
    interpolation: int = cv2.INTER_LINEAR,
    antialias: bool = True,
    swap_to_rgb: bool = True,
) -> torch.Tensor:
    """Turn an OpenCV BGR uint8 image into a normalised (3, 224, 224) RGB float tensor.

    The defaults (antialiased bilinear) mirror torchvision's ImageNet preprocessing.
    `swap_to_rgb=False` feeds the network BGR: the trap, kept here so its cost can be measured.
    """
    image = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB) if swap_to_rgb else bgr
    image = resize_shorter_side(image, RESIZE, interpolation, antialias)
    image = centre_crop(image, CROP, CROP)
    x = (image.astype(np.float32) / 255 - np.float32(IMAGENET_MEAN)) / np.float32(IMAGENET_STD)
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))


def torchvision_bilinear_transform() -> v2.Compose:
    """torchvision's ImageNet preprocessing with plain bilinear resizing (no antialiasing).

    Week 11's `imagenet_transform` antialiases, which OpenCV's resize cannot do; this variant
    uses the same interpolation as cv2.INTER_LINEAR, so the two tensors can be compared.
    """
    return v2.Compose(
        [
            v2.ToImage(),
            v2.Resize(RESIZE, interpolation=v2.InterpolationMode.BILINEAR, antialias=False),
            v2.CenterCrop(CROP),
            v2.ToDtype(torch.float32, scale=True),
            v2.Normalize(IMAGENET_MEAN, IMAGENET_STD),
        ]
    )


def pixel_levels_apart(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-element distance of two normalised ImageNet inputs in 8-bit grey levels (1 = 1/255)."""
    std = torch.tensor(IMAGENET_STD).reshape(-1, 1, 1)
    return (a - b).abs() * std * 255
