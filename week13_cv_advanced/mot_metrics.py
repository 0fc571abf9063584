"""CLEAR MOT tracking accuracy (Bernardin & Stiefelhagen 2008): MOTA and identity switches.

Per frame, a true object and a tracker output match when their boxes overlap with IoU >= 0.5.
Matches carried over from the previous frame are kept while they still overlap; the rest are
assigned by the Hungarian algorithm. A true object matched to a different track ID than the last
time it was matched is an identity switch. MOTA = 1 - (misses + false positives + switches) /
(number of true objects summed over frames).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from week13_cv_advanced.boxes import iou_matrix

Frame = dict[int, np.ndarray]


@dataclass(frozen=True)
class MotScore:
    """Counts over a sequence and the MOTA they give."""

    misses: int
    false_positives: int
    id_switches: int
    objects: int

    @property
    def mota(self) -> float:
        """Multiple-object tracking accuracy; 1.0 is perfect, it can go below 0."""
        errors = self.misses + self.false_positives + self.id_switches
        return 1.0 - errors / self.objects if self.objects else 1.0


def match_frame(truth: Frame, tracks: Frame, kept: dict[int, int], iou: float) -> dict[int, int]:
    """Return {truth ID: track ID} for one frame, keeping still-valid matches from `kept`."""
    pairs = {
        g: h
        for g, h in kept.items()
        if g in truth and h in tracks and iou_matrix(truth[g][None], tracks[h][None])[0, 0] >= iou
    }
    free_g = [g for g in truth if g not in pairs]
    free_h = [h for h in tracks if h not in pairs.values()]
    if free_g and free_h:
        overlap = iou_matrix(
            np.stack([truth[g] for g in free_g]), np.stack([tracks[h] for h in free_h])
        )
        for r, c in zip(*linear_sum_assignment(-overlap), strict=True):
            if overlap[r, c] >= iou:
                pairs[free_g[r]] = free_h[c]
    return pairs


def mot_score(truth: list[Frame], tracks: list[Frame], iou: float = 0.5) -> MotScore:
    """Score a tracker's per-frame {ID: box} outputs against the true per-frame {ID: box}."""
    if len(truth) != len(tracks):
        raise ValueError(f"{len(truth)} true frames but {len(tracks)} tracked frames")
    misses = false_positives = switches = objects = 0
    last: dict[int, int] = {}
    kept: dict[int, int] = {}
    for gt, hyp in zip(truth, tracks, strict=True):
        kept = match_frame(gt, hyp, kept, iou)
        for g, h in kept.items():
            switches += g in last and last[g] != h
            last[g] = h
        objects += len(gt)
        misses += len(gt) - len(kept)
        false_positives += len(hyp) - len(kept)
    return MotScore(misses, false_positives, switches, objects)
