"""Images as arrays: read and write, resize and crop, colour spaces, and the BGR<->RGB trap.

OpenCV reads a photo into a NumPy array of shape (height, width, 3), uint8, in BGR order. The
project writes it back as PNG (lossless) and JPEG (lossy) and measures the difference, shrinks it
with each interpolation and measures what is lost, shows that a crop is a view into the original,
and converts it to RGB, HSV, LAB and grey, checking each conversion's round trip.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import cv2
import numpy as np

from shared.bars import Bar
from shared.context import RunContext
from shared.plotting import subplots
from week12_opencv.images import (
    bgr_to_rgb,
    colour_spaces,
    grey_by_formula,
    read_image,
    write_image,
)

BARS = [
    Bar("png_roundtrip_max_diff", "<=", 0.0, "PNG is lossless (W3C PNG specification)"),
    Bar(
        "grey_formula_max_diff",
        "<=",
        1.0,
        "OpenCV docs, cvtColor RGB->Gray: Y = 0.299 R + 0.587 G + 0.114 B (fixed-point rounding)",
    ),
]
INTERPOLATIONS = {
    "nearest": cv2.INTER_NEAREST,
    "linear": cv2.INTER_LINEAR,
    "area": cv2.INTER_AREA,
    "cubic": cv2.INTER_CUBIC,
}
_BACK = {cv2.COLOR_BGR2HSV: cv2.COLOR_HSV2BGR, cv2.COLOR_BGR2LAB: cv2.COLOR_LAB2BGR}


def max_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Largest absolute difference between two uint8 images, in grey levels."""
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).max())


def roundtrip_error(bgr: np.ndarray, code: int) -> float:
    """Convert BGR to another colour space and back; return the largest change (uint8 loss)."""
    return max_diff(bgr, cv2.cvtColor(cv2.cvtColor(bgr, code), _BACK[code]))


def file_roundtrips(bgr: np.ndarray, folder: Path) -> dict[str, float]:
    """Write the image as PNG and as JPEG (quality 90), read both back, and measure the loss."""
    png = read_image(write_image(folder / "photo.png", bgr))
    jpg_path = write_image(folder / "photo.jpg", bgr, jpeg_quality=90)
    jpg = read_image(jpg_path)
    return {
        "png_roundtrip_max_diff": max_diff(bgr, png),
        "jpeg90_psnr_db": cv2.PSNR(bgr, jpg),
        "jpeg90_size_ratio": jpg_path.stat().st_size / (folder / "photo.png").stat().st_size,
    }


def shrink_and_restore_psnr(bgr: np.ndarray, factor: int = 4) -> dict[str, float]:
    """Shrink by `factor` with each interpolation, enlarge back with bicubic, and score the PSNR."""
    h, w = bgr.shape[:2]
    scores = {}
    for name, flag in INTERPOLATIONS.items():
        small = cv2.resize(bgr, (w // factor, h // factor), interpolation=flag)
        restored = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
        scores[f"shrink_{name}_psnr_db"] = cv2.PSNR(bgr, restored)
    return scores


def run(ctx: RunContext) -> dict[str, float]:
    """Read, write, resize, crop and convert a real photo, measuring each step."""
    bgr = read_image(ctx.dataset("skimage_chelsea"))
    with tempfile.TemporaryDirectory() as folder:
        metrics = file_roundtrips(bgr, Path(folder))
    metrics |= shrink_and_restore_psnr(bgr)
    metrics["hsv_roundtrip_max_diff"] = roundtrip_error(bgr, cv2.COLOR_BGR2HSV)
    metrics["lab_roundtrip_max_diff"] = roundtrip_error(bgr, cv2.COLOR_BGR2LAB)
    metrics["grey_formula_max_diff"] = max_diff(colour_spaces(bgr)["grey"], grey_by_formula(bgr))

    h, w = bgr.shape[:2]
    crop = bgr[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4]
    metrics["crop_is_view"] = float(np.shares_memory(crop, bgr))
    _plot_bgr_trap(ctx, bgr)
    _plot_colour_spaces(ctx, bgr)
    ctx.note(
        f"The photo is a {bgr.shape} {bgr.dtype} array. PNG gives back every pixel; JPEG at "
        f"quality 90 is {metrics['jpeg90_size_ratio']:.0%} of the PNG's size at "
        f"{metrics['jpeg90_psnr_db']:.1f} dB PSNR. Shrinking 4x and enlarging back: "
        + ", ".join(f"{k} {metrics[f'shrink_{k}_psnr_db']:.1f} dB" for k in INTERPOLATIONS)
        + " (INTER_AREA averages the pixels it drops; NEAREST just skips them). "
        f"Colour round trips in uint8 lose up to {metrics['hsv_roundtrip_max_diff']:.0f} levels "
        f"through HSV (hue is stored as 0-179) and {metrics['lab_roundtrip_max_diff']:.0f} "
        "through LAB. A crop `image[y0:y1, x0:x1]` is a view: drawing on it draws on the "
        "original unless you `.copy()` it."
    )
    return metrics


def _plot_bgr_trap(ctx: RunContext, bgr: np.ndarray) -> None:
    """Show the photo as matplotlib draws OpenCV's BGR array, and after the swap to RGB."""
    fig, axes = subplots(1, 2, width=4.0, height=3.0)
    for ax, image, title in [
        (axes[0], bgr, "cv2.imread array shown as-is (BGR read as RGB)"),
        (axes[1], bgr_to_rgb(bgr), "after cv2.cvtColor(image, cv2.COLOR_BGR2RGB)"),
    ]:
        ax.imshow(image)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    ctx.save_figure(
        fig,
        "bgr_trap",
        "The BGR<->RGB trap: OpenCV stores blue first, matplotlib expects red first, "
        "so an unconverted orange cat turns blue",
    )


def _plot_colour_spaces(ctx: RunContext, bgr: np.ndarray) -> None:
    """Show each channel of HSV and LAB, and the grey image, for the same photo."""
    spaces = colour_spaces(bgr)
    panels = [(bgr_to_rgb(bgr), "RGB", None, 255), (spaces["grey"], "grey (luma)", "gray", 255)]
    panels += [(spaces["HSV"][..., 0], "HSV: H (0-179, colour wheel)", "hsv", 180)]
    panels += [(spaces["HSV"][..., i], f"HSV: {c}", "gray", 255) for i, c in ((1, "S"), (2, "V"))]
    panels += [(spaces["LAB"][..., i], f"LAB: {c}", "gray", 255) for i, c in enumerate("LAB")]
    fig, axes = subplots(2, 4, width=2.6, height=2.0)
    for ax, (image, title, cmap, top) in zip(axes.flat, panels, strict=True):
        ax.imshow(image, cmap=cmap, vmin=0, vmax=top)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    ctx.save_figure(
        fig,
        "colour_spaces",
        "One photo in several colour spaces: hue is an angle (OpenCV halves it to fit uint8), "
        "saturation is how vivid, value how bright; LAB's L is lightness, its a and b the "
        "green-red and blue-yellow axes (128 = neutral grey)",
    )
