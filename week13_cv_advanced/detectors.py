"""Three classic OpenCV detectors behind one call: `detect(bgr) -> (boxes, scores)`.

- Viola-Jones Haar cascade (2001): boosted rectangle features on a grey image pyramid;
- the res10 SSD face detector: a ResNet-10 single-shot detector run by cv2.dnn at 300x300;
- Dalal-Triggs HOG + linear SVM (2005) for standing people.
Boxes are (x1, y1, x2, y2) pixels of the input frame; scores are each detector's confidence.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from week13_cv_advanced.boxes import as_boxes, xywh_to_xyxy

Detections = tuple[np.ndarray, np.ndarray]


class HaarFaceDetector:
    """OpenCV's frontal-face Haar cascade; the score is the last stage's boosted sum."""

    name = "Haar cascade"
    input_size_text = "the frame's size"

    def __init__(self, cascade: Path, min_neighbors: int = 5, scale_factor: float = 1.1) -> None:
        import cv2

        self.cascade = cv2.CascadeClassifier(str(cascade))
        if self.cascade.empty():
            raise ValueError(f"{cascade} is not a Haar cascade OpenCV can read")
        self.min_neighbors, self.scale_factor = min_neighbors, scale_factor

    def detect(self, bgr: np.ndarray) -> Detections:
        """Return face boxes and scores for one BGR frame."""
        import cv2

        grey = cv2.equalizeHist(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
        rects, _, weights = self.cascade.detectMultiScale3(
            grey, self.scale_factor, self.min_neighbors, minSize=(24, 24), outputRejectLevels=True
        )
        return xywh_to_xyxy(rects), np.asarray(weights, dtype=np.float64).ravel()


class SsdFaceDetector:
    """OpenCV's res10 SSD face detector (Caffe), run by cv2.dnn at a chosen input size.

    Trained at 300x300; on a 640x480 frame that input shrinks a 60 px face to 28 px, so running
    it at the frame's own size finds small faces at twice the cost. Boxes thinner than 12 px or
    wider than half the frame, a known quirk of this model, are dropped.
    """

    name = "res10 SSD"
    MEAN_BGR = (104.0, 177.0, 123.0)

    def __init__(
        self,
        prototxt: Path,
        weights: Path,
        threshold: float = 0.5,
        input_size: tuple[int, int] = (300, 300),
    ) -> None:
        import cv2

        self.net = cv2.dnn.readNetFromCaffe(str(prototxt), str(weights))
        self.threshold, self.input_size = threshold, input_size

    @property
    def input_size_text(self) -> str:
        """Return the network input size as `WxH`."""
        return f"{self.input_size[0]}x{self.input_size[1]}"

    def detect(self, bgr: np.ndarray) -> Detections:
        """Return face boxes with confidence >= threshold for one BGR frame."""
        import cv2

        h, w = bgr.shape[:2]
        self.net.setInput(cv2.dnn.blobFromImage(bgr, 1.0, self.input_size, self.MEAN_BGR))
        out = self.net.forward()[0, 0]
        out = out[out[:, 2] >= self.threshold]
        boxes = np.clip(out[:, 3:7], 0, 1) * np.array([w, h, w, h])
        sizes = boxes[:, 2:] - boxes[:, :2]
        keep = (sizes.min(axis=1) >= 12) & (sizes[:, 0] <= w / 2) & (sizes[:, 1] <= h / 2)
        return as_boxes(boxes[keep]), out[keep, 2].astype(np.float64)


class HogPeopleDetector:
    """OpenCV's default HOG + linear SVM people detector (64x128 window)."""

    name = "HOG people"

    def __init__(self, scale: float = 1.05, threshold: float = 0.3) -> None:
        import cv2

        self.hog = cv2.HOGDescriptor()
        self.hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
        self.scale, self.threshold = scale, threshold

    def detect(self, bgr: np.ndarray) -> Detections:
        """Return person boxes and SVM scores (>= threshold) for one BGR frame."""
        rects, weights = self.hog.detectMultiScale(
            bgr, winStride=(8, 8), padding=(8, 8), scale=self.scale
        )
        boxes, scores = xywh_to_xyxy(rects), np.asarray(weights, dtype=np.float64).ravel()
        keep = scores >= self.threshold
        return boxes[keep], scores[keep]


def ssd_face_detector(
    fetch: Callable[[str], Path],
    threshold: float = 0.5,
    input_size: tuple[int, int] = (640, 480),
) -> SsdFaceDetector:
    """Build the SSD face detector from the registry (`fetch` is ctx.dataset or registry.fetch)."""
    return SsdFaceDetector(
        fetch("res10_ssd_prototxt"), fetch("res10_ssd_caffemodel"), threshold, input_size
    )
