"""Week 12: homography recovery with ORB and SIFT, and the matching helpers' edge cases."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from shared.registry import default_registry
from week12_opencv.features import (
    DETECTORS,
    corner_error,
    fit_homography,
    known_homography,
    ratio_matches,
    recover_homography,
)
from week12_opencv.images import read_image


def test_known_homography_rotates_and_scales_about_the_centre() -> None:
    h = known_homography(400, 300, angle_deg=90, scale=0.5, perspective=(0, 0))
    mapped = cv2.perspectiveTransform(np.float32([[[200, 150], [300, 150]]]), h)[0]
    assert np.allclose(mapped[0], [200, 150]) and np.allclose(mapped[1], [200, 100], atol=1e-4)


def test_corner_error_is_a_distance_in_pixels() -> None:
    h = known_homography(400, 300)
    shifted = np.array([[1, 0, 3], [0, 1, 4], [0, 0, 1]], np.float64) @ h
    assert corner_error(h, h, 400, 300) == 0
    assert corner_error(shifted, h, 400, 300) == pytest.approx(5.0, abs=1e-3)
    assert corner_error(None, h, 400, 300) == float("inf")


def test_too_few_matches_give_no_homography() -> None:
    h, inliers = fit_homography(np.zeros((3, 2), np.float32), np.zeros((3, 2), np.float32))
    assert h is None and inliers.tolist() == [False] * 3
    assert ratio_matches(None, np.zeros((5, 32), np.uint8), cv2.NORM_HAMMING) == []


@pytest.mark.parametrize("detector", list(DETECTORS))
def test_detectors_recover_a_known_warp_of_a_real_photo(detector: str) -> None:
    cv2.setRNGSeed(0)
    grey = read_image(default_registry().fetch("skimage_chelsea"), grey=True)
    height, width = grey.shape
    true = known_homography(width, height)
    warped = cv2.warpPerspective(grey, true, (width, height))
    found = recover_homography(grey, warped, true, detector)
    assert found.corner_error_px < 2.0
    assert found.inlier_ratio > 0.8 and found.inliers == len(found.inlier_matches) >= 50
    assert min(found.keypoints) > 200 and found.seconds_per_image > 0


def test_a_blank_image_yields_no_homography() -> None:
    blank = np.full((200, 300), 128, np.uint8)
    found = recover_homography(blank, blank, known_homography(300, 200), "ORB")
    assert found.homography is None and found.corner_error_px == float("inf")
    assert found.matches == 0 and found.inlier_ratio == 0
