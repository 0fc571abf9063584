"""A multi-object centroid tracker, from scratch: IDs, disappearance and re-identification.

Each frame's detections are matched to the existing tracks by the distance between centroids,
with the Hungarian algorithm (one detection per track). A track that finds no detection is kept,
and moved along its last velocity, for up to `max_disappeared` frames; when a detection turns up
within `max_distance` of where the track should be, it takes the old ID back (re-identification
by distance). Detections left over start new tracks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from week13_cv_advanced.boxes import as_boxes


@dataclass
class Track:
    """One tracked object: its last box, velocity (px / frame) and frames since last seen."""

    box: np.ndarray
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))
    disappeared: int = 0
    age: int = 1

    @property
    def centroid(self) -> np.ndarray:
        """Return the box centre."""
        return (self.box[:2] + self.box[2:]) / 2

    def predicted(self) -> np.ndarray:
        """Return where the centre should be now, had it kept its velocity while unseen."""
        return self.centroid + self.velocity * (self.disappeared + 1)


class CentroidTracker:
    """Match detections to tracks by centroid distance; see the module docstring."""

    def __init__(self, max_disappeared: int = 15, max_distance: float = 40.0) -> None:
        self.max_disappeared, self.max_distance = max_disappeared, max_distance
        self.tracks: dict[int, Track] = {}
        self.next_id = 0
        self.lengths: dict[int, int] = {}

    def update(self, boxes: object) -> dict[int, np.ndarray]:
        """Take one frame's detections (x1, y1, x2, y2); return {track ID: box} seen this frame."""
        boxes = as_boxes(boxes)
        ids = list(self.tracks)
        seen: dict[int, np.ndarray] = {}
        unmatched = set(range(len(boxes)))
        if ids and len(boxes):
            predicted = np.stack([self.tracks[i].predicted() for i in ids])
            centres = (boxes[:, :2] + boxes[:, 2:]) / 2
            dist = np.linalg.norm(predicted[:, None] - centres[None], axis=2)
            for row, col in zip(*linear_sum_assignment(dist), strict=True):
                if dist[row, col] <= self.max_distance:
                    self._follow(ids[row], boxes[col])
                    seen[ids[row]] = boxes[col]
                    unmatched.discard(col)
        for track_id in ids:
            if track_id not in seen:
                self._miss(track_id)
        for col in sorted(unmatched):
            seen[self._register(boxes[col])] = boxes[col]
        return seen

    def _register(self, box: np.ndarray) -> int:
        """Start a new track and return its ID."""
        track_id = self.next_id
        self.tracks[track_id] = Track(box.copy())
        self.lengths[track_id] = 1
        self.next_id += 1
        return track_id

    def _follow(self, track_id: int, box: np.ndarray) -> None:
        """Move a track to its matched detection and update its velocity (smoothed)."""
        track = self.tracks[track_id]
        step = ((box[:2] + box[2:]) / 2 - track.centroid) / (track.disappeared + 1)
        track.velocity = 0.5 * track.velocity + 0.5 * step if track.age > 1 else step
        track.box, track.disappeared = box.copy(), 0
        track.age += 1
        self.lengths[track_id] += 1

    def _miss(self, track_id: int) -> None:
        """Count a frame without a detection; forget the track after max_disappeared of them."""
        track = self.tracks[track_id]
        track.disappeared += 1
        if track.disappeared > self.max_disappeared:
            del self.tracks[track_id]
