"""Face-mask detection: the pretrained Keras classifier ported to PyTorch, a fine-tuned MobileNetV2,
and both run on video.

No registry holds labelled photos of masked faces, so the data set is built, and building it is
part of the lesson: DCGAN faces, each shown bare and with a mask painted on (three shapes, eleven
colours, random placement and tilt; see masks.py). Week 11's ImageNet MobileNetV2 is fine-tuned
on those faces with the shared Trainer, then scored on held-out faces from noise the builder
never drew, and compared with the pretrained Keras classifier (read from HDF5 with h5py, no
TensorFlow) on the same faces. Last, a clip of moving faces is written to MP4 and run through the
full pipeline (SSD face detection, mask classification, boxes and labels drawn). The labelled
set itself is built by mask_set.py, which week 24 reuses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import DataLoader

from shared.bars import Bar
from shared.context import RunContext
from shared.devices import resolve_device
from shared.plotting import subplots
from shared.training import Trainer
from shared.vision import ImageTensorDataset
from week11_transfer_learning.pretrained import transforms
from week13_cv_advanced.boxes import iou_matrix
from week13_cv_advanced.dcgan import generate_faces, load_generator
from week13_cv_advanced.detectors import ssd_face_detector
from week13_cv_advanced.face_scenes import (
    FRAME_H,
    FRAME_W,
    face_boxes,
    paste,
    random_frame,
    read_backgrounds,
)
from week13_cv_advanced.keras_port import CLASSES
from week13_cv_advanced.mask_models import (
    FINETUNED_SIZE,
    FineTunedMaskClassifier,
    KerasMaskClassifier,
    finetune_model,
    save_finetuned,
)
from week13_cv_advanced.mask_set import TILE, face_set
from week13_cv_advanced.masks import paint_mask
from week13_cv_advanced.video import (
    FINETUNED_FILE,
    MaskPipeline,
    annotate_video,
    mp4_writer,
    open_source,
    read_frames,
)


@dataclass(frozen=True)
class Config:
    """The project's sizes: FULL for the report, FAST for the smoke run (seconds)."""

    people: tuple[int, int, int] = (300, 50, 150)  # generated faces to train, validate, test on
    epochs: int = 2  # fine-tuning epochs
    video_frames: int = 40  # frames of the demo clip


FULL = Config()
FAST = Config(people=(16, 8, 12), epochs=1, video_frames=4)

# The bar: >= 0.95 accuracy on held-out faces. Painted masks are an easier task than real
# ones; published mask classifiers on real photos (e.g. the RMFD-based MobileNetV2 detectors)
# report 0.95-0.99, so 0.95 is the floor, not the goal.
BARS = [Bar("heldout_accuracy", ">=", 0.95, "issue #10: >= 0.95 on held-out faces")]


def fine_tune(
    ctx: RunContext, train, val, device: str, epochs: int
) -> tuple[torch.nn.Module, list[dict]]:
    """Fine-tune week 11's ImageNet MobileNetV2 on the painted-mask faces; return it and history."""
    g = torch.Generator().manual_seed(ctx.seed)
    model = finetune_model(ctx.dataset("mobilenet_v2_imagenet"))
    loader = DataLoader(
        ImageTensorDataset(*train, transform=transforms(FINETUNED_SIZE, augment=True)),
        batch_size=32,
        shuffle=True,
        generator=g,
    )
    val_loader = DataLoader(
        ImageTensorDataset(*val, transform=transforms(FINETUNED_SIZE, False)), batch_size=64
    )
    opt = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=1e-2)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 5e-4, total_steps=epochs * len(loader))
    trainer = Trainer(
        model, opt, device=device, scheduler=sched, scheduler_step="batch", desc="fine-tune"
    )
    trainer.fit(loader, val_loader, epochs=epochs)
    return trainer.model.cpu().eval(), trainer.history


def compare_with_keras(
    ours: FineTunedMaskClassifier, keras: KerasMaskClassifier, faces: np.ndarray, labels: np.ndarray
) -> tuple[dict[str, float], np.ndarray, np.ndarray]:
    """Held-out accuracy of ours and of the pretrained Keras model, and how often they agree.

    Returns the three rates and both models' predicted classes, in the order of `faces`.
    """
    ours_pred = ours.predict(list(faces)).argmax(axis=1)
    keras_pred = keras.predict(list(faces)).argmax(axis=1)
    rates = {
        "heldout_accuracy": float((ours_pred == labels).mean()),
        "keras_heldout_accuracy": float((keras_pred == labels).mean()),
        "keras_agreement": float((ours_pred == keras_pred).mean()),
    }
    return rates, ours_pred, keras_pred


def run(ctx: RunContext) -> dict[str, float]:
    """Build the mask set, fine-tune, score on held-out faces, compare with Keras, run the video."""
    config = FAST if ctx.fast else FULL
    n_train, n_val, n_test = config.people
    generator = load_generator(ctx.dataset("dcgan_face_generator"))
    train = face_set(generator, n_train, ctx.seed + 100)
    val = face_set(generator, n_val, ctx.seed + 200)
    test = face_set(generator, n_test, ctx.seed + 300)
    ctx.log(f"fine-tuning on {len(train[1])} faces ({n_train} people, bare and masked)")
    model, history = fine_tune(ctx, train, val, resolve_device(ctx.device), config.epochs)
    ours = FineTunedMaskClassifier(model)
    keras = KerasMaskClassifier(ctx.dataset("keras_mask_classifier"))
    x_test, y_test = test
    metrics, ours_pred, keras_pred = compare_with_keras(ours, keras, x_test, y_test)
    metrics["final_val_accuracy"] = history[-1]["val_accuracy"]
    save_finetuned(model, ctx.models_dir / FINETUNED_FILE, metrics)
    _plot_examples(ctx, x_test, y_test, ours_pred, keras_pred)
    pipeline = MaskPipeline(ssd_face_detector(ctx.dataset), ours)
    metrics |= _video_demo(ctx, generator, pipeline, config.video_frames)
    ctx.info["classifier"] = f"{ours.name} at {FINETUNED_SIZE} px (models/{FINETUNED_FILE})"
    ctx.note(
        "**The data set is built, not downloaded.** No registry holds labelled masked faces, so "
        f"each of {n_train} generated training faces is shown bare and with a painted mask "
        "(three shapes, eleven colours, random size, position and tilt: `masks.py`). The test "
        f"faces ({n_test} people, {len(y_test)} images) come from noise the builder never drew. "
        f"Held-out accuracy: ours {metrics['heldout_accuracy']:.3f}, the pretrained Keras model "
        f"{metrics['keras_heldout_accuracy']:.3f} (trained on real masked photos, never on "
        f"painted ones); the two agree on {metrics['keras_agreement']:.1%} of the faces. Painted "
        "masks are easier than real ones: this measures the pipeline, not real-world accuracy."
    )
    return metrics


def _plot_examples(ctx, images, labels, ours, keras) -> None:
    """Show held-out faces with our label and the Keras label."""
    fig, axes = subplots(2, 8, width=1.6, height=1.9, squeeze=False)
    picks = np.r_[np.flatnonzero(ours != labels)[:4], np.arange(16)][:16]
    for ax, i in zip(axes.ravel(), picks, strict=True):
        ax.imshow(images[i])
        ax.set_axis_off()
        colour = "green" if ours[i] == labels[i] else "red"
        ax.set_title(
            f"ours {CLASSES[ours[i]]}\nkeras {CLASSES[keras[i]]}", fontsize=7, color=colour
        )
    ctx.save_figure(
        fig, "heldout_examples", "Held-out faces: our label (red when wrong) and Keras'"
    )


def _video_demo(
    ctx: RunContext, generator, pipeline: MaskPipeline, n_frames: int
) -> dict[str, float]:
    """Write a clip of moving faces, run the video pipeline on it, score boxes and labels."""
    import tempfile
    from pathlib import Path

    frames, truth = _demo_clip(ctx, generator, n_frames)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "faces_clip.mp4"
        with mp4_writer(source, 10.0, (FRAME_W, FRAME_H)) as writer:
            for frame in frames:
                writer.write(frame)
        results: list = []
        out = ctx.out / "face_mask_demo.mp4"
        stats = annotate_video(
            read_frames(open_source(str(source)), source.name),
            out,
            pipeline,
            10.0,
            n_frames,
            results=results,
        )
    found = correct = total = 0
    for faces, (boxes, labels) in zip(results, truth, strict=True):
        total += len(boxes)
        if not faces:
            continue
        iou = iou_matrix(boxes, np.stack([f.box for f in faces]))
        for i, j in enumerate(iou.argmax(axis=1)):
            if iou[i, j] >= 0.5:
                found += 1
                correct += faces[j].label == CLASSES[labels[i]]
    ctx.note(f"Video pipeline: `face_mask_demo.mp4` ({n_frames} frames, {stats['fps']:.1f} fps).")
    return {
        "video_face_recall": found / total,
        "video_label_accuracy": correct / max(found, 1),
        "video_fps": stats["fps"],
    }


def _demo_clip(ctx: RunContext, generator, n_frames: int) -> tuple[list, list]:
    """Return frames of 3 faces (masked or not) gliding over a photo, and per-frame truth."""
    import cv2

    rng = np.random.default_rng(ctx.seed + 400)
    faces = generate_faces(generator, 3, ctx.seed + 500)
    faces = [cv2.resize(f, (TILE, TILE), interpolation=cv2.INTER_CUBIC) for f in faces]
    labels = np.array([0, 1, 0])
    faces = [paint_mask(f, rng) if lab == 0 else f for f, lab in zip(faces, labels, strict=True)]
    background = random_frame(read_backgrounds(ctx.dataset)[1], rng)
    starts = np.array([[40.0, 60.0], [250.0, 280.0], [460.0, 80.0]])
    velocity = np.array([[3.0, 1.5], [2.0, -2.0], [-3.0, 2.0]])
    frames, truth = [], []
    for t in range(n_frames):
        frame = background.copy()
        tiles = np.array([[x, y, x + 120, y + 120] for x, y in starts + t * velocity])
        for face, tile in zip(faces, tiles, strict=True):
            paste(frame, face, tile)
        frames.append(frame)
        truth.append((face_boxes(tiles), labels))
    return frames, truth
