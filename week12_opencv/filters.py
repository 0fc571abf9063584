"""Filters, thresholds and edge detectors, each one OpenCV call with the settings explained.

Every function takes a uint8 image and returns a uint8 image of the same size, so they can be
shown side by side. Otsu's threshold is also written out in NumPy, to show what OpenCV computes.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

Filter = Callable[[np.ndarray], np.ndarray]


def gaussian_blur(image: np.ndarray) -> np.ndarray:
    """Average each pixel's 5x5 neighbourhood, Gaussian-weighted: smooths noise, and edges too."""
    return cv2.GaussianBlur(image, (5, 5), 0)


def median_blur(image: np.ndarray) -> np.ndarray:
    """Replace each pixel by the median of its 5x5 window: removes salt-and-pepper specks."""
    return cv2.medianBlur(image, 5)


def bilateral(image: np.ndarray) -> np.ndarray:
    """Average only neighbours of similar brightness: smooths flat areas, keeps edges sharp."""
    return cv2.bilateralFilter(image, d=9, sigmaColor=50, sigmaSpace=5)


def sharpen(image: np.ndarray) -> np.ndarray:
    """Unsharp masking: add back 1.5x the detail a Gaussian blur removes."""
    blurred = cv2.GaussianBlur(image, (0, 0), 2.0)
    return cv2.addWeighted(image, 2.5, blurred, -1.5, 0)


def threshold_global(grey: np.ndarray, level: int = 127) -> np.ndarray:
    """White where the pixel is brighter than a fixed level, black elsewhere."""
    return cv2.threshold(grey, level, 255, cv2.THRESH_BINARY)[1]


def threshold_otsu(grey: np.ndarray) -> np.ndarray:
    """Global threshold at the level Otsu's method picks from the histogram."""
    return cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]


def threshold_adaptive(grey: np.ndarray) -> np.ndarray:
    """Threshold each pixel against the Gaussian-weighted mean of its 51x51 neighbourhood."""
    return cv2.adaptiveThreshold(
        grey, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 51, -5
    )


def sobel_magnitude(grey: np.ndarray) -> np.ndarray:
    """Gradient magnitude from 3x3 Sobel derivatives in x and y, scaled to 0-255."""
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    return to_uint8(cv2.magnitude(gx, gy))


def laplacian(grey: np.ndarray) -> np.ndarray:
    """Absolute second derivative (Laplacian) after a light blur: strong at edges and corners."""
    lap = cv2.Laplacian(cv2.GaussianBlur(grey, (3, 3), 0), cv2.CV_32F, ksize=3)
    return to_uint8(np.abs(lap))


def canny(grey: np.ndarray) -> np.ndarray:
    """Canny edges with thresholds from the image: high = Otsu's level, low = half of it."""
    high = otsu_threshold(grey)
    return cv2.Canny(cv2.GaussianBlur(grey, (5, 5), 0), high // 2, high)


def to_uint8(response: np.ndarray) -> np.ndarray:
    """Scale a non-negative filter response to 0-255, saturating the top 1% so edges show."""
    top = float(np.percentile(response, 99)) or 1.0
    return np.clip(response * (255 / top), 0, 255).astype(np.uint8)


def otsu_threshold(grey: np.ndarray) -> int:
    """Otsu's level in NumPy: the split of the histogram with the largest between-class variance.

    Pixels <= level form one class, the rest the other, as in cv2.THRESH_OTSU.
    """
    if grey.dtype != np.uint8 or grey.ndim != 2:
        raise ValueError(f"Otsu needs a 2-D uint8 image, got {grey.dtype} with shape {grey.shape}")
    p = np.bincount(grey.ravel(), minlength=256) / grey.size
    omega = np.cumsum(p)
    mu = np.cumsum(p * np.arange(256))
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mu[-1] * omega - mu) ** 2 / (omega * (1 - omega))
    return int(np.nanargmax(np.where(np.isfinite(between), between, np.nan)))


COLOUR_FILTERS: dict[str, Filter] = {
    "Gaussian blur": gaussian_blur,
    "median": median_blur,
    "bilateral": bilateral,
    "sharpen (unsharp mask)": sharpen,
}
GREY_FILTERS: dict[str, Filter] = {
    "global threshold (127)": threshold_global,
    "Otsu threshold": threshold_otsu,
    "adaptive threshold": threshold_adaptive,
    "Sobel magnitude": sobel_magnitude,
    "Laplacian": laplacian,
    "Canny": canny,
}
