"""Face detectors compared: Haar cascade against the res10 SSD, plus HOG people on a street video.

Both face detectors run on a built, labelled set: DCGAN faces pasted at known positions and sizes
onto real photos with no faces in them (see face_scenes.py). Each detector's confidence threshold
is chosen on validation scenes (the lowest one with precision >= 0.95) and then scored once on
separate test scenes: precision and recall at IoU 0.5, and milliseconds per 640x480 frame. The SSD
runs twice, at OpenCV's usual 300x300 input and at the frame's own 640x480, to show what input
resolution does to small faces. No registry ships COCO-trained YOLO weights, so this run uses the
SSD and HOG detectors; yolo.py holds the ONNX path, tested on a detector the tests export.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from shared.bars import Bar
from shared.context import RunContext
from shared.plotting import label, subplots
from week13_cv_advanced.boxes import DetectionScore, score_detections
from week13_cv_advanced.dcgan import generate_faces, load_generator
from week13_cv_advanced.detectors import HaarFaceDetector, HogPeopleDetector, SsdFaceDetector
from week13_cv_advanced.face_scenes import Scene, build_scenes, face_boxes, read_backgrounds


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    val_scenes: int = 30  # labelled scenes the thresholds are tuned on
    test_scenes: int = 70
    example_scenes: int = 3  # test scenes drawn with every detector's boxes


FULL = Config()
FAST = Config(val_scenes=2, test_scenes=3, example_scenes=1)

# The bar for a usable face detector on this set: recall >= 0.80 at precision >= 0.90
# (Zafeiriou et al. 2015, "A survey on face detection in the wild", report operating points of
# this kind for modern detectors on FDDB).
BARS = [
    Bar("best_recall", ">=", 0.80, "issue #10: recall >= 0.80 at precision >= 0.90, IoU 0.5"),
    Bar("best_precision", ">=", 0.90, "issue #10: recall >= 0.80 at precision >= 0.90, IoU 0.5"),
]
MIN_PRECISION = 0.90
# Thresholds are picked on validation frames with a margin, so that test precision holds.
VAL_PRECISION = 0.95
LABELS = {"haar": "Haar cascade", "ssd300": "res10 SSD 300x300", "ssd640": "res10 SSD 640x480"}
Raw = list[tuple[np.ndarray, np.ndarray]]


def run_detector(detector, scenes: list[Scene]) -> tuple[Raw, float]:
    """Run a detector on every scene; return its raw (boxes, scores) and ms per frame."""
    start = time.perf_counter()
    raw = [detector.detect(s.image) for s in scenes]
    return raw, 1000 * (time.perf_counter() - start) / len(scenes)


def at_threshold(raw: Raw, threshold: float) -> list[np.ndarray]:
    """Keep the detections whose score is at least `threshold`."""
    return [boxes[scores >= threshold] for boxes, scores in raw]


def pick_threshold(raw: Raw, truths: list[np.ndarray]) -> float:
    """Return the lowest score threshold whose precision reaches VAL_PRECISION (most recall)."""
    scores = np.unique(np.concatenate([s for _, s in raw] + [np.zeros(1)]))
    for threshold in scores:
        if score_detections(at_threshold(raw, threshold), truths).precision >= VAL_PRECISION:
            return float(threshold)
    return float(scores[-1])


def pr_curve(raw: Raw, truths: list[np.ndarray]) -> tuple[list[float], list[float]]:
    """Return (recall, precision) points as the score threshold sweeps over all scores."""
    recalls, precisions = [], []
    for threshold in np.quantile(np.concatenate([s for _, s in raw]), np.linspace(0, 1, 30)):
        score = score_detections(at_threshold(raw, threshold), truths)
        recalls.append(score.recall)
        precisions.append(score.precision)
    return recalls, precisions


def run(ctx: RunContext) -> dict[str, float]:
    """Build the labelled scenes, tune each detector's threshold, score it on the test scenes."""
    config = FAST if ctx.fast else FULL
    n_val, n_test = config.val_scenes, config.test_scenes
    generator = load_generator(ctx.dataset("dcgan_face_generator"))
    faces = generate_faces(generator, 5 * (n_val + n_test), ctx.seed)
    backgrounds = read_backgrounds(ctx.dataset)
    val = build_scenes(backgrounds, faces, n_val, ctx.seed + 1)
    test = build_scenes(backgrounds, faces[::-1], n_test, ctx.seed + 2)
    val_truth, test_truth = [face_boxes(s.boxes) for s in val], [face_boxes(s.boxes) for s in test]
    prototxt, weights = ctx.dataset("res10_ssd_prototxt"), ctx.dataset("res10_ssd_caffemodel")
    detectors = {
        "haar": HaarFaceDetector(ctx.dataset("haarcascade_frontalface"), 3, 1.15),
        "ssd300": SsdFaceDetector(prototxt, weights, threshold=0.1, input_size=(300, 300)),
        "ssd640": SsdFaceDetector(prototxt, weights, threshold=0.1, input_size=(640, 480)),
    }
    metrics: dict[str, float] = {}
    scores: dict[str, DetectionScore] = {}
    curves = {}
    for name, detector in detectors.items():
        ctx.log(f"{detector.name} ({name}): {n_val} validation + {n_test} test scenes")
        threshold = pick_threshold(run_detector(detector, val)[0], val_truth)
        raw, ms = run_detector(detector, test)
        scores[name] = score_detections(at_threshold(raw, threshold), test_truth)
        curves[name] = pr_curve(raw, test_truth)
        metrics |= {
            f"{name}_precision": scores[name].precision,
            f"{name}_recall": scores[name].recall,
            f"{name}_ms_per_frame": ms,
            f"{name}_threshold": threshold,
        }
    best = max(scores, key=lambda n: (scores[n].precision >= MIN_PRECISION, scores[n].recall))
    metrics |= {"best_precision": scores[best].precision, "best_recall": scores[best].recall}
    ctx.info["best_face_detector"] = f"{detectors[best].name} at {detectors[best].input_size_text}"
    ctx.info["yolo"] = "not run: no COCO-trained YOLO weights in any registry (yolo.py, tested)"
    _plot_curves(ctx, curves, scores, detectors)
    _plot_examples(ctx, test[: config.example_scenes], detectors, metrics)
    people = _hog_example(ctx)
    metrics["hog_people_first_frame"] = float(people)
    ctx.note(
        f"Labelled set: {n_val} validation and {n_test} test frames (640x480), "
        f"{sum(len(t) for t in test_truth)} test faces from the DCGAN generator pasted at "
        "48-160 px onto real photos of a cat, coffee and motorcycles. Thresholds are picked on "
        "validation frames (lowest with precision >= 0.95, a margin), then scored once on the "
        f"test frames. Best: **{ctx.info['best_face_detector']}**, precision "
        f"{scores[best].precision:.2f}, recall {scores[best].recall:.2f}. YOLO: no COCO-trained "
        "YOLO weights exist in any package registry, so this run uses the SSD and HOG detectors; "
        "`yolo.py` implements the ONNX path (letterbox, decoding, NMS) and the `yolo` "
        "sub-command runs it when the `yolov5n_coco_onnx` entry can be fetched (its `url` "
        "mirror, for users on the open internet)."
    )
    return metrics


def _plot_curves(ctx: RunContext, curves: dict, scores: dict, detectors: dict) -> None:
    """Plot each detector's precision-recall curve with its chosen operating point."""
    fig, ax = subplots(1, 1, width=5.5, height=4.2)
    for name, (recall, precision) in curves.items():
        line = ax.plot(recall, precision, label=LABELS[name])[0]
        ax.plot(scores[name].recall, scores[name].precision, "o", color=line.get_color())
    ax.axhline(MIN_PRECISION, color="grey", ls=":")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    label(ax, "Face detection on pasted faces (IoU 0.5)", "recall", "precision")
    ax.legend()
    ctx.save_figure(fig, "pr_curves", "Precision-recall per detector; dots: the chosen thresholds")


def _plot_examples(ctx: RunContext, scenes: list[Scene], detectors: dict, metrics: dict) -> None:
    """Draw truth (white) and each detector's boxes on a few test scenes."""
    import cv2

    fig, axes = subplots(len(detectors), len(scenes), width=3.4, height=2.7, squeeze=False)
    for row, (name, detector) in zip(axes, detectors.items(), strict=True):
        for ax, scene in zip(row, scenes, strict=True):
            image = scene.image.copy()
            for x1, y1, x2, y2 in face_boxes(scene.boxes).astype(int):
                cv2.rectangle(image, (x1, y1), (x2, y2), (255, 255, 255), 2)
            boxes = at_threshold([detector.detect(scene.image)], metrics[f"{name}_threshold"])[0]
            for x1, y1, x2, y2 in boxes.astype(int):
                cv2.rectangle(image, (x1, y1), (x2, y2), (0, 200, 0), 2)
            ax.imshow(image[:, :, ::-1])
            ax.set_axis_off()
        row[0].set_title(LABELS[name], loc="left", fontsize=9)
    ctx.save_figure(fig, "examples", "Test scenes: true face boxes (white) and detections (green)")


def _hog_example(ctx: RunContext) -> int:
    """Run the HOG people detector on the first frame of vtest.avi; return how many it found."""
    import cv2

    capture = cv2.VideoCapture(str(ctx.dataset("opencv_vtest_avi")))
    ok, frame = capture.read()
    capture.release()
    if not ok:
        raise ValueError("vtest.avi: the first frame could not be decoded")
    boxes, _ = HogPeopleDetector().detect(frame)
    for x1, y1, x2, y2 in boxes.astype(int):
        cv2.rectangle(frame, (x1, y1), (x2, y2), (0, 200, 0), 2)
    fig, ax = subplots(1, 1, width=6.0, height=4.6)
    ax.imshow(frame[:, :, ::-1])
    ax.set_axis_off()
    ctx.save_figure(fig, "hog_people", f"HOG + linear SVM people detector: {len(boxes)} people")
    return len(boxes)
