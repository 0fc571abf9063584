"""Run under torchrun by test_distributed.py: train week 9's MLP a few steps, save the weights.

Usage: torchrun --standalone --nproc_per_node=N tests/shared/ddp_worker.py OUT.pt [GLOBAL_BATCH]
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from shared import distributed
from shared.registry import fetch
from shared.training import Trainer
from shared.vision import load_mnist
from week09_dl_foundations.projects.mnist_mlp import mlp

SAMPLES, SEED = 512, 3


def digits() -> TensorDataset:
    """The first SAMPLES MNIST training digits as flat [0, 1] vectors."""
    splits, _ = load_mnist(fetch("mnist"))
    x = torch.from_numpy(splits.x_train[:SAMPLES].reshape(SAMPLES, -1)).float() / 255
    return TensorDataset(x, torch.from_numpy(splits.y_train[:SAMPLES]).long())


def train(global_batch: int, loader: DataLoader | None = None) -> Trainer:
    """Train a dropout-free week 9 MLP for one epoch (SAMPLES / global_batch SGD steps)."""
    data = digits()
    if loader is None:  # under torchrun the Trainer shards this loader itself
        generator = torch.Generator().manual_seed(SEED)
        loader = DataLoader(data, batch_size=global_batch, shuffle=True, generator=generator)
    torch.manual_seed(0)
    model = mlp(hidden=64, dropout=0.0)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    # fp32: bf16 rounds half a batch's gradients differently from a whole one's
    trainer = Trainer(model, opt, device="cpu", amp=False, progress=False)
    trainer.fit(loader, epochs=1)
    return trainer


def single_process_reference(global_batch: int) -> Trainer:
    """One process, batches of global_batch dealt by the same sampler torchrun's ranks share."""
    data = digits()
    sampler = DistributedSampler(data, num_replicas=1, rank=0, shuffle=True, seed=SEED)
    return train(global_batch, DataLoader(data, batch_size=global_batch, sampler=sampler))


def save_weights(out: Path, global_batch: int) -> None:
    """Train under torchrun and save the weights from rank 0.

    The Trainer (and the DDP reducer it holds) is local, so it is freed when this returns:
    kept alive as a module global it would be destroyed at interpreter exit, after the process
    group, and gloo aborted the process there in about one pytest run in six ("terminate called
    without an active exception").
    """
    trainer = train(global_batch)
    if distributed.is_main():
        torch.save(trainer.model.state_dict(), out)


if __name__ == "__main__":
    save_weights(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 64)
    distributed.teardown()
