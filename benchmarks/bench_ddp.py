"""Throughput of the shared Trainer under torchrun with 1 and 2 processes on this CPU.

Each run trains week 10's small CNN for one epoch on the same in-memory 28x28 batches (global
batch 256, split across the processes) and reports images per second of the training epoch.
On a 2-core machine two processes share the cores that one process's threads used, so the
speed-up is bounded by the cores, not by DDP; on a multi-GPU machine each process gets a GPU.
Writes reports/bench.json["ddp"].
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader, TensorDataset

from shared import distributed
from shared.bench import record
from shared.training import Trainer
from week10_cnn.cnn import SmallCNN

SAMPLES, GLOBAL_BATCH = 6144, 256


def worker(out: Path) -> None:
    """Train one epoch (under torchrun or alone); rank 0 writes images/s to `out`."""
    g = torch.Generator().manual_seed(0)
    data = TensorDataset(
        torch.randn(SAMPLES, 1, 28, 28, generator=g), torch.randint(0, 10, (SAMPLES,), generator=g)
    )
    loader = DataLoader(data, batch_size=GLOBAL_BATCH, shuffle=True, generator=g)
    torch.manual_seed(0)
    model = SmallCNN(1, 10)
    trainer = Trainer(
        model, torch.optim.SGD(model.parameters(), lr=0.01), device="cpu", progress=False
    )
    start = time.perf_counter()
    trainer.fit(loader, epochs=1)
    seconds = time.perf_counter() - start
    if distributed.is_main():
        out.write_text(json.dumps({"images_per_s": SAMPLES / seconds, "seconds": seconds}))
    distributed.teardown()


def run(processes: int) -> dict:
    """Start `processes` copies under torchrun, threads split evenly; return rank 0's numbers."""
    threads = max(1, (os.cpu_count() or 1) // processes)
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
        cmd += [f"--nproc_per_node={processes}", __file__, "--worker", str(out)]
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        return {**json.loads(out.read_text()), "threads_per_process": threads}


def main() -> None:
    """Measure 1 and 2 processes and record the speed-up."""
    runs = {n: run(n) for n in (1, 2)}
    result = {
        "images_per_s_1_process": round(runs[1]["images_per_s"], 1),
        "images_per_s_2_processes": round(runs[2]["images_per_s"], 1),
        "speedup": round(runs[2]["images_per_s"] / runs[1]["images_per_s"], 3),
        "threads_per_process": {n: r["threads_per_process"] for n, r in runs.items()},
        "global_batch": GLOBAL_BATCH,
        "cpu_count": os.cpu_count(),
    }
    path = record("ddp", result)
    print(
        f"DDP on the CPU: {result['images_per_s_1_process']:.0f} images/s with 1 process, "
        f"{result['images_per_s_2_processes']:.0f} with 2 (x{result['speedup']}); written to {path}"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(Path(sys.argv[2]))
    else:
        main()
