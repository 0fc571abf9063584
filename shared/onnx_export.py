"""Export a PyTorch model to ONNX: what weeks 22 and 24 both save.

Week 24 compares saved formats (model_formats) and week 22 serves week 13's face-mask classifier
from its ONNX export; both write the file atomically and beside it the JSON sidecar
(`shared.artifacts.write_sidecar`) that `shared.artifacts.verified` checks before ONNX Runtime
reads the file.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import nn

from shared.atomic import atomic_path

ONNX_OPSET = 17


def export_onnx(model: nn.Module, example: torch.Tensor, path: Path) -> Path:
    """Export `model` to ONNX with a dynamic batch axis (input "x", output "y"), atomically.

    Uses the TorchScript-based exporter (`dynamo=False`): the dynamo exporter needs the extra
    onnxscript package. Tracing records the ops run on `example`; the model must be in eval mode
    (dropout off, batch-norm using its running statistics).
    """
    model = model.eval()
    with atomic_path(path) as tmp, torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        # The batch axis is dynamic and no initial state is an input, so the exporter's LSTM
        # batch-size caution does not apply; constant folding of strided slices is only skipped.
        warnings.filterwarnings("ignore", message=".*batch_size other than 1.*")
        warnings.filterwarnings("ignore", message=".*Constant folding.*")
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        torch.onnx.export(
            model,
            (example.cpu(),),
            str(tmp),
            input_names=["x"],
            output_names=["y"],
            dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
            opset_version=ONNX_OPSET,
            dynamo=False,
        )
    return path
