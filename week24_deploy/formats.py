"""One PyTorch model, four files: a state dict, safetensors, ONNX, and a JSON sidecar for each.

A state dict is read back with `torch.load(weights_only=True)`, which builds tensors and plain
containers only and so cannot run code from the file; safetensors holds raw tensors and a JSON
header, no code at all, and loads without PyTorch's pickle machinery; ONNX holds the computation
graph too, so ONNX Runtime (no PyTorch) can serve it: shared.onnx_model, which imports no torch,
checks and loads it. Every file gets a sidecar with its sha256, and a loader refuses a file whose
checksum differs before reading it.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from shared.artifacts import library_versions
from shared.atomic import atomic_path, write_text_atomic
from shared.onnx_model import FormatError as FormatError  # the loaders' error, re-exported
from shared.onnx_model import OnnxModel as OnnxModel  # serving needs no torch: shared
from shared.onnx_model import sidecar_of, verified
from shared.registry import sha256_of

FORMATS = ("state_dict", "safetensors", "onnx")
SUFFIXES = {"state_dict": ".pt", "safetensors": ".safetensors", "onnx": ".onnx"}
ONNX_OPSET = 17


def write_sidecar(path: Path, meta: dict) -> Path:
    """Write `path`'s sidecar: its sha256, format, library versions and the given facts."""
    sidecar = {
        "sha256": sha256_of(path),
        "format": next(f for f, s in SUFFIXES.items() if path.name.endswith(s)),
        "versions": library_versions({"torch"}),
        **meta,
    }
    write_text_atomic(sidecar_of(path), json.dumps(sidecar, indent=2) + "\n")
    return sidecar_of(path)


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
