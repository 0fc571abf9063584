"""Painting face masks onto faces: the with-mask / without-mask set no registry has.

No package ships labelled photos of people with and without masks, so the set is built from
generated faces. Each face appears twice, bare and masked, so the only thing that tells the two
classes apart is the mask. The masks vary on purpose, or a classifier would learn one exact
shape: three shapes (surgical with pleats, a rounded cloth mask, a pointed N95), eleven colours
with shading and fabric noise, and a random top edge, width, chin line, offset and tilt.
Coordinates are fractions of the face tile: in a DigiFace1M crop the nose tip sits near 55% of
the height and the chin near the bottom edge.
"""

from __future__ import annotations

import numpy as np

SHAPES = ("surgical", "cloth", "n95")
COLOURS_RGB = (
    (135, 190, 225),
    (240, 240, 240),
    (30, 30, 35),
    (120, 120, 125),
    (235, 170, 190),
    (35, 45, 90),
    (70, 120, 70),
    (200, 60, 50),
    (225, 205, 150),
    (90, 160, 200),
    (150, 90, 160),
)


def mask_outline(shape: str, rng: np.random.Generator) -> np.ndarray:
    """Return the mask's polygon as (K, 2) fractions of the tile (x, y), before any tilt."""
    top = rng.uniform(0.46, 0.60)
    left, right = rng.uniform(0.10, 0.22), rng.uniform(0.78, 0.90)
    chin = rng.uniform(0.92, 1.02)
    mid = (left + right) / 2 + rng.uniform(-0.04, 0.04)
    t = np.linspace(0, np.pi, 24)
    half = (right - left) / 2
    if shape == "surgical":
        bottom = np.stack([mid + half * np.cos(t), chin - 0.06 + 0.06 * np.sin(t)], 1)
        top_edge = [[left, top + 0.03], [right, top + 0.03]]
        return np.array([*top_edge[::-1][:1], *bottom, top_edge[0]])
    if shape == "cloth":
        depth = chin - top
        bottom = np.stack(
            [mid + half * np.cos(t), top + depth * 0.35 + depth * 0.65 * np.sin(t)], 1
        )
        arc = np.stack([mid - half * np.cos(t), top + 0.04 - 0.05 * np.sin(t)], 1)
        return np.concatenate([bottom, arc])
    if shape == "n95":
        bottom = np.stack([mid + half * np.cos(t), chin - 0.1 + 0.1 * np.sin(t)], 1)
        shoulders = [[right, top + 0.12], [left, top + 0.12]]
        return np.array([[mid, top - 0.03], shoulders[0], *bottom, shoulders[1]])
    raise ValueError(f"unknown mask shape {shape!r}; expected one of {SHAPES}")


def paint_mask(face_rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return a copy of an RGB face with a randomly shaped, coloured and placed mask painted on."""
    import cv2

    h, w = face_rgb.shape[:2]
    shape = SHAPES[rng.integers(len(SHAPES))]
    outline = mask_outline(shape, rng)
    angle = np.deg2rad(rng.uniform(-8, 8))
    centre = outline.mean(axis=0)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    outline = (outline - centre) @ rot.T + centre + rng.uniform(-0.04, 0.04, size=2)
    points = np.round(outline * [w, h]).astype(np.int32)
    alpha = np.zeros((h, w), np.float32)
    cv2.fillPoly(alpha, [points], 1.0, lineType=cv2.LINE_AA)
    colour = np.array(COLOURS_RGB[rng.integers(len(COLOURS_RGB))], np.float32)
    shade = np.linspace(1.08, 0.82, h, dtype=np.float32)[:, None, None]
    fabric = colour * shade + rng.normal(0, 6, size=(h, w, 3)).astype(np.float32)
    if shape == "surgical":
        for frac in (0.35, 0.55, 0.75):
            y = int(points[:, 1].min() + frac * np.ptp(points[:, 1]))
            fabric[max(y - 1, 0) : y + 1] *= 0.8
    out = face_rgb.astype(np.float32) * (1 - alpha[..., None]) + fabric * alpha[..., None]
    if shape != "n95":
        _ear_loops(out, points, colour)
    return np.clip(out, 0, 255).astype(np.uint8)


def _ear_loops(image: np.ndarray, points: np.ndarray, colour: np.ndarray) -> None:
    """Draw the straps from the mask's top corners towards the ears, in place."""
    import cv2

    h, w = image.shape[:2]
    top = points[:, 1].min()
    left, right = points[:, 0].min(), points[:, 0].max()
    thickness = max(1, w // 40)
    for x_mask, x_ear in ((left, 0), (right, w - 1)):
        cv2.line(
            image,
            (int(x_mask), int(top) + 2),
            (int(x_ear), int(top - 0.1 * h)),
            tuple(float(c) * 0.9 for c in colour),
            thickness,
            cv2.LINE_AA,
        )


def build_mask_set(faces_rgb: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return every face bare (label 1, no_mask) and masked (label 0, mask), interleaved."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for face in faces_rgb:
        images += [paint_mask(face, rng), face]
        labels += [0, 1]
    return np.stack(images), np.array(labels, dtype=np.int64)
