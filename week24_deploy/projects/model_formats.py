"""Model formats: joblib with a sidecar, torch state dicts, safetensors and ONNX, each reloaded.

Week 7's Titanic pipeline (the model week 8 serves) goes through joblib and shared.artifacts'
sidecar; weeks 10, 13 and 17's networks (a CNN, the face-mask MobileNetV2, an LSTM) are saved
as a state dict, as safetensors and as ONNX. Every file is loaded back and run on real inputs:
the state dict and safetensors must reproduce PyTorch's outputs exactly, ONNX Runtime within
1e-4. A byte flipped in any file must be refused before it is read. Each model gets a model card.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from shared.artifacts import ArtifactError, load_artifact, read_sidecar
from shared.bars import Bar
from shared.context import RunContext
from week24_deploy.formats import (
    FORMATS,
    SUFFIXES,
    FormatError,
    OnnxModel,
    export_onnx,
    load_safetensors,
    load_state_dict,
    max_abs_diff,
    save_safetensors,
    save_state_dict,
    torch_outputs,
    verified,
    write_sidecar,
)
from week24_deploy.model_card import model_card, write_card
from week24_deploy.subjects import SUBJECTS, Subject

PARITY = 1e-4
# The bar (max abs diff <= 1e-4 on real inputs). ONNX Runtime's own PyTorch-export
# tutorial checks parity with atol 1e-5 / rtol 1e-3 on float32 outputs: float32 kernels that
# add in a different order differ by a few ulps, so 1e-4 on logits of size ~10 is a tight check.
BARS = [
    *(
        Bar(f"{name}_onnx_max_abs_diff", "<=", PARITY, "issue 16: ONNX Runtime parity <= 1e-4")
        for name in ("week10_cnn", "week13_mask_classifier", "week17_lstm")
    ),
    *(
        Bar(f"{name}_reload_max_abs_diff", "<=", 0.0, "a reloaded file holds the same weights")
        for name in ("week10_cnn", "week13_mask_classifier", "week17_lstm", "week07_titanic")
    ),
    Bar("tampered_files_accepted", "<=", 0.0, "shared.artifacts: refuse before unpickling"),
]


def tamper(path: Path, into: Path) -> Path:
    """Copy `path` (and its sidecar) into `into` with one byte in the middle flipped."""
    into.mkdir(parents=True, exist_ok=True)
    copy = into / path.name
    shutil.copy(path, copy)
    shutil.copy(path.with_name(path.name + ".json"), into / (path.name + ".json"))
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    return copy


def save_all(subject: Subject, folder: Path) -> dict[str, Path]:
    """Save the subject's model in every format, each with a sidecar; return the paths."""
    facts = {"model": subject.title, "input": subject.input_spec, "weights": subject.weights}
    paths = {f: folder / f"{subject.name}{SUFFIXES[f]}" for f in FORMATS}
    save_state_dict(subject.model, paths["state_dict"])
    save_safetensors(subject.model, paths["safetensors"])
    export_onnx(subject.model, _example(subject), paths["onnx"])
    import onnxruntime

    for fmt, path in paths.items():
        extra = {"onnxruntime": onnxruntime.__version__} if fmt == "onnx" else {}
        write_sidecar(path, {**facts, **extra})
    return paths


def _example(subject: Subject):
    """Two real inputs as a tensor: the trace the ONNX exporter records."""
    import torch

    return torch.from_numpy(subject.inputs[:2])


def check_subject(ctx: RunContext, subject: Subject) -> dict[str, float]:
    """Save, reload and compare one network in every format; write its model card."""
    paths = save_all(subject, ctx.models_dir)
    reference = torch_outputs(subject.model, subject.inputs)
    reloaded = {
        "state_dict": torch_outputs(
            load_state_dict(subject.build(), paths["state_dict"]), subject.inputs
        ),
        "safetensors": torch_outputs(
            load_safetensors(subject.build(), paths["safetensors"]), subject.inputs
        ),
    }
    onnx_out = OnnxModel(paths["onnx"]).predict(subject.inputs)
    metrics = {
        "reload_max_abs_diff": max(max_abs_diff(reference, out) for out in reloaded.values()),
        "onnx_max_abs_diff": max_abs_diff(reference, onnx_out),
        **{f"torch_{k}": v for k, v in subject.score(reference).items()},
        **{f"onnx_{k}": v for k, v in subject.score(onnx_out).items()},
        **{f"{f}_mb": paths[f].stat().st_size / 1e6 for f in FORMATS},
    }
    ctx.log(f"{subject.name}: ONNX max abs diff {metrics['onnx_max_abs_diff']:.2e}")
    card = model_card(
        subject.title,
        details={
            "input": subject.input_spec,
            "weights": subject.weights,
            "evaluated on": subject.data,
            "serve with": f"ONNX Runtime (`{paths['onnx'].name}`) or PyTorch "
            f"(`{paths['safetensors'].name}` into the week's model class)",
        },
        files={p: verified(p) for p in paths.values()},
        metrics=metrics,
        caveats=[
            f"ONNX parity is measured on {len(subject.inputs)} real inputs, in float32 on a CPU.",
            "Files are refused when their sha256 differs from the sidecar; the checksum proves "
            "integrity, not origin.",
        ],
    )
    write_card(ctx.models_dir / f"{subject.name}.md", card)
    return {f"{subject.name}_{k}": v for k, v in metrics.items()}


def check_joblib(ctx: RunContext) -> dict[str, float]:
    """Week 7's Titanic pipeline through joblib and its sidecar: reloaded, compared, carded."""
    from week07_pipelines.titanic import load_xy, train_and_save

    path = train_and_save(ctx.models_dir, ctx.seed, fast=True)
    model, sidecar = load_artifact(path, rebuild_hint="run `make week24` again")
    x, y = load_xy(ctx.dataset("titanic"))
    proba = model.predict_proba(x)[:, 1]
    again, _ = load_artifact(path)
    metrics = {
        "reload_max_abs_diff": max_abs_diff(proba, again.predict_proba(x)[:, 1]),
        "accuracy_all_rows": float(((proba >= 0.5) == y.to_numpy()).mean()),
        "joblib_mb": path.stat().st_size / 1e6,
    }
    card = model_card(
        "Week 7 Titanic pipeline (served by week 8's API)",
        details={
            "input": ", ".join(sidecar["feature_schema"]),
            "weights": "trained here with week 7's grid search (its fast grid)",
            "evaluated on": f"all {len(y)} rows of the registry's titanic (training rows: the "
            "cross-validated scores are in the sidecar's metrics)",
            "serve with": "`python -m week08_fastapi serve` or its Docker image",
        },
        files={path: {**read_sidecar(path), "format": "joblib"}},
        metrics={**sidecar["metrics"], **metrics},
        caveats=[
            "A pickle runs code when loaded: shared.artifacts checks the sha256 and the library "
            "versions, then unpickles with a restricted unpickler. Load only your own files."
        ],
    )
    write_card(ctx.models_dir / "week07_titanic.md", card)
    return {f"week07_titanic_{k}": v for k, v in metrics.items()}


def tampered_accepted(ctx: RunContext) -> int:
    """Flip a byte in every saved model file; count the files a loader still accepted (want 0)."""
    bad = ctx.out / "tampered"
    accepted = 0
    for path in sorted(ctx.models_dir.iterdir()):
        if path.suffix not in (".pt", ".safetensors", ".onnx", ".joblib"):
            continue
        copy = tamper(path, bad)
        try:
            load_artifact(copy) if copy.suffix == ".joblib" else verified(copy)
        except (ArtifactError, FormatError):
            continue
        accepted += 1
    shutil.rmtree(bad)
    return accepted


def run(ctx: RunContext) -> dict[str, float]:
    """Save, reload and compare every model in every format; refuse tampered files."""
    metrics = check_joblib(ctx)
    for name, make in SUBJECTS.items():
        ctx.log(f"building {name}")
        metrics |= check_subject(ctx, make(ctx))
    metrics["tampered_files_accepted"] = float(tampered_accepted(ctx))
    rows = [
        f"| {name} | {metrics[f'{name}_onnx_max_abs_diff']:.2e} | "
        f"{metrics[f'{name}_reload_max_abs_diff']:g} | "
        f"{metrics[f'{name}_state_dict_mb']:.2f} / {metrics[f'{name}_safetensors_mb']:.2f} / "
        f"{metrics[f'{name}_onnx_mb']:.2f} |"
        for name in ("week10_cnn", "week13_mask_classifier", "week17_lstm")
    ]
    ctx.note(
        "Each network saved three ways and read back; outputs compared on real inputs "
        "(model cards: `models/*.md`).\n\n"
        "| model | ONNX Runtime vs PyTorch, max abs diff | state dict / safetensors reload diff "
        "| MB (.pt / .safetensors / .onnx) |\n| --- | --- | --- | --- |\n" + "\n".join(rows)
    )
    ctx.note(
        f"Week 7's Titanic pipeline through joblib + sidecar reloads with predictions differing "
        f"by {metrics['week07_titanic_reload_max_abs_diff']:g}. A byte flipped in any saved file: "
        f"{metrics['tampered_files_accepted']:g} file(s) accepted (every loader checks the sha256 "
        "first)."
    )
    return metrics
