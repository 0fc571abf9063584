"""`python -m week24_deploy export-sentiment [--transformer DIR] [--out DIR]`: week 15's MiniLM
classifier as ONNX, for the dashboard's transformer column without PyTorch.

Reads the `save_pretrained` folder week 15's fine-tune writes (models/minilm_tweets, or
$WEEK22_TRANSFORMER), traces the classifier into `transformer.onnx` with the TorchScript exporter
(dynamic batch and token axes), writes its sidecar (sha256, labels, pad token, the domain it
was trained on and its accuracy per domain from week 15's run) and the tokenizer as
`tokenizer.json`: the three files week22_capstone/sentiment/onnx_runtime.py reads. By default
they go beside the weights, so the dashboard finds them where it looks for the transformer;
`--out` writes them into a folder of their own (what the sentiment image mounts). `parity` is
how week 22's run and the tests compare the two runtimes.
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from shared.cli import command_error
from week22_capstone.sentiment.onnx_runtime import (
    MAX_TOKENS,
    ONNX_FILE,
    TOKENIZER_FILE,
    load_onnx_transformer,
)

ONNX_OPSET = 17


def export_transformer(folder: Path, out: Path | None = None) -> Path:
    """Export the fine-tuned classifier in `folder` to `out` (default: `folder`); the .onnx path."""
    import onnxruntime

    from shared.artifacts import write_sidecar
    from shared.atomic import atomic_path
    from week22_capstone.sentiment.models import load_transformer

    folder = Path(folder)
    out = Path(out) if out is not None else folder
    source = load_transformer(folder, backend="torch")
    if source is None:
        raise FileNotFoundError(f"{folder} holds no fine-tuned transformer (no config.json)")
    tokenizer, names = source.tokenizer, list(source.tokenizer.model_input_names)
    example = tokenizer(
        ["a short one", "and a longer sentence to pad the first"],
        truncation=True,
        max_length=MAX_TOKENS,
        padding=True,
        return_tensors="pt",
    )
    out.mkdir(parents=True, exist_ok=True)
    path = out / ONNX_FILE
    with atomic_path(path) as tmp, torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        # transformers' attention mask gathers with non-negative indices only; `parity` checks
        # the graph on batches padded to other lengths than the traced one.
        warnings.filterwarnings("ignore", message=".*advanced indexing.*")
        torch.onnx.export(
            _Logits(source.model.eval(), names),
            tuple(example[name] for name in names),
            str(tmp),
            input_names=names,
            output_names=["logits"],
            dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names}, "logits": {0: "batch"}},
            opset_version=ONNX_OPSET,
            dynamo=False,
        )
    with atomic_path(out / TOKENIZER_FILE) as tmp:
        tokenizer.backend_tokenizer.save(str(tmp))
    facts = {
        "model": f"week 15's fine-tuned classifier ({folder.name})",
        "inputs": names,
        "labels": source.labels,
        "pad_id": tokenizer.pad_token_id,
        "pad_token": tokenizer.pad_token,
        "max_tokens": MAX_TOKENS,
        "domains": source.domains,
        "onnxruntime": onnxruntime.__version__,
    }
    write_sidecar(path, facts)
    return path


class _Logits(nn.Module):
    """The classifier as a module of positional tensors (what tracing needs) returning logits."""

    def __init__(self, model: nn.Module, names: list[str]) -> None:
        super().__init__()
        self.model, self.names = model, names

    def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
        """Logits for one batch of token ids, attention mask (and token types)."""
        return self.model(**dict(zip(self.names, tensors, strict=True))).logits


def parity(torch_folder: Path, onnx_folder: Path, texts: list[str]) -> dict[str, float]:
    """The two runtimes on `texts`: the largest probability difference and the labels that differ."""
    from week22_capstone.sentiment.models import load_transformer

    on_torch = load_transformer(torch_folder, backend="torch")
    on_onnx = load_onnx_transformer(onnx_folder)
    a, b = on_torch.probabilities(texts), on_onnx.probabilities(texts)
    return {
        "transformer_onnx_max_abs_diff": float(np.abs(a - b).max()),
        "transformer_onnx_label_mismatches": float((a.argmax(1) != b.argmax(1)).sum()),
    }


def main(argv: Sequence[str]) -> int:
    """Export the transformer; exit 2 with one line when a folder cannot be used."""
    from week22_capstone.sentiment.models import transformer_dir

    default = transformer_dir()
    parser = argparse.ArgumentParser(
        prog="python -m week24_deploy export-sentiment",
        description="Export week 15's fine-tuned MiniLM to ONNX for week 22's sentiment dashboard.",
    )
    parser.add_argument(
        "--transformer", type=Path, default=default, help=f"week 15's folder (default {default})"
    )
    parser.add_argument("--out", type=Path, default=None, help="folder (default: --transformer)")
    args = parser.parse_args(list(argv))
    if not (args.transformer / "config.json").is_file():
        return command_error(
            f"--transformer {args.transformer} holds no fine-tuned transformer (no config.json): "
            "run `python -m week15_transformers --project finetune` first"
        )
    out = args.out or args.transformer
    if out.exists() and not out.is_dir():
        return command_error(f"--out {out} is a file; give a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return command_error(f"--out {out} cannot be made: {exc.strerror}")
    print(export_transformer(args.transformer, out))
    return 0
