"""Preprocessing for a CNN with OpenCV, checked against torchvision.

The OpenCV pipeline (BGR->RGB, a Gaussian pre-blur standing in for torchvision's antialiasing,
resize the shorter side keeping the aspect ratio, centre crop, normalise, channels first) feeds
week 11's pretrained MobileNetV2 the 20 labelled ImageNet photos shipped in the foolbox wheel.
It must give the same top-1 answers as torchvision's pipeline and, where both resize with the
same (bilinear, not antialiased) interpolation, the same input tensor to within one grey level.
Feeding BGR by mistake shows what the colour-order trap costs.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from shared.bars import Bar
from shared.context import RunContext
from shared.plotting import subplots
from week11_transfer_learning.pretrained import (
    LabelledPhoto,
    imagenet_categories,
    imagenet_transform,
    load_mobilenet_v2,
    read_sample_photos,
    unnormalize,
)
from week12_opencv.cnn_input import opencv_input, pixel_levels_apart, torchvision_bilinear_transform
from week12_opencv.images import decode_image


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    photos: int | None = None  # the first this many sample photos; None: all


FULL = Config()
FAST = Config(photos=6)

BARS = [
    Bar(
        "top1_agreement",
        ">=",
        1.0,
        "issue 10: the OpenCV pipeline gives torchvision's top-1 answer on all 20 photos",
    ),
    Bar(
        "same_interp_max_diff_levels",
        "<=",
        1.0,
        "issue 10: input tensors within 1/255 where both resize bilinearly (uint8 rounding)",
    ),
]


def read_photos_bgr(wheel: Path, photos: list[LabelledPhoto]) -> list[np.ndarray]:
    """Decode the same sample photos straight from the wheel with OpenCV (BGR, uint8)."""
    with zipfile.ZipFile(wheel) as zf:
        return [
            decode_image(zf.read(f"foolbox/data/{p.name}.jpg"), f"{p.name}.jpg") for p in photos
        ]


def inputs_by_pipeline(
    photos: list[LabelledPhoto], images: list[np.ndarray]
) -> dict[str, torch.Tensor]:
    """Batch the photos through each pipeline: torchvision's two, OpenCV's three, the BGR trap."""
    tv_bilinear = torchvision_bilinear_transform()
    pipelines = {
        "torchvision": [imagenet_transform()(p.image) for p in photos],
        "opencv": [opencv_input(im) for im in images],
        "opencv_area": [opencv_input(im, cv2.INTER_AREA, antialias=False) for im in images],
        "torchvision_bilinear": [tv_bilinear(p.image) for p in photos],
        "opencv_bilinear": [opencv_input(im, antialias=False) for im in images],
        "bgr_trap": [opencv_input(im, swap_to_rgb=False) for im in images],
    }
    return {name: torch.stack(tensors) for name, tensors in pipelines.items()}


def levels(diff: torch.Tensor) -> float:
    """A grey-level difference as a float, rounded to 1/1000 level (float32 noise is ~1e-5)."""
    return round(diff.item(), 3)


def run(ctx: RunContext) -> dict[str, float]:
    """Compare OpenCV and torchvision inputs and predictions on the labelled sample photos."""
    config = FAST if ctx.fast else FULL
    wheel = ctx.dataset("foolbox_samples")
    photos = read_sample_photos(wheel)[: config.photos]
    model = load_mobilenet_v2(ctx.dataset("mobilenet_v2_imagenet")).eval()
    batches = inputs_by_pipeline(photos, read_photos_bgr(wheel, photos))
    with torch.inference_mode():
        probs = {name: model(batch).softmax(1) for name, batch in batches.items()}
    top1 = {name: p.argmax(1) for name, p in probs.items()}
    labels = torch.tensor([p.label for p in photos])
    accuracy = {name: (t == labels).float().mean().item() for name, t in top1.items()}

    def agreement(a: str, b: str) -> float:
        return (top1[a] == top1[b]).float().mean().item()

    antialiased = pixel_levels_apart(batches["opencv"], batches["torchvision"])
    area = pixel_levels_apart(batches["opencv_area"], batches["torchvision"])
    same_interp = pixel_levels_apart(batches["opencv_bilinear"], batches["torchvision_bilinear"])
    margin = probs["torchvision"].topk(2, dim=1).values
    closest = int((margin[:, 0] - margin[:, 1]).argmin())

    _plot_inputs(ctx, batches, {"area": area, "antialiased": antialiased})
    _note_results(ctx, photos, top1, accuracy, closest, margin[closest])
    return {
        "top1_agreement": agreement("opencv", "torchvision"),
        "area_top1_agreement": agreement("opencv_area", "torchvision"),
        "bilinear_top1_agreement": agreement("opencv_bilinear", "torchvision_bilinear"),
        "bgr_trap_top1_agreement": agreement("bgr_trap", "torchvision"),
        "same_interp_max_diff_levels": levels(same_interp.max()),
        "antialiased_mean_diff_levels": levels(antialiased.mean()),
        "area_mean_diff_levels": levels(area.mean()),
        "torchvision_top1_accuracy": accuracy["torchvision"],
        "opencv_top1_accuracy": accuracy["opencv"],
        "bgr_trap_top1_accuracy": accuracy["bgr_trap"],
        "photos": len(photos),
    }


def _note_results(
    ctx: RunContext,
    photos: list[LabelledPhoto],
    top1: dict[str, torch.Tensor],
    accuracy: dict[str, float],
    closest: int,
    closest_probs: torch.Tensor,
) -> None:
    """Write the pipelines' table and any disagreement with torchvision to the report."""
    categories = imagenet_categories()
    rows = [
        ("torchvision (week 11)", "bilinear, antialiased", "torchvision"),
        ("OpenCV", "Gaussian pre-blur + `INTER_LINEAR`", "opencv"),
        ("OpenCV", "`INTER_AREA`", "opencv_area"),
        ("torchvision", "bilinear, no antialias", "torchvision_bilinear"),
        ("OpenCV", "`INTER_LINEAR`, no pre-blur", "opencv_bilinear"),
        ("OpenCV, BGR fed by mistake", "Gaussian pre-blur + `INTER_LINEAR`", "bgr_trap"),
    ]
    table = "| pipeline | resize | top-1 accuracy | answers unlike torchvision (week 11) |\n"
    table += "|---|---|---|---|\n"
    for label, resize, key in rows:
        differ = [
            f"{p.name}: {categories[int(b)]}"
            for p, a, b in zip(photos, top1["torchvision"], top1[key], strict=True)
            if a != b
        ]
        table += f"| {label} | {resize} | {accuracy[key]:.2f} | {'; '.join(differ) or '—'} |\n"
    first, second = closest_probs.tolist()
    ctx.note(
        table + f"\nThe closest call is {photos[closest].name} ({first:.2f} against {second:.2f} "
        "for the runner-up under torchvision): photos that near a tie can flip on a one-level "
        "difference. Forgetting the BGR->RGB swap raises no error; it only changes the answers."
    )


def _plot_inputs(
    ctx: RunContext, batches: dict[str, torch.Tensor], diffs: dict[str, torch.Tensor]
) -> None:
    """Show, for a few photos, both pipelines' inputs, their differences and the BGR trap."""
    shown = min(4, len(batches["torchvision"]))
    columns = {
        "torchvision": "torchvision input",
        "opencv_area": "OpenCV INTER_AREA input",
        "area": "|difference|, INTER_AREA",
        "antialiased": "|difference|, pre-blur + LINEAR",
        "bgr_trap": "BGR fed by mistake",
    }
    fig, axes = subplots(shown, len(columns), width=2.4, height=2.4, squeeze=False)
    for row in range(shown):
        for ax, (key, title) in zip(axes[row], columns.items(), strict=True):
            ax.axis("off")
            if key in diffs:
                heat = ax.imshow(diffs[key][row].amax(0).numpy(), cmap="magma", vmin=0, vmax=20)
            else:
                ax.imshow(unnormalize(batches[key][row]))
            if row == 0:
                ax.set_title(title, fontsize=9)
    fig.colorbar(heat, ax=axes[:, 3].tolist(), shrink=0.6, label="grey levels")
    ctx.save_figure(
        fig,
        "inputs",
        "The network's input from torchvision (antialiased resize) and from OpenCV's INTER_AREA "
        "resize; how far OpenCV's INTER_AREA and Gaussian pre-blur + INTER_LINEAR inputs are from "
        "torchvision's, in grey levels; and the BGR image a missed colour swap feeds the network",
    )
