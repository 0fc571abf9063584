"""week24_deploy.formats: every format reloads the same weights, ONNX Runtime matches PyTorch,
and a file whose bytes changed is refused before it is read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from week17_ts_deep.models import RecurrentForecaster
from week24_deploy.formats import (
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
from week24_deploy.projects.model_formats import tamper


def lstm() -> torch.nn.Module:
    """A small LSTM forecaster with seeded random weights (the format, not the fit, is tested)."""
    torch.manual_seed(0)
    return RecurrentForecaster("lstm", 3, 7, hidden=16).eval()


@pytest.fixture
def inputs() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(5, 30, 3)).astype(np.float32)


@pytest.mark.parametrize(
    ("save", "load"), [(save_state_dict, load_state_dict), (save_safetensors, load_safetensors)]
)
def test_weights_reload_exactly(save, load, inputs: np.ndarray, tmp_path: Path) -> None:
    model = lstm()
    path = save(model, tmp_path / ("m.pt" if save is save_state_dict else "m.safetensors"))
    write_sidecar(path, {"model": "test"})
    other = RecurrentForecaster("lstm", 3, 7, hidden=16)
    assert max_abs_diff(torch_outputs(model, inputs), torch_outputs(load(other, path), inputs)) == 0


def test_onnx_runtime_matches_pytorch_for_any_batch_size(inputs: np.ndarray, tmp_path: Path):
    model = lstm()
    path = export_onnx(model, torch.from_numpy(inputs[:2]), tmp_path / "m.onnx")
    write_sidecar(path, {"model": "test"})
    onnx = OnnxModel(path)
    for batch in (inputs[:1], inputs):
        assert max_abs_diff(torch_outputs(model, batch), onnx.predict(batch)) <= 1e-5


def test_a_flipped_byte_is_refused(tmp_path: Path) -> None:
    path = save_safetensors(lstm(), tmp_path / "m.safetensors")
    write_sidecar(path, {"model": "test"})
    assert verified(path)["format"] == "safetensors"
    bad = tamper(path, tmp_path / "bad")
    with pytest.raises(FormatError, match="does not match the sha256"):
        load_safetensors(lstm(), bad)


def test_a_file_without_sidecar_is_refused(tmp_path: Path) -> None:
    path = save_state_dict(lstm(), tmp_path / "m.pt")
    with pytest.raises(FormatError, match="sidecar"):
        load_state_dict(lstm(), path)


@pytest.mark.parametrize("sidecar", [b"{not json", b"[1, 2]", b"\xff\xfe", b""], ids=repr)
def test_a_malformed_sidecar_is_a_format_error(tmp_path: Path, sidecar: bytes) -> None:
    path = save_state_dict(lstm(), tmp_path / "m.pt")
    write_sidecar(path, {"model": "test"}).write_bytes(sidecar)
    with pytest.raises(FormatError, match=r"m\.pt\.json is not a sidecar"):
        load_state_dict(lstm(), path)
