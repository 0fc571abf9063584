"""`python -m week24_deploy export-mask [--models DIR]`: week 13's mask classifier as ONNX.

Week 22's face-mask API and CLI serve this file with ONNX Runtime, no PyTorch
(week22_capstone/mask/onnx_runtime.py). It is week 13's pretrained Keras MobileNetV2 (registry
`keras_mask_classifier`, ported to PyTorch by week 13), exported with shared.onnx_export (the
exporter and sidecar week 24's model_formats uses), into week 13's model folder by default: the
folder the API reads and the face-mask image mounts as /models. It lives in week 22, which
serves the file; week 24's `export-mask` sub-command runs it. Weights come from the registry,
never from a hub.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from shared.cli import command_error
from week22_capstone.mask.cli import WEEK13_MODELS
from week22_capstone.mask.onnx_runtime import ONNX_FILE

INPUT_SPEC = (
    "(batch, 3, 224, 224) float32: RGB face crops scaled to [-1, 1]; output (batch, 2) logits "
    "for (mask, no_mask)"
)


def export_mask_classifier(models: Path, h5: Path) -> Path:
    """Export the Keras classifier read from `h5` to `models`/ONNX_FILE with its sidecar."""
    import onnxruntime

    from shared.artifacts import write_sidecar
    from shared.onnx_export import export_onnx
    from week13_cv_advanced.keras_port import (
        INPUT_SIZE,
        keras_preprocess,
        load_keras_mask_classifier,
    )

    grey = np.full((INPUT_SIZE, INPUT_SIZE, 3), 128, np.uint8)
    path = Path(models) / ONNX_FILE
    export_onnx(load_keras_mask_classifier(h5), keras_preprocess([grey, grey]), path)
    facts = {
        "model": "Week 13 face-mask classifier (Keras MobileNetV2 port)",
        "input": INPUT_SPEC,
        "weights": "pretrained: registry keras_mask_classifier, ported to PyTorch by week 13",
        "onnxruntime": onnxruntime.__version__,
    }
    write_sidecar(path, facts)
    return path


def main(argv: Sequence[str]) -> int:
    """Export the classifier into --models; exit 2 with one line if that folder cannot be used."""
    parser = argparse.ArgumentParser(
        prog="python -m week24_deploy export-mask",
        description="Export week 13's face-mask classifier to ONNX for week 22's API and CLI.",
    )
    parser.add_argument(
        "--models", type=Path, default=WEEK13_MODELS, help=f"folder (default {WEEK13_MODELS})"
    )
    args = parser.parse_args(list(argv))
    if args.models.exists() and not args.models.is_dir():
        return command_error(f"--models {args.models} is a file; give a folder")
    try:
        args.models.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return command_error(f"--models {args.models} cannot be made: {exc.strerror}")
    from shared.registry import fetch

    path = export_mask_classifier(args.models, fetch("keras_mask_classifier"))
    print(path)
    return 0
