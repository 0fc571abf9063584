"""Mean average precision at one IoU threshold (mAP@0.5), computed the way COCO's evaluator does.

Per class, every detection over all images is ranked by score. Within an image, detections
(highest score first) each claim the unclaimed ground-truth box they overlap most, when that
overlap reaches the IoU threshold: a true positive; otherwise a false positive. Walking down the
ranking gives a precision-recall curve; its precision is made non-increasing (the best precision
at this recall or any higher one) and averaged at 101 recall levels 0, 0.01, ..., 1 (COCO's
interpolation; PASCAL VOC 2010+ integrates the same envelope exactly). mAP is the mean over the
classes that have ground truth. Tests hold it to pycocotools' COCOeval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from week13_cv_advanced.boxes import as_boxes, iou_matrix

MAX_DETECTIONS = 100  # per image, as COCO's default maxDets
RECALL_LEVELS = np.linspace(0.0, 1.0, 101)


@dataclass(frozen=True)
class MapResult:
    """mAP over the classes with ground truth, and each class's AP (NaN: no ground truth)."""

    map: float
    per_class: dict[int, float]


def _numpy(values: object) -> np.ndarray:
    """Return tensors or lists as a NumPy array (tensors are moved to the CPU first)."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values)


def match_detections(
    boxes: np.ndarray, scores: np.ndarray, truths: np.ndarray, iou_threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return the scores (highest first) and whether each detection is a true positive.

    One image, one class. A detection matches the unmatched truth it overlaps most (IoU at
    least the threshold); each truth is matched at most once.
    """
    order = np.argsort(-scores, kind="mergesort")[:MAX_DETECTIONS]
    iou = iou_matrix(boxes[order], truths)
    taken = np.zeros(len(truths), dtype=bool)
    hits = np.zeros(len(order), dtype=bool)
    for d in range(len(order)):
        candidates = np.where(taken, -1.0, iou[d]) if len(truths) else np.empty(0)
        if candidates.size and candidates.max() >= iou_threshold:
            best = len(candidates) - 1 - int(np.argmax(candidates[::-1]))  # COCO: last of ties
            taken[best], hits[d] = True, True
    return scores[order], hits


def average_precision(hits: np.ndarray, n_truths: int) -> float:
    """Return the 101-point interpolated AP of detections ranked best first (`hits`: TP or not)."""
    if n_truths == 0:
        raise ValueError("average precision needs at least one ground-truth box")
    tp = np.cumsum(hits)
    fp = np.cumsum(~hits)
    recall = tp / n_truths
    precision = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    envelope = np.maximum.accumulate(precision[::-1])[::-1] if len(precision) else precision
    where = np.searchsorted(recall, RECALL_LEVELS, side="left")
    interpolated = [envelope[i] if i < len(envelope) else 0.0 for i in where]
    return float(np.mean(interpolated))


def mean_average_precision(
    predictions: Sequence[Mapping[str, object]],
    targets: Sequence[Mapping[str, object]],
    iou_threshold: float = 0.5,
) -> MapResult:
    """Return mAP@iou_threshold of detections against ground truth, one dict per image.

    Predictions hold "boxes" (N, 4) xyxy, "scores" (N,) and "labels" (N,); targets "boxes" and
    "labels" (tensors or arrays), in the same image order.
    """
    if len(predictions) != len(targets):
        raise ValueError(f"{len(predictions)} predictions for {len(targets)} images")
    for i, record in enumerate([*predictions, *targets]):
        boxes = as_boxes(_numpy(record["boxes"]))
        if (boxes[:, 2:] < boxes[:, :2]).any():
            raise ValueError(
                f"{'prediction' if i < len(predictions) else 'target'} of image "
                f"{i % len(predictions)} has a box with x2 < x1 or y2 < y1: "
                "boxes must be (x1, y1, x2, y2)"
            )
    classes = sorted(
        {int(c) for t in targets for c in _numpy(t["labels"]).ravel()}
        | {int(c) for p in predictions for c in _numpy(p["labels"]).ravel()}
    )
    per_class: dict[int, float] = {}
    for c in classes:
        ranked_scores, ranked_hits, n_truths = [], [], 0
        for pred, target in zip(predictions, targets, strict=True):
            truths = as_boxes(_numpy(target["boxes"]))[_numpy(target["labels"]).ravel() == c]
            mine = _numpy(pred["labels"]).ravel() == c
            scores, hits = match_detections(
                as_boxes(_numpy(pred["boxes"]))[mine],
                _numpy(pred["scores"]).astype(np.float64).ravel()[mine],
                truths,
                iou_threshold,
            )
            ranked_scores.append(scores)
            ranked_hits.append(hits)
            n_truths += len(truths)
        if n_truths == 0:
            per_class[c] = float("nan")
            continue
        order = np.argsort(-np.concatenate(ranked_scores), kind="mergesort")
        per_class[c] = average_precision(np.concatenate(ranked_hits)[order], n_truths)
    scored = [ap for ap in per_class.values() if not np.isnan(ap)]
    return MapResult(float(np.mean(scored)) if scored else float("nan"), per_class)
