"""The labelled mask set: generated faces at TILE px, each shown bare and with a painted mask.

Week 13's face-mask project fine-tunes and scores on it; week 24 feeds it to the exported models.
"""

from __future__ import annotations

import numpy as np

from week13_cv_advanced.dcgan import Generator, generate_faces
from week13_cv_advanced.masks import build_mask_set

TILE = 128


def face_set(generator: Generator, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return `n` generated faces at TILE px, each bare and masked: (2n images, labels)."""
    import cv2

    faces = generate_faces(generator, n, seed)
    big = np.stack([cv2.resize(f, (TILE, TILE), interpolation=cv2.INTER_CUBIC) for f in faces])
    return build_mask_set(big, seed)
