"""Reading, writing, resizing and cropping images with OpenCV, and the traps that come with it.

OpenCV keeps colour images as NumPy arrays in BGR order, returns None instead of raising when a
file cannot be read, and picks the file format from the name's extension. The helpers here turn
those silent failures into clear errors and write files atomically.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from shared.atomic import write_bytes_atomic

# ITU-R BT.601 luma weights for R, G, B: what cv2.COLOR_BGR2GRAY computes.
LUMA_WEIGHTS = (0.299, 0.587, 0.114)


def decode_image(data: bytes, source: str, grey: bool = False) -> np.ndarray:
    """Decode encoded image bytes (PNG, JPEG, ...) to a BGR (or grey) uint8 array."""
    flag = cv2.IMREAD_GRAYSCALE if grey else cv2.IMREAD_COLOR
    image = cv2.imdecode(np.frombuffer(data, np.uint8), flag) if data else None
    if image is None:
        raise ValueError(
            f"{source} is not an image OpenCV can decode (PNG, JPEG, BMP, TIFF, WebP ...): "
            "the file may be truncated or of another kind; check it opens in an image viewer"
        )
    return image


def read_image(path: Path | str, grey: bool = False) -> np.ndarray:
    """Read an image file as a BGR (or grey) uint8 array; raise a clear error if it cannot be."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no image file at {path}: check the path and the file name")
    return decode_image(path.read_bytes(), str(path), grey)


def write_image(path: Path | str, image: np.ndarray, jpeg_quality: int = 95) -> Path:
    """Encode `image` (BGR or grey) in the format its extension names and write it atomically."""
    path = Path(path)
    params = (
        [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality] if path.suffix.lower() in {".jpg", ".jpeg"} else []
    )
    try:
        ok, encoded = cv2.imencode(path.suffix.lower(), image, params)
    except cv2.error as exc:
        raise ValueError(
            f"cannot write {path.name}: OpenCV has no encoder for {path.suffix or 'no extension'!r}"
            "; use .png (lossless) or .jpg"
        ) from exc
    if not ok:
        raise ValueError(
            f"OpenCV could not encode a {image.shape} {image.dtype} array as {path.suffix}"
        )
    write_bytes_atomic(path, encoded.tobytes())
    return path


def bgr_to_rgb(image: np.ndarray) -> np.ndarray:
    """Return the RGB version of an OpenCV BGR image (the order matplotlib, PIL, torch expect)."""
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def colour_spaces(bgr: np.ndarray) -> dict[str, np.ndarray]:
    """Return the image in the colour spaces a learner meets: BGR, RGB, HSV, LAB and grey."""
    return {
        "BGR": bgr,
        "RGB": cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB),
        "HSV": cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV),
        "LAB": cv2.cvtColor(bgr, cv2.COLOR_BGR2LAB),
        "grey": cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY),
    }


def grey_by_formula(bgr: np.ndarray) -> np.ndarray:
    """Grey as 0.299 R + 0.587 G + 0.114 B, rounded: the formula behind COLOR_BGR2GRAY."""
    r, g, b = (bgr[..., i].astype(np.float64) for i in (2, 1, 0))
    grey = LUMA_WEIGHTS[0] * r + LUMA_WEIGHTS[1] * g + LUMA_WEIGHTS[2] * b
    return np.clip(np.rint(grey), 0, 255).astype(np.uint8)


def resized_shape(height: int, width: int, shorter: int) -> tuple[int, int]:
    """(height, width) with the shorter side set to `shorter` and the aspect ratio kept.

    The longer side is truncated, as torchvision's Resize(int) does, so both pipelines agree.
    """
    if height <= width:
        return shorter, int(shorter * width / height)
    return int(shorter * height / width), shorter


def antialias_sigma(scale: float) -> float:
    """Gaussian blur sigma to apply before shrinking by `scale` with bilinear sampling.

    PIL and torchvision shrink by s with a triangle filter s pixels wide; blurring with this
    sigma, sqrt((s^2 - 1) / 6), gives blur + bilinear sampling the same variance on the pixel
    grid. No blur when enlarging (s <= 1).
    """
    return float(np.sqrt(max(scale * scale - 1.0, 0.0) / 6.0))


def resize_shorter_side(
    image: np.ndarray,
    shorter: int,
    interpolation: int = cv2.INTER_LINEAR,
    antialias: bool = False,
) -> np.ndarray:
    """Resize so the shorter side is `shorter` pixels, keeping the aspect ratio.

    cv2.resize does not low-pass filter before shrinking (except INTER_AREA), so fine detail
    aliases; `antialias=True` blurs first, as torchvision's antialiased Resize does.
    """
    height, width = resized_shape(*image.shape[:2], shorter)
    sigma = antialias_sigma(image.shape[0] / height)
    if antialias and sigma > 0:
        image = cv2.GaussianBlur(image, (0, 0), sigma)
    return cv2.resize(image, (width, height), interpolation=interpolation)


def centre_crop(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Cut the central height x width window (offsets rounded as torchvision's CenterCrop does)."""
    h, w = image.shape[:2]
    if height > h or width > w:
        raise ValueError(f"cannot crop {height}x{width} out of a {h}x{w} image; resize it first")
    top, left = round((h - height) / 2), round((w - width) / 2)
    return image[top : top + height, left : left + width]
