"""The two face-mask classifiers behind one call, `predict(faces) -> (n, 2) probabilities`.

Both answer over CLASSES = (mask, no_mask): the pretrained Keras model ported to PyTorch, and
week 11's ImageNet MobileNetV2 fine-tuned here on painted masks. The fine-tuned weights are saved
with a JSON sidecar (sha256, input size, classes) and refused when the checksum does not match.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from shared.atomic import atomic_path, write_text_atomic
from shared.registry import sha256_of
from week11_transfer_learning.pretrained import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    load_mobilenet_v2,
    with_new_head,
)
from week13_cv_advanced.keras_port import CLASSES, keras_preprocess, load_keras_mask_classifier

FINETUNED_SIZE = 64
BATCH = 32


class KerasMaskClassifier:
    """The pretrained Keras classifier (224x224, inputs in [-1, 1])."""

    name = "pretrained Keras MobileNetV2"

    def __init__(self, h5_path: Path) -> None:
        self.model = load_keras_mask_classifier(h5_path)

    @torch.inference_mode()
    def predict(self, faces_rgb: list[np.ndarray]) -> np.ndarray:
        """Return (n, 2) [mask, no_mask] probabilities for RGB uint8 face crops."""
        return _batched(lambda chunk: self.model(keras_preprocess(chunk)), faces_rgb)


class FineTunedMaskClassifier:
    """Week 11's MobileNetV2 with a 2-way head, at FINETUNED_SIZE px, ImageNet normalisation."""

    name = "fine-tuned ImageNet MobileNetV2"

    def __init__(self, model: nn.Module, size: int = FINETUNED_SIZE) -> None:
        self.model, self.size = model.eval(), size
        self.mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
        self.std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)

    def preprocess(self, faces_rgb: list[np.ndarray]) -> torch.Tensor:
        """Resize RGB uint8 faces to size x size and normalise like ImageNet."""
        import cv2

        batch = np.stack([cv2.resize(f, (self.size, self.size)) for f in faces_rgb])
        x = torch.from_numpy(batch).permute(0, 3, 1, 2).float().div(255)
        return (x - self.mean) / self.std

    @torch.inference_mode()
    def predict(self, faces_rgb: list[np.ndarray]) -> np.ndarray:
        """Return (n, 2) [mask, no_mask] probabilities for RGB uint8 face crops."""
        return _batched(lambda chunk: self.model(self.preprocess(chunk)), faces_rgb)


def _batched(logits, faces_rgb: list[np.ndarray]) -> np.ndarray:
    """Apply `logits` to BATCH faces at a time (bounded memory); return softmax probabilities."""
    chunks = [
        logits(faces_rgb[i : i + BATCH]).softmax(dim=1).numpy()
        for i in range(0, len(faces_rgb), BATCH)
    ]
    return np.concatenate(chunks) if chunks else np.zeros((0, 2), np.float32)


def finetune_model(imagenet_weights: Path | None) -> nn.Module:
    """Return week 11's MobileNetV2 (ImageNet weights, or random with None) with a 2-way head."""
    return with_new_head(load_mobilenet_v2(imagenet_weights), len(CLASSES))


def save_finetuned(model: nn.Module, path: Path, metrics: dict[str, float]) -> Path:
    """Save the state dict atomically with a sidecar JSON (sha256, size, classes, metrics)."""
    with atomic_path(path) as tmp:
        torch.save(model.state_dict(), tmp)
    sidecar = {
        "sha256": sha256_of(path),
        "input_size": FINETUNED_SIZE,
        "classes": list(CLASSES),
        "torch": torch.__version__,
        "metrics": metrics,
    }
    write_text_atomic(path.with_suffix(".json"), json.dumps(sidecar, indent=2) + "\n")
    return path


def load_finetuned(path: Path) -> FineTunedMaskClassifier:
    """Load a saved fine-tuned classifier, refusing a file whose sha256 differs from its sidecar."""
    sidecar_path = path.with_suffix(".json")
    if not path.is_file() or not sidecar_path.is_file():
        raise FileNotFoundError(
            f"no fine-tuned mask classifier at {path} (with {sidecar_path.name}); "
            "run `python -m week13_cv_advanced --project face_mask` first"
        )
    sidecar = json.loads(sidecar_path.read_text())
    if sha256_of(path) != sidecar["sha256"]:
        raise ValueError(f"{path} does not match the sha256 in {sidecar_path.name}; retrain it")
    model = finetune_model(None)
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return FineTunedMaskClassifier(model, int(sidecar["input_size"]))
