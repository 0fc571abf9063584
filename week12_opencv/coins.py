"""Finding coins on a plain background: flatten the background, threshold, take the contours.

A photo lit unevenly defeats one global threshold: dark coins vanish into the background and
bright ones merge with it. Flattening the background first (a morphological top-hat: the image
minus its opening by a disc larger than any coin) lets Otsu's threshold work; the outer contours
of the mask, minus specks, are the coins. The `count-coins` command and the `coin_count` lesson
both use these.
"""

from __future__ import annotations

import cv2
import numpy as np

MIN_AREA = 150  # pixels: smaller blobs are specks of texture, not coins (the smallest is ~1000)
BACKGROUND_DISC = 61  # pixels: wider than the largest coin (~55), so the opening erases every coin


def disc(diameter: int) -> np.ndarray:
    """An elliptical structuring element `diameter` pixels wide."""
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (diameter, diameter))


def flatten_background(grey: np.ndarray, diameter: int = BACKGROUND_DISC) -> np.ndarray:
    """Subtract the background estimated by a morphological opening (white top-hat)."""
    return cv2.morphologyEx(grey, cv2.MORPH_TOPHAT, disc(diameter))


def otsu_mask(grey: np.ndarray) -> np.ndarray:
    """Blur lightly, then threshold at Otsu's level: a binary mask of the bright objects."""
    return cv2.threshold(cv2.GaussianBlur(grey, (5, 5), 0), 0, 255, cv2.THRESH_OTSU)[1]


def objects(mask: np.ndarray, min_area: float = MIN_AREA) -> list[np.ndarray]:
    """Outer contours of the mask's white regions, after closing small gaps; drop specks."""
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, disc(7))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return [c for c in contours if cv2.contourArea(c) >= min_area]


def find_coins(grey: np.ndarray) -> list[np.ndarray]:
    """The coins' contours: flatten the background, threshold at Otsu's level, take contours."""
    return objects(otsu_mask(flatten_background(grey)))


def oversized(contours: list[np.ndarray]) -> int:
    """How many regions exceed 3x the median area: coins merged together or with the background."""
    areas = np.array([cv2.contourArea(c) for c in contours])
    return int((areas > 3 * np.median(areas)).sum()) if len(areas) else 0


def outline(grey: np.ndarray, contours: list[np.ndarray]) -> np.ndarray:
    """Draw each contour and its number on a colour copy of the grey image (BGR)."""
    canvas = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    cv2.drawContours(canvas, contours, -1, (0, 0, 255), 2)
    for i, contour in enumerate(contours, 1):
        (x, y), _ = cv2.minEnclosingCircle(contour)
        cv2.putText(
            canvas,
            str(i),
            (int(x) - 6, int(y) + 5),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.45,
            (0, 255, 255),
            1,
            cv2.LINE_AA,
        )
    return canvas
