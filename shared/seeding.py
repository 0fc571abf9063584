"""One call that makes a run repeatable: Python, NumPy and (when installed) PyTorch."""

from __future__ import annotations

import os
import random

import numpy as np

MAX_SEED = 2**32 - 1  # the largest seed NumPy's legacy RNG accepts


def seed_everything(seed: int, deterministic: bool = False) -> np.random.Generator:
    """Seed every random source a week uses and return a NumPy Generator for explicit use.

    `deterministic` also asks PyTorch for deterministic kernels (slower on a GPU), for runs that
    must repeat bit for bit. Give a DataLoader its own `torch.Generator().manual_seed(seed)` so
    its shuffling is repeatable and checkpointed with the run.
    """
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be in 0 .. {MAX_SEED}, not {seed}")
    random.seed(seed)
    np.random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    try:
        import torch
    except ImportError:
        return np.random.default_rng(seed)
    torch.manual_seed(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
    return np.random.default_rng(seed)
