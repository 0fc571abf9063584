"""Zero-shot ImageNet predictions with a pretrained MobileNetV2.

torchvision's MobileNetV2 with its own ImageNet-1k weights (from the registry, loaded with
weights_only=True) classifies 20 labelled ImageNet photos shipped in the foolbox package,
without any training: a sanity check that the weights, the preprocessing and the class names
fit together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from shared.bars import Bar
from shared.context import RunContext
from shared.vision import plot_image_grid
from week11_transfer_learning.pretrained import (
    imagenet_categories,
    imagenet_transform,
    load_mobilenet_v2,
    read_sample_photos,
)


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    photos: int | None = None  # the first this many sample photos; None: all


FULL = Config()
FAST = Config(photos=6)

# torchvision MobileNet_V2_Weights.IMAGENET1K_V1 on the ImageNet validation set: top-1 71.878%,
# top-5 90.286%. Our 20 photos are a tiny sample, so the bars are those published rates.
BARS = [
    Bar(
        "top1_accuracy",
        ">=",
        0.71,
        "torchvision MobileNetV2 IMAGENET1K_V1: top-1 71.9% on ImageNet val",
    ),
    Bar(
        "top5_accuracy",
        ">=",
        0.90,
        "torchvision MobileNetV2 IMAGENET1K_V1: top-5 90.3% on ImageNet val",
    ),
]


def run(ctx: RunContext) -> dict[str, float]:
    """Predict the sample photos' classes and show each with its top-1 guess."""
    config = FAST if ctx.fast else FULL
    model = load_mobilenet_v2(ctx.dataset("mobilenet_v2_imagenet")).eval()
    photos = read_sample_photos(ctx.dataset("foolbox_samples"))[: config.photos]
    categories = imagenet_categories()
    transform = imagenet_transform()
    with torch.inference_mode():
        probs = model(torch.stack([transform(p.image) for p in photos])).softmax(1)
    top5 = probs.topk(5, dim=1)
    labels = torch.tensor([p.label for p in photos])
    top1_hit = top5.indices[:, 0] == labels
    top5_hit = (top5.indices == labels[:, None]).any(1)
    for p, idx, hit in zip(photos, top5.indices[:, 0], top1_hit, strict=True):
        ctx.log(
            f"{p.name}: true {categories[p.label]!r}, "
            f"predicted {categories[idx]!r} {'✓' if hit else '✗'}"
        )

    titles = [
        f"{'✓' if hit else '✗'} {categories[i]}\n({prob:.0%}; true: {categories[p.label]})"
        for p, i, prob, hit in zip(
            photos, top5.indices[:, 0], top5.values[:, 0], top1_hit, strict=True
        )
    ]
    fig = plot_image_grid(
        [np.asarray(p.image.resize((160, 160))) for p in photos], titles, ncols=5, size=2.4
    )
    ctx.save_figure(
        fig,
        "predictions",
        f"Pretrained MobileNetV2, no training: {int(top1_hit.sum())} of {len(photos)} photos "
        "right at top-1, "
        f"{int(top5_hit.sum())} within the top 5",
    )
    misses = [
        f"{p.name} ({categories[p.label]} → {categories[i]})"
        for p, i, hit in zip(photos, top5.indices[:, 0], top1_hit, strict=True)
        if not hit
    ]
    ctx.note(
        f"MobileNetV2 (3.5M parameters, torchvision's IMAGENET1K_V1 weights) names "
        f"{int(top1_hit.sum())}/{len(photos)} photos exactly. Top-1 misses: "
        f"{', '.join(misses) or 'none'}; each is a near neighbour of the true class."
    )
    return {
        "top1_accuracy": top1_hit.float().mean().item(),
        "top5_accuracy": top5_hit.float().mean().item(),
        "photos": len(photos),
    }
