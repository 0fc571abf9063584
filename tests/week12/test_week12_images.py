"""Week 12: reading, writing, resizing, cropping and colour conversions, against references."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from PIL import Image
from torchvision.transforms import v2

from shared.registry import default_registry
from week12_opencv.images import (
    antialias_sigma,
    bgr_to_rgb,
    centre_crop,
    colour_spaces,
    grey_by_formula,
    read_image,
    resize_shorter_side,
    resized_shape,
    write_image,
)

SKIMAGE_SHAPES = {
    "skimage_coins": (303, 384),
    "skimage_astronaut": (512, 512, 3),
    "skimage_chelsea": (300, 451, 3),
    "skimage_coffee": (400, 600, 3),
    "skimage_motorcycle_left": (500, 741, 3),
    "skimage_motorcycle_right": (500, 741, 3),
}


@pytest.fixture(scope="module")
def chelsea() -> np.ndarray:
    return read_image(default_registry().fetch("skimage_chelsea"))


@pytest.mark.parametrize(("name", "shape"), SKIMAGE_SHAPES.items())
def test_registry_photos_decode_to_their_documented_shapes(name: str, shape: tuple) -> None:
    image = read_image(default_registry().fetch(name), grey=len(shape) == 2)
    assert image.shape == shape and image.dtype == np.uint8 and 20 < image.mean() < 235


def test_opencv_reads_bgr_where_pil_reads_rgb(chelsea: np.ndarray) -> None:
    pil = np.asarray(Image.open(default_registry().fetch("skimage_chelsea")).convert("RGB"))
    assert np.array_equal(bgr_to_rgb(chelsea), pil)
    assert np.array_equal(chelsea[..., ::-1], pil)
    assert not np.array_equal(chelsea, pil)


def test_colour_conversions_of_known_colours() -> None:
    bgr = np.array([[[0, 0, 255], [255, 0, 0], [255, 255, 255]]], np.uint8)  # red, blue, white
    spaces = colour_spaces(bgr)
    assert spaces["RGB"][0].tolist() == [[255, 0, 0], [0, 0, 255], [255, 255, 255]]
    assert spaces["HSV"][0, :, 0].tolist() == [0, 120, 0]  # OpenCV hue is degrees / 2
    assert spaces["HSV"][0, :2, 1:].tolist() == [[255, 255], [255, 255]]
    assert spaces["LAB"][0, 2].tolist() == [255, 128, 128]  # white: full lightness, neutral a, b
    assert spaces["grey"][0].tolist() == [76, 29, 255]  # 0.299 * 255, 0.114 * 255


def test_grey_is_the_luma_formula(chelsea: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    for image in (chelsea, rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)):
        diff = colour_spaces(image)["grey"].astype(int) - grey_by_formula(image)
        assert np.abs(diff).max() <= 1


def test_resize_and_crop_match_torchvision() -> None:
    rng = np.random.default_rng(1)
    for h, w in [(300, 451), (451, 300), (683, 1024), (256, 256), (257, 500)]:
        image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        tensor = torch.from_numpy(image).permute(2, 0, 1)
        resized = v2.Resize(256, antialias=False)(tensor)
        assert resized_shape(h, w, 256) == tuple(resized.shape[1:])
        cropped = v2.CenterCrop(224)(resized).permute(1, 2, 0).numpy()
        mine = centre_crop(resized.permute(1, 2, 0).numpy(), 224, 224)
        assert np.array_equal(mine, cropped)
    with pytest.raises(ValueError, match="resize it first"):
        centre_crop(np.zeros((100, 300, 3), np.uint8), 224, 224)


def test_antialiasing_blurs_only_when_shrinking(chelsea: np.ndarray) -> None:
    assert antialias_sigma(1.0) == 0 and antialias_sigma(0.5) == 0
    assert antialias_sigma(2.0) == pytest.approx(np.sqrt(0.5))
    plain = resize_shorter_side(chelsea, 100)
    smooth = resize_shorter_side(chelsea, 100, antialias=True)
    assert plain.shape == smooth.shape == (100, 150, 3)
    assert cv2.Laplacian(smooth, cv2.CV_32F).var() < cv2.Laplacian(plain, cv2.CV_32F).var()


def test_png_roundtrip_is_exact_and_jpeg_is_close(tmp_path, chelsea: np.ndarray) -> None:
    assert np.array_equal(read_image(write_image(tmp_path / "a.png", chelsea)), chelsea)
    jpeg = read_image(write_image(tmp_path / "a.jpg", chelsea, jpeg_quality=90))
    assert 35 < cv2.PSNR(jpeg, chelsea) < 60
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jpg", "a.png"]


def test_missing_or_unreadable_files_give_clear_errors(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no image file at .*nope\.png"):
        read_image(tmp_path / "nope.png")
    (tmp_path / "text.jpg").write_text("not a picture")
    (tmp_path / "empty.png").write_bytes(b"")
    for name in ("text.jpg", "empty.png"):
        with pytest.raises(ValueError, match=f"{name} is not an image OpenCV can decode"):
            read_image(tmp_path / name)
    with pytest.raises(FileNotFoundError):
        read_image(tmp_path)  # a folder is not an image file


def test_unsupported_format_writes_nothing(tmp_path) -> None:
    image = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match=r"no encoder for '\.xyz'"):
        write_image(tmp_path / "out.xyz", image)
    assert list(tmp_path.iterdir()) == []
