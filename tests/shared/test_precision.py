"""--precision / ML_ROADMAP_PRECISION: forcing fp32 on an AMX CPU trains in fp32 and says so."""

from __future__ import annotations

import json
import os
import re
import sys
import types

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import shared.devices
from shared.cli import run_week
from shared.devices import PRECISION_ENV, precision_for, precision_setting
from shared.training import Trainer

MODULE = "toy_week.tiny_net"


@pytest.fixture
def amx_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend this CPU has AMX tiles (where `auto` picks bf16), with no precision forced."""
    monkeypatch.setattr(shared.devices, "cpu_has_amx", lambda: True)
    monkeypatch.delenv(PRECISION_ENV, raising=False)


def _fit_and_watch(trainer: Trainer) -> set[torch.dtype]:
    """Fit one epoch and return the dtypes the model's layer computed in while training."""
    seen: set[torch.dtype] = set()
    trainer.model.register_forward_hook(lambda _m, _i, out: seen.add(out.dtype))
    x, y = torch.randn(16, 4), torch.randint(0, 3, (16,))
    trainer.fit(DataLoader(TensorDataset(x, y), batch_size=8), epochs=1)
    return seen


def _trainer() -> Trainer:
    """Return a Trainer for a 4-to-3 linear layer on the CPU, precision as the setting says."""
    model = nn.Linear(4, 3)
    return Trainer(model, torch.optim.SGD(model.parameters(), lr=0.1), device="cpu", progress=False)


def test_auto_trains_in_bf16_on_an_amx_cpu_and_fp32_forced_trains_in_fp32(amx_cpu) -> None:
    auto = _trainer()
    assert auto.precision == "bf16"
    assert _fit_and_watch(auto) == {torch.bfloat16}
    with precision_setting("fp32"):
        forced = _trainer()
    assert forced.precision == "fp32"
    assert _fit_and_watch(forced) == {torch.float32}


def test_bf16_can_be_forced_on_a_cpu_without_amx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shared.devices, "cpu_has_amx", lambda: False)
    monkeypatch.delenv(PRECISION_ENV, raising=False)
    assert precision_for(torch.device("cpu")) == "fp32"
    monkeypatch.setenv(PRECISION_ENV, "bf16")
    assert _fit_and_watch(_trainer()) == {torch.bfloat16}


def test_lightning_and_the_gpt_loop_follow_the_setting(amx_cpu) -> None:
    # Imported here: Lightning alone takes seconds to import, paid by every xdist worker otherwise.
    from week19_genai.projects.gpt_shakespeare import gpt_precision
    from week21_dl_advanced.projects.lightning_unet import lightning_precision

    assert lightning_precision("cpu") == "bf16-mixed"
    assert gpt_precision("cpu") == "fp32"  # auto keeps week 19's GPT in fp32 on a CPU
    with precision_setting("fp32"):
        assert lightning_precision("cpu") == "32-true"
        assert gpt_precision("cuda") == "fp32"
    with precision_setting("bf16"):
        assert gpt_precision("cpu") == "bf16"


def test_a_bad_precision_variable_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PRECISION_ENV, "fp16")
    with pytest.raises(ValueError, match=re.escape("must be one of auto|fp32|bf16, not 'fp16'")):
        precision_for(torch.device("cpu"))


@pytest.fixture
def tiny_net_week(monkeypatch: pytest.MonkeyPatch):
    """A throwaway project that trains a linear layer with the shared Trainer."""
    module = types.ModuleType(MODULE)
    module.__doc__ = "Tiny net.\n\nOne epoch of a linear layer."

    def run(ctx) -> dict:
        trainer = _trainer()
        return {
            "dtypes": len(_fit_and_watch(trainer)),
            "env_during_run": PRECISION_ENV in os.environ,
        }

    module.run = run
    monkeypatch.setitem(sys.modules, MODULE, module)
    return lambda out, *flags: run_week(
        99, "Toy", {"tiny_net": MODULE}, ["--out", str(out), "--fast", *flags]
    )


def test_fp32_forced_on_the_command_line_is_recorded_in_metrics_json(
    amx_cpu, tiny_net_week, tmp_path
) -> None:
    assert tiny_net_week(tmp_path / "auto") == 0
    auto = json.loads((tmp_path / "auto" / "metrics.json").read_text())["projects"]["tiny_net"]
    assert auto["info"]["precision"] == "bf16"
    assert tiny_net_week(tmp_path / "fp32", "--precision", "fp32") == 0
    forced = json.loads((tmp_path / "fp32" / "metrics.json").read_text())["projects"]["tiny_net"]
    assert forced["info"]["precision"] == "fp32"
    assert forced["metrics"]["env_during_run"] == 1.0  # processes the run starts inherit it
    assert PRECISION_ENV not in os.environ  # and it does not outlive the run


def test_the_variable_is_honoured_and_a_bad_one_is_a_one_line_usage_error(
    amx_cpu, tiny_net_week, tmp_path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv(PRECISION_ENV, "fp32")
    assert tiny_net_week(tmp_path) == 0
    doc = json.loads((tmp_path / "metrics.json").read_text())
    assert doc["projects"]["tiny_net"]["info"]["precision"] == "fp32"
    capsys.readouterr()
    monkeypatch.setenv(PRECISION_ENV, "half")
    assert tiny_net_week(tmp_path / "bad") == 2
    err = capsys.readouterr().err
    assert err == "error: ML_ROADMAP_PRECISION must be one of auto|fp32|bf16, not 'half'\n"
    assert not (tmp_path / "bad").exists()


def test_an_unknown_precision_flag_is_a_usage_error(tiny_net_week, tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        tiny_net_week(tmp_path, "--precision", "fp16")
    assert stop.value.code == 2
    assert "--precision: invalid choice: 'fp16'" in capsys.readouterr().err
