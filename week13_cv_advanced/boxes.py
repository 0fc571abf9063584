"""Box arithmetic every detector here shares: IoU, non-maximum suppression, precision/recall.

Boxes are float arrays of shape (N, 4) holding (x1, y1, x2, y2) in pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def as_boxes(boxes: object) -> np.ndarray:
    """Return `boxes` as a float (N, 4) array (an empty list gives shape (0, 4))."""
    return np.asarray(boxes, dtype=np.float64).reshape(-1, 4)


def xywh_to_xyxy(boxes: object) -> np.ndarray:
    """Convert OpenCV's (x, y, width, height) rows to (x1, y1, x2, y2)."""
    b = as_boxes(boxes).copy()
    b[:, 2:] += b[:, :2]
    return b


def iou_matrix(a: object, b: object) -> np.ndarray:
    """Return the (len(a), len(b)) matrix of intersection-over-union between two box sets."""
    a, b = as_boxes(a), as_boxes(b)
    top_left = np.maximum(a[:, None, :2], b[None, :, :2])
    bottom_right = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(bottom_right - top_left, 0, None).prod(axis=2)
    area_a = (a[:, 2:] - a[:, :2]).clip(0).prod(axis=1)
    area_b = (b[:, 2:] - b[:, :2]).clip(0).prod(axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def nms(boxes: object, scores: object, iou_threshold: float) -> np.ndarray:
    """Greedy non-maximum suppression: indices of the kept boxes, highest score first."""
    boxes, scores = as_boxes(boxes), np.asarray(scores, dtype=np.float64).ravel()
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size:
        best, rest = order[0], order[1:]
        keep.append(best)
        order = rest[iou_matrix(boxes[best : best + 1], boxes[rest])[0] <= iou_threshold]
    return np.array(keep, dtype=np.int64)


def match(detections: object, truths: object, iou_threshold: float = 0.5) -> int:
    """Count true positives: each truth box matches at most one detection (greedy by IoU)."""
    iou = iou_matrix(detections, truths)
    matched = 0
    while iou.size and iou.max() >= iou_threshold:
        i, j = np.unravel_index(iou.argmax(), iou.shape)
        matched += 1
        iou[i, :], iou[:, j] = -1, -1
    return matched


@dataclass(frozen=True)
class DetectionScore:
    """Detection counts over a set of images, and the precision and recall they give."""

    true_positives: int
    detections: int
    truths: int

    @property
    def precision(self) -> float:
        """Share of detections that hit a true box (1.0 when nothing was detected)."""
        return self.true_positives / self.detections if self.detections else 1.0

    @property
    def recall(self) -> float:
        """Share of true boxes that were found."""
        return self.true_positives / self.truths if self.truths else 1.0


def score_detections(
    detections: list[np.ndarray], truths: list[np.ndarray], iou_threshold: float = 0.5
) -> DetectionScore:
    """Score per-image detections against per-image true boxes at an IoU threshold."""
    if len(detections) != len(truths):
        raise ValueError(f"{len(detections)} detection lists for {len(truths)} images")
    tp = sum(match(d, t, iou_threshold) for d, t in zip(detections, truths, strict=True))
    return DetectionScore(
        tp, sum(len(as_boxes(d)) for d in detections), sum(len(t) for t in truths)
    )
