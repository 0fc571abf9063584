"""The pretrained ImageNet MobileNetV2 from the registry, its preprocessing, and sample photos.

Also what fine-tuning it needs: a new head for other classes and the training transforms
(resize, optional augmentation, ImageNet normalisation), which week 13 reuses.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn
from torchvision.models import MobileNet_V2_Weights, mobilenet_v2
from torchvision.transforms import v2

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
_SAMPLE = re.compile(r"foolbox/data/imagenet_(\d+)_(\d+)\.jpg")


@dataclass(frozen=True)
class LabelledPhoto:
    """A photo with its true ImageNet class index."""

    name: str
    image: Image.Image
    label: int


def imagenet_categories() -> list[str]:
    """Return the 1,000 ImageNet class names torchvision ships (no download involved)."""
    return list(MobileNet_V2_Weights.IMAGENET1K_V1.meta["categories"])


def load_mobilenet_v2(weights: Path | None) -> nn.Module:
    """Build torchvision's MobileNetV2 and load the registry's ImageNet weights (None: random)."""
    model = mobilenet_v2()
    if weights is not None:
        model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    return model


def imagenet_transform(size: int = 224) -> v2.Compose:
    """The evaluation preprocessing ImageNet models expect: resize, centre crop, normalise."""
    return v2.Compose(
        [
            v2.ToImage(),
            v2.Resize(int(size * 256 / 224), antialias=True),
            v2.CenterCrop(size),
            v2.ToDtype(torch.float32, scale=True),
            v2.Normalize(IMAGENET_MEAN, IMAGENET_STD),
        ]
    )


def with_new_head(model: nn.Module, n_classes: int) -> nn.Module:
    """Replace MobileNetV2's 1000-way ImageNet classifier with an n_classes one."""
    model.classifier[1] = nn.Linear(model.classifier[1].in_features, n_classes)
    return model


def transforms(size: int, augment: bool) -> v2.Compose:
    """Resize to size x size RGB, optionally augment (flip, small affine), normalise like ImageNet."""
    steps: list[v2.Transform] = [v2.ToImage(), v2.RGB()]
    if augment:
        steps += [
            v2.RandomResizedCrop(size, scale=(0.7, 1.0), antialias=True),
            v2.RandomHorizontalFlip(),
            v2.RandomRotation(10),
        ]
    else:
        steps += [v2.Resize(size, antialias=True), v2.CenterCrop(size)]
    return v2.Compose(
        [*steps, v2.ToDtype(torch.float32, scale=True), v2.Normalize(IMAGENET_MEAN, IMAGENET_STD)]
    )


def read_sample_photos(wheel: Path) -> list[LabelledPhoto]:
    """Read the labelled ImageNet photos (imagenet_NN_CLASS.jpg) shipped in the foolbox wheel."""
    photos = []
    with zipfile.ZipFile(wheel) as zf:
        for name in sorted(zf.namelist()):
            if match := _SAMPLE.fullmatch(name):
                image = Image.open(io.BytesIO(zf.read(name))).convert("RGB")
                photos.append(LabelledPhoto(Path(name).stem, image, int(match.group(2))))
    if not photos:
        raise ValueError(f"{wheel.name} holds no foolbox/data/imagenet_*.jpg sample photos")
    return photos


def unnormalize(x: torch.Tensor) -> np.ndarray:
    """Undo ImageNet normalisation of a (3, H, W) tensor and return an (H, W, 3) image in [0, 1]."""
    mean, std = (
        torch.tensor(IMAGENET_MEAN)[:, None, None],
        torch.tensor(IMAGENET_STD)[:, None, None],
    )
    return (x.detach().cpu() * std + mean).clamp(0, 1).permute(1, 2, 0).numpy()
