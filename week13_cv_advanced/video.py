"""Face-mask detection on video: frames -> face detection -> mask classification -> annotated MP4.

`python -m week13_cv_advanced video --source FILE|0 --out OUT.mp4` reads a video file (or a
webcam by index), finds faces with the res10 SSD, classifies each face as mask / no mask, draws
boxes and labels, and writes an MP4 with a progress bar. The output appears only when the whole
video went through: a missing or unreadable file, an empty video, a frame that cannot be decoded
or a camera index with no camera gives a clear error and leaves no half-written file.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shared.paths import week_report_dir
from week13_cv_advanced.face_scenes import tile_boxes
from week13_cv_advanced.labels import CLASSES

GREEN, RED = (0, 190, 0), (0, 0, 230)
FINETUNED_FILE = "mask_classifier.pt"


class VideoError(ValueError):
    """The video source or output cannot be used; the message says what to do."""


@dataclass(frozen=True)
class FaceResult:
    """One detected face: its box, the predicted class and that class's probability."""

    box: np.ndarray
    label: str
    probability: float


class MaskPipeline:
    """Detect faces in a BGR frame, classify each crop, and draw the result."""

    def __init__(self, detector, classifier) -> None:
        self.detector, self.classifier = detector, classifier

    def process(self, frame: np.ndarray) -> list[FaceResult]:
        """Return the faces in one BGR frame with their mask / no-mask labels."""
        boxes, _ = self.detector.detect(frame)
        h, w = frame.shape[:2]
        crops = []
        for x1, y1, x2, y2 in np.clip(tile_boxes(boxes), 0, [w, h, w, h]).astype(int):
            crops.append(np.ascontiguousarray(frame[y1:y2, x1:x2, ::-1]))
        probs = self.classifier.predict(crops) if crops else np.zeros((0, 2))
        return [
            FaceResult(box, CLASSES[int(p.argmax())], float(p.max()))
            for box, p in zip(boxes, probs, strict=True)
        ]

    @staticmethod
    def annotate(frame: np.ndarray, faces: list[FaceResult]) -> np.ndarray:
        """Return a copy of the frame with each face's box and label drawn on it."""
        import cv2

        out = frame.copy()
        for face in faces:
            x1, y1, x2, y2 = face.box.astype(int)
            colour = GREEN if face.label == "mask" else RED
            cv2.rectangle(out, (x1, y1), (x2, y2), colour, 2)
            text = f"{face.label.replace('_', ' ')} {face.probability:.0%}"
            cv2.putText(out, text, (x1, max(y1 - 6, 12)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 2)
        return out


def open_source(source: str):
    """Open a video file, or a camera when `source` is an integer index; raise VideoError if not."""
    import cv2

    if source.isdigit():
        capture = cv2.VideoCapture(int(source))
        if not capture.isOpened():
            raise VideoError(
                f"no camera at index {source}: none is connected or it is in use; "
                "pass a video file instead (--source FILE)"
            )
        return capture
    path = Path(source)
    if not path.is_file():
        raise VideoError(f"video file not found: {path}")
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise VideoError(f"OpenCV cannot open {path} as a video (corrupt or unsupported format)")
    return capture


def read_frames(capture, name: str, max_frames: int | None = None) -> Iterator[np.ndarray]:
    """Yield BGR frames; raise VideoError for an empty video or a frame that cannot be decoded."""
    import cv2

    expected = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    if max_frames is not None and expected > 0:
        expected = min(expected, max_frames)
    count = 0
    while max_frames is None or count < max_frames:
        ok, frame = capture.read()
        if not ok or frame is None:
            break
        count += 1
        yield frame
    capture.release()
    if count == 0:
        raise VideoError(f"{name} holds no readable frame (empty or corrupt video)")
    if expected > 0 and count < expected:
        raise VideoError(f"{name}: frame {count + 1} of {expected} could not be decoded")


@contextlib.contextmanager
def mp4_writer(out: Path, fps: float, size: tuple[int, int]) -> Iterator[object]:
    """Yield a cv2.VideoWriter on a temporary .mp4 beside `out`; rename it over `out` on success."""
    import cv2

    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.stem}.", suffix=".mp4")
    os.close(fd)
    tmp = Path(name)
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    try:
        if not writer.isOpened():
            raise VideoError(f"OpenCV cannot write an MP4 to {out.parent}")
        yield writer
        writer.release()
        tmp.chmod(0o644)  # mkstemp makes the file private; a finished video is an ordinary file
        os.replace(tmp, out)
    finally:
        writer.release()
        tmp.unlink(missing_ok=True)


def annotate_video(
    frames: Iterator[np.ndarray],
    out: Path,
    pipeline: MaskPipeline,
    fps: float,
    total: int | None = None,
    progress: bool = True,
    results: list[list[FaceResult]] | None = None,
) -> dict[str, float]:
    """Run the pipeline on every frame and write the annotated MP4; return counts and speed.

    When `results` is a list, each frame's faces are appended to it (for scoring).
    """
    from tqdm.auto import tqdm

    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        raise VideoError("the video holds no frames")
    h, w = first.shape[:2]
    counts = {"frames": 0.0, "faces": 0.0, "masked": 0.0}
    start = time.perf_counter()
    with mp4_writer(out, fps, (w, h)) as writer:
        stream = itertools.chain([first], frames)
        for frame in tqdm(stream, total=total, desc="video", unit="frame", disable=not progress):
            faces = pipeline.process(frame)
            if results is not None:
                results.append(faces)
            writer.write(pipeline.annotate(frame, faces))
            counts["frames"] += 1
            counts["faces"] += len(faces)
            counts["masked"] += sum(f.label == "mask" for f in faces)
    counts["fps"] = counts["frames"] / (time.perf_counter() - start)
    return counts


def build_pipeline(which: str, threshold: float, models_dir: Path) -> MaskPipeline:
    """Return the SSD detector with the chosen classifier (auto: fine-tuned when saved)."""
    from shared.registry import fetch
    from week13_cv_advanced.detectors import ssd_face_detector
    from week13_cv_advanced.mask_models import KerasMaskClassifier, load_finetuned

    saved = models_dir / FINETUNED_FILE
    if which == "auto":
        which = "finetuned" if saved.is_file() else "keras"
    classifier = load_finetuned(saved) if which == "finetuned" else None
    classifier = classifier or KerasMaskClassifier(fetch("keras_mask_classifier"))
    print(f"classifier: {classifier.name}", file=sys.stderr)
    return MaskPipeline(ssd_face_detector(fetch, threshold), classifier)


def main(argv: list[str]) -> int:
    """`video` sub-command: annotate a video file or webcam stream with mask / no-mask boxes."""
    parser = argparse.ArgumentParser(
        prog="python -m week13_cv_advanced video", description=main.__doc__
    )
    parser.add_argument("--source", required=True, help="video file, or a camera index like 0")
    parser.add_argument("--out", type=Path, default=week_report_dir(13) / "face_mask_video.mp4")
    parser.add_argument("--classifier", choices=("auto", "finetuned", "keras"), default="auto")
    parser.add_argument("--threshold", type=float, default=0.5, help="SSD face confidence")
    parser.add_argument("--max-frames", type=int, default=None, help="stop after N frames")
    args = parser.parse_args(argv)
    if args.out.suffix.lower() != ".mp4":
        print(f"error: --out must end in .mp4, not {args.out.name}", file=sys.stderr)
        return 2
    try:
        capture = open_source(args.source)
        import cv2

        fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
        total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) or None
        if total and args.max_frames:
            total = min(total, args.max_frames)
        pipeline = build_pipeline(args.classifier, args.threshold, week_report_dir(13) / "models")
        frames = read_frames(capture, args.source, args.max_frames)
        stats = annotate_video(frames, args.out, pipeline, fps, total)
    except (VideoError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"{int(stats['frames'])} frames, {int(stats['faces'])} faces "
        f"({int(stats['masked'])} masked), {stats['fps']:.1f} fps -> {args.out}"
    )
    return 0
