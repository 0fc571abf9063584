"""An exported ONNX model read back without PyTorch: its sidecar checked, ONNX Runtime runs it.

A model file is served only when its sha256 matches the one in its JSON sidecar
(`model.onnx.json`, checked by shared.artifacts.verified), so a tampered or half-copied file is
refused before ONNX Runtime parses it. Weeks 22 and 24 use it; nothing here imports torch, so a
service image can go without it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from shared.artifacts import verified


class OnnxModel:
    """An exported model served by ONNX Runtime on the CPU: `predict(x) -> outputs`."""

    def __init__(
        self, path: Path, threads: int | None = None, remedy: str = "run week 24 again"
    ) -> None:
        """Check `path` against its sidecar, then open it; `threads` caps ONNX Runtime's pool."""
        import onnxruntime

        self.meta = verified(path, remedy)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # warnings and up only
        if threads is not None:
            options.intra_op_num_threads = threads
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
