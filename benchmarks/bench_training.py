"""Per-batch overhead of shared.training.Trainer against a hand-written loop on the same model.

Both loops train the same small CNN on the same in-memory 28x28 batches. Each batch is handed
out by a `TimedBatches` iterable that stamps the clock, so the time between two stamps is one
whole training step: forward, loss, backward, optimizer step and, for the Trainer, its metric,
progress-bar and bookkeeping work. The median step time over every step of several alternating
runs is robust to other processes sharing the CPU; the ratio of the two medians is the
Trainer's overhead (target: under 1.05), both in fp32. A third loop is the Trainer in the
precision it picks by itself (bf16 on a CPU with AMX): the speed-up mixed precision buys.
Writes reports/bench.json["training"].
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

import torch
from torch import nn

from shared.bench import record
from shared.devices import precision_for
from shared.training import Trainer

BATCH, STEPS, REPEATS = 128, 60, 6


class TimedBatches:
    """An iterable over fixed batches that records the clock as each batch is handed out."""

    def __init__(self, batches: list) -> None:
        self.batches = batches
        self.stamps: list[float] = []

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self) -> Iterator:
        for batch in self.batches:
            self.stamps.append(time.perf_counter())
            yield batch

    def step_times(self) -> list[float]:
        """Seconds between consecutive batches: one full training step each."""
        return [b - a for a, b in zip(self.stamps, self.stamps[1:], strict=False)]


def make_model() -> nn.Module:
    """A small CNN of the size week 10 trains (conv-pool-conv-pool-fc)."""
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 7 * 7, 10),
    )


def make_batches() -> list[tuple[torch.Tensor, torch.Tensor]]:
    """STEPS fixed batches of random images and labels (data loading is not what is measured)."""
    g = torch.Generator().manual_seed(0)
    return [
        (torch.randn(BATCH, 1, 28, 28, generator=g), torch.randint(0, 10, (BATCH,), generator=g))
        for _ in range(STEPS)
    ]


def hand_written(batches: TimedBatches) -> None:
    """The plain loop: forward, loss, backward, step."""
    model = make_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for x, y in batches:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()


def with_trainer(batches: TimedBatches, amp: bool = False) -> None:
    """The same steps through Trainer.fit (one epoch, accuracy metric and progress bars on)."""
    model = make_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    Trainer(model, opt, device="cpu", amp=amp, progress=True, desc="bench").fit(batches, epochs=1)


def with_trainer_amp(batches: TimedBatches) -> None:
    """Trainer.fit in the precision it picks for this CPU (bf16 where it has AMX)."""
    with_trainer(batches, amp=True)


def main() -> None:
    """Run the loops REPEATS times, rotating which goes first; compare median step times."""
    batches = make_batches()
    loops = [hand_written, with_trainer, with_trainer_amp]
    steps: dict = {loop: [] for loop in loops}
    for i in range(REPEATS):
        for loop in loops[i % 3 :] + loops[: i % 3]:
            timed = TimedBatches(batches)
            loop(timed)
            steps[loop] += timed.step_times()[1:]  # the first step warms caches up
    plain, ours = statistics.median(steps[hand_written]), statistics.median(steps[with_trainer])
    auto = statistics.median(steps[with_trainer_amp])
    precision = precision_for(torch.device("cpu"))
    result = {
        "overhead_ratio": round(ours / plain, 4),
        "auto_precision": precision,
        "auto_precision_speedup": round(ours / auto, 3),
        "images_per_s_trainer": round(BATCH / ours, 1),
        "images_per_s_hand_written": round(BATCH / plain, 1),
        "batch_size": BATCH,
        "steps_timed": len(steps[with_trainer]),
        "threads": torch.get_num_threads(),
        "target_overhead_ratio": 1.05,
    }
    path = record("training", result)
    print(
        f"Trainer / hand-written step time: {ours / plain:.3f} (target < 1.05); "
        f"{result['images_per_s_trainer']:.0f} images/s; {result['auto_precision']} "
        f"{result['auto_precision_speedup']:.2f}x fp32's speed; written to {path}"
    )


if __name__ == "__main__":
    main()
