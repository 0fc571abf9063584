"""Frames per second of week 13's face-mask pipeline: face detection + mask classification.

Frames are 640x480 scenes with 1 to 5 pasted faces (week13_cv_advanced.face_scenes). Each frame
goes through the res10 SSD (at 300x300, OpenCV's usual input, and at the frame's own 640x480,
which finds smaller faces) and every face found through the fine-tuned mask classifier (64 px).
Weights do not change speed, so when no fine-tuned model has been saved yet the same network with
its ImageNet weights is timed, and the JSON says which. The median frame time over all frames is
robust to other processes sharing the CPU. Goal: >= 25 FPS on a 2-core CPU.
Writes reports/bench.json["week13_face_mask"].
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import torch

from shared.bench import record
from shared.paths import week_report_dir
from shared.registry import fetch
from week13_cv_advanced.dcgan import generate_faces, load_generator
from week13_cv_advanced.detectors import ssd_face_detector
from week13_cv_advanced.face_scenes import build_scenes, read_backgrounds
from week13_cv_advanced.mask_models import FineTunedMaskClassifier, finetune_model, load_finetuned
from week13_cv_advanced.video import FINETUNED_FILE, MaskPipeline

FRAMES, GOAL_FPS = 40, 25.0


def classifier() -> tuple[FineTunedMaskClassifier, str]:
    """Return the saved fine-tuned classifier, or the same network with ImageNet weights."""
    saved = week_report_dir(13) / "models" / FINETUNED_FILE
    if saved.is_file():
        return load_finetuned(saved), "fine-tuned (saved by make week13)"
    model = finetune_model(fetch("mobilenet_v2_imagenet"))
    return FineTunedMaskClassifier(model), "same network, ImageNet weights (no saved model yet)"


def frame_times(pipeline: MaskPipeline, frames: list[np.ndarray]) -> list[float]:
    """Seconds per frame for detection + classification (one warm-up frame first)."""
    pipeline.process(frames[0])
    times = []
    for frame in frames:
        start = time.perf_counter()
        pipeline.process(frame)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    """Time both SSD input sizes with the mask classifier and record the frames per second."""
    faces = generate_faces(load_generator(fetch("dcgan_face_generator")), 5 * FRAMES, seed=0)
    scenes = build_scenes(read_backgrounds(fetch), faces, FRAMES, seed=0)
    frames = [s.image for s in scenes]
    mask_classifier, which = classifier()
    results = {
        "frames": FRAMES,
        "frame_size": "640x480",
        "faces_per_frame": float(np.mean([len(s.boxes) for s in scenes])),
        "classifier": which,
        "torch_threads": torch.get_num_threads(),
        "goal_fps": GOAL_FPS,
    }
    for size in ((300, 300), (640, 480)):
        pipeline = MaskPipeline(ssd_face_detector(fetch, 0.5, size), mask_classifier)
        median = statistics.median(frame_times(pipeline, frames))
        key = f"ssd{size[0]}"
        results[f"{key}_ms_per_frame"] = 1000 * median
        results[f"{key}_fps"] = 1 / median
        print(
            f"SSD {size[0]}x{size[1]} + classifier: {1000 * median:.1f} ms/frame, "
            f"{1 / median:.1f} FPS (goal {GOAL_FPS:.0f})"
        )
    path = record("week13_face_mask", results)
    print(f"classifier: {which}; results in {path}")


if __name__ == "__main__":
    main()
