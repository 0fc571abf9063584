"""A labelled face-detection set: faces pasted at known positions and scales onto real photos.

No registry ships photos with face boxes, so the set is built: real background photos with no
faces in them (a cat, coffee, motorcycles) are cropped to 640x480, and 1 to 5 faces are pasted
onto each at random sizes (48 to 160 px) without overlapping. The pasted tile's rectangle is the
true box. The faces come from the DCGAN generator, so there are as many as needed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from week13_cv_advanced.boxes import as_boxes, iou_matrix

BACKGROUNDS = (
    "skimage_chelsea",
    "skimage_coffee",
    "skimage_motorcycle_left",
    "skimage_motorcycle_right",
)
FRAME_W, FRAME_H = 640, 480
# Where the face sits in a DigiFace1M crop (forehead to chin, cheek to cheek), as fractions of the
# tile: the mean res10 SSD box on 56 isolated generated faces, rounded.
FACE_IN_TILE = (0.15, 0.10, 0.85, 1.00)


@dataclass(frozen=True)
class Scene:
    """One BGR frame and the true face boxes (x1, y1, x2, y2) in it."""

    image: np.ndarray
    boxes: np.ndarray


def read_backgrounds(fetch: Callable[[str], Path]) -> list[np.ndarray]:
    """Read the background photos (BGR) from the registry."""
    import cv2

    images = []
    for name in BACKGROUNDS:
        image = cv2.imread(str(fetch(name)), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f"{name}: OpenCV could not decode {fetch(name)}")
        images.append(image)
    return images


def random_frame(background: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return a random 640x480 crop of `background` (scaled up first when it is smaller)."""
    import cv2

    h, w = background.shape[:2]
    scale = max(FRAME_W / w, FRAME_H / h) * rng.uniform(1.0, 1.4)
    image = cv2.resize(background, (int(np.ceil(w * scale)), int(np.ceil(h * scale))))
    y = rng.integers(0, image.shape[0] - FRAME_H + 1)
    x = rng.integers(0, image.shape[1] - FRAME_W + 1)
    crop = image[y : y + FRAME_H, x : x + FRAME_W]
    return np.ascontiguousarray(crop[:, ::-1] if rng.random() < 0.5 else crop)


def place_boxes(n: int, rng: np.random.Generator, sizes: tuple[int, int] = (48, 160)) -> np.ndarray:
    """Draw up to `n` non-overlapping square boxes inside the frame (rejection sampling)."""
    boxes: list[list[float]] = []
    for _ in range(50 * n):
        if len(boxes) == n:
            break
        size = int(rng.integers(sizes[0], sizes[1] + 1))
        x, y = rng.integers(0, FRAME_W - size), rng.integers(0, FRAME_H - size)
        box = [x, y, x + size, y + size]
        grown = [[b[0] - 8, b[1] - 8, b[2] + 8, b[3] + 8] for b in boxes]
        if not boxes or iou_matrix([box], grown).max() == 0:
            boxes.append(box)
    return np.array(boxes, dtype=np.float64).reshape(-1, 4)


def paste(frame: np.ndarray, face_rgb: np.ndarray, box: np.ndarray) -> None:
    """Resize an RGB face to `box` and paste it into the BGR frame in place."""
    import cv2

    x1, y1, x2, y2 = box.astype(int)
    tile = cv2.resize(face_rgb, (x2 - x1, y2 - y1), interpolation=cv2.INTER_CUBIC)
    frame[y1:y2, x1:x2] = tile[:, :, ::-1]


def face_boxes(tiles: np.ndarray) -> np.ndarray:
    """Return the face box inside each pasted tile box (FACE_IN_TILE)."""
    tiles = as_boxes(tiles)
    w, h = tiles[:, 2] - tiles[:, 0], tiles[:, 3] - tiles[:, 1]
    fx1, fy1, fx2, fy2 = FACE_IN_TILE
    cols = [
        tiles[:, 0] + fx1 * w,
        tiles[:, 1] + fy1 * h,
        tiles[:, 0] + fx2 * w,
        tiles[:, 1] + fy2 * h,
    ]
    return np.stack(cols, axis=1)


def tile_boxes(faces: np.ndarray) -> np.ndarray:
    """Return the tile around each face box: the inverse of `face_boxes`."""
    faces = as_boxes(faces)
    fx1, fy1, fx2, fy2 = FACE_IN_TILE
    w, h = (faces[:, 2] - faces[:, 0]) / (fx2 - fx1), (faces[:, 3] - faces[:, 1]) / (fy2 - fy1)
    x1, y1 = faces[:, 0] - fx1 * w, faces[:, 1] - fy1 * h
    return np.stack([x1, y1, x1 + w, y1 + h], axis=1)


def build_scenes(
    backgrounds: list[np.ndarray], faces: np.ndarray, n_scenes: int, seed: int
) -> list[Scene]:
    """Build `n_scenes` frames with 1-5 pasted faces each, drawing faces in order from `faces`."""
    rng = np.random.default_rng(seed)
    scenes, used = [], 0
    for i in range(n_scenes):
        frame = random_frame(backgrounds[i % len(backgrounds)], rng)
        boxes = place_boxes(int(rng.integers(1, 6)), rng)
        for box in boxes:
            paste(frame, faces[used % len(faces)], box)
            used += 1
        scenes.append(Scene(frame, boxes))
    return scenes
