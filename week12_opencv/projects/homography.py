"""Recovering a known homography with ORB and SIFT features.

Each real photo is warped by a known homography (15° rotation, 0.8x scale, a perspective tilt).
ORB and SIFT find keypoints in both views, Lowe's ratio test keeps the distinctive matches and
a robust fit (RANSAC with MAGSAC++ scoring) estimates the homography. The error is the mean
distance between the photo's corners mapped by the estimated and the true homography; the
classic cv2.RANSAC fit is reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from shared.bars import Bar
from shared.context import RunContext
from shared.plotting import subplots
from week12_opencv.features import DETECTORS, Recovery, known_homography, recover_homography
from week12_opencv.images import read_image


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    photos: int | None = None  # the first this many of PHOTOS; None: all


FULL = Config()
FAST = Config(photos=1)

BARS = [
    Bar(
        f"{name.lower()}_corner_error_px",
        "<=",
        2.0,
        f"issue 10: {name} recovers the known homography with mean corner error < 2 px "
        "(worst photo)",
    )
    for name in DETECTORS
]
PHOTOS = [
    "skimage_chelsea",
    "skimage_astronaut",
    "skimage_coffee",
    "skimage_motorcycle_left",
    "opencv_messi5",
    "opencv_basketball1",
]
SHOWN = "skimage_chelsea"


def run(ctx: RunContext) -> dict[str, float]:
    """Warp each photo by a known homography and recover it with each detector."""
    config = FAST if ctx.fast else FULL
    cv2.setRNGSeed(ctx.seed)
    results: dict[str, list[Recovery]] = {name: [] for name in DETECTORS}
    classic: dict[str, list[float]] = {name: [] for name in DETECTORS}
    rows = []
    for photo in PHOTOS[: config.photos]:
        grey = read_image(ctx.dataset(photo), grey=True)
        height, width = grey.shape
        true = known_homography(width, height)
        warped = cv2.warpPerspective(grey, true, (width, height))
        for name in DETECTORS:
            found = recover_homography(grey, warped, true, name)
            results[name].append(found)
            ransac = recover_homography(grey, warped, true, name, method=cv2.RANSAC)
            classic[name].append(ransac.corner_error_px)
            rows.append(
                f"| {photo} | {name} | {sum(found.keypoints) / 2:.0f} | {found.matches} | "
                f"{found.inlier_ratio:.2f} | {found.corner_error_px:.2f} | "
                f"{ransac.corner_error_px:.2f} | {1000 * found.seconds_per_image:.0f} |"
            )
            if photo == SHOWN:
                _plot_matches(ctx, grey, warped, found)
    ctx.note(
        "| photo | detector | keypoints per image | ratio-test matches | inlier ratio | "
        "corner error px (MAGSAC++) | corner error px (cv2.RANSAC) | ms per image |\n"
        "|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n\nTimes are wall-clock "
        "detection + description per image on a shared CPU: compare them with each other, not "
        "across machines."
    )
    return _summary(results, classic)


def _summary(results: dict[str, list[Recovery]], classic: dict[str, list[float]]) -> dict:
    """Per detector: worst and mean corner error, keypoints, inlier ratio, time per image."""
    metrics: dict[str, float] = {}
    for name, found in results.items():
        key = name.lower()
        errors = [r.corner_error_px for r in found]
        metrics[f"{key}_corner_error_px"] = max(errors)
        metrics[f"{key}_mean_corner_error_px"] = float(np.mean(errors))
        metrics[f"{key}_ransac_corner_error_px"] = max(classic[name])
        metrics[f"{key}_keypoints_per_image"] = float(
            np.mean([sum(r.keypoints) / 2 for r in found])
        )
        metrics[f"{key}_inlier_ratio"] = float(np.mean([r.inlier_ratio for r in found]))
        metrics[f"{key}_ms_per_image"] = 1000 * float(np.mean([r.seconds_per_image for r in found]))
    metrics["photos"] = len(next(iter(results.values())))
    return metrics


def _plot_matches(ctx: RunContext, grey: np.ndarray, warped: np.ndarray, found: Recovery) -> None:
    """Draw up to 60 inlier matches between the views and the recovered outline of the photo."""
    height, width = grey.shape
    view = cv2.cvtColor(warped, cv2.COLOR_GRAY2BGR)
    if found.homography is not None:
        corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]]).reshape(-1, 1, 2)
        outline = cv2.perspectiveTransform(corners, found.homography)
        cv2.polylines(view, [np.int32(outline)], True, (0, 200, 0), 2, cv2.LINE_AA)
    step = max(1, len(found.inlier_matches) // 60)
    canvas = cv2.drawMatches(
        cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR),
        found.points[0],
        view,
        found.points[1],
        found.inlier_matches[::step],
        None,
        matchColor=(255, 128, 0),
        flags=cv2.DrawMatchesFlags_NOT_DRAW_SINGLE_POINTS,
    )
    fig, ax = subplots(1, 1, width=9.0, height=3.4)
    ax.imshow(cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB))
    ax.axis("off")
    ax.set_title(
        f"{found.detector}: {found.inliers} of {found.matches} matches are inliers; "
        f"corner error {found.corner_error_px:.2f} px",
        fontsize=10,
    )
    ctx.save_figure(
        fig,
        f"matches_{found.detector}",
        f"{found.detector} matches between the photo and its warped copy (a sample of the "
        "inliers); green: the photo's border mapped by the recovered homography",
    )
