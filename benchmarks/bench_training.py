"""Per-batch overhead of shared.training.Trainer against a hand-written loop on the same model.

Both loops train the same small CNN on the same in-memory 28x28 batches for the same number of
steps; the ratio of their wall times is the Trainer's overhead (target: under 1.05). Each is
timed several times, alternating which goes first, and the median of the paired ratios kept
(robust to other processes sharing the CPU). Writes reports/bench.json["training"].
"""

from __future__ import annotations

import statistics
import time

import torch
from torch import nn

from shared.bench import record
from shared.training import Trainer

BATCH, STEPS, REPEATS = 128, 60, 10


def make_model() -> nn.Module:
    """A small CNN of the size week 10 trains (conv-pool-conv-pool-fc)."""
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10),
    )  # fmt: skip


def make_batches() -> list[tuple[torch.Tensor, torch.Tensor]]:
    """STEPS fixed batches of random images and labels (data loading is not what is measured)."""
    g = torch.Generator().manual_seed(0)
    return [(torch.randn(BATCH, 1, 28, 28, generator=g), torch.randint(0, 10, (BATCH,), generator=g))
            for _ in range(STEPS)]  # fmt: skip


def hand_written(batches: list) -> float:
    """The plain loop: forward, loss, backward, step; return seconds."""
    model = make_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    start = time.perf_counter()
    for x, y in batches:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def with_trainer(batches: list) -> float:
    """The same steps through Trainer.fit (one epoch, metrics and progress bars on); seconds."""
    model = make_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    trainer = Trainer(model, opt, device="cpu", progress=True, desc="bench")
    start = time.perf_counter()
    trainer.fit(batches, epochs=1)
    return time.perf_counter() - start


def main() -> None:
    """Time both loops REPEATS times, alternating, and record the median ratio."""
    batches = make_batches()
    hand_written(batches[:5])
    with_trainer(batches[:5])
    plain, ours = [], []
    for i in range(REPEATS):
        first, second = (hand_written, with_trainer) if i % 2 == 0 else (with_trainer, hand_written)
        times = {f: f(batches) for f in (first, second)}
        plain.append(times[hand_written])
        ours.append(times[with_trainer])
    ratio = statistics.median(o / p for o, p in zip(ours, plain, strict=True))
    result = {
        "overhead_ratio": round(ratio, 4),
        "images_per_s_trainer": round(BATCH * STEPS / statistics.median(ours), 1),
        "images_per_s_hand_written": round(BATCH * STEPS / statistics.median(plain), 1),
        "batch_size": BATCH,
        "steps": STEPS,
        "repeats": REPEATS,
        "threads": torch.get_num_threads(),
        "target_overhead_ratio": 1.05,
    }
    path = record("training", result)
    print(f"Trainer / hand-written time: {ratio:.3f} (target < 1.05); "
          f"{result['images_per_s_trainer']:.0f} images/s; written to {path}")  # fmt: skip


if __name__ == "__main__":
    main()
