"""Filters, thresholds and edge detectors on one photo, and which smoother fits which noise.

Every filter in filters.py runs on the same photo and is drawn in one grid. Then the photo is
corrupted with Gaussian noise and with salt-and-pepper noise, and each smoothing filter's
PSNR against the clean photo shows the classic result: the median filter removes
salt-and-pepper specks that blurring only smears and the bilateral filter keeps (to it a speck
is an edge), while plain blurring suits Gaussian noise best.
"""

from __future__ import annotations

import cv2
import numpy as np

from shared.context import RunContext
from shared.plotting import subplots
from week12_opencv.filters import (
    COLOUR_FILTERS,
    GREY_FILTERS,
    bilateral,
    gaussian_blur,
    median_blur,
)
from week12_opencv.images import bgr_to_rgb, read_image

SMOOTHERS = {"gaussian": gaussian_blur, "median": median_blur, "bilateral": bilateral}


def add_gaussian_noise(image: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Add zero-mean Gaussian noise of standard deviation `sigma` grey levels."""
    noisy = image.astype(np.float32) + rng.normal(0, sigma, image.shape).astype(np.float32)
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)


def add_salt_and_pepper(image: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Set a random `fraction` of pixels to pure black or pure white (all channels)."""
    noisy = image.copy()
    hit = rng.random(image.shape[:2]) < fraction
    values = rng.choice(np.array([0, 255], np.uint8), size=int(hit.sum()))
    noisy[hit] = values if image.ndim == 2 else values[:, None]
    return noisy


def denoising_psnr(clean: np.ndarray, seed: int) -> dict[str, float]:
    """PSNR (dB) of each smoothing filter on Gaussian (sigma 20) and salt-and-pepper (5%) noise."""
    rng = np.random.default_rng(seed)
    noisy = {
        "gaussian_noise": add_gaussian_noise(clean, 20.0, rng),
        "salt_pepper": add_salt_and_pepper(clean, 0.05, rng),
    }
    scores = {}
    for noise, image in noisy.items():
        scores[f"{noise}_noisy_psnr_db"] = cv2.PSNR(clean, image)
        for name, smooth in SMOOTHERS.items():
            scores[f"{noise}_{name}_psnr_db"] = cv2.PSNR(clean, smooth(image))
    return scores


def run(ctx: RunContext) -> dict[str, float]:
    """Draw every filter on one photo and score the smoothers on two kinds of noise."""
    bgr = read_image(ctx.dataset("skimage_chelsea"))
    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    _plot_grid(ctx, bgr, grey)
    metrics = denoising_psnr(bgr, ctx.seed)
    metrics["canny_edge_fraction"] = float((GREY_FILTERS["Canny"](grey) > 0).mean())
    rows = "\n".join(
        f"| {noise.replace('_', ' ')} | {metrics[f'{noise}_noisy_psnr_db']:.1f} | "
        + " | ".join(f"{metrics[f'{noise}_{name}_psnr_db']:.1f}" for name in SMOOTHERS)
        + " |"
        for noise in ("gaussian_noise", "salt_pepper")
    )
    ctx.note(
        "PSNR against the clean photo, dB (higher is better):\n\n"
        "| noise | noisy | Gaussian blur 5x5 | median 5x5 | bilateral |\n|---|---|---|---|---|\n"
        + rows
    )
    return metrics


def _plot_grid(ctx: RunContext, bgr: np.ndarray, grey: np.ndarray) -> None:
    """Draw the original and every filter, threshold and edge detector in one grid."""
    panels = [("original", bgr_to_rgb(bgr), None)]
    panels += [(name, bgr_to_rgb(f(bgr)), None) for name, f in COLOUR_FILTERS.items()]
    panels += [("grey", grey, "gray")]
    panels += [(name, f(grey), "gray") for name, f in GREY_FILTERS.items()]
    fig, axes = subplots(3, 4, width=2.8, height=2.1)
    h, w = grey.shape
    window = (slice(h // 5, 4 * h // 5), slice(w // 5, 4 * w // 5))
    for ax, (title, image, cmap) in zip(axes.flat, panels, strict=True):
        ax.imshow(image[window], cmap=cmap)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    ctx.save_figure(
        fig,
        "grid",
        "The middle of one photo through every filter (each ran on the whole photo), left to "
        "right and top to bottom: smoothing (Gaussian, median, bilateral), sharpening, grey, "
        "thresholds (fixed level, Otsu's, local mean) and edges (Sobel gradient magnitude, "
        "Laplacian, Canny)",
    )
