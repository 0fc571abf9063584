"""One PyTorch model, four files: a state dict, safetensors, ONNX, and a JSON sidecar for each.

A state dict is read back with `torch.load(weights_only=True)`, which builds tensors and plain
containers only and so cannot run code from the file; safetensors holds raw tensors and a JSON
header, no code at all, and loads without PyTorch's pickle machinery; ONNX holds the computation
graph too, so ONNX Runtime (no PyTorch) can serve it: shared.onnx_model, which imports no torch,
checks and loads it. Every file gets a sidecar with its sha256 (shared.artifacts, where the
joblib models' sidecars are written too), and a loader refuses a file whose checksum differs
before reading it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from shared.artifacts import SUFFIXES as SUFFIXES  # sidecar code lives in shared.artifacts
from shared.artifacts import FormatError as FormatError  # the loaders' error, re-exported
from shared.artifacts import verified as verified
from shared.artifacts import write_sidecar as write_sidecar
from shared.atomic import atomic_path
from shared.onnx_export import ONNX_OPSET as ONNX_OPSET  # the exporter lives in shared/
from shared.onnx_export import export_onnx as export_onnx
from shared.onnx_model import OnnxModel as OnnxModel  # serving needs no torch: shared

FORMATS = ("state_dict", "safetensors", "onnx")


def save_state_dict(model: nn.Module, path: Path) -> Path:
    """Save the model's tensors with torch.save (atomically)."""
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    with atomic_path(path) as tmp:
        torch.save(state, tmp)
    return path


def load_state_dict(model: nn.Module, path: Path) -> nn.Module:
    """Load verified weights into `model` with weights_only=True (no code runs from the file)."""
    verified(path)
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model.eval()


def save_safetensors(model: nn.Module, path: Path) -> Path:
    """Save the model's tensors as safetensors (atomically)."""
    from safetensors.torch import save_file

    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    with atomic_path(path) as tmp:
        save_file(state, str(tmp))
    return path


def load_safetensors(model: nn.Module, path: Path) -> nn.Module:
    """Load verified safetensors weights into `model`."""
    from safetensors.torch import load_file

    verified(path)
    model.load_state_dict(load_file(str(path)))
    return model.eval()


@torch.inference_mode()
def torch_outputs(model: nn.Module, x: np.ndarray, batch: int = 256) -> np.ndarray:
    """Run `model` (eval mode, CPU) on `x` in batches and return the outputs as NumPy."""
    model = model.eval().cpu()
    parts = [model(torch.from_numpy(x[i : i + batch])).numpy() for i in range(0, len(x), batch)]
    return np.concatenate(parts)


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Return the largest absolute element-wise difference of two same-shaped arrays."""
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))
