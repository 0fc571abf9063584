"""Face-mask detection on one file: week 13's detector + classifier on an image or a short video.

`detect_file` reads an image (PNG, JPEG, BMP) or a video (MP4, AVI, MOV, MKV), runs week 13's
`MaskPipeline` (res10 SSD faces, then the mask / no-mask classifier on each crop) on every frame,
and writes the annotated copy (boxes and labels drawn) atomically. The API (mask_service.py) and
the CLI (`python -m week22_capstone mask --input FILE`) both call it, so they answer the same.
A file that is neither, cannot be decoded, is larger than 4096x4096 px (read from its header,
before decoding: image_input.py), is truncated, or is longer than MAX_FRAMES is refused with a
`week13_cv_advanced.video.VideoError` saying why and naming the file, never its folder.
`mask_pipeline` builds the pipeline on ONNX Runtime (no torch: mask_onnx.py) or on PyTorch.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

from shared.atomic import atomic_path
from week13_cv_advanced.video import (
    FaceResult,
    MaskPipeline,
    VideoError,
    annotate_video,
    read_frames,
)
from week22_capstone.mask.image_input import check_size, image_size, read_image

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv")
MAX_FRAMES = 300  # a "short video": ten seconds at 30 frames per second


def faces_json(faces: list[FaceResult], frame: int) -> list[dict]:
    """The faces of one frame as JSON: frame index, box (x1, y1, x2, y2), label, probability."""
    return [
        {
            "frame": frame,
            "box": [round(float(v), 1) for v in f.box],
            "label": f.label,
            "probability": round(f.probability, 4),
        }
        for f in faces
    ]


def check_input(source: Path) -> None:
    """Refuse (VideoError) what cannot be an input, cheaply: the type, an image's header size."""
    suffix = source.suffix.lower()
    if suffix not in IMAGE_SUFFIXES + VIDEO_SUFFIXES:
        raise VideoError(
            f"{source.name}: unsupported file type {suffix or '(none)'}; send an image "
            f"({', '.join(IMAGE_SUFFIXES)}) or a short video ({', '.join(VIDEO_SUFFIXES)})"
        )
    if suffix in IMAGE_SUFFIXES:
        image_size(source)


def detect_file(source: Path, out_dir: Path, pipeline: MaskPipeline) -> dict:
    """Detect and classify faces in an image or video; write its annotated copy into `out_dir`.

    Returns {"kind", "frames", "faces": [...], "masked", "annotated": path}.
    """
    check_input(source)
    if source.suffix.lower() in IMAGE_SUFFIXES:
        return _image(source, out_dir, pipeline)
    return _video(source, out_dir, pipeline)


def _summary(kind: str, frames: int, faces: list[dict], annotated: Path) -> dict:
    masked = sum(f["label"] == "mask" for f in faces)
    return {
        "kind": kind,
        "frames": frames,
        "faces": faces,
        "masked": masked,
        "annotated": annotated,
    }


def _image(source: Path, out_dir: Path, pipeline: MaskPipeline) -> dict:
    """One image: faces, and the annotated copy as PNG."""
    import cv2

    image = read_image(source)
    faces = pipeline.process(image)
    out = Path(out_dir) / f"{source.stem}_annotated.png"
    ok, encoded = cv2.imencode(".png", pipeline.annotate(image, faces))
    if not ok:
        raise VideoError(f"{source.name}: the annotated image could not be encoded as PNG")
    with atomic_path(out) as tmp:
        tmp.write_bytes(encoded.tobytes())
    return _summary("image", 1, faces_json(faces, 0), out)


def _video(source: Path, out_dir: Path, pipeline: MaskPipeline) -> dict:
    """A short video: faces per frame, and the annotated copy as MP4."""
    import cv2

    capture = cv2.VideoCapture(str(source))
    if not capture.isOpened():
        raise VideoError(
            f"{source.name}: OpenCV cannot open it as a video (corrupt or unsupported)"
        )
    frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    try:
        if frames > MAX_FRAMES:
            raise VideoError(
                f"{source.name}: {frames} frames; send a video of at most {MAX_FRAMES}"
            )
        check_size(source.name, size)
    except VideoError:
        capture.release()
        raise
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    results: list[list[FaceResult]] = []
    out = Path(out_dir) / f"{source.stem}_annotated.mp4"
    stream = read_frames(capture, source.name, MAX_FRAMES)
    annotate_video(stream, out, pipeline, fps, progress=False, results=results)
    faces = [face for i, found in enumerate(results) for face in faces_json(found, i)]
    return _summary("video", len(results), faces, out)


def check_threshold(threshold: float) -> float:
    """Return a face-confidence threshold if it is strictly between 0 and 1; ValueError if not.

    At 0 every box the SSD proposes would count as a face; at 1 none would.
    """
    if not 0 < threshold < 1:
        raise ValueError(f"the face threshold must be between 0 and 1 (exclusive), not {threshold}")
    return threshold


def default_backend(models_dir: Path) -> str:
    """onnx once week 24's export is in `models_dir` (or where torch is not installed), else torch."""
    import importlib.util

    from week22_capstone.mask.onnx_runtime import ONNX_FILE

    exported = (Path(models_dir) / ONNX_FILE).is_file()
    return "onnx" if exported or importlib.util.find_spec("torch") is None else "torch"


def mask_pipeline(
    models_dir: Path, classifier: str = "auto", threshold: float = 0.5, backend: str | None = None
) -> MaskPipeline:
    """Week 13's pipeline: SSD faces, then its classifier on ONNX Runtime or PyTorch.

    ONNX (mask_onnx.py) serves the exported Keras classifier without torch; PyTorch serves the
    fine-tuned classifier if saved, else the Keras one. `backend` None means `default_backend`.
    """
    threshold = check_threshold(threshold)
    backend = backend or default_backend(models_dir)
    if backend == "onnx":
        from week22_capstone.mask.onnx_runtime import onnx_pipeline

        return onnx_pipeline(models_dir, classifier, threshold)
    if backend != "torch":
        raise ValueError(f"backend must be onnx or torch, not {backend!r}")
    from week13_cv_advanced.video import build_pipeline

    return build_pipeline(classifier, threshold, models_dir)


def with_threshold(pipeline: MaskPipeline, threshold: float) -> MaskPipeline:
    """The same detector network and classifier, keeping faces at or above `threshold`."""
    detector = copy.copy(pipeline.detector)  # shares the loaded network, not the threshold
    detector.threshold = check_threshold(threshold)
    return MaskPipeline(detector, pipeline.classifier)


def boxes_of(summary: dict) -> np.ndarray:
    """The face boxes of a summary as an (n, 4) array."""
    return np.array([f["box"] for f in summary["faces"]], dtype=float).reshape(-1, 4)
