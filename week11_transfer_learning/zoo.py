"""A zoo of ImageNet CNN families: each one's builder, weights file, head and published accuracy.

Two families have ImageNet weights in a package registry and so a registry entry: MobileNetV2
(`mobilenet_v2_imagenet`) and EfficientNet-Lite0 (`efficientnet_lite0_imagenet`, architecture in
efficientnet_lite.py). ResNet, VGG and EfficientNet-B0 are in no package registry checked (the
README lists what was searched): they are built with torchvision's builders and take their
weights file from a folder, by default the one torchvision's own `weights=` downloads go to, so
a learner who has used torchvision online already has them there. Every family takes the same
input, an image normalised with ImageNet's mean and std (pretrained.imagenet_transform).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from torchvision.models import efficientnet_b0, mobilenet_v2, resnet18, resnet50, vgg16

from shared.registry import sha256_of
from week11_transfer_learning import efficientnet_lite
from week11_transfer_learning.pretrained import IMAGENET_MEAN, IMAGENET_STD

WEIGHTS_DIR_ENV = "ML_ROADMAP_TORCH_WEIGHTS"


@dataclass(frozen=True)
class Family:
    """One pretrained network: how to build it, where its weights come from, what it scores."""

    name: str
    title: str
    build: Callable[[], nn.Module]
    head: str  # dotted path of the 1000-way classifier, replaced by Identity for features
    weights_file: str  # the canonical file name, `<stem>-<sha256 prefix>.pth` (torch hub style)
    url: str  # the canonical upstream address of that file
    top1: float  # published ImageNet-1k validation top-1 accuracy (%), from `reference`
    reference: str
    registry: str | None = None  # the registry entry holding the weights, if a registry has them
    mean: tuple[float, ...] = IMAGENET_MEAN
    std: tuple[float, ...] = IMAGENET_STD

    @property
    def stem(self) -> str:
        """The weights file name without its hash suffix, e.g. 'resnet18'."""
        return self.weights_file.rsplit("-", 1)[0]


_TV = "https://download.pytorch.org/models/"
_TV_DOCS = "torchvision.models docs"
FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            "mobilenet_v2",
            "MobileNetV2",
            mobilenet_v2,
            "classifier.1",
            "mobilenet_v2-b0353104.pth",
            _TV + "mobilenet_v2-b0353104.pth",
            71.878,
            f"{_TV_DOCS}, MobileNet_V2_Weights.IMAGENET1K_V1",
            registry="mobilenet_v2_imagenet",
        ),
        Family(
            "efficientnet_lite0",
            "EfficientNet-Lite0",
            efficientnet_lite.EfficientNetLite0,
            "_fc",
            "efficientnet-lite0-57934424.pth",
            "",
            75.1,
            "TensorFlow TPU models, efficientnet/lite README (Lite0: 75.1% top-1, 4.7M params)",
            registry="efficientnet_lite0_imagenet",
            mean=efficientnet_lite.MEAN,
            std=efficientnet_lite.STD,
        ),
        Family(
            "resnet18",
            "ResNet-18",
            resnet18,
            "fc",
            "resnet18-f37072fd.pth",
            _TV + "resnet18-f37072fd.pth",
            69.758,
            f"{_TV_DOCS}, ResNet18_Weights.IMAGENET1K_V1",
        ),
        Family(
            "resnet50",
            "ResNet-50",
            resnet50,
            "fc",
            "resnet50-0676ba61.pth",
            _TV + "resnet50-0676ba61.pth",
            76.130,
            f"{_TV_DOCS}, ResNet50_Weights.IMAGENET1K_V1",
        ),
        Family(
            "efficientnet_b0",
            "EfficientNet-B0",
            efficientnet_b0,
            "classifier.1",
            "efficientnet_b0_rwightman-7f5810bc.pth",
            _TV + "efficientnet_b0_rwightman-7f5810bc.pth",
            77.692,
            f"{_TV_DOCS}, EfficientNet_B0_Weights.IMAGENET1K_V1",
        ),
        Family(
            "vgg16",
            "VGG-16",
            vgg16,
            "classifier.6",
            "vgg16-397923af.pth",
            _TV + "vgg16-397923af.pth",
            71.592,
            f"{_TV_DOCS}, VGG16_Weights.IMAGENET1K_V1",
        ),
    )
}


class Renormalize(nn.Module):
    """Turn an ImageNet-normalised image into the normalisation another family was trained with."""

    def __init__(self, mean: tuple[float, ...], std: tuple[float, ...]):
        super().__init__()
        std_t = torch.tensor(std)
        scale = torch.tensor(IMAGENET_STD) / std_t
        shift = (torch.tensor(IMAGENET_MEAN) - torch.tensor(mean)) / std_t
        self.register_buffer("scale", scale.view(1, 3, 1, 1))
        self.register_buffer("shift", shift.view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return (x * imagenet_std + imagenet_mean - mean) / std."""
        return x * self.scale + self.shift


def load(family: Family, weights: Path | None, features_only: bool = False) -> nn.Module:
    """Build `family`, load its weights (None: random), in eval mode, on ImageNet-normalised input.

    The state dict is read with weights_only=True (tensors only, no code) and must match the
    architecture exactly. With features_only the classifier becomes the identity, so the model
    returns the pooled features a new head learns from.
    """
    model = family.build()
    if weights is not None:
        model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    if features_only:
        parent, _, leaf = family.head.rpartition(".")
        setattr(model.get_submodule(parent), leaf, nn.Identity())
    if (family.mean, family.std) != (IMAGENET_MEAN, IMAGENET_STD):
        model = nn.Sequential(Renormalize(family.mean, family.std), model)
    return model.eval()


def weights_for(family: Family, dataset: Callable[[str], Path], folder: Path) -> Path:
    """The family's weights: its registry entry through `dataset` if it has one, else the folder's."""
    return dataset(family.registry) if family.registry else weights_in_folder(family, folder)


def weights_dir() -> Path:
    """The folder weights files are looked up in: $ML_ROADMAP_TORCH_WEIGHTS, else torch hub's."""
    folder = os.environ.get(WEIGHTS_DIR_ENV)
    return Path(folder) if folder else Path(torch.hub.get_dir()) / "checkpoints"


def weights_in_folder(family: Family, folder: Path) -> Path:
    """Return the family's weights file in `folder`, checked against the hash in its name.

    A file is named like torchvision's, `<stem>-<first hex digits of its sha256>.pth`
    (e.g. resnet18-f37072fd.pth); a file whose sha256 does not start with those digits is
    refused, as torch.hub refuses a corrupted download.
    """
    pattern = re.compile(re.escape(family.stem) + r"-([0-9a-f]{8,64})\.pth")
    found = (
        sorted(p for p in folder.iterdir() if pattern.fullmatch(p.name)) if folder.is_dir() else []
    )
    if not found:
        raise FileNotFoundError(
            f"{family.title}: no {family.stem}-<sha256 prefix>.pth in {folder}. No package "
            f"registry ships these ImageNet weights: download {family.url} into that folder "
            f"(or point ${WEIGHTS_DIR_ENV} at a folder holding it)."
        )
    canonical = [p for p in found if p.name == family.weights_file]
    if len(found) > 1 and not canonical:
        names = ", ".join(p.name for p in found)
        raise ValueError(f"{family.title}: several weights files in {folder} ({names}); keep one")
    path = (canonical or found)[0]
    prefix = pattern.fullmatch(path.name).group(1)
    digest = sha256_of(path)
    if not digest.startswith(prefix):
        raise ValueError(
            f"{path} is corrupt or not what its name says: its sha256 starts {digest[:8]}, "
            f"the name promises {prefix}. Delete it and download {family.url or 'it'} again."
        )
    return path


def parameter_count(model: nn.Module) -> int:
    """Return the number of parameters of a model (a zoo network: head included)."""
    return sum(p.numel() for p in model.parameters())


@torch.inference_mode()
def cpu_latency_ms(models: dict[str, nn.Module], repeats: int, size: int = 224) -> dict[str, float]:
    """Fastest of `repeats` single-image passes (size x size) per model on one CPU thread, in ms.

    The models take turns, one pass each per round, so every one meets the same load from
    other processes; the best pass is the one least slowed by them. One thread makes the
    numbers comparable across machines with different core counts (on a busy machine torch's
    threads also wait for each other). They still depend on the CPU: a measurement, not a bar.
    """
    x = torch.randn(1, 3, size, size)
    times: dict[str, list[float]] = {name: [] for name in models}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for model in models.values():
            model.eval().cpu()(x)
        for _ in range(repeats):
            for name, model in models.items():
                start = time.perf_counter()
                model(x)
                times[name].append(time.perf_counter() - start)
    finally:
        torch.set_num_threads(threads)
    return {name: 1000 * min(t) for name, t in times.items()}
