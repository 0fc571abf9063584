"""Keypoints, descriptor matching with Lowe's ratio test, and homography estimation.

ORB (binary descriptors, Hamming distance) and SIFT (128 floats, L2 distance) find keypoints in
two views; each keypoint is matched to its nearest neighbour in the other view only when that
neighbour is clearly closer than the second nearest (Lowe 2004, ratio 0.75); a robust estimator
then fits the homography to the matches and rejects the outliers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

DETECTORS: dict[str, tuple[Callable[[], cv2.Feature2D], int]] = {
    "ORB": (lambda: cv2.ORB_create(nfeatures=2000), cv2.NORM_HAMMING),
    "SIFT": (cv2.SIFT_create, cv2.NORM_L2),
}
RATIO = 0.75  # Lowe (2004), section 7.1: rejects 90% of false matches, 5% of correct ones
REPROJECTION_PX = 3.0


@dataclass
class Recovery:
    """What one detector achieved on one pair of views."""

    detector: str
    keypoints: tuple[int, int]
    matches: int
    inliers: int
    corner_error_px: float
    seconds_per_image: float
    homography: np.ndarray | None
    points: tuple[list[cv2.KeyPoint], list[cv2.KeyPoint]]
    inlier_matches: list[cv2.DMatch]

    @property
    def inlier_ratio(self) -> float:
        """Share of ratio-test matches the homography explains."""
        return self.inliers / self.matches if self.matches else 0.0


def known_homography(
    width: int,
    height: int,
    angle_deg: float = 15.0,
    scale: float = 0.8,
    perspective: tuple[float, float] = (2e-4, 1e-4),
) -> np.ndarray:
    """A homography that tilts the image in perspective, rotates and scales it about its centre."""
    to_centre = np.array([[1, 0, -width / 2], [0, 1, -height / 2], [0, 0, 1]], np.float64)
    tilt = np.eye(3)
    tilt[2, :2] = perspective
    rotate_scale = np.eye(3)
    rotate_scale[:2] = cv2.getRotationMatrix2D((0.0, 0.0), angle_deg, scale)
    return np.linalg.inv(to_centre) @ rotate_scale @ tilt @ to_centre


def corner_error(estimated: np.ndarray | None, true: np.ndarray, width: int, height: int) -> float:
    """Mean distance (px) between the corners mapped by the estimated and the true homography."""
    if estimated is None:
        return float("inf")
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]]).reshape(-1, 1, 2)
    mapped = [cv2.perspectiveTransform(corners, h).reshape(-1, 2) for h in (estimated, true)]
    return float(np.linalg.norm(mapped[0] - mapped[1], axis=1).mean())


def ratio_matches(a: np.ndarray | None, b: np.ndarray | None, norm: int) -> list[cv2.DMatch]:
    """Nearest-neighbour matches from a to b that pass Lowe's ratio test."""
    if a is None or b is None or len(a) < 2 or len(b) < 2:
        return []
    pairs = cv2.BFMatcher(norm).knnMatch(a, b, k=2)
    return [m for m, n in (p for p in pairs if len(p) == 2) if m.distance < RATIO * n.distance]


def fit_homography(
    points_a: np.ndarray, points_b: np.ndarray, method: int = cv2.USAC_MAGSAC
) -> tuple[np.ndarray | None, np.ndarray]:
    """Fit a homography a->b robustly; return it (None if impossible) and the inlier mask.

    USAC_MAGSAC is RANSAC with MAGSAC++ scoring (Barath et al. 2020): it weighs each match by
    how well it fits instead of a hard in/out cut, which makes the result steadier than
    cv2.RANSAC's from run to run. A homography needs at least 4 matches.
    """
    if len(points_a) < 4:
        return None, np.zeros(len(points_a), bool)
    h, mask = cv2.findHomography(
        points_a, points_b, method, REPROJECTION_PX, maxIters=5000, confidence=0.999
    )
    return h, (mask.ravel().astype(bool) if mask is not None else np.zeros(len(points_a), bool))


def recover_homography(
    image: np.ndarray,
    warped: np.ndarray,
    true: np.ndarray,
    detector: str,
    method: int = cv2.USAC_MAGSAC,
) -> Recovery:
    """Detect, match and fit a homography between two grey views; score it against the truth."""
    make, norm = DETECTORS[detector]
    finder = make()
    start = time.perf_counter()
    kp_a, desc_a = finder.detectAndCompute(image, None)
    kp_b, desc_b = finder.detectAndCompute(warped, None)
    seconds = (time.perf_counter() - start) / 2
    matches = ratio_matches(desc_a, desc_b, norm)
    points_a = np.float32([kp_a[m.queryIdx].pt for m in matches]).reshape(-1, 2)
    points_b = np.float32([kp_b[m.trainIdx].pt for m in matches]).reshape(-1, 2)
    h, inliers = fit_homography(points_a, points_b, method)
    height, width = image.shape[:2]
    return Recovery(
        detector=detector,
        keypoints=(len(kp_a), len(kp_b)),
        matches=len(matches),
        inliers=int(inliers.sum()),
        corner_error_px=corner_error(h, true, width, height),
        seconds_per_image=seconds,
        homography=h,
        points=(list(kp_a), list(kp_b)),
        inlier_matches=[m for m, keep in zip(matches, inliers, strict=True) if keep],
    )
