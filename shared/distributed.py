"""Running one training script on several processes with PyTorch's own engine, torchrun.

`torchrun --standalone --nproc_per_node=N -m weekNN_topic ...` starts N copies of the command,
each with RANK, LOCAL_RANK and WORLD_SIZE in its environment. The Trainer then joins the process
group (gloo on the CPU, nccl on CUDA), wraps the model in DistributedDataParallel, and gives each
process 1/N of every batch through a DistributedSampler; gradients are averaged across processes,
so N processes on batches of B/N take the same steps as one process on batches of B. Only rank 0
writes checkpoints, figures and reports. Without torchrun every function here is a no-op.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported where used, so the CLI can ask for the rank cheaply
    import torch
    from torch.utils.data import DataLoader


def world_size() -> int:
    """Return how many processes torchrun started (1 without torchrun)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def rank() -> int:
    """Return this process's rank (0 without torchrun)."""
    return int(os.environ.get("RANK", "0"))


def is_main() -> bool:
    """Return True in the process that writes files and prints the summary."""
    return rank() == 0


def is_distributed() -> bool:
    """Return True when this process is one of several started by torchrun."""
    return world_size() > 1


def setup(device: torch.device) -> torch.device:
    """Join the process group once (gloo on CPU, nccl on CUDA); return this process's device."""
    import torch
    import torch.distributed as dist

    if device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return device


def shard(loader: DataLoader) -> DataLoader:
    """Return a loader giving this process its 1/N of every batch of `loader` (same order).

    A DistributedSampler deals the shuffled indices round-robin, so the N shards of batch k are
    exactly batch k of a single process using the same sampler with batch size B.
    """
    from torch.utils.data import DataLoader, DistributedSampler, RandomSampler

    n = world_size()
    if isinstance(loader.sampler, DistributedSampler):
        return loader
    if loader.batch_size is None or loader.batch_size % n:
        raise ValueError(
            f"batch size {loader.batch_size} must be divisible by the {n} processes torchrun "
            "started, so every step sees the same global batch; change one of them"
        )
    generator = loader.generator
    seed = generator.initial_seed() if generator is not None else 0
    sampler: DistributedSampler[int] = DistributedSampler(
        loader.dataset,
        num_replicas=n,
        rank=rank(),
        shuffle=isinstance(loader.sampler, RandomSampler),
        seed=seed,
    )
    return DataLoader(
        loader.dataset,
        batch_size=loader.batch_size // n,
        sampler=sampler,
        num_workers=loader.num_workers,
        collate_fn=loader.collate_fn,
        pin_memory=loader.pin_memory,
        drop_last=loader.drop_last,
    )


def all_reduce_sum(tensor: torch.Tensor) -> torch.Tensor:
    """Sum `tensor` in place across processes (no-op without torchrun); return it."""
    if _joined():
        import torch.distributed as dist

        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def barrier() -> None:
    """Wait until every process gets here (no-op without torchrun)."""
    if _joined():
        import torch.distributed as dist

        dist.barrier()


def teardown() -> None:
    """Leave the process group at the end of a run (no-op when none was joined)."""
    if _joined():
        import torch.distributed as dist

        dist.destroy_process_group()


def _joined() -> bool:
    """Return True when this process has joined a process group (without importing torch)."""
    dist = sys.modules.get("torch.distributed")
    return bool(dist and dist.is_available() and dist.is_initialized())
