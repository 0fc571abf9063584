"""Face Mask Detection: week 13's detector + classifier behind an API and a CLI, images and video.

Week 13's pipeline (res10 SSD faces, then its mask / no-mask classifier) is served by
mask_service.py and run by `python -m week22_capstone mask`. The inputs are built the way week 13
builds its test scenes (no registry holds labelled photos of masked faces): DCGAN faces, half of
them with a painted mask, pasted at known places onto real photos. Each scene goes through the
API as a PNG and through the CLI; the scenes are also joined into a short MP4 and sent as a
video. Scored: faces found (IoU >= 0.5 with the pasted face), labels right on those, and whether
the API and the CLI answer the same. The same scenes also go through the pipeline twice with
week 13's Keras classifier, on PyTorch and exported to ONNX (mask_onnx.py, the torch-free
serving path): the two must find the same boxes and labels, probabilities within 1e-4.
"""

from __future__ import annotations

import contextlib
import io
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

from shared.api import API_KEY_HEADER, serve_in_thread
from shared.bars import Bar
from shared.context import RunContext
from week13_cv_advanced.boxes import iou_matrix
from week13_cv_advanced.dcgan import generate_faces, load_generator
from week13_cv_advanced.face_scenes import (
    FRAME_H,
    FRAME_W,
    Scene,
    build_scenes,
    face_boxes,
    read_backgrounds,
)
from week13_cv_advanced.keras_port import CLASSES
from week13_cv_advanced.masks import paint_mask
from week13_cv_advanced.video import mp4_writer
from week22_capstone.mask import cli as mask_cli
from week22_capstone.mask.detect import boxes_of, mask_pipeline
from week22_capstone.mask.service import MaskSettings, create_app

# The label bar is week 13's classifier bar (issue #10: >= 0.95 on held-out faces) loosened to
# 0.90 for faces cut out by the detector rather than given whole. Face recall is reported, not
# barred: it is week 13's detector at its CLI default (SSD confidence 0.5), whose own bar week 13
# checks at a tuned threshold; small faces (48 px) are the ones it misses.
BARS = [
    Bar("label_accuracy", ">=", 0.90, "week 13's >= 0.95 on whole faces, less 5 points for crops"),
    Bar("api_cli_mismatches", "<=", 0, "the endpoint and the CLI give the same boxes and labels"),
    Bar("annotated_unreadable", "<=", 0, "every annotated file comes back and decodes"),
    Bar("video_frames_missing", "<=", 0, "every frame of the video is in the answer"),
    Bar("onnx_torch_mismatches", "<=", 0, "issue 21: ONNX gives the torch path's boxes and labels"),
    Bar("onnx_probability_max_abs_diff", "<=", 1e-4, "issue 21: probabilities within 1e-4"),
]
TILE = 128
CLI_SCENES = 3  # each CLI call loads the models again, as a user's would


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    scenes: int = 30  # labelled scenes sent to the API


FULL = Config()
FAST = Config(scenes=2)


def labelled_scenes(ctx: RunContext, n_scenes: int) -> tuple[list[Scene], list[np.ndarray]]:
    """Scenes of DCGAN faces, every other one masked, and each scene's true labels."""
    import cv2

    generator = load_generator(ctx.dataset("dcgan_face_generator"))
    rng = np.random.default_rng(ctx.seed)
    n_faces = 5 * n_scenes
    faces = generate_faces(generator, n_faces, ctx.seed + 22)
    faces = [cv2.resize(f, (TILE, TILE), interpolation=cv2.INTER_CUBIC) for f in faces]
    labels = np.arange(n_faces) % 2  # 0 mask, 1 no mask (CLASSES' order)
    faces = [paint_mask(f, rng) if y == 0 else f for f, y in zip(faces, labels, strict=True)]
    scenes = build_scenes(read_backgrounds(ctx.dataset), np.stack(faces), n_scenes, ctx.seed)
    truth, used = [], 0
    for scene in scenes:
        truth.append(labels[used : used + len(scene.boxes)])
        used += len(scene.boxes)
    return scenes, truth


def score(summary: dict, scene: Scene, labels: np.ndarray) -> tuple[int, int, int]:
    """(faces in the scene, found at IoU >= 0.5, found with the right label)."""
    truth = face_boxes(scene.boxes)
    found = correct = 0
    if summary["faces"]:
        iou = iou_matrix(truth, boxes_of(summary))
        for i, j in enumerate(iou.argmax(axis=1)):
            if iou[i, j] >= 0.5:
                found += 1
                correct += summary["faces"][j]["label"] == CLASSES[labels[i]]
    return len(truth), found, correct


def run(ctx: RunContext) -> dict[str, float]:
    """Send scenes (PNG) and a clip (MP4) to the API and the CLI; score and compare."""
    import cv2

    config = FAST if ctx.fast else FULL
    for name in ("res10_ssd_prototxt", "res10_ssd_caffemodel", "keras_mask_classifier"):
        ctx.dataset(name)
    scenes, truth = labelled_scenes(ctx, config.scenes)
    inputs = ctx.out / "mask_inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, scene in enumerate(scenes):
        paths.append(inputs / f"scene_{i:02d}.png")
        cv2.imwrite(str(paths[-1]), scene.image)
    clip = inputs / "scenes.mp4"
    with mp4_writer(clip, 2.0, (FRAME_W, FRAME_H)) as writer:
        for scene in scenes:
            writer.write(scene.image)
    pipeline = mask_pipeline(mask_cli.WEEK13_MODELS)
    ctx.info["classifier"] = pipeline.classifier.name
    key = secrets.token_urlsafe(24)
    app = create_app(MaskSettings(key, ctx.out / "mask_api"), pipeline=pipeline)
    with (
        serve_in_thread(app) as base,
        httpx.Client(base_url=base, headers={API_KEY_HEADER: key}, timeout=300.0) as client,
    ):
        answers = [_post(client, p) for p in [*paths, clip]]
        unreadable = sum(_unreadable(client, a) for a in answers)
    cli = [_cli(p, ctx.out / "mask_cli") for p in paths[:CLI_SCENES]]
    parity = backend_parity(ctx, [s.image for s in scenes])
    video = answers.pop()
    totals = np.array([score(a, s, t) for a, s, t in zip(answers, scenes, truth, strict=True)])
    faces, found, correct = totals.sum(axis=0)
    mismatches = sum(_differ(a, c) for a, c in zip(answers, cli, strict=False))
    ctx.note(
        f"Classifier: {ctx.info['classifier']}. {len(scenes)} scenes ({faces} faces) through "
        f"POST /detections (the first {len(cli)} also through the CLI), then `scenes.mp4` ({video['frames']} frames, "
        f"{len(video['faces'])} faces found). Annotated copies in `mask_api/` and `mask_cli/`."
    )
    ctx.note(
        f"ONNX Runtime vs PyTorch (Keras classifier, same scenes): "
        f"{parity['onnx_torch_mismatches']:g} scene(s) with other boxes or labels, "
        f"probabilities within {parity['onnx_probability_max_abs_diff']:.1e}."
    )
    return {
        "faces": float(faces),
        "face_recall": found / faces,
        "label_accuracy": correct / max(found, 1),
        "api_cli_mismatches": mismatches,
        "annotated_unreadable": unreadable,
        "video_frames": video["frames"],
        "video_frames_missing": len(scenes) - video["frames"],
        "video_faces": len(video["faces"]),
        **parity,
    }


def backend_parity(ctx: RunContext, images: list[np.ndarray]) -> dict[str, float]:
    """Week 13's Keras classifier on PyTorch and on ONNX Runtime (exported here): how they differ."""
    from week22_capstone.mask.export import export_mask_classifier

    export_mask_classifier(ctx.models_dir, ctx.dataset("keras_mask_classifier"))
    on_torch = mask_pipeline(ctx.models_dir, "keras", backend="torch")
    on_onnx = mask_pipeline(ctx.models_dir, backend="onnx")
    mismatches, worst = 0, 0.0
    for image in images:
        a, b = on_torch.process(image), on_onnx.process(image)
        if _boxes_and_labels(a) != _boxes_and_labels(b):
            mismatches += 1
            continue
        worst = max(
            [worst, *(abs(x.probability - y.probability) for x, y in zip(a, b, strict=True))]
        )
    return {"onnx_torch_mismatches": float(mismatches), "onnx_probability_max_abs_diff": worst}


def _post(client: httpx.Client, path: Path) -> dict:
    """POST one file to /detections; return the JSON answer."""
    with path.open("rb") as f:
        response = client.post("/detections", files={"file": (path.name, f)})
    response.raise_for_status()
    return response.json()


def _unreadable(client: httpx.Client, answer: dict) -> bool:
    """Whether the annotated copy cannot be fetched and decoded by OpenCV."""
    import cv2

    response = client.get(answer["annotated_url"])
    if response.status_code != 200:
        return True
    if answer["kind"] == "video":
        return not response.content.startswith(b"\x00\x00\x00") or len(response.content) < 1000
    image = cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_COLOR)
    return image is None


def _cli(path: Path, out: Path) -> dict:
    """Run the CLI on one file in-process; return its JSON."""
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = mask_cli.main(["--input", str(path), "--out", str(out)])
    if code != 0:
        raise RuntimeError(f"the mask CLI failed on {path.name} (exit {code})")
    return json.loads(stdout.getvalue())


def _differ(api: dict, cli: dict) -> bool:
    """Whether the API and the CLI found different faces or labels."""
    a = [(f["box"], f["label"]) for f in api["faces"]]
    c = [(f["box"], f["label"]) for f in cli["faces"]]
    return a != c


def _boxes_and_labels(faces: list) -> list[tuple[list[float], str]]:
    """The faces of one frame as comparable (box, label) pairs."""
    return [(f.box.tolist(), f.label) for f in faces]
