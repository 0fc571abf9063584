"""Week 13's mask classifier on ONNX Runtime: the face-mask API and CLI without PyTorch.

`python -m week24_deploy export-mask` exports week 13's pretrained Keras classifier (its PyTorch
port) to `week13_mask_classifier.onnx`, with a sidecar holding its sha256, in week 13's model
folder (the face-mask image's /models volume). The res10 SSD face detector is a Caffe model
that OpenCV's DNN module runs already, so with this file the whole pipeline needs only ONNX
Runtime, OpenCV and NumPy: nothing on this path imports torch or torchvision, and the service's
image goes without them. On week 22's scenes it gives the torch path's boxes and labels, with
probabilities within 1e-4 (face_mask.py's bar).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from shared.onnx_model import OnnxModel
from week13_cv_advanced.video import MaskPipeline

ONNX_FILE = "week13_mask_classifier.onnx"
EXPORT_COMMAND = "python -m week24_deploy export-mask"
BATCH = 32  # faces per ONNX Runtime call, as week 13's torch classifiers batch them


class OnnxMaskClassifier:
    """The exported Keras classifier: RGB face crops -> (n, 2) [mask, no_mask] probabilities."""

    name = "pretrained Keras MobileNetV2 (ONNX Runtime)"

    def __init__(self, path: Path) -> None:
        self.model = OnnxModel(path)
        _, _, height, width = self.model.input_shape
        self.size = (int(width), int(height))

    def preprocess(self, faces_rgb: list[np.ndarray]) -> np.ndarray:
        """Resize RGB uint8 faces to the graph's input size and scale to [-1, 1], as Keras does."""
        import cv2

        batch = np.stack([cv2.resize(f, self.size) for f in faces_rgb]).transpose(0, 3, 1, 2)
        return batch.astype(np.float32) / np.float32(127.5) - np.float32(1.0)

    def predict(self, faces_rgb: list[np.ndarray]) -> np.ndarray:
        """Return (n, 2) [mask, no_mask] softmax probabilities, BATCH faces per call."""
        chunks = [
            _softmax(self.model.predict(self.preprocess(faces_rgb[i : i + BATCH])))
            for i in range(0, len(faces_rgb), BATCH)
        ]
        return np.concatenate(chunks) if chunks else np.zeros((0, 2), np.float32)


def _softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row's maximum so exp never overflows."""
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def onnx_path(models_dir: Path) -> Path:
    """The exported classifier in `models_dir`; FileNotFoundError naming the command if absent."""
    path = Path(models_dir) / ONNX_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"no {ONNX_FILE} in {models_dir}: run `{EXPORT_COMMAND} --models {models_dir}` to "
            "make it, or use --backend torch"
        )
    return path


def onnx_pipeline(models_dir: Path, classifier: str, threshold: float) -> MaskPipeline:
    """Week 13's SSD faces (OpenCV DNN) with the exported classifier (ONNX Runtime)."""
    from shared.registry import fetch
    from week13_cv_advanced.detectors import ssd_face_detector

    if classifier == "finetuned":
        raise ValueError(
            "the ONNX backend serves week 13's pretrained Keras classifier (the file "
            f"`{EXPORT_COMMAND}` makes); use --backend torch for the fine-tuned one"
        )
    model = OnnxMaskClassifier(onnx_path(models_dir))
    return MaskPipeline(ssd_face_detector(fetch, threshold), model)
