"""Inside a pretrained CNN: filters, feature maps and Grad-CAM.

For real photos, MobileNetV2's first-layer filters, its feature maps at several depths (edges
and colours early, object parts late, ever coarser), and Grad-CAM maps of where the evidence
for the predicted class lies. Grad-CAM is checked by the deletion test: blanking the 20% of
pixels it marks should hurt the prediction far more than blanking the same region shifted away.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from shared.bars import Bar
from shared.context import RunContext
from shared.plotting import subplots
from shared.vision import plot_filters
from week11_transfer_learning.gradcam import deletion_drop, feature_maps, grad_cam
from week11_transfer_learning.pretrained import (
    imagenet_categories,
    imagenet_transform,
    load_mobilenet_v2,
    read_sample_photos,
    unnormalize,
)


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    photos: int | None = None  # the first this many sample photos; None: all


FULL = Config()
FAST = Config(photos=4)

# Petsiuk, Das & Saenko (2018), RISE, "deletion" metric: removing the pixels a faithful saliency
# map ranks highest destroys the class score much faster than chance. Our bar: blanking Grad-CAM's
# top 20% lowers the class probability by >= 0.2 more than blanking the same region shifted away.
BARS = [
    Bar(
        "gradcam_deletion_advantage",
        ">=",
        0.2,
        "Petsiuk et al. 2018 (RISE) deletion test of saliency maps",
    )
]
LAYERS = {
    1: "block 1 (112 px)",
    3: "block 3 (56 px)",
    6: "block 6 (28 px)",
    13: "block 13 (14 px)",
    17: "block 17 (7 px)",
}


def run(ctx: RunContext) -> dict[str, float]:
    """Draw filters, feature maps and Grad-CAM, and run the deletion test on the sample photos."""
    config = FAST if ctx.fast else FULL
    model = load_mobilenet_v2(ctx.dataset("mobilenet_v2_imagenet")).eval()
    photos = read_sample_photos(ctx.dataset("foolbox_samples"))[: config.photos]
    categories = imagenet_categories()
    transform = imagenet_transform()
    x = torch.stack([transform(p.image) for p in photos])

    ctx.save_figure(
        plot_filters(model.features[0][0].weight),
        "first_layer_filters",
        "MobileNetV2's 32 first-layer 3x3 filters: colour blobs and oriented edges",
    )

    maps = feature_maps(model, x[:1], list(LAYERS))
    fig, axes = subplots(len(LAYERS), 7, width=1.5, height=1.5)
    for row, (i, name) in zip(axes, LAYERS.items(), strict=True):
        row[0].imshow(unnormalize(x[0]))
        row[0].set_title(name, fontsize=8)
        strongest = maps[i][0].mean(dim=(1, 2)).topk(6).indices
        for ax, c in zip(row[1:], strongest, strict=True):
            ax.imshow(maps[i][0, c].numpy(), cmap="viridis")
        for ax in row:
            ax.axis("off")
    ctx.save_figure(
        fig,
        "feature_maps",
        f"Feature maps for a {categories[photos[0].label]} photo: "
        "sharp edge maps early, coarse part detectors deep",
    )

    cams, target = grad_cam(model, x)
    shown = min(len(photos), 8)
    fig, axes = subplots(2, shown, width=1.9, height=2.0, squeeze=False)
    for j in range(shown):
        axes[0, j].imshow(unnormalize(x[j]))
        axes[0, j].set_title(categories[target[j]], fontsize=8)
        axes[1, j].imshow(unnormalize(x[j]))
        axes[1, j].imshow(cams[j].numpy(), cmap="jet", alpha=0.45)
        axes[0, j].axis("off")
        axes[1, j].axis("off")
    ctx.save_figure(
        fig,
        "grad_cam",
        "Grad-CAM: the evidence for each predicted class sits on the object, not the background",
    )

    shift = (x.shape[-2] // 2, x.shape[-1] // 2)
    drop_cam = deletion_drop(model, x, cams, target).mean().item()
    drop_shifted = deletion_drop(model, x, cams.roll(shift, dims=(1, 2)), target).mean().item()
    ctx.log(
        f"deletion test: probability drop {drop_cam:.3f} (Grad-CAM) vs {drop_shifted:.3f} (shifted)"
    )
    ctx.note(
        f"Deletion test on {len(photos)} photos: blanking the 20% of pixels Grad-CAM ranks highest "
        f"lowers the predicted class's probability by {drop_cam:.2f} on average; blanking the same "
        f"region shifted by half the image lowers it by only {drop_shifted:.2f}."
    )
    return {
        "deletion_drop_gradcam": drop_cam,
        "deletion_drop_shifted": drop_shifted,
        "gradcam_deletion_advantage": drop_cam - drop_shifted,
    }
