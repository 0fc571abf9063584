"""torchrun: two CPU processes take the same steps as one process on the same global batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from shared.distributed import shard

HERE = Path(__file__).parent
REPO = HERE.parent.parent


def _torchrun(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """Run `torchrun --standalone --nproc_per_node=2 ARGS` from the venv, one thread a process."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    return subprocess.run(
        [*cmd, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_two_processes_end_with_the_weights_of_one_on_the_same_global_batch(tmp_path) -> None:
    sys.path.insert(0, str(HERE))
    try:
        from ddp_worker import single_process_reference
    finally:
        sys.path.remove(str(HERE))
    done = _torchrun(str(HERE / "ddp_worker.py"), str(tmp_path / "ddp.pt"), "64")
    assert done.returncode == 0, done.stderr[-2000:]
    ddp = torch.load(tmp_path / "ddp.pt", weights_only=True)
    single = single_process_reference(64).model.state_dict()
    assert set(ddp) == set(single)
    for name, weight in single.items():
        assert torch.allclose(ddp[name], weight, atol=1e-5), name
    assert any((w != 0).any() for w in single.values())


def test_the_week_front_door_runs_under_torchrun_and_writes_one_report(tmp_path) -> None:
    out = tmp_path / "week09"
    done = _torchrun(
        "-m", "week09_dl_foundations", "--project", "mnist_mlp", "--fast", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("report in") == 1
    doc = json.loads((out / "metrics.json").read_text())
    assert doc["projects"]["mnist_mlp"]["status"] == "ok"
    assert doc["projects"]["mnist_mlp"]["metrics"]["test_accuracy"] > 0.5
    assert not list(out.rglob("*.part"))


def test_a_batch_that_does_not_split_evenly_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("WORLD_SIZE", "2")
    loader = torch.utils.data.DataLoader(list(range(10)), batch_size=5)
    with pytest.raises(ValueError, match="divisible by the 2 processes"):
        shard(loader)
