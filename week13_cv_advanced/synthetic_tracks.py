"""A synthetic tracking sequence with known trajectories and occlusions, and a detector for it.

Coloured discs move across a noisy grey 320x240 scene, each in its own band, bouncing off the
side walls, while two grey pillars hide whatever passes behind them. Because the scene is drawn,
the truth is exact: for every frame, the box of each disc's visible part, listed only when
enough of it shows to be detected. The detector is plain colour segmentation (saturated pixels,
connected components), so tracking errors come from the occlusions, not from the detector.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WIDTH, HEIGHT, RADIUS = 320, 240, 12
PILLARS = ((100, 124), (210, 236))
MIN_PIXELS = 120
COLOURS_BGR = ((40, 40, 220), (40, 200, 40), (220, 80, 30), (30, 200, 230), (200, 40, 200))


@dataclass(frozen=True)
class Sequence:
    """Frames (BGR) and, per frame, the visible objects' true boxes by object ID."""

    frames: list[np.ndarray]
    truth: list[dict[int, np.ndarray]]


def trajectories(n_objects: int, n_frames: int, seed: int) -> np.ndarray:
    """Return (n_frames, n_objects, 2) disc centres: constant speed, bouncing off the side walls."""
    rng = np.random.default_rng(seed)
    lanes = np.linspace(RADIUS * 2.5, HEIGHT - RADIUS * 2.5, n_objects)
    x = rng.uniform(RADIUS, WIDTH - RADIUS, n_objects)
    vx = rng.uniform(2.0, 4.0, n_objects) * rng.choice([-1, 1], n_objects)
    phase, amp = rng.uniform(0, 2 * np.pi, n_objects), rng.uniform(2, 6, n_objects)
    out = np.zeros((n_frames, n_objects, 2))
    for t in range(n_frames):
        out[t, :, 0] = x
        out[t, :, 1] = lanes + amp * np.sin(phase + 0.08 * t)
        x = x + vx
        bounce = (x < RADIUS) | (x > WIDTH - RADIUS)
        vx[bounce] *= -1
        x = np.clip(x, RADIUS, WIDTH - RADIUS)
    return out


def render(n_objects: int = 5, n_frames: int = 100, seed: int = 0) -> Sequence:
    """Draw the sequence and its truth (see the module docstring)."""
    import cv2

    rng = np.random.default_rng(seed + 1)
    centres = trajectories(n_objects, n_frames, seed)
    pillar = np.zeros((HEIGHT, WIDTH), bool)
    for x1, x2 in PILLARS:
        pillar[:, x1:x2] = True
    frames, truth = [], []
    for t in range(n_frames):
        frame = np.clip(rng.normal(128, 10, (HEIGHT, WIDTH, 3)), 0, 255).astype(np.uint8)
        boxes = {}
        for i, (cx, cy) in enumerate(centres[t]):
            x0, y0 = int(cx) - RADIUS - 1, int(cy) - RADIUS - 1
            size = 2 * RADIUS + 3
            disc = np.zeros((size, size), np.uint8)
            cv2.circle(disc, (round(cx) - x0, round(cy) - y0), RADIUS, 1, -1)
            disc = disc[max(-y0, 0) : HEIGHT - y0, max(-x0, 0) : WIDTH - x0].astype(bool)
            x0, y0 = max(x0, 0), max(y0, 0)
            window = (slice(y0, y0 + disc.shape[0]), slice(x0, x0 + disc.shape[1]))
            frame[window][disc] = COLOURS_BGR[i % len(COLOURS_BGR)]
            visible = disc & ~pillar[window]
            if visible.sum() >= MIN_PIXELS:
                ys, xs = np.nonzero(visible)
                boxes[i] = np.array(
                    [x0 + xs.min(), y0 + ys.min(), x0 + xs.max() + 1, y0 + ys.max() + 1], float
                )
        frame[pillar] = (90, 90, 90)
        frames.append(frame)
        truth.append(boxes)
    return Sequence(frames, truth)


def detect_discs(frame: np.ndarray) -> np.ndarray:
    """Return boxes of saturated blobs of at least MIN_PIXELS pixels (colour segmentation)."""
    import cv2

    saturation = cv2.cvtColor(frame, cv2.COLOR_BGR2HSV)[:, :, 1]
    mask = (saturation > 100).astype(np.uint8)
    _n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    keep = stats[1:, cv2.CC_STAT_AREA] >= MIN_PIXELS
    x, y, w, h = stats[1:][keep][:, :4].T
    return np.stack([x, y, x + w, y + h], axis=1).astype(float)
