"""The face-mask pipeline on ONNX Runtime: the torch path's faces, no torch imported, refusals.

Week 13's classifier is exported once (week22_capstone.mask.export) into a temporary model folder;
the ONNX path must give the torch path's boxes and labels on built scenes, probabilities within
1e-4, and the CLI on `--backend onnx` must run in an interpreter where torch cannot be imported.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from shared.context import RunContext
from shared.paths import REPO_ROOT
from shared.registry import fetch
from week22_capstone.mask import cli as mask_cli
from week22_capstone.mask.detect import default_backend, mask_pipeline
from week22_capstone.mask.export import export_mask_classifier
from week22_capstone.mask.onnx_runtime import ONNX_FILE
from week22_capstone.projects.face_mask import backend_parity, labelled_scenes


@pytest.fixture(scope="module")
def onnx_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model folder holding week 13's classifier exported to ONNX, with its sidecar."""
    folder = tmp_path_factory.mktemp("onnx_models")
    export_mask_classifier(folder, fetch("keras_mask_classifier"))
    return folder


@pytest.fixture(scope="module")
def scene_images(tmp_path_factory: pytest.TempPathFactory) -> list[np.ndarray]:
    """Four built scenes (DCGAN faces, every other one masked, on real photos), busiest first."""
    scenes, _ = labelled_scenes(RunContext(22, "test", tmp_path_factory.mktemp("scenes")), 4)
    return [scene.image for scene in sorted(scenes, key=lambda s: -len(s.boxes))]


def test_onnx_gives_the_torch_paths_boxes_and_labels(onnx_models, scene_images) -> None:
    on_torch = mask_pipeline(onnx_models, "keras", backend="torch")
    on_onnx = mask_pipeline(onnx_models, backend="onnx")
    found = 0
    for image in scene_images:
        a, b = on_torch.process(image), on_onnx.process(image)
        assert [(f.box.tolist(), f.label) for f in a] == [(f.box.tolist(), f.label) for f in b]
        assert all(abs(x.probability - y.probability) <= 1e-4 for x, y in zip(a, b, strict=True))
        found += len(a)
    assert found >= 4


def test_the_runs_parity_metric_is_measured_on_the_scenes(onnx_models, scene_images, tmp_path):
    ctx = RunContext(22, "face_mask", tmp_path)
    parity = backend_parity(ctx, scene_images)
    assert parity["onnx_torch_mismatches"] == 0
    assert 0 <= parity["onnx_probability_max_abs_diff"] <= 1e-4
    assert (ctx.models_dir / ONNX_FILE).is_file()


# A fresh interpreter where importing torch or torchvision fails, as in the face-mask image.
_NO_TORCH = """
import contextlib, io, json, sys

class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"torch", "torchvision"}:
            raise ModuleNotFoundError(f"no {name} here", name=name)

sys.meta_path.insert(0, Blocker())
from week22_capstone.mask import cli as mask_cli
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = mask_cli.main(sys.argv[1:])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {"torch", "torchvision"})
print(json.dumps({"code": code, "answer": json.loads(out.getvalue()), "loaded": loaded}))
"""


def test_the_onnx_backend_runs_without_torch(onnx_models, scene_images, tmp_path) -> None:
    scene = tmp_path / "scene.png"
    cv2.imwrite(str(scene), scene_images[0])
    argv = ["--input", str(scene), "--out", str(tmp_path), "--models", str(onnx_models)]
    done = subprocess.run(
        [sys.executable, "-c", _NO_TORCH, *argv],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["code"] == 0 and result["loaded"] == []
    assert result["answer"]["faces"] and (tmp_path / "scene_annotated.png").is_file()


def test_onnx_is_the_default_once_exported(onnx_models, tmp_path) -> None:
    assert default_backend(onnx_models) == "onnx"
    assert default_backend(tmp_path) == "torch"


def _cli_error(argv: list[str], capsys) -> str:
    """Run the CLI, expect exit 2, and return its one stderr line."""
    assert mask_cli.main(argv) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and error.startswith("error: ")
    return error


def test_onnx_without_the_export_names_the_command(tmp_path, capsys) -> None:
    scene = tmp_path / "scene.png"
    cv2.imwrite(str(scene), np.zeros((64, 64, 3), np.uint8))
    argv = ["--input", str(scene), "--out", str(tmp_path), "--models", str(tmp_path)]
    error = _cli_error([*argv, "--backend", "onnx"], capsys)
    assert ONNX_FILE in error and "python -m week24_deploy export-mask" in error


def test_a_tampered_onnx_file_and_the_fine_tuned_classifier_are_refused(
    onnx_models, tmp_path, capsys
) -> None:
    scene = tmp_path / "scene.png"
    cv2.imwrite(str(scene), np.zeros((64, 64, 3), np.uint8))
    argv = ["--input", str(scene), "--out", str(tmp_path), "--backend", "onnx"]
    finetuned = _cli_error(
        [*argv, "--models", str(onnx_models), "--classifier", "finetuned"], capsys
    )
    assert "--backend torch" in finetuned
    tampered = tmp_path / "models"
    shutil.copytree(onnx_models, tampered)
    data = bytearray((tampered / ONNX_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tampered / ONNX_FILE).write_bytes(bytes(data))
    assert "does not match the sha256" in _cli_error([*argv, "--models", str(tampered)], capsys)
