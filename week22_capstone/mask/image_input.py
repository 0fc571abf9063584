"""Reading an image for the face-mask capstone: its header first, then its pixels, or a refusal.

A PNG of 30000x30000 px can weigh under 1 MB and decode to 2.7 GB, so the size is read from
the header (Pillow parses only the header when it opens a file) and refused over
MAX_SIDE x MAX_SIDE pixels before a single pixel is decoded. Only PNG, JPEG and BMP are read,
whatever the file's name says. A truncated file is refused rather than half-decoded (OpenCV
would fill the missing rows with grey and only print a warning). Messages name the file, never
its folder: on the server that is a temporary path nobody outside should see.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from week13_cv_advanced.video import VideoError

MAX_SIDE = 4096
MAX_PIXELS = MAX_SIDE * MAX_SIDE
FORMATS = ("PNG", "JPEG", "BMP")


def check_size(name: str, size: tuple[int, int]) -> None:
    """Refuse (VideoError) an image of more than MAX_PIXELS pixels, naming its size."""
    width, height = size
    if width * height > MAX_PIXELS:
        raise VideoError(
            f"{name}: {width}x{height} px is over the limit of {MAX_SIDE}x{MAX_SIDE} "
            f"({MAX_PIXELS} pixels); send a smaller image"
        )


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) read from the header only; VideoError if it is no readable image or too big."""
    with _opened(path) as image:
        check_size(path.name, image.size)
        return image.size


def read_image(path: Path) -> np.ndarray:
    """The image as a BGR array (EXIF orientation applied, as OpenCV does), once its header passed."""
    from PIL import ImageOps

    with _opened(path) as image:
        check_size(path.name, image.size)
        try:
            image.load()
        except (OSError, SyntaxError, ValueError):
            raise VideoError(
                f"{path.name}: the image is truncated or corrupt; send the whole file"
            ) from None
        rgb = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _opened(path: Path):
    """The file opened by Pillow (header parsed, no pixel decoded); VideoError if it cannot be."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():  # the size is checked here, against a lower limit
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(path, formats=FORMATS)
    except Image.DecompressionBombError:
        raise VideoError(
            f"{path.name}: the image is far over the limit of {MAX_SIDE}x{MAX_SIDE} px "
            "(a decompression bomb); send a smaller image"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise VideoError(
            f"{path.name}: not a PNG, JPEG or BMP image Pillow can read (corrupt, or another "
            "format under that name)"
        ) from None
