"""An exported ONNX model read back without PyTorch: its sidecar checked, ONNX Runtime runs it.

A model file is served only when its sha256 matches the one in its JSON sidecar
(`model.onnx.json`), so a tampered or half-copied file is refused before ONNX Runtime parses it.
Weeks 22 and 24 use it; nothing here imports torch, so a service image can go without it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from shared.registry import sha256_of


class FormatError(ValueError):
    """A saved model file cannot be trusted; the message says why and how to rebuild it."""


def sidecar_of(path: Path) -> Path:
    """Return where the sidecar of `path` lives (`model.onnx` -> `model.onnx.json`)."""
    return path.with_name(path.name + ".json")


def verified(path: Path) -> dict:
    """Return `path`'s sidecar after checking the file's sha256 against it; FormatError if not."""
    side = sidecar_of(path)
    if not path.is_file() or not side.is_file():
        raise FormatError(f"{path} or its sidecar {side.name} is missing; run week 24 again")
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        meta = None
    if not isinstance(meta, dict):
        raise FormatError(
            f"{side.name} is not a sidecar (a JSON object): refused; run week 24 again"
        )
    if sha256_of(path) != meta.get("sha256"):
        raise FormatError(f"{path} does not match the sha256 in {side.name}: refused, not loaded")
    return meta


class OnnxModel:
    """An exported model served by ONNX Runtime on the CPU: `predict(x) -> outputs`."""

    def __init__(self, path: Path) -> None:
        import onnxruntime

        self.meta = verified(path)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # warnings and up only
        self.session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )

    @property
    def input_shape(self) -> list:
        """The graph input's shape: ints for fixed axes, a name for dynamic ones ("batch")."""
        return list(self.session.get_inputs()[0].shape)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Run the graph on a float32 batch."""
        return self.session.run(["y"], {"x": np.ascontiguousarray(x, dtype=np.float32)})[0]
