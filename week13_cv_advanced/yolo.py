"""A YOLO detector exported to ONNX, run by cv2.dnn: letterbox, output decoding and NMS.

The path is the real one for YOLOv5-style models (Ultralytics' yolov5n.onnx: 640x640 input,
output (1, 25200, 85) = box centre x, y, width, height in input pixels, objectness, then 80 class
scores). No package registry ships COCO-trained YOLO weights, so the registry entry
`yolov5n_coco_onnx` has only a `url` mirror: the `yolo` sub-command works for users on the open
internet, and the tests run the same code on a small detector they export to ONNX themselves.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from week13_cv_advanced.boxes import nms

COCO_NAMES = (
    "person",
    "bicycle",
    "car",
    "motorcycle",
    "airplane",
    "bus",
    "train",
    "truck",
    "boat",
    "traffic_light",
    "fire_hydrant",
    "stop_sign",
    "parking_meter",
    "bench",
    "bird",
    "cat",
    "dog",
    "horse",
    "sheep",
    "cow",
    "elephant",
    "bear",
    "zebra",
    "giraffe",
    "backpack",
    "umbrella",
    "handbag",
    "tie",
    "suitcase",
    "frisbee",
    "skis",
    "snowboard",
    "sports_ball",
    "kite",
    "baseball_bat",
    "baseball_glove",
    "skateboard",
    "surfboard",
    "tennis_racket",
    "bottle",
    "wine_glass",
    "cup",
    "fork",
    "knife",
    "spoon",
    "bowl",
    "banana",
    "apple",
    "sandwich",
    "orange",
    "broccoli",
    "carrot",
    "hot_dog",
    "pizza",
    "donut",
    "cake",
    "chair",
    "couch",
    "potted_plant",
    "bed",
    "dining_table",
    "toilet",
    "tv",
    "laptop",
    "mouse",
    "remote",
    "keyboard",
    "cell_phone",
    "microwave",
    "oven",
    "toaster",
    "sink",
    "refrigerator",
    "book",
    "clock",
    "vase",
    "scissors",
    "teddy_bear",
    "hair_drier",
    "toothbrush",
)


@dataclass(frozen=True)
class Letterbox:
    """How an image was fitted into the square network input: scale, then padding (x, y)."""

    scale: float
    pad_x: float
    pad_y: float


def letterbox(image: np.ndarray, size: int, fill: int = 114) -> tuple[np.ndarray, Letterbox]:
    """Resize keeping the aspect ratio and pad to size x size (grey 114, as YOLOv5 does)."""
    import cv2

    h, w = image.shape[:2]
    scale = min(size / h, size / w)
    new_w, new_h = round(w * scale), round(h * scale)
    pad_x, pad_y = (size - new_w) / 2, (size - new_h) / 2
    out = np.full((size, size, 3), fill, dtype=np.uint8)
    top, left = round(pad_y - 0.1), round(pad_x - 0.1)
    out[top : top + new_h, left : left + new_w] = cv2.resize(image, (new_w, new_h))
    return out, Letterbox(scale, left, top)


def decode(output: np.ndarray, conf_threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn (N, 5 + classes) YOLOv5 rows into (x1, y1, x2, y2) boxes, scores and class IDs.

    The score is objectness times the best class probability, as in YOLOv5's detect.py.
    """
    rows = np.asarray(output, dtype=np.float64).reshape(-1, output.shape[-1])
    class_scores = rows[:, 5:] * rows[:, 4:5]
    class_ids = class_scores.argmax(axis=1)
    scores = class_scores[np.arange(len(rows)), class_ids]
    keep = scores >= conf_threshold
    cx, cy, w, h = rows[keep, :4].T
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    return boxes, scores[keep], class_ids[keep]


def undo_letterbox(boxes: np.ndarray, fit: Letterbox, shape: tuple[int, int]) -> np.ndarray:
    """Map boxes from network-input pixels back to the original image, clipped to it."""
    h, w = shape[:2]
    out = (boxes - [fit.pad_x, fit.pad_y, fit.pad_x, fit.pad_y]) / fit.scale
    return np.clip(out, 0, [w, h, w, h])


def class_nms(
    boxes: np.ndarray, scores: np.ndarray, class_ids: np.ndarray, iou_threshold: float
) -> np.ndarray:
    """Non-maximum suppression within each class; return kept indices, best score first."""
    keep = [
        np.flatnonzero(class_ids == c)[
            nms(boxes[class_ids == c], scores[class_ids == c], iou_threshold)
        ]
        for c in np.unique(class_ids)
    ]
    kept = np.concatenate(keep) if keep else np.zeros(0, np.int64)
    return kept[np.argsort(-scores[kept], kind="stable")]


class YoloOnnxDetector:
    """A YOLOv5-format ONNX detector run by cv2.dnn; `detect(bgr)` -> boxes, scores, class IDs."""

    def __init__(
        self, onnx: Path, size: int = 640, conf_threshold: float = 0.25, iou_threshold: float = 0.45
    ) -> None:
        import cv2

        self.net = cv2.dnn.readNetFromONNX(str(onnx))
        self.size, self.conf, self.iou = size, conf_threshold, iou_threshold

    def detect(self, bgr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Letterbox, run the network, decode, apply per-class NMS, map boxes back."""
        import cv2

        image, fit = letterbox(bgr, self.size)
        self.net.setInput(cv2.dnn.blobFromImage(image, 1 / 255, swapRB=True))
        output = self.net.forward()
        boxes, scores, class_ids = decode(output[0], self.conf)
        keep = class_nms(boxes, scores, class_ids, self.iou)
        return undo_letterbox(boxes[keep], fit, bgr.shape), scores[keep], class_ids[keep]


def main(argv: list[str]) -> int:
    """`yolo` sub-command: detect COCO objects in an image with YOLOv5n (needs its weights)."""
    import cv2

    from shared.registry import DatasetError, fetch

    parser = argparse.ArgumentParser(
        prog="python -m week13_cv_advanced yolo", description=main.__doc__
    )
    parser.add_argument("--image", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=None, help="write the annotated image here")
    args = parser.parse_args(argv)
    image = cv2.imread(str(args.image))
    if image is None:
        print(f"error: cannot read an image from {args.image}", file=sys.stderr)
        return 2
    try:
        weights = fetch("yolov5n_coco_onnx")
    except DatasetError as exc:
        print(
            f"error: {exc}\nNo package registry ships COCO-trained YOLO weights; this command "
            "needs the open internet once (the default run uses the SSD and HOG detectors).",
            file=sys.stderr,
        )
        return 2
    boxes, scores, class_ids = YoloOnnxDetector(weights).detect(image)
    for (x1, y1, x2, y2), score, c in zip(boxes.astype(int), scores, class_ids, strict=True):
        print(f"{COCO_NAMES[c]:>14s} {score:.2f} [{x1}, {y1}, {x2}, {y2}]")
        cv2.rectangle(image, (x1, y1), (x2, y2), (0, 200, 0), 2)
        cv2.putText(
            image, COCO_NAMES[c], (x1, y1 - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 200, 0), 1
        )
    if args.out:
        from shared.atomic import write_bytes_atomic

        ok, encoded = cv2.imencode(args.out.suffix or ".png", image)
        if not ok:
            print(f"error: OpenCV cannot write {args.out.suffix!r} images", file=sys.stderr)
            return 2
        write_bytes_atomic(args.out, encoded.tobytes())
    return 0
