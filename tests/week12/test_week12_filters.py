"""Week 12: filters and Otsu's threshold against OpenCV, and the coin count on the real photo."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from shared.registry import default_registry
from week12_opencv.coins import find_coins, objects, otsu_mask, oversized
from week12_opencv.filters import COLOUR_FILTERS, GREY_FILTERS, otsu_threshold
from week12_opencv.images import read_image
from week12_opencv.projects.coin_count import TRUE_COINS
from week12_opencv.projects.filters_edges import add_salt_and_pepper, denoising_psnr


@pytest.fixture(scope="module")
def coins() -> np.ndarray:
    return read_image(default_registry().fetch("skimage_coins"), grey=True)


def test_otsu_from_scratch_matches_opencv(coins: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    bimodal = np.concatenate([rng.normal(60, 10, 500), rng.normal(180, 15, 500)])
    images = [coins, np.clip(bimodal, 0, 255).astype(np.uint8).reshape(20, 50)]
    for image in images:
        expected = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[0]
        assert otsu_threshold(image) == expected
    with pytest.raises(ValueError, match="2-D uint8"):
        otsu_threshold(np.zeros((4, 4, 3), np.uint8))


def test_every_filter_keeps_size_and_type(coins: np.ndarray) -> None:
    colour = cv2.cvtColor(coins, cv2.COLOR_GRAY2BGR)
    for f in COLOUR_FILTERS.values():
        assert f(colour).shape == colour.shape and f(colour).dtype == np.uint8
    for f in GREY_FILTERS.values():
        assert f(coins).shape == coins.shape and f(coins).dtype == np.uint8


def test_median_beats_blur_on_salt_and_pepper(coins: np.ndarray) -> None:
    noisy = add_salt_and_pepper(coins, 0.05, np.random.default_rng(0))
    assert 0.04 < (noisy != coins).mean() < 0.06
    scores = denoising_psnr(read_image(default_registry().fetch("skimage_chelsea")), seed=0)
    assert scores["salt_pepper_median_psnr_db"] > scores["salt_pepper_gaussian_psnr_db"] + 2
    assert scores["gaussian_noise_gaussian_psnr_db"] > scores["gaussian_noise_noisy_psnr_db"] + 3


def test_coin_count_on_the_real_photo(coins: np.ndarray) -> None:
    found = find_coins(coins)
    assert abs(len(found) - TRUE_COINS) <= 1 and oversized(found) == 0
    assert oversized(objects(otsu_mask(coins))) >= 1  # one global threshold merges regions
